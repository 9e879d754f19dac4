/* flamegraph.c - see flamegraph.h.
 *
 * Stacks are merged into a tree (one node per distinct root-to-frame path),
 * children ordered by name, each laid out right of its previous sibling, with
 * widths proportional to the value.  The SVG is written by hand; every name goes
 * through put_xml, so the output stays well-formed XML whatever the names hold. */
#include "flamegraph.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "util.h"

#define FG_WIDTH        1200    /* image width, px */
#define FG_PAD          10      /* left and right margin */
#define FG_FRAME_H      16      /* one stack level */
#define FG_TOP          60      /* title and buttons */
#define FG_BOTTOM       34      /* details line */
#define FG_HEADING      30      /* the heading line above a second graph */
#define FG_CHAR_W       7.3     /* advance of one monospace character at 12px (fg_style) */
#define FG_MIN_PERMILLE 1       /* frames under 1/1000 of the total are elided */

static uint64_t node_hash(uint32_t parent, const char *name)
{
	return util_hash(name, strlen(name), util_hash(&parent, sizeof(parent), UTIL_HASH_INIT));
}

/* What tree_child looks up: a node is its parent's only child of that name. */
struct fg_child {
	uint32_t parent;
	const char *name;
};

static bool child_eq(const void *ctx, size_t entry, const void *key)
{
	const struct flamegraph *g = ctx;
	const struct flamegraph_node *c = &g->nodes[entry - 1];
	const struct fg_child *k = key;

	return c->parent == k->parent && !strcmp(c->name, k->name);
}

/* The child of parent named name, created if new: its index, or -ENOMEM. */
static int64_t tree_child(struct flamegraph *g, uint32_t parent, const char *name)
{
	struct fg_child k = { parent, name };
	uint64_t h = node_hash(parent, name);
	size_t e = hindex_find(&g->ix, h, child_eq, &k, g);
	struct flamegraph_node *c;

	if (e)
		return (int64_t)e - 1;
	/* Node indexes must fit the uint32_t parent field of their children. */
	if (g->n >= UINT32_MAX - 1 || hindex_reserve(&g->ix) ||
	    util_grow(&g->nodes, &g->cap, g->n + 1, sizeof(*g->nodes)))
		return -ENOMEM;
	c = &g->nodes[g->n];
	c->name = name;
	c->parent = parent;
	c->depth = g->nodes[parent].depth + 1;
	hindex_insert(&g->ix, h, ++g->n);
	return (int64_t)g->n - 1;
}

/* Add value v along a stack of n frame names, root first. */
static int tree_add(struct flamegraph *g, const char **names, int n, int64_t v)
{
	uint32_t cur = 0;

	g->nodes[0].value = util_sat_add(g->nodes[0].value, v);
	for (int k = 0; k < n; k++) {
		int64_t c = tree_child(g, cur, *names[k] ? names[k] : "[unknown]");

		if (c < 0)
			return (int)c;
		cur = (uint32_t)c;
		g->nodes[cur].value = util_sat_add(g->nodes[cur].value, v);
	}
	return 0;
}

int flamegraph_new(const struct profile_value_type *type, struct flamegraph **out)
{
	struct flamegraph *g = calloc(1, sizeof(*g));

	*out = NULL;
	if (!g || util_grow(&g->nodes, &g->cap, 1, sizeof(*g->nodes))) {
		free(g);
		return -ENOMEM;
	}
	g->nodes[0].name = "all";
	g->n = 1;
	g->type = *type;
	*out = g;
	return 0;
}

int flamegraph_add(struct flamegraph *g, const char **names, size_t n, int64_t value)
{
	int err;

	if (value <= 0)
		return 0;
	if (n > INT32_MAX)
		return -E2BIG;
	err = tree_add(g, names, (int)n, value);
	g->total = g->nodes[0].value;
	return err;
}

int64_t flamegraph_find(const struct flamegraph *g, uint32_t parent, const char *name)
{
	struct fg_child k = { parent, name };
	size_t e = hindex_find(&g->ix, node_hash(parent, name), child_eq, &k, g);

	return e ? (int64_t)e - 1 : -1;
}

