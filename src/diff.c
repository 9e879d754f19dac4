/* diff.c - see diff.h. */
#include "diff.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "outfile.h"
#include "pprof.h"
#include "stats.h"
#include "util.h"

/* ---- matching names ---- */

/* What GCC and LLVM append to the copies they make of a function. */
static const char *const clone_words[] = {
	"constprop", "isra", "part", "cold", "lto_priv", "llvm", "clone", "localalias",
};

static int is_hex_at(const char *s, size_t n)
{
	if (n < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return 0;
	for (size_t i = 2; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* s[0..n) is one clone word, or (when digits_ok) a run of digits. */
static int clone_token(const char *s, size_t n, int digits_ok)
{
	size_t i = 0;

	for (size_t k = 0; k < sizeof(clone_words) / sizeof(clone_words[0]); k++)
		if (strlen(clone_words[k]) == n && !strncmp(s, clone_words[k], n))
			return 1;
	if (!digits_ok || !n)
		return 0;
	while (i < n && isdigit((unsigned char)s[i]))
		i++;
	return i == n;
}

/* Whether s (starting with '.') is nothing but clone suffixes: a clone word,
 * then clone words or numbers, each after a '.'. */
static int clone_tail(const char *s)
{
	int first = 1;

	while (*s == '.') {
		size_t n = strcspn(s + 1, ".");

		if (!clone_token(s + 1, n, !first))
			return 0;
		first = 0;
		s += 1 + n;
	}
	return !*s;
}

/* Cut an address the name ends with: "+0x..", " 0x..", "@0x..", " [0x..]". */
static void cut_address(char *b)
{
	size_t len = strlen(b);
	char *c;

	if (len && b[len - 1] == ']' && (c = strrchr(b, '[')) && c > b && c[-1] == ' ' &&
	    is_hex_at(c + 1, (size_t)(b + len - 1 - (c + 1)))) {
		c[-1] = '\0';
		return;
	}
	for (c = b + len; c > b && c[-1] != '+' && c[-1] != ' ' && c[-1] != '@'; c--)
		;
	if (c > b + 1 && is_hex_at(c, strlen(c)))
		c[-1] = '\0';
}

const char *diff_match_name(const char *name, char *buf, size_t cap)
{
	char *c;

	snprintf(buf, cap, "%s", name);
	if (!buf[0] || is_hex_at(buf, strlen(buf))) {
		snprintf(buf, cap, "[unknown]");
		return buf;
	}
	cut_address(buf);
	/* Demangled C++ clones: "f(int) [clone .isra.0] [clone .cold]". */
	while ((c = strstr(buf, " [clone .")) && c > buf && c[strlen(c) - 1] == ']')
		*c = '\0';
	for (c = buf + 1; (c = strchr(c, '.')); c++) {
		if (clone_tail(c)) {
			*c = '\0';
			break;
		}
	}
	return buf;
}

/* ---- the table ---- */

int diff_new(size_t n_sides, int want_stacks, struct diff **out)
{
	struct diff *d;

	*out = NULL;
	if (!n_sides)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->sides = calloc(n_sides, sizeof(*d->sides));
	if (!d->sides) {
		free(d);
		return -ENOMEM;
	}
	d->n_sides = n_sides;
	d->want_stacks = want_stacks;
	*out = d;
	return 0;
}

void diff_free(struct diff *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n_fns; i++)
		free(d->fns[i].self);
	for (size_t i = 0; i < d->n_stacks; i++) {
		free(d->stacks[i].frames);
		free(d->stacks[i].value);
	}
	free(d->fns);
	free(d->stacks);
	free(d->sides);
	free(d->scratch);
	hindex_free(&d->fn_ix);
	hindex_free(&d->stack_ix);
	hindex_strs_free(&d->names);
	free(d);
}

static bool fn_eq(const void *ctx, size_t entry, const void *key)
{
	const struct diff *d = ctx;

	/* Names are interned: one pointer per name. */
	return d->fns[entry - 1].name == key;
}

static struct diff_fn *get_fn(struct diff *d, const char *name)
{
	uint64_t h = util_hash(&name, sizeof(name), UTIL_HASH_INIT);
	size_t e = hindex_find(&d->fn_ix, h, fn_eq, name, d);
	struct diff_fn *f;
	double *v;

	if (e)
		return &d->fns[e - 1];
	v = calloc(4 * d->n_sides, sizeof(*v));
	if (!v || hindex_reserve(&d->fn_ix) ||
	    util_grow(&d->fns, &d->cap_fns, d->n_fns + 1, sizeof(*d->fns))) {
		free(v);
		return NULL;
	}
	f = &d->fns[d->n_fns];
	f->name = name;
	f->self = v;
	f->cum = v + d->n_sides;
	f->self_n = v + 2 * d->n_sides;
	f->cum_n = v + 3 * d->n_sides;
	hindex_insert(&d->fn_ix, h, ++d->n_fns);
	return f;
}

/* A stack as stack_eq compares it. */
struct stack_key {
	const char **frames;
	size_t n;
};

static bool stack_eq(const void *ctx, size_t entry, const void *key)
{
	const struct diff_stack *s = &((const struct diff *)ctx)->stacks[entry - 1];
	const struct stack_key *k = key;

	return s->n_frames == k->n && !memcmp(s->frames, k->frames, k->n * sizeof(*k->frames));
}

static struct diff_stack *get_stack(struct diff *d, const char **frames, size_t n)
{
	struct stack_key k = { frames, n };
	uint64_t h = util_hash(frames, n * sizeof(*frames), UTIL_HASH_INIT);
	size_t e = hindex_find(&d->stack_ix, h, stack_eq, &k, d);
	struct diff_stack *s;
	const char **copy;
	double *v;

	if (e)
		return &d->stacks[e - 1];
	copy = malloc((n ? n : 1) * sizeof(*copy));
	v = calloc(2 * d->n_sides, sizeof(*v));
	if (!copy || !v || hindex_reserve(&d->stack_ix) ||
	    util_grow(&d->stacks, &d->cap_stacks, d->n_stacks + 1, sizeof(*d->stacks))) {
		free(copy);
		free(v);
		return NULL;
	}
	memcpy(copy, frames, n * sizeof(*copy));
	s = &d->stacks[d->n_stacks];
	s->frames = copy;
	s->n_frames = n;
	s->value = v;
	s->count = v + d->n_sides;
	hindex_insert(&d->stack_ix, h, ++d->n_stacks);
	return s;
}

/* The stack of sample s as matched names, root first, into d->scratch: the
 * count, or a negative errno. */
static int matched_stack(struct diff *d, struct profile *p, const struct profile_sample *s)
{
	char buf[4096];
	int n = profile_sample_stack(p, s, PROFILE_ROOT_FIRST, &d->scratch, &d->cap_scratch);

	for (int k = 0; k < n; k++) {
		const char *m = diff_match_name(d->scratch[k], buf, sizeof(buf));

		d->scratch[k] = hindex_intern(&d->names, m, strlen(m));
		if (!d->scratch[k])
			return -ENOMEM;
	}
	return n;
}

/* Add one sample (value v, c samples) to side `side`; stamp numbers the
 * sample, so that a function recursing in it counts once in cum. */
static int tally_sample(struct diff *d, size_t side, int n, double v, double c, size_t stamp)
{
	for (int k = n - 1; k >= 0; k--) {
		struct diff_fn *f = get_fn(d, d->scratch[k]);

		if (!f)
			return -ENOMEM;
		if (k == n - 1) {
			f->self[side] += v;
			f->self_n[side] += c;
		}
		if (f->seen != stamp) {
			f->seen = stamp;
			f->cum[side] += v;
			f->cum_n[side] += c;
		}
	}
	if (d->want_stacks) {
		struct diff_stack *st = get_stack(d, d->scratch, (size_t)n);

		if (!st)
			return -ENOMEM;
		st->value[side] += v;
		st->count[side] += c;
	}
	return 0;
}

int diff_tally(struct diff *d, size_t side, struct profile *p, size_t type)
{
	struct diff_side *sd;
	int count;
	/* Stamps grow across calls so that they never repeat within the table. */
	size_t stamp = 0;

	if (side >= d->n_sides || type >= p->n_types)
		return -EINVAL;
	count = stats_count_type(p, type);
	for (size_t i = 0; i < d->n_fns; i++)
		if (d->fns[i].seen > stamp)
			stamp = d->fns[i].seen;
	sd = &d->sides[side];
	sd->counted = count >= 0;
	sd->duration_ns = p->duration_nanos;
	sd->period = p->period;
	for (size_t i = 0; i < p->n_samples; i++) {
		const struct profile_sample *s = &p->samples[i];
		double v = (double)s->values[type], c = count >= 0 ? (double)s->values[count] : 0;
		int n, err;

		if (s->values[type] < 0 || (count >= 0 && s->values[count] < 0))
			return -EINVAL;
		if (!s->values[type])
			continue;
		n = matched_stack(d, p, s);
		if (n < 0)
			return n;
		err = tally_sample(d, side, n, v, c, ++stamp);
		if (err)
			return err;
		sd->total += v;
		sd->samples += c;
	}
	return 0;
}

void diff_scale_side(struct diff *d, size_t side, double factor)
{
	if (side >= d->n_sides)
		return;
	d->sides[side].total *= factor;
	for (size_t i = 0; i < d->n_fns; i++) {
		d->fns[i].self[side] *= factor;
		d->fns[i].cum[side] *= factor;
	}
	for (size_t i = 0; i < d->n_stacks; i++)
		d->stacks[i].value[side] *= factor;
}

int diff_read(const char *path, struct profile **out)
{
	struct profile *p = NULL;
	struct stat st;
	int r = pprof_read_file(path, &p);

	*out = NULL;
	if (r == -EINVAL && stat(path, &st) == 0 && st.st_size == 0)
		r = -ENODATA;
	else if (!r && !p->n_samples)
		r = -ENOMSG;
	else if (!r && diff_is_differential(p))
		r = -EMEDIUMTYPE;
	if (r) {
		profile_free(p);
		return r;
	}
	*out = p;
	return 0;
}

const char *diff_read_strerror(int err)
{
	switch (err) {
	case -EINVAL: return "not a pprof profile (malformed, truncated or another format)";
	case -ENODATA: return "an empty file, not a profile";
	case -ENOMSG: return "no samples: nothing to compare";
	case -EMEDIUMTYPE: return "a differential profile (pprof::base samples); compare the "
				  "profiles it was made of";
	default: return util_strerror(err);
	}
}

int diff_is_differential(const struct profile *p)
{
	for (size_t i = 0; i < p->n_samples; i++) {
		const char *b = profile_sample_label(&p->samples[i], "pprof::base");

		if (b && !strcmp(b, "true"))
			return 1;
	}
	return 0;
}

/* ---- two sides: types, scale, noise, notes ---- */

int diff_same_type(const struct profile *p, const struct profile_value_type *t)
{
	for (size_t k = 0; k < p->n_types; k++)
		if (!strcmp(p->types[k].type, t->type) && !strcmp(p->types[k].unit, t->unit))
			return (int)k;
	return -1;
}

/* Whether plain sample counts compare: they count the same event (the same
 * period type, or neither profile says). */
static int counts_compare(const struct profile *a, const struct profile *b)
{
	return !strcmp(a->period_type.type, b->period_type.type);
}

/* Type k of a, if b has it too (and for "samples", counts the same event). */
static int common(const struct profile *a, const struct profile *b, size_t k)
{
	int j = diff_same_type(b, &a->types[k]);

	return j >= 0 && (strcmp(a->types[k].type, "samples") || counts_compare(a, b)) ? j : -1;
}

/* Append to buf the types of a that b lacks (common's sense), tagged with
 * a's side. */
static void list_dropped(const struct profile *a, const struct profile *b, const char *side,
			 char *buf, size_t cap)
{
	for (size_t k = 0; k < a->n_types; k++) {
		size_t len = strlen(buf);

		if (common(a, b, k) < 0)
			snprintf(buf + len, cap - len, "%s%s (%s only)", len ? ", " : "",
				 a->types[k].type, side);
	}
}

int diff_pick_type(const struct profile *base, const struct profile *new, const char *name,
		   struct diff_pick *out)
{
	int b = -1, n = -1;

	out->dropped[0] = '\0';
	list_dropped(base, new, "BASE", out->dropped, sizeof(out->dropped));
	list_dropped(new, base, "NEW", out->dropped, sizeof(out->dropped));
	if (name) {
		n = profile_type_index(new, name);
		b = n >= 0 ? common(new, base, (size_t)n) : -1;
		if (b < 0)
			return -ENOENT;
	} else {
		if (new->default_sample_type >= 0 && (size_t)new->default_sample_type < new->n_types) {
			n = (int)new->default_sample_type;
			b = common(new, base, (size_t)n);
		}
		for (size_t k = 0; b < 0 && k < new->n_types; k++) {
			n = (int)k;
			b = strcmp(new->types[k].type, "samples") ? common(new, base, k) : -1;
		}
		for (size_t k = 0; b < 0 && k < new->n_types; k++) {
			n = (int)k;
			b = common(new, base, k);
		}
		if (b < 0)
			return -EINVAL;
	}
	out->tb = b;
	out->tn = n;
	return 0;
}

double diff_base_scale(const struct diff *d, enum diff_norm norm)
{
	const struct diff_side *b = &d->sides[0], *n = &d->sides[1];

	if (d->n_sides < 2)
		return 1;
	if (norm == DIFF_NORM_SHARE && b->total > 0 && n->total > 0)
		return n->total / b->total;
	if (norm == DIFF_NORM_TIME && b->duration_ns > 0 && n->duration_ns > 0)
		return (double)n->duration_ns / (double)b->duration_ns;
	return 1;
}

int diff_noise(const struct diff *d, double kb, double vb, double nb, double vn, double nn)
{
	const struct diff_side *b = &d->sides[0], *n = &d->sides[1];
	double wb, wn;

	if (d->n_sides < 2 || !b->counted || !n->counted)
		return 0;
	wb = b->samples > 0 ? kb * b->total / b->samples : 0;
	wn = n->samples > 0 ? n->total / n->samples : 0;
	return fabs(vn - vb) < 2 * sqrt(wb * wb * nb + wn * wn * nn);
}

/* Whether a and b differ by more than 10% of the larger. */
static int differ(double a, double b)
{
	return fabs(a - b) > 0.1 * fmax(fabs(a), fabs(b));
}

const char *diff_suggest_norm(const struct diff *d, char *buf, size_t cap)
{
	const struct diff_side *b = &d->sides[0], *n = &d->sides[1];
	const char *what[3];
	size_t k = 0;

	buf[0] = '\0';
	if (d->n_sides < 2)
		return buf;
	if (b->duration_ns > 0 && n->duration_ns > 0 &&
	    differ((double)b->duration_ns, (double)n->duration_ns))
		what[k++] = "durations";
	if (b->period > 0 && n->period > 0 && differ((double)b->period, (double)n->period))
		what[k++] = "sampling periods";
	if (differ(b->total, n->total))
		what[k++] = "totals";
	if (k)
		snprintf(buf, cap, "BASE and NEW differ by more than 10%% in their %s%s%s%s%s",
			 what[0], k > 2 ? ", " : k > 1 ? " and " : "", k > 1 ? what[1] : "",
			 k > 2 ? " and " : "", k > 2 ? what[2] : "");
	return buf;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

size_t diff_build_id_notes(const struct profile *base, const struct profile *new, char *buf,
			   size_t cap, size_t max)
{
	size_t found = 0, len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < new->n_mappings; i++) {
		const struct profile_mapping *m = &new->mappings[i];

		if (!m->build_id[0] || !m->file[0])
			continue;
		for (size_t j = 0; j < base->n_mappings; j++) {
			const struct profile_mapping *o = &base->mappings[j];
			int dup = 0;

			if (!o->build_id[0] || strcmp(base_name(o->file), base_name(m->file)) ||
			    !strcmp(o->build_id, m->build_id))
				continue;
			/* A file mapped several times (text, data) is one note. */
			for (size_t k = 0; k < i && !dup; k++)
				dup = !strcmp(new->mappings[k].file, m->file) &&
				      !strcmp(new->mappings[k].build_id, m->build_id);
			if (dup)
				break;
			if (found++ < max && len < cap)
				len += (size_t)snprintf(buf + len, cap - len,
							"%s: build id %.16s in BASE, %.16s in NEW\n",
							base_name(m->file), o->build_id, m->build_id);
			break;
		}
	}
	return found;
}

int diff_write_file(const char *path, int (*fn)(FILE *out, const void *ctx), const void *ctx)
{
	struct outfile *of;
	int err;

	if (strcmp(path, "-")) {
		err = outfile_open(path, &of);
		return err < 0 ? err : outfile_close(of, fn(outfile_stream(of), ctx));
	}
	err = fn(stdout, ctx);
	/* Buffered output fails at flush time (ENOSPC, EPIPE): check it too. */
	if (fflush(stdout) && !err)
		err = -errno;
	return err;
}
