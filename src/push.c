/* push.c - see push.h.
 *
 * The queue is a ring of items under one mutex; the push thread takes the
 * oldest out, sends it without the lock, and puts it back at the front when it
 * must be retried (unless the queue filled up meanwhile: then it is the
 * oldest, and dropped).  Waits (for work, between retries) are condition
 * waits, so push_free interrupts them. */
#include "push.h"

#include <ctype.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* libcurl, loaded by the first push_new: every other command of hwprof
 * starts without its thirty-odd libraries (some 15 ms of the dynamic
 * loader's time, on the way to an attach's first sample).  Never unloaded:
 * OpenSSL's exit handlers live in what it pulled in. */
struct curl_api {
	CURLcode (*global_init)(long flags);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *c);
	void (*easy_reset)(CURL *c);
	CURLcode (*easy_setopt)(CURL *c, CURLoption o, ...);
	CURLcode (*easy_perform)(CURL *c);
	CURLcode (*easy_getinfo)(CURL *c, CURLINFO i, ...);
	const char *(*easy_strerror)(CURLcode e);
	char *(*easy_escape)(CURL *c, const char *s, int len);
	void (*free)(void *ptr);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
};

/* Fill api from libcurl.so.4.  0, or -ENOPKG when it is not installed. */
static int curl_load(struct curl_api *api)
{
	void *so = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	int ok;

	if (!so)
		return -ENOPKG;
	/* POSIX's way of storing dlsym's answer in a function pointer. */
#define CURL_SYM(field, name) ((*(void **)&api->field = dlsym(so, name)) != NULL)
	ok = CURL_SYM(global_init, "curl_global_init") &&
	     CURL_SYM(global_cleanup, "curl_global_cleanup") &&
	     CURL_SYM(easy_init, "curl_easy_init") &&
	     CURL_SYM(easy_cleanup, "curl_easy_cleanup") &&
	     CURL_SYM(easy_reset, "curl_easy_reset") &&
	     CURL_SYM(easy_setopt, "curl_easy_setopt") &&
	     CURL_SYM(easy_perform, "curl_easy_perform") &&
	     CURL_SYM(easy_getinfo, "curl_easy_getinfo") &&
	     CURL_SYM(easy_strerror, "curl_easy_strerror") &&
	     CURL_SYM(easy_escape, "curl_easy_escape") &&
	     CURL_SYM(free, "curl_free") &&
	     CURL_SYM(slist_append, "curl_slist_append") &&
	     CURL_SYM(slist_free_all, "curl_slist_free_all");
#undef CURL_SYM
	return ok ? 0 : -ENOPKG;
}

struct push_item {
	uint8_t *body;
	size_t len;
	int64_t from, until;
};

struct push {
	struct push_opts o;
	struct curl_api curl;
	char *url, *name, *auth, *tenant;   /* copies */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct push_item *q;                /* ring of o.queue_max */
	size_t head, n;
	int stopping;
	int64_t deadline;                   /* CLOCK_MONOTONIC ns, once stopping */
	struct push_stats st;
	uint64_t rng;                       /* jitter */
};

int push_check_url(const char *url)
{
	const char *host;

	if (strncmp(url, "http://", 7) == 0)
		host = url + 7;
	else if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else
		return -EINVAL;
	if (!*host || *host == '/' || *host == ':' || strpbrk(url, "?# \t\r\n"))
		return -EINVAL;
	return 0;
}

static int label_key_ok(const char *k, size_t len)
{
	if (!len || !(isalpha((unsigned char)k[0]) || k[0] == '_'))
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!isalnum((unsigned char)k[i]) && k[i] != '_' && k[i] != '.')
			return 0;
	return 1;
}

int push_name(const char *service, const char *const *labels, size_t n, char *buf, size_t cap)
{
	size_t off;
	int w;

	if (!*service || strpbrk(service, "{},= \t\n"))
		return -EINVAL;
	w = snprintf(buf, cap, "%s{", service);
	if (w < 0 || (size_t)w >= cap)
		return -ENOSPC;
	off = (size_t)w;
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(labels[i], '=');

		if (!eq || !label_key_ok(labels[i], (size_t)(eq - labels[i])) || !eq[1] ||
		    strpbrk(eq + 1, ",{}=\n"))
			return -EINVAL;
		w = snprintf(buf + off, cap - off, "%s%s", i ? "," : "", labels[i]);
		if (w < 0 || (size_t)w >= cap - off)
			return -ENOSPC;
		off += (size_t)w;
	}
	if (off + 2 > cap)
		return -ENOSPC;
	memcpy(buf + off, "}", 2);
	return 0;
}

int push_read_auth(const char *file, char **out)
{
	struct stat st;
	char *buf;
	size_t len;
	int fd, err;

	*out = NULL;
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	err = fstat(fd, &st) < 0 ? -errno : (st.st_mode & 077) ? -EPERM : 0;
	close(fd);
	if (err)
		return err;
	err = util_read_file(file, &buf, &len);
	if (err)
		return err;
	buf[strcspn(buf, "\r\n")] = '\0';
	if (!buf[0]) {
		free(buf);
		return -EINVAL;
	}
	*out = buf;
	return 0;
}