int flamegraph_build(struct profile *p, size_t type, struct flamegraph **out)
{
	struct flamegraph *g;
	const char **names = NULL;
	size_t cap_names = 0;
	int ret;

	*out = NULL;
	if (type >= p->n_types)
		return -EINVAL;
	ret = flamegraph_new(&p->types[type], &g);
	for (size_t i = 0; i < p->n_samples && !ret; i++) {
		const struct profile_sample *s = &p->samples[i];
		int64_t v = s->values[type];
		int n;

		if (v <= 0)
			continue;
		n = profile_sample_stack(p, s, PROFILE_ROOT_FIRST, &names, &cap_names);
		ret = n < 0 ? n : tree_add(g, names, n, v);
	}
	free(names);
	if (ret) {
		flamegraph_free(g);
		return ret;
	}
	g->total = g->nodes[0].value;
	*out = g;
	return 0;
}

void flamegraph_free(struct flamegraph *g)
{
	if (!g)
		return;
	free(g->nodes);
	free(g->order);
	hindex_free(&g->ix);
	free(g);
}

/* A sort key: the node's parent and name, and its index. */
struct fg_key {
	const char *name;
	uint32_t parent, idx;
};

static int key_cmp(const void *a, const void *b)
{
	const struct fg_key *x = a, *y = b;

	if (x->parent != y->parent)
		return x->parent < y->parent ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Wide enough to draw: at least FG_MIN_PERMILLE of the total. */
static int visible(int64_t v, int64_t total)
{
	return (double)v * 1000 >= (double)total * FG_MIN_PERMILLE;
}

/* Warm colours (red to yellow), stable per name. */
static uint32_t warm_rgb(const char *name)
{
	uint64_t h = util_hash(name, strlen(name), UTIL_HASH_INIT);

	return (205 + (uint32_t)(h % 51)) << 16 | (uint32_t)((h >> 16) % 231) << 8 |
	       (uint32_t)((h >> 32) % 56);
}

/* g->order: the root, then the nodes by (parent, name). */
static int layout_order(struct flamegraph *g)
{
	struct fg_key *keys = calloc(g->n, sizeof(*keys));

	free(g->order);
	g->order = calloc(g->n, sizeof(*g->order));
	if (!keys || !g->order) {
		free(keys);
		return -ENOMEM;
	}
	for (size_t i = 0; i < g->n; i++) {
		keys[i].name = g->nodes[i].name;
		keys[i].parent = g->nodes[i].parent;
		keys[i].idx = i;
	}
	util_sort(keys + 1, g->n - 1, sizeof(*keys), key_cmp);
	for (size_t i = 0; i < g->n; i++)
		g->order[i] = keys[i].idx;
	free(keys);
	return 0;
}

int flamegraph_layout(struct flamegraph *g)
{
	/* Per node, in value units: its offset from the left, and the width of
	 * its children laid out so far. */
	int64_t *left = calloc(g->n, sizeof(*left)), *fill = calloc(g->n, sizeof(*fill));
	double scale = g->total > 0 ? (double)(FG_WIDTH - 2 * FG_PAD) / (double)g->total : 0;
	int err = left && fill ? layout_order(g) : -ENOMEM;

	/* Sorted by (parent, name), the children of a node are consecutive, and a
	 * parent's group comes before its children's (a parent is created first, so
	 * its index is smaller): each node's x is known before its children need it. */
	g->max_depth = 0;
	for (size_t i = 0; !err && i < g->n; i++) {
		uint32_t k = g->order[i];
		struct flamegraph_node *nd = &g->nodes[k];

		if (i) {
			left[k] = util_sat_add(left[nd->parent], fill[nd->parent]);
			fill[nd->parent] = util_sat_add(fill[nd->parent], nd->value);
		}
		nd->x = FG_PAD + (double)left[k] * scale;
		nd->width = (double)nd->value * scale;
		nd->rgb = warm_rgb(nd->name);
		nd->drawn = g->total > 0 && visible(nd->value, g->total);
		if (nd->drawn && (int)nd->depth > g->max_depth)
			g->max_depth = nd->depth;
	}
	free(left);
	free(fill);
	return err;
}

/* Length of the valid UTF-8 sequence at s, or 0 if s does not start one (or
 * starts a character XML forbids: surrogates, U+FFFE, U+FFFF). */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0))
			return 0;
		if (s[0] == 0xef && s[1] == 0xbf && s[2] >= 0xbe)
			return 0;
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

/* Characters of s as put_xml counts them (one per invalid byte). */
static size_t xml_chars(const char *s)
{
	size_t n = 0, l;

	for (const unsigned char *c = (const unsigned char *)s; *c; c += l ? l : 1)
		l = utf8_len(c), n++;
	return n;
}

/* Write at most max characters of s as XML character data: markup escaped,
 * control characters as spaces, invalid UTF-8 as '?'. */
