/* fuzz-pprof.c - libFuzzer target for pprof_decode.
 *
 *   clang -g -fsanitize=fuzzer,address,undefined -Isrc -I<dir of profile.pb-c.h> \
 *     src/profile.c src/pprof.c src/util.c profile.pb-c.c tests/fuzz/fuzz-pprof.c \
 *     -lprotobuf-c -lz -o fuzz-pprof && ./fuzz-pprof -max_total_time=30 CORPUS
 *
 * Any input must give 0 with a profile or an error with NULL, without a crash or
 * leak.  A profile that decodes must also survive encode -> decode, keeping its
 * tables (samples may only merge further: "" and none are one string index). */
#include "pprof.h"
#include "profile.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile *p = NULL, *q = NULL;
	uint8_t *buf = NULL;
	size_t len;
	int err;

	err = pprof_decode(data, size, &p);
	if ((err == 0) != (p != NULL))
		abort();
	if (err)
		return 0;
	for (size_t t = 0; t < p->n_types; t++)
		(void)profile_total(p, t);
	for (size_t i = 0; i < p->n_samples; i++) {
		const char *names[64];

		(void)profile_sample_frames(p, &p->samples[i], names, 64);
		(void)profile_sample_label(&p->samples[i], "thread");
	}
	if (pprof_encode(p, &buf, &len))
		abort();
	if (pprof_decode(buf, len, &q))
		abort();
	if (q->n_types != p->n_types || q->n_mappings != p->n_mappings ||
	    q->n_functions != p->n_functions || q->n_locations != p->n_locations ||
	    q->n_samples > p->n_samples || q->n_comments != p->n_comments ||
	    profile_total(q, 0) != profile_total(p, 0))
		abort();
	free(buf);
	profile_free(q);
	profile_free(p);
	return 0;
}
