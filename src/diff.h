/* diff.h - profiles side by side: the values of one sample type per function
 * and per stack, one column per profile ("side"), with frames matched by name
 * so that a rebuild compares cleanly.
 *
 * hwprof diff tallies two sides (BASE, NEW); hwprof gate one side per run.
 * Values are kept as each profile recorded them; diff_base_scale says how to
 * bring BASE to NEW's terms (--normalize), diff_noise whether a change is
 * within the sampling noise.  Not thread safe. */
#ifndef HWPROF_DIFF_H
#define HWPROF_DIFF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hindex.h"
#include "profile.h"

/* The name a frame is matched by, into buf (cap bytes; returns buf): without
 * the suffixes of compiler clones (.constprop.0, .isra.0, .part.0, .cold,
 * .lto_priv.0, .llvm.123, .clone.0, chained: foo.isra.0.cold is foo) and
 * without addresses: "0x7f00" is "[unknown]", "libc.so.6+0x1234" is
 * "libc.so.6", a trailing " 0x1f", "@0x1f" or " [0x1f]" (JIT names) is
 * dropped; "" is "[unknown]". */
const char *diff_match_name(const char *name, char *buf, size_t cap);

/* One function: per side, its self value (samples where it is the leaf),
 * cumulative value (where it is anywhere in the stack, once per sample), and
 * the samples behind each (0 when the side has no sample count). */
struct diff_fn {
	const char *name;
	double *self, *cum, *self_n, *cum_n;    /* [n_sides] each */
	size_t seen;            /* private: 1 + the last sample counted in cum */
};

/* One distinct stack of matched names, root first, with its value and
 * samples per side. */
struct diff_stack {
	const char **frames;
	size_t n_frames;
	double *value, *count;  /* [n_sides] each */
};

struct diff_side {
	double total, samples;  /* of the tallied type; samples 0 when not counted */
	int64_t duration_ns;    /* the profile's, 0 when unknown */
	int64_t period;         /* the profile's sampling period, 0 when unknown */
	int counted;            /* the samples behind the values are known */
};

struct diff {
	size_t n_sides;
	struct diff_side *sides;
	struct diff_fn *fns;
	size_t n_fns;
	struct diff_stack *stacks;      /* only when diff_new was asked for them */
	size_t n_stacks;
	/* private: */
	int want_stacks;
	size_t cap_fns, cap_stacks;
	struct hindex fn_ix, stack_ix;
	struct hindex_strs names;
	const char **scratch;
	size_t cap_scratch;
};

/* An empty table of n_sides columns (stacks too when want_stacks).  Fills
 * *out.  0, -EINVAL for no sides, or -ENOMEM. */
int diff_new(size_t n_sides, int want_stacks, struct diff **out);
void diff_free(struct diff *d);

/* Add the samples of p (sample type `type`) to side `side`.  A sample with
 * a negative value is refused (-EINVAL): differential profiles are not
 * compared again.  0, -EINVAL (bad side or type) or -ENOMEM. */
int diff_tally(struct diff *d, size_t side, struct profile *p, size_t type);

/* Multiply side's values (not its sample counts) by factor: samples
 * counted in "samples" brought to the unit of their period. */
void diff_scale_side(struct diff *d, size_t side, double factor);

/* Read a profile to compare (pprof_read_file) into *out: 0, the -errno of
 * the read, -EINVAL (not a profile), -ENODATA (an empty file), -ENOMSG (no
 * samples) or -EMEDIUMTYPE (a differential profile).  Words for them:
 * diff_read_strerror. */
int diff_read(const char *path, struct profile **out);
const char *diff_read_strerror(int err);

/* Whether p is a differential profile (samples labelled pprof::base=true). */
int diff_is_differential(const struct profile *p);

/* The sample type diff_pick_type chose, and the types it left out. */
struct diff_pick {
	int tb, tn;             /* its index in BASE, in NEW */
	char dropped[512];      /* the types only one side has ("" when none) */
};