static void put_xml(FILE *out, const char *s, size_t max)
{
	const unsigned char *c = (const unsigned char *)s;

	for (size_t n = 0; *c && n < max; n++) {
		size_t l = utf8_len(c);

		if (!l) {
			putc('?', out);
			c++;
			continue;
		}
		switch (*c) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		default:
			if (*c < ' ')
				putc(' ', out);
			else
				fwrite(c, 1, l, out);
		}
		c += l;
	}
}

/* The frame's label: the whole name if it fits in width px, else a prefix
 * ending in "..", or nothing if not even three characters fit. */
static void put_label(FILE *out, const char *name, double width)
{
	double room = (width - 6) / FG_CHAR_W;
	size_t fit = room > 0 ? (size_t)room : 0, n;

	if (fit < 3)
		return;
	n = xml_chars(name);
	if (n <= fit) {
		put_xml(out, name, n);
		return;
	}
	put_xml(out, name, fit - 2);
	fputs("..", out);
}

static void put_amount(FILE *out, const struct profile_value_type *vt, int64_t v)
{
	char buf[32];

	if (vt->unit && !strcmp(vt->unit, "nanoseconds")) {
		fputs(fmt_ns(buf, sizeof(buf), v, FMT_NS_SHORT, 0), out);
	} else {
		fprintf(out, "%" PRId64 " ", v);
		put_xml(out, vt->unit && strcmp(vt->unit, "count") ? vt->unit : vt->type, SIZE_MAX);
	}
}

static const char fg_style[] =
	"<style type=\"text/css\"><![CDATA[\n"
	"text { font-family: monospace; font-size: 12px; fill: #000; }\n"
	"#title { font-size: 17px; text-anchor: middle; }\n"
	"#subtitle { fill: #555; text-anchor: middle; }\n"
	".heading { font-size: 14px; }\n"
	".f text { pointer-events: none; }\n"
	".f { cursor: pointer; }\n"
	".f:hover rect { stroke: #000; stroke-width: 0.5; }\n"
	".anc rect { opacity: 0.55; }\n"
	".btn { cursor: pointer; fill: #036; text-decoration: underline; }\n"
	".hide { display: none; }\n"
	"]]></style>\n";

/* Zoom: frames inside the clicked one's range and at or above it are scaled to
 * the full width, its ancestors stretched across and dimmed, the rest of its
 * graph hidden (each graph of the image, a <g class="sec">, zooms alone).
 * Ranges are compared with half a pixel of slack: drawn frames are at least
 * 0.1% of the width (about a pixel), so neighbours never pass for descendants. */