/* ---- the queue (under p->lock) ---- */

static struct push_item *at(struct push *p, size_t i)
{
	return &p->q[(p->head + i) % p->o.queue_max];
}

static void drop_oldest(struct push *p)
{
	free(at(p, 0)->body);
	p->head = (p->head + 1) % p->o.queue_max;
	p->n--;
	p->st.dropped++;
}

int push_submit(struct push *p, uint8_t *body, size_t len, int64_t from_s, int64_t until_s)
{
	pthread_mutex_lock(&p->lock);
	if (p->n == p->o.queue_max)
		drop_oldest(p);
	*at(p, p->n++) = (struct push_item){ body, len, from_s, until_s };
	p->st.queued++;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

void push_get_stats(struct push *p, struct push_stats *out)
{
	pthread_mutex_lock(&p->lock);
	*out = p->st;
	pthread_mutex_unlock(&p->lock);
}

/* ---- one request ---- */

struct reply {
	long status;
	CURLcode code;
	char err[CURL_ERROR_SIZE];
};

static size_t discard(char *ptr, size_t size, size_t n, void *ctx)
{
	return size * n;
}

/* Abort a transfer still running past the drain deadline. */
static int progress(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct push *p = ctx;
	int stop;

	pthread_mutex_lock(&p->lock);
	stop = p->stopping && util_now_mono_ns() >= p->deadline;
	pthread_mutex_unlock(&p->lock);
	return stop;
}

static void request_url(struct push *p, CURL *c, const struct push_item *it, char *buf, size_t cap)
{
	char *name = p->curl.easy_escape(c, p->name, 0);
	size_t len = strlen(p->url);

	/* A base URL written with a trailing slash gets no second one. */
	while (len && p->url[len - 1] == '/')
		len--;
	snprintf(buf, cap, "%.*s/ingest?name=%s&from=%lld&until=%lld&format=pprof"
		 "&sampleRate=%u&spyName=hwprof", (int)len, p->url, name ? name : "",
		 (long long)it->from, (long long)it->until, p->o.sample_rate);
	p->curl.free(name);
}

static void send_one(struct push *p, CURL *c, const struct push_item *it, struct reply *r)
{
	struct curl_slist *h = NULL;
	char url[4096], line[4096];

	request_url(p, c, it, url, sizeof(url));
	p->curl.easy_reset(c);
	p->curl.easy_setopt(c, CURLOPT_URL, url);
	p->curl.easy_setopt(c, CURLOPT_POST, 1L);
	p->curl.easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)it->body);
	p->curl.easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)it->len);
	h = p->curl.slist_append(h, "Content-Type: application/octet-stream");
	if (p->tenant) {
		snprintf(line, sizeof(line), "X-Scope-OrgID: %s", p->tenant);
		h = p->curl.slist_append(h, line);
	}
	if (p->auth && strchr(p->auth, ':')) {
		p->curl.easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		p->curl.easy_setopt(c, CURLOPT_USERPWD, p->auth);
	} else if (p->auth) {
		snprintf(line, sizeof(line), "Authorization: Bearer %s", p->auth);
		h = p->curl.slist_append(h, line);
	}
	p->curl.easy_setopt(c, CURLOPT_HTTPHEADER, h);
	p->curl.easy_setopt(c, CURLOPT_USERAGENT, "hwprof/" PACKAGE_VERSION);
	p->curl.easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	p->curl.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	p->curl.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, p->o.timeout_ms < 5000 ? p->o.timeout_ms : 5000L);
	p->curl.easy_setopt(c, CURLOPT_TIMEOUT_MS, p->o.timeout_ms);
	p->curl.easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	p->curl.easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress);
	p->curl.easy_setopt(c, CURLOPT_XFERINFODATA, p);
	p->curl.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	r->err[0] = '\0';
	p->curl.easy_setopt(c, CURLOPT_ERRORBUFFER, r->err);
	r->status = 0;
	r->code = p->curl.easy_perform(c);
	if (r->code == CURLE_OK)
		p->curl.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	p->curl.slist_free_all(h);
}

/* ---- the thread ---- */

/* The wait before retry number `attempt` (1, 2, ...): doubling from half a
 * second up to the cap, times a random factor in [0.5, 1.5) so that agents
 * that failed together do not retry together. */
static long backoff_ms(struct push *p, unsigned attempt)
{
	long ms = 500L << (attempt > 16 ? 16 : attempt - 1);
	double jitter;

	if (ms > p->o.backoff_max_ms)
		ms = p->o.backoff_max_ms;
	p->rng = p->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	jitter = 0.5 + (double)(p->rng >> 11) / (double)(1ULL << 53);
	return (long)(ms * jitter);
}

