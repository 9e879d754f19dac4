/* test-agent.c - the agent's intervals and directory, and pushing: URLs,
 * series names, credentials files, and the bounded queue when the server
 * cannot be reached. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "fixture.h"
#include "push.h"
#include "tap.h"

static char dir[64];

static int exists(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static void test_intervals(void)
{
	char a[64], b[64];

	is_int(agent_next_boundary(31000000000LL, 15000000000LL), 45000000000LL,
	       "an interval ends on the next multiple of its length");
	is_int(agent_next_boundary(30000000000LL, 15000000000LL), 45000000000LL,
	       "one that starts on a multiple lasts a whole interval");
	agent_file_name(1700000000123000000LL, a, sizeof(a));
	is_str(a, "hwprof-20231114T221320.123Z.pb.gz", "profiles are named by their UTC start");
	agent_file_name(1700000061000000000LL, b, sizeof(b));
	ok(strcmp(a, b) < 0, "and the names sort by time");
}

static void test_prune(void)
{
	static const char *names[] = {
		"hwprof-20231114T221320.000Z.pb.gz", "hwprof-20231114T221335.000Z.pb.gz",
		"hwprof-20231114T221350.000Z.pb.gz", "hwprof-20231114T221405.000Z.pb.gz",
		"notes.txt",
	};
	char path[256];

	for (size_t i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		fixture_write(path, "x");
	}
	is_int(agent_prune(dir, 2), 2, "--keep 2 removes all but the newest two profiles");
	ok(!exists(names[0]) && !exists(names[1]) && exists(names[2]) && exists(names[3]),
	   "the oldest go first");
	ok(exists(names[4]), "other files are left alone");
}

static void test_push_words(void)
{
	const char *labels[] = { "env=prod", "region=eu-1" };
	char name[128], path[256], *auth = NULL;

	ok(push_check_url("http://127.0.0.1:4040") == 0 && push_check_url("https://h/p/") == 0,
	   "http and https URLs are taken");
	ok(push_check_url("ftp://h") < 0 && push_check_url("http://") < 0 &&
	   push_check_url("http://h/?x=1") < 0, "other schemes, no host, a query: refused");
	ok(push_name("app", labels, 2, name, sizeof(name)) == 0 &&
	   !strcmp(name, "app{env=prod,region=eu-1}"), "the series is service{k=v,...}");
	labels[1] = "bad key=x";
	is_int(push_name("app", labels, 2, name, sizeof(name)), -EINVAL, "a bad key is refused");
	labels[1] = "k=a,b";
	is_int(push_name("app", labels, 2, name, sizeof(name)), -EINVAL,
	       "a value with a comma is refused");
	snprintf(path, sizeof(path), "%s/auth", dir);
	fixture_write(path, "user:secret\nignored\n");
	chmod(path, 0644);
	is_int(push_read_auth(path, &auth), -EPERM, "a credentials file others can read is refused");
	chmod(path, 0600);
	ok(push_read_auth(path, &auth) == 0 && !strcmp(auth, "user:secret"),
	   "its first line is the credentials");
	free(auth);
	snprintf(path, sizeof(path), "%s/missing", dir);
	is_int(push_read_auth(path, &auth), -ENOENT, "a missing file says so");
}

/* Nothing listens on port 1: every attempt fails to connect. */
static void test_push_down(void)
{
	struct push_opts o = { .url = "http://127.0.0.1:1", .name = "app{}", .sample_rate = 97,
			       .queue_max = 2, .timeout_ms = 1000, .backoff_max_ms = 100 };
	struct push_stats st;
	struct push *p = NULL;
	int r = push_new(&o, &p);

	/* push loads libcurl when asked to push: a machine without it (the
	 * hardware lane's guest) cannot try. */
	if (r == -ENOPKG) {
		skip("pushing to a server that is down", "libcurl.so.4 cannot be loaded here");
		return;
	}
	if (r < 0) {
		ok(0, "push_new");
		return;
	}
	for (int i = 0; i < 4; i++) {
		uint8_t *body = malloc(16);

		memset(body, i, 16);
		push_submit(p, body, 16, 1700000000 + i, 1700000001 + i);
	}
	push_get_stats(p, &st);
	ok(st.queued == 4 && st.dropped >= 1 && st.sent == 0,
	   "a full queue drops its oldest profile, and counts it");
	push_free(p, 300, &st);
	ok(st.sent == 0 && st.rejected == 0 && st.dropped == 4,
	   "what cannot be sent by the end is dropped and counted, never lost silently");
	ok(st.retries >= 1 && strstr(st.last_error, "onnect") != NULL,
	   "connection errors are retried, and the last one is kept in words");
}

int main(void)
{
	char cmd[128];

	snprintf(dir, sizeof(dir), "/tmp/test-agent.XXXXXX");
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	test_intervals();
	test_prune();
	test_push_words();
	test_push_down();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# cleanup failed\n");
	return done_testing();
}