static const char fg_script[] =
	"(function () {\n"
	"var frames = [], zoomed = null, term = '';\n"
	"var details = document.getElementById('details');\n"
	"var matched = document.getElementById('matched');\n"
	"var reset = document.getElementById('reset');\n"
	"function nameOf(t) { var i = t.lastIndexOf(' ('); return i < 0 ? t : t.slice(0, i); }\n"
	"function place(f, x, w) {\n"
	"  f.r.setAttribute('x', x.toFixed(2));\n"
	"  f.r.setAttribute('width', w.toFixed(2));\n"
	"  f.t.setAttribute('x', (x + 3).toFixed(2));\n"
	"  var n = Math.floor((w - 6) / CW);\n"
	"  f.t.textContent = n < 3 ? '' : f.name.length <= n ? f.name : f.name.slice(0, n - 2) + '..';\n"
	"}\n"
	"function show(f, on) { if (on) f.g.classList.remove('hide'); else f.g.classList.add('hide'); }\n"
	"function zoom(z) {\n"
	"  var k = W / z.w, e = 0.5;\n"
	"  frames.forEach(function (f) {\n"
	"    if (f.sec !== z.sec) {\n"
	"      return;\n"
	"    } else if (f.y <= z.y && f.x >= z.x - e && f.x + f.w <= z.x + z.w + e) {\n"
	"      show(f, true); f.g.classList.remove('anc'); place(f, PAD + (f.x - z.x) * k, f.w * k);\n"
	"    } else if (f.y > z.y && f.x <= z.x + e && f.x + f.w >= z.x + z.w - e) {\n"
	"      show(f, true); f.g.classList.add('anc'); place(f, PAD, W);\n"
	"    } else {\n"
	"      show(f, false);\n"
	"    }\n"
	"  });\n"
	"  zoomed = z;\n"
	"  /* Zoomed to a root nothing is hidden or dimmed: nothing to reset. */\n"
	"  reset.classList.toggle('hide', !frames.some(function (f) {\n"
	"    return f.g.classList.contains('hide') || f.g.classList.contains('anc'); }));\n"
	"}\n"
	"function unzoom() {\n"
	"  frames.forEach(function (f) { show(f, true); f.g.classList.remove('anc'); place(f, f.x, f.w); });\n"
	"  zoomed = null;\n"
	"  reset.classList.add('hide');\n"
	"}\n"
	"function search(t) {\n"
	"  var re = null, spans = [], sum = 0, end = -1;\n"
	"  term = t || '';\n"
	"  if (term) { try { re = new RegExp(term); } catch (err) { re = null; } }\n"
	"  frames.forEach(function (f) {\n"
	"    var hit = term !== '' && (re ? re.test(f.name) : f.name.indexOf(term) >= 0);\n"
	"    f.r.setAttribute('fill', hit ? 'rgb(230,0,230)' : f.fill);\n"
	"    if (hit && f.sec === frames[0].sec) spans.push([f.x, f.x + f.w]);\n"
	"  });\n"
	"  /* Nested matches overlap: measure the union of their ranges. */\n"
	"  spans.sort(function (a, b) { return a[0] - b[0]; });\n"
	"  spans.forEach(function (s) {\n"
	"    if (s[1] <= end) return;\n"
	"    sum += s[1] - Math.max(s[0], end); end = s[1];\n"
	"  });\n"
	"  matched.textContent = term ? 'Matched: ' + (100 * sum / W).toFixed(1) + '%' : '';\n"
	"}\n"
	"function ask() {\n"
	"  var t = window.prompt('Highlight frames matching (regular expression; empty to clear):', term);\n"
	"  if (t !== null) search(t);\n"
	"}\n"
	"[].forEach.call(document.querySelectorAll('g.f'), function (g) {\n"
	"  var r = g.querySelector('rect'), f = { g: g, r: r, t: g.querySelector('text'),\n"
	"    title: g.querySelector('title').textContent,\n"
	"    x: +r.getAttribute('x'), w: +r.getAttribute('width'), y: +r.getAttribute('y'),\n"
	"    fill: r.getAttribute('fill') };\n"
	"  f.name = nameOf(f.title);\n"
	"  f.sec = g.parentNode;\n"
	"  frames.push(f);\n"
	"  g.addEventListener('click', function () { zoom(f); });\n"
	"  g.addEventListener('mouseover', function () { details.textContent = f.title; });\n"
	"  g.addEventListener('mouseout', function () { details.textContent = ' '; });\n"
	"});\n"
	"reset.addEventListener('click', unzoom);\n"
	"document.getElementById('search').addEventListener('click', ask);\n"
	"window.addEventListener('keydown', function (e) {\n"
	"  if ((e.ctrlKey || e.metaKey) && (e.key === 'f' || e.keyCode === 70)) { e.preventDefault(); ask(); }\n"
	"  else if (e.key === 'Escape') { if (term) search(''); else if (zoomed) unzoom(); }\n"
	"});\n"
	"})();\n";

static void default_subtitle(FILE *out, const struct flamegraph *g, const void *ctx)
{
	(void)ctx;
	if (g->total > 0) {
		fputs("Total: ", out);
		put_amount(out, &g->type, g->total);
		fputs(" (", out);
		put_xml(out, g->type.type, SIZE_MAX);
		fputs("); click a frame to zoom, Ctrl-F to search", out);
	} else {
		fputs("No samples with a positive value of ", out);
		put_xml(out, g->type.type, SIZE_MAX);
	}
}

static void default_detail(FILE *out, const struct flamegraph *g, const struct flamegraph_node *nd,
			   const void *ctx)
{
	(void)ctx;
	put_amount(out, &g->type, nd->value);
	fprintf(out, ", %.2f%%", 100.0 * (double)nd->value / (double)g->total);
}

/* The document up to the frames (height: the whole image's, px): title,
 * subtitle, buttons, the details line. */
static void emit_head(FILE *out, const struct flamegraph *g, const struct flamegraph_words *w,
		      int height)
{
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n", out);
	fprintf(out, "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" "
		"width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n",
		FG_WIDTH, height, FG_WIDTH, height);
	fputs(fg_style, out);
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fdfdf6\"/>\n",
		FG_WIDTH, height);
	fprintf(out, "<text id=\"title\" x=\"%d\" y=\"24\">", FG_WIDTH / 2);
	put_xml(out, w->title ? w->title : "Flame Graph", SIZE_MAX);
	fprintf(out, "</text>\n<text id=\"subtitle\" x=\"%d\" y=\"42\">", FG_WIDTH / 2);
	(w->subtitle ? w->subtitle : default_subtitle)(out, g, w->ctx);
	fprintf(out, "</text>\n<text id=\"reset\" class=\"btn hide\" x=\"%d\" y=\"42\">Reset Zoom</text>\n",
		FG_PAD);
	fprintf(out, "<text id=\"search\" class=\"btn\" x=\"%d\" y=\"42\" text-anchor=\"end\">Search</text>\n",
		FG_WIDTH - FG_PAD);
	fprintf(out, "<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n", FG_PAD, height - 12);
	fprintf(out, "<text id=\"matched\" x=\"%d\" y=\"%d\" text-anchor=\"end\"></text>\n",
		FG_WIDTH - FG_PAD, height - 12);
}

