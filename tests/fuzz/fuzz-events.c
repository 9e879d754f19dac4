/* fuzz-events.c - libFuzzer target for event strings (events_parse), what
 * `-e` takes: names, modifiers, groups, presets, tracepoints (built and run by
 * tests/fuzz/run.sh from the source tree, which it reads presets from).
 *
 * Any input must parse or be refused with a one-line message, without a crash
 * or leak; a parsed list must be well formed: at least one event, every group
 * led by an event before or at its members, names and types NUL-terminated. */
#include "events.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* The shipped presets and a fixed tracefs, not this machine's. */
	setenv("HWPROF_EVENTS_DIR", "events", 0);
	setenv("HWPROF_TRACEFS", "tests/unit/fixtures/tracefs", 0);
	return 0;
}

static void check(const struct event_list *l)
{
	if (l->n == 0)
		abort();
	for (size_t i = 0; i < l->n; i++) {
		const struct event *e = &l->ev[i];
		size_t lead = (size_t)e->leader;

		if (lead > i || l->ev[lead].leader != e->leader)
			abort();
		if (!memchr(e->name, 0, sizeof(e->name)) || !memchr(e->sample_type, 0, sizeof(e->sample_type)) ||
		    !memchr(e->unit, 0, sizeof(e->unit)))
			abort();
		if (events_group_size(l, lead) == 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct event_list *l = NULL;
	char err[512];
	char *text;

	/* Event lists are short: long inputs only slow the suggestions down. */
	if (size > 4096)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	if (events_parse(text, &l, err, sizeof(err)) == 0) {
		check(l);
		/* A second list appended to the first, as record's --off-cpu does;
		 * a refusal leaves the list as it was. */
		events_append(l, text, err, sizeof(err));
		check(l);
	} else if (!err[0] || !memchr(err, 0, sizeof(err)) || strchr(err, '\n')) {
		abort();
	}
	events_free(l);
	free(text);
	return 0;
}
