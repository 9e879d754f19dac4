/* fuzz-json.c - libFuzzer target for json_parse and for reading stat's JSON
 * back (gate_add_stat), built and run by tests/fuzz/run.sh.
 *
 * Any input must parse or give -EINVAL with an offset inside it, without a
 * crash or leak; a document that parses must go through gate_add_stat (as
 * both sides) without one. */
#include "gate.h"
#include "json.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gate_result *r = NULL;
	struct gate_opts o;
	struct json *j = NULL;
	char notes[512];
	size_t at = 0;
	int err = json_parse((const char *)data, size, &j, &at);

	if ((err == 0) != (j != NULL) || (err == -EINVAL && at > size))
		abort();
	if (err)
		return 0;
	gate_opts_init(&o);
	if (gate_counters(5, 5, &o, &r) == 0) {
		if (gate_add_stat(r, j, j, notes, sizeof(notes)) >= 0)
			gate_finish(r);
	}
	gate_result_free(r);
	json_free(j);
	return 0;
}