/* Which sample type two profiles are compared on: `name` if given (in both,
 * with the same unit), else NEW's default type, else the first one both have
 * that is not the plain "samples" count, else "samples".  Into *out: its
 * index in each, and the types dropped (filled in every case).  0, -ENOENT
 * (name not in both) or -EINVAL (no type in common). */
int diff_pick_type(const struct profile *base, const struct profile *new, const char *name,
		   struct diff_pick *out);

/* The index in p of the type named and measured as t, or -1. */
int diff_same_type(const struct profile *p, const struct profile_value_type *t);

/* How BASE's values are brought to NEW's terms. */
enum diff_norm {
	DIFF_NORM_NONE,         /* as recorded */
	DIFF_NORM_SHARE,        /* scaled to NEW's total: shares compared */
	DIFF_NORM_TIME,         /* scaled to NEW's duration: rates compared */
};

/* The factor for side 0 (BASE) against side 1 (NEW) under norm: 1, NEW's
 * total over BASE's, or NEW's duration over BASE's (1 when either is 0). */
double diff_base_scale(const struct diff *d, enum diff_norm norm);

/* Whether NEW's value vn (from nn samples) and BASE's vb (nb samples, already
 * scaled by kb) differ by less than twice the standard deviation of their
 * difference under Poisson sampling: |vn - vb| < 2 sqrt(wb^2 nb + wn^2 nn),
 * w the value of one sample on each side (for equal weights: |dn| <
 * 2 sqrt(n1 + n2) samples).  0 when the samples are not counted. */
int diff_noise(const struct diff *d, double kb, double vb, double nb, double vn, double nn);

/* Why BASE and NEW (sides 0 and 1) might better be compared normalized: a
 * sentence naming what differs by more than 10% (duration, period, total)
 * into buf, or "" when nothing does.  Returns buf. */
const char *diff_suggest_norm(const struct diff *d, char *buf, size_t cap);

/* Notes on mappings of the same file with different build ids in base and
 * new (a rebuild), one line each, at most max of them, into buf.  Returns
 * how many differ. */
size_t diff_build_id_notes(const struct profile *base, const struct profile *new, char *buf,
			   size_t cap, size_t max);

/* How two sides (BASE 0, NEW 1) are shown. */
struct diff_view {
	enum diff_norm norm;
	double kb;              /* diff_base_scale(d, norm) */
	const char *base_file, *new_file;
	struct profile_value_type type; /* what the values measure */
	size_t rows;            /* table rows; 0: all */
};

/* x (in NEW's terms) as the outputs show it, into buf: a share of NEW's
 * total under DIFF_NORM_SHARE, else in the type's unit; with its sign when
 * sign is set ("+1.20ms", "-0.50%").  Returns buf. */
char *diff_show(char *buf, size_t len, const struct diff *d, const struct diff_view *v, double x,
		int sign);

/* The relative change from base to new ("+12.5%"), "new" when base is 0
 * and new is not, "" when both are.  Returns buf. */
char *diff_show_change(char *buf, size_t len, double base, double new);

/* The functions by |delta self|: base, new, delta and delta% of self and cum
 * (shares of NEW's total under DIFF_NORM_SHARE), each delta marked '~' when
 * within the sampling noise, after a header with both totals.  0 or -EIO. */
int diff_write_table(const struct diff *d, const struct diff_view *v, FILE *out);

/* One line per stack, "root;...;leaf BASE NEW", sorted, BASE scaled by
 * v->kb and both rounded (difffolded.pl's format, which flamegraph.pl
 * reads).  0, -ENOMEM or -EIO. */
int diff_write_folded(const struct diff *d, const struct diff_view *v, FILE *out);

/* Write an output file through fn (which returns 0 or -errno) as outfile.h
 * writes every file; path "-" is stdout (flushed, not closed).  0 or -errno
 * of fn, the open or the close. */
int diff_write_file(const char *path, int (*fn)(FILE *out, const void *ctx), const void *ctx);

#endif