/* The drawn frames of g, its root's top edge at y = top + max_depth levels,
 * as one graph of the image (zoomed on its own). */
static void emit_frames(FILE *out, const struct flamegraph *g, const struct flamegraph_words *w,
			int top)
{
	fputs("<g class=\"sec\">\n", out);
	for (size_t i = 0; i < g->n; i++) {
		const struct flamegraph_node *nd = &g->nodes[g->order[i]];
		int y = top + (g->max_depth - (int)nd->depth) * FG_FRAME_H;

		/* Too narrow to see or click; its descendants are narrower still. */
		if (!nd->drawn)
			continue;
		fputs("<g class=\"f\"><title>", out);
		put_xml(out, nd->name, SIZE_MAX);
		fputs(" (", out);
		(w->detail ? w->detail : default_detail)(out, g, nd, w->ctx);
		fputs(")</title>", out);
		fprintf(out, "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" rx=\"2\" fill=\"",
			nd->x, y, nd->width, FG_FRAME_H - 1);
		fprintf(out, "rgb(%u,%u,%u)", (unsigned)(nd->rgb >> 16), (unsigned)(nd->rgb >> 8 & 0xff),
			(unsigned)(nd->rgb & 0xff));
		fprintf(out, "\"/><text x=\"%.2f\" y=\"%d\">", nd->x + 3, y + FG_FRAME_H - 4);
		put_label(out, nd->name, nd->width);
		fputs("</text></g>\n", out);
	}
	fputs("</g>\n", out);
}

static void emit_tail(FILE *out)
{
	fprintf(out, "<script type=\"text/ecmascript\"><![CDATA[\n"
		"var W = %d, PAD = %d, CW = %.2f;\n", FG_WIDTH - 2 * FG_PAD, FG_PAD, FG_CHAR_W);
	fputs(fg_script, out);
	fputs("]]></script>\n</svg>\n", out);
}

/* Height of a section's frames, px. */
static int section_height(const struct flamegraph *g)
{
	return (g->max_depth + 1) * FG_FRAME_H;
}

int flamegraph_emit_sections(const struct flamegraph_section *s, size_t n, FILE *out)
{
	const struct flamegraph_words defaults = { 0 };
	int height = FG_TOP + FG_BOTTOM, top = FG_TOP;

	if (!n)
		return -EINVAL;
	for (size_t k = 0; k < n; k++)
		height += section_height(s[k].g) + (k ? FG_HEADING : 0);
	emit_head(out, s[0].g, s[0].words ? s[0].words : &defaults, height);
	for (size_t k = 0; k < n; k++) {
		if (k) {
			top += FG_HEADING;
			fprintf(out, "<text class=\"heading\" x=\"%d\" y=\"%d\">", FG_PAD, top - 8);
			put_xml(out, s[k].heading ? s[k].heading : "", SIZE_MAX);
			fputs("</text>\n", out);
		}
		emit_frames(out, s[k].g, s[k].words ? s[k].words : &defaults, top);
		top += section_height(s[k].g);
	}
	emit_tail(out);
	return ferror(out) ? -EIO : 0;
}

int flamegraph_emit(const struct flamegraph *g, const struct flamegraph_words *words, FILE *out)
{
	struct flamegraph_section s = { g, words, NULL };

	return flamegraph_emit_sections(&s, 1, out);
}

void flamegraph_put_text(FILE *out, const char *s)
{
	put_xml(out, s, SIZE_MAX);
}

int flamegraph_write_svg(struct profile *p, size_t type, const char *title, FILE *out)
{
	struct flamegraph_words w = { .title = title };
	struct flamegraph *g = NULL;
	int err = flamegraph_build(p, type, &g);

	if (!err)
		err = flamegraph_layout(g);
	if (!err)
		err = flamegraph_emit(g, &w, out);
	flamegraph_free(g);
	return err;
}
