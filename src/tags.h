/* tags.h - label breakdown, like `pprof -tags`: for each label key, the share of
 * sample type `type` per label value, largest first; samples with no value of
 * that type are left out. */
#ifndef HWPROF_TAGS_H
#define HWPROF_TAGS_H

#include <stdio.h>
#include "profile.h"

/* Returns 0, -EINVAL for a bad type, -ENOMEM. */
int tags_write(const struct profile *p, size_t type, FILE *out);

#endif
