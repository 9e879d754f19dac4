/* diffsvg.c - see diffsvg.h.
 *
 * Three graphs of the same stacks: NEW's (drawn), BASE's (only looked up: a
 * NEW frame's BASE value is the value of the same path there) and the
 * vanished stacks' (drawn below NEW's).  flamegraph.c builds, lays out and
 * emits them; this file only colours the frames and words the tooltips. */
#include "diffsvg.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "flamegraph.h"

/* Colours: light to deep for a growth or a loss, by its relative size. */
#define RGB(r, g, b) ((uint32_t)(r) << 16 | (uint32_t)(g) << 8 | (uint32_t)(b))
#define NEW_RGB     RGB(80, 190, 80)    /* no such frame in BASE */
#define NOISE_RGB   RGB(200, 200, 200)  /* the change is within the noise */
#define GONE_RGB    RGB(50, 80, 200)    /* the vanished stacks' own frames */
#define CONTEXT_RGB RGB(232, 232, 222)  /* their callers that NEW still has */
static const uint8_t grew_rgb[2][3] = { { 250, 200, 190 }, { 210, 30, 20 } };
static const uint8_t shrank_rgb[2][3] = { { 195, 210, 250 }, { 30, 80, 210 } };

struct dsvg {
	const struct diff *d;
	const struct diff_view *v;
	const char *title;
	struct flamegraph *gn, *gb, *gv;
	int64_t *base_of;       /* per NEW node: the BASE node of its path, or -1 */
	int64_t *new_of;        /* per vanished-graph node: the NEW node, or -1 */
	double wb, wn;          /* one sample's value on each side (0: not counted) */
};

/* Each node of g's counterpart in other (same path), or -1.  A node's parent
 * has a smaller index, so it is matched first. */
static int64_t *match_nodes(const struct flamegraph *g, const struct flamegraph *other)
{
	int64_t *m = malloc(g->n * sizeof(*m));

	if (!m)
		return NULL;
	m[0] = 0;
	for (size_t k = 1; k < g->n; k++) {
		int64_t p = m[g->nodes[k].parent];

		m[k] = p < 0 ? -1 : flamegraph_find(other, (uint32_t)p, g->nodes[k].name);
	}
	return m;
}

static uint32_t blend(const uint8_t scale[2][3], double t)
{
	uint32_t c[3];

	for (int i = 0; i < 3; i++)
		c[i] = (uint32_t)lround(scale[0][i] + t * (scale[1][i] - scale[0][i]));
	return RGB(c[0], c[1], c[2]);
}

static double base_value(const struct dsvg *s, size_t k)
{
	return s->base_of[k] >= 0 ? (double)s->gb->nodes[s->base_of[k]].value : 0;
}

/* Whether NEW's node k differs from BASE's by less than the noise. */
static int node_noise(const struct dsvg *s, size_t k)
{
	double vb = base_value(s, k), vn = (double)s->gn->nodes[k].value;

	return diff_noise(s->d, s->v->kb, vb, s->wb > 0 ? vb / s->wb : 0, vn,
			  s->wn > 0 ? vn / s->wn : 0);
}

static void colour(struct dsvg *s)
{
	for (size_t k = 0; k < s->gn->n; k++) {
		struct flamegraph_node *nd = &s->gn->nodes[k];
		double vb = base_value(s, k), vn = (double)nd->value;
		/* Deepest at a change of half the BASE value and beyond. */
		double t = vb > 0 ? fmin(1, fabs(vn - vb) / vb / 0.5) : 1;

		if (vb <= 0)
			nd->rgb = NEW_RGB;
		else if (node_noise(s, k) || vn == vb)
			nd->rgb = NOISE_RGB;
		else
			nd->rgb = blend(vn > vb ? grew_rgb : shrank_rgb, 0.2 + 0.8 * t);
	}
	for (size_t k = 0; s->gv && k < s->gv->n; k++)
		s->gv->nodes[k].rgb = s->new_of[k] >= 0 ? CONTEXT_RGB : GONE_RGB;
}

static void put(FILE *out, const char *s)
{
	flamegraph_put_text(out, s);
}

static void subtitle(FILE *out, const struct flamegraph *g, const void *ctx)
{
	const struct dsvg *s = ctx;
	double tb = s->v->kb * s->d->sides[0].total, tn = s->d->sides[1].total;
	char b1[32], b2[32];

	(void)g;
	put(out, "Sized by NEW: red grew, blue shrank, green new since BASE, grey within noise; ");
	put(out, s->v->type.type);
	put(out, " ");
	put(out, diff_show(b1, sizeof(b1), s->d, s->v, tn - tb, 1));
	put(out, " (");
	put(out, diff_show_change(b2, sizeof(b2), tb, tn));
	put(out, ")");
}

