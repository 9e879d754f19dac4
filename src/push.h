/* push.h - send finished profiles to Pyroscope's HTTP ingest API (libcurl).
 *
 * Each profile is one request, POST URL/ingest?name=NAME&from=S&until=S
 * &format=pprof&sampleRate=HZ&spyName=hwprof with the gzipped pprof as the
 * body (application/octet-stream): the query parameters of Pyroscope's server
 * API page, and its ingest handler reads a format=pprof body as the profile
 * itself, gzipped or not (docs/hwprof.1 lists what was checked).
 *
 * A thread of its own does the sending, so that sampling never waits for the
 * network: push_submit only queues.  The queue is bounded (the oldest profile
 * is dropped and counted); 429, 5xx and connection errors are retried with
 * exponential backoff and jitter; other answers (400, 413, 422: the server will
 * not take it) drop the profile, counted as rejected.  push_submit and
 * push_stats may be called from one thread other than the push thread. */
#ifndef HWPROF_PUSH_H
#define HWPROF_PUSH_H

#include <stddef.h>
#include <stdint.h>

struct push_opts {
	const char *url;          /* the server, e.g. http://host:4040 ("/ingest" added) */
	const char *name;         /* series: SERVICE{key=value,...} (push_name) */
	unsigned sample_rate;     /* Hz */
	const char *auth;         /* "user:password" (basic) or a token (bearer), or NULL */
	const char *tenant;       /* X-Scope-OrgID, or NULL */
	size_t queue_max;         /* profiles waiting at most (0: 8) */
	long timeout_ms;          /* one request at most (0: 10 s) */
	long backoff_max_ms;      /* longest wait between retries (0: 30 s) */
};

/* Room for libcurl's error text (its CURL_ERROR_SIZE is 256). */
#define PUSH_ERROR_SIZE 256

struct push_stats {
	uint64_t queued;          /* profiles submitted */
	uint64_t sent;            /* ... accepted by the server (2xx) */
	uint64_t dropped;         /* ... dropped from a full queue (or at exit) */
	uint64_t rejected;        /* ... refused by the server for good (4xx) */
	uint64_t retries;         /* failed attempts retried */
	int last_status;          /* HTTP status of the last answer, 0: none */
	char last_error[PUSH_ERROR_SIZE + 16]; /* the last failure in words, "" when none */
};

/* Whether url can be pushed to: http:// or https://, a host, no query or
 * fragment.  0 or -EINVAL. */
int push_check_url(const char *url);

/* The series name Pyroscope keys profiles by: service{k=v,...} from service
 * and the "k=v" strings labels[0..n), into buf.  0, or -EINVAL when a key is
 * not [A-Za-z_][A-Za-z0-9_.]* or a value holds ',', '{', '}' or '=', or
 * -ENOSPC. */
int push_name(const char *service, const char *const *labels, size_t n, char *buf, size_t cap);

/* Read credentials from the first line of file (mode bits for group and
 * others are refused: a secret readable by others is a mistake) into a
 * malloc'd *out.  0, -errno of the open or read, -EPERM for such a mode,
 * -EINVAL for an empty line. */
int push_read_auth(const char *file, char **out);

struct push;

/* Load libcurl (libcurl.so.4) and start the push thread.  o's strings are
 * copied.  0, -EINVAL for a bad URL, -ENOPKG when libcurl is not installed,
 * -ENOMEM, or -errno of the thread's creation. */
int push_new(const struct push_opts *o, struct push **out);

/* Queue one profile (body, len: malloc'd, owned by the queue from now on)
 * covering [from_s, until_s] in Unix seconds.  Never blocks on the network.
 * 0, or -ENOMEM (body freed). */
int push_submit(struct push *p, uint8_t *body, size_t len, int64_t from_s, int64_t until_s);

/* The counters so far. */
void push_get_stats(struct push *p, struct push_stats *out);

/* Send what is queued for at most drain_ms more (no new retries past it; the
 * rest is counted as dropped), stop the thread, free.  Accepts NULL. */
void push_free(struct push *p, long drain_ms, struct push_stats *last);

#endif
