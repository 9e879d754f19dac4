/* test-timeline.c - the side file round trip and the Chrome trace JSON. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offcpu.h"
#include "tap.h"
#include "timeline.h"

static char *write_to_string(const struct timeline *t, int chrome)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (chrome)
		timeline_write_chrome(t, f);
	else
		timeline_write(t, f);
	fclose(f);
	return buf;
}

int main(void)
{
	struct timeline *t = NULL, *back = NULL;
	char *text, *again, *json;
	static const char *bad[] = {
		"", "hwprof-timeline 2\n", "hwprof-timeline 1\nx 1 2\n",
		"hwprof-timeline 1\ni 1 2 3 dancing\n", "hwprof-timeline 1\ns 1 two\n",
		"hwprof-timeline 1\nt 1\n",
	};

	ok(timeline_new(&t) == 0, "new");
	timeline_thread(t, 100, 100, "main \"quoted\"");
	timeline_thread(t, 100, 101, "helper");
	timeline_thread(t, 100, 101, "renamed");
	is_int(t->n_threads, 2, "a thread named twice is one thread");
	timeline_add(t, 100, OFFCPU_RUNNING, 1000000, 5000000);
	timeline_add(t, 100, OFFCPU_SLEEPING, 6000000, 4000000);
	timeline_add(t, 101, OFFCPU_LOCK, 2000500, 1234);
	timeline_add(t, 100, -1, 3000000, 0);

	text = write_to_string(t, 0);
	ok(strncmp(text, "hwprof-timeline 1\n", 18) == 0, "magic line");
	ok(strstr(text, "i 100 6000000 4000000 sleeping\n") != NULL, "an interval line");
	ok(strstr(text, "t 100 101 renamed\n") != NULL, "the last name wins");
	is_int(timeline_parse(text, strlen(text), &back), 0, "parse what we wrote");
	again = write_to_string(back, 0);
	is_str(again, text, "round trip is exact");
	free(again);
	timeline_free(back);
	free(text);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		back = (struct timeline *)1;
		is_int(timeline_parse(bad[i], strlen(bad[i]), &back), -EINVAL, "malformed %zu rejected", i);
		ok(back == NULL, "... and *out is NULL");
	}

	json = write_to_string(t, 1);
	ok(strstr(json, "\"traceEvents\":[") != NULL, "a traceEvents array");
	ok(strstr(json, "\"ph\":\"M\",\"pid\":100,\"tid\":101,\"args\":{\"name\":\"renamed\"}") != NULL,
	   "thread_name metadata");
	ok(strstr(json, "main \\\"quoted\\\"") != NULL, "names are JSON-escaped");
	ok(strstr(json, "\"name\":\"sleeping\",\"cat\":\"sched\",\"ph\":\"X\",\"pid\":100,\"tid\":100,"
		  "\"ts\":5000.000,\"dur\":4000.000") != NULL,
	   "an X event, microseconds from the first item:\n%s", json);
	ok(strstr(json, "\"ts\":1000.500,\"dur\":1.234") != NULL, "nanosecond digits kept");
	ok(strstr(json, "\"ph\":\"i\",\"s\":\"t\",\"pid\":100,\"tid\":100,\"ts\":2000.000") != NULL,
	   "a sample is a thread-scoped instant event");
	free(json);
	timeline_free(t);
	timeline_free(NULL);
	return done_testing();
}