/* Wait until ns (CLOCK_MONOTONIC) or a wake-up, with the lock held. */
static void wait_until(struct push *p, int64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000), (long)(ns % 1000000000) };

	pthread_cond_timedwait(&p->wake, &p->lock, &ts);
}

/* The answer to one attempt, under the lock: 1 when done with the item
 * (sent or rejected), 0 to retry it. */
static int settle(struct push *p, const struct reply *r)
{
	p->st.last_status = (int)r->status;
	if (r->code == CURLE_OK && r->status >= 200 && r->status < 300) {
		p->st.sent++;
		return 1;
	}
	if (r->code != CURLE_OK)
		snprintf(p->st.last_error, sizeof(p->st.last_error), "%s",
			 r->err[0] ? r->err : p->curl.easy_strerror(r->code));
	else
		snprintf(p->st.last_error, sizeof(p->st.last_error), "HTTP status %ld", r->status);
	if (r->code == CURLE_OK && r->status != 429 && r->status < 500) {
		p->st.rejected++;
		return 1;
	}
	p->st.retries++;
	return 0;
}

static void *run(void *arg)
{
	struct push *p = arg;
	CURL *c = p->curl.easy_init();
	unsigned attempt = 0;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct push_item it;
		struct reply r;
		int done;

		while (!p->n && !p->stopping)
			pthread_cond_wait(&p->wake, &p->lock);
		if (!p->n || (p->stopping && util_now_mono_ns() >= p->deadline))
			break;
		it = *at(p, 0);
		p->head = (p->head + 1) % p->o.queue_max;
		p->n--;
		pthread_mutex_unlock(&p->lock);
		if (c) {
			send_one(p, c, &it, &r);
		} else {
			r.code = CURLE_FAILED_INIT;
			snprintf(r.err, sizeof(r.err), "libcurl could not start");
		}
		pthread_mutex_lock(&p->lock);
		done = settle(p, &r);
		if (done || p->n == p->o.queue_max) {
			p->st.dropped += !done;
			free(it.body);
			attempt = 0;
			continue;
		}
		/* Back to the front, and wait before the next try. */
		p->head = (p->head + p->o.queue_max - 1) % p->o.queue_max;
		*at(p, 0) = it;
		p->n++;
		{
			int64_t until = util_now_mono_ns() + backoff_ms(p, ++attempt) * 1000000LL;

			while (util_now_mono_ns() < until && !(p->stopping &&
							       util_now_mono_ns() >= p->deadline))
				wait_until(p, p->stopping && p->deadline < until ? p->deadline : until);
		}
	}
	/* Past the deadline: what is left is dropped. */
	while (p->n)
		drop_oldest(p);
	pthread_mutex_unlock(&p->lock);
	if (c)
		p->curl.easy_cleanup(c);
	return NULL;
}

static char *dup_or_null(const char *s, int *err)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*err = -ENOMEM;
	return d;
}

int push_new(const struct push_opts *o, struct push **out)
{
	struct push *p;
	pthread_condattr_t ca;
	int err = 0;

	*out = NULL;
	if (push_check_url(o->url) < 0)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	err = curl_load(&p->curl);
	if (err < 0) {
		free(p);
		return err;
	}
	if (p->curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		free(p);
		return -ENOMEM;
	}
	p->o = *o;
	if (!p->o.queue_max)
		p->o.queue_max = 8;
	if (!p->o.timeout_ms)
		p->o.timeout_ms = 10000;
	if (!p->o.backoff_max_ms)
		p->o.backoff_max_ms = 30000;
	p->url = dup_or_null(o->url, &err);
	p->name = dup_or_null(o->name ? o->name : "hwprof{}", &err);
	p->auth = dup_or_null(o->auth, &err);
	p->tenant = dup_or_null(o->tenant, &err);
	p->q = calloc(p->o.queue_max, sizeof(*p->q));
	p->rng = (uint64_t)util_now_real_ns() ^ ((uint64_t)getpid() << 32);
	if (err || !p->q) {
		err = -ENOMEM;
		goto fail;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->wake, &ca);
	pthread_condattr_destroy(&ca);
	err = -pthread_create(&p->thread, NULL, run, p);
	if (err) {
		pthread_cond_destroy(&p->wake);
		pthread_mutex_destroy(&p->lock);
		goto fail;
	}
	*out = p;
	return 0;
fail:
	free(p->q);
	free(p->url);
	free(p->name);
	free(p->auth);
	free(p->tenant);
	p->curl.global_cleanup();
	free(p);
	return err;
}

void push_free(struct push *p, long drain_ms, struct push_stats *last)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	p->deadline = util_now_mono_ns() + drain_ms * 1000000LL;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	if (last)
		*last = p->st;
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p->q);
	free(p->url);
	free(p->name);
	if (p->auth)
		memset(p->auth, 0, strlen(p->auth));
	free(p->auth);
	free(p->tenant);
	p->curl.global_cleanup();
	free(p);
}