static void new_detail(FILE *out, const struct flamegraph *g, const struct flamegraph_node *nd,
		       const void *ctx)
{
	const struct dsvg *s = ctx;
	size_t k = (size_t)(nd - g->nodes);
	double vb = base_value(s, k), vn = (double)nd->value;
	char b[32];

	put(out, "new ");
	put(out, diff_show(b, sizeof(b), s->d, s->v, vn, 0));
	put(out, ", base ");
	put(out, diff_show(b, sizeof(b), s->d, s->v, vb, 0));
	put(out, ", delta ");
	put(out, diff_show(b, sizeof(b), s->d, s->v, vn - vb, 1));
	if (vb > 0) {
		put(out, " (");
		put(out, diff_show_change(b, sizeof(b), vb, vn));
		put(out, node_noise(s, k) ? ", within noise)" : ")");
	} else {
		put(out, ", new since BASE");
	}
}

static void gone_detail(FILE *out, const struct flamegraph *g, const struct flamegraph_node *nd,
			const void *ctx)
{
	const struct dsvg *s = ctx;
	double tb = s->v->kb * s->d->sides[0].total;
	char b[32];

	put(out, "base ");
	put(out, diff_show(b, sizeof(b), s->d, s->v, (double)nd->value, 0));
	if (s->v->norm != DIFF_NORM_SHARE && tb > 0) {
		snprintf(b, sizeof(b), ", %.2f%% of BASE", 100 * (double)nd->value / tb);
		put(out, b);
	}
	put(out, s->new_of[nd - g->nodes] >= 0 ? "; this path is in NEW too" : "; gone in NEW");
}

/* The three graphs, from the diff's stacks.  0 or -errno. */
static int build(struct dsvg *s)
{
	const struct diff *d = s->d;
	int err = flamegraph_new(&s->v->type, &s->gn);

	if (!err)
		err = flamegraph_new(&s->v->type, &s->gb);
	if (!err)
		err = flamegraph_new(&s->v->type, &s->gv);
	for (size_t i = 0; i < d->n_stacks && !err; i++) {
		const struct diff_stack *st = &d->stacks[i];
		int64_t vb = (int64_t)llround(s->v->kb * st->value[0]);
		int64_t vn = (int64_t)llround(st->value[1]);

		err = flamegraph_add(s->gn, st->frames, st->n_frames, vn);
		if (!err)
			err = flamegraph_add(s->gb, st->frames, st->n_frames, vb);
		if (!err && vn <= 0)
			err = flamegraph_add(s->gv, st->frames, st->n_frames, vb);
	}
	if (!err)
		err = flamegraph_layout(s->gn);
	if (!err)
		err = flamegraph_layout(s->gv);
	if (err)
		return err;
	s->base_of = match_nodes(s->gn, s->gb);
	s->new_of = match_nodes(s->gv, s->gn);
	return s->base_of && s->new_of ? 0 : -ENOMEM;
}

int diffsvg_write(const struct diff *d, const struct diff_view *v, const char *title, FILE *out)
{
	struct dsvg s = { .d = d, .v = v, .title = title };
	const struct diff_side *b = &d->sides[0], *n = &d->sides[1];
	struct flamegraph_words wn = { 0 }, wv = { 0 };
	char heading[256], amount[32];
	int err;

	if (d->n_sides != 2)
		return -EINVAL;
	s.wb = b->counted && b->samples > 0 ? v->kb * b->total / b->samples : 0;
	s.wn = n->counted && n->samples > 0 ? n->total / n->samples : 0;
	err = build(&s);
	if (!err) {
		struct flamegraph_section sec[2] = { { s.gn, &wn, NULL }, { s.gv, &wv, heading } };
		double tb = v->kb * b->total;

		colour(&s);
		wn = (struct flamegraph_words){ .title = title ? title : "Differential flame graph",
						.subtitle = subtitle, .detail = new_detail, .ctx = &s };
		wv = (struct flamegraph_words){ .detail = gone_detail, .ctx = &s };
		diff_show(amount, sizeof(amount), d, v, (double)s.gv->total, 0);
		if (s.gv->total > 0)
			snprintf(heading, sizeof(heading), "Vanished since BASE: the stacks NEW no longer "
				 "has, sized by BASE (%s, %.1f%% of BASE); blue: gone, pale: callers "
				 "still in NEW", amount, tb > 0 ? 100 * (double)s.gv->total / tb : 0);
		else
			snprintf(heading, sizeof(heading), "Vanished since BASE: nothing (every stack "
				 "of BASE is in NEW)");
		err = flamegraph_emit_sections(sec, 2, out);
	}
	flamegraph_free(s.gn);
	flamegraph_free(s.gb);
	flamegraph_free(s.gv);
	free(s.base_of);
	free(s.new_of);
	return err;
}
