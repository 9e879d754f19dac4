/* truncations.h - the unit tests' check that perfrec_decode refuses every
 * record cut short (test-perfrec.c, test-perfrec-records.c). */
#ifndef HWPROF_TRUNCATIONS_H
#define HWPROF_TRUNCATIONS_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "perfrec.h"

/* Every shorter length of a record, as len and as header.size: -EINVAL.
 * 1 when each is refused, else 0. */
static inline int truncations_rejected(const struct perfrec_format *fmt, const void *rec, int size)
{
	unsigned char *copy = malloc(size);
	int bad = 0;
	struct perfrec r;

	for (int len = 0; len < size; len++) {
		uint16_t hs = len;

		/* An exact-size heap copy lets ASan/valgrind catch any overread. */
		memcpy(copy, rec, len);
		if (perfrec_decode(fmt, copy, len, &r) != -EINVAL)
			bad++;
		if (len >= 8) {
			memcpy(copy + 6, &hs, 2);
			if (perfrec_decode(fmt, copy, len, &r) != -EINVAL)
				bad++;
		}
	}
	free(copy);
	return bad == 0;
}

#endif
