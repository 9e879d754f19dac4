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
#include "hindex.h"
#include "util.h"

#define FG_WIDTH        1200    /* image width, px */
#define FG_PAD          10      /* left and right margin */
#define FG_FRAME_H      16      /* one stack level */
#define FG_TOP          60      /* title and buttons */
#define FG_BOTTOM       34      /* details line */
#define FG_CHAR_W       7.3     /* advance of one monospace character at 12px (fg_style) */
#define FG_MIN_PERMILLE 1       /* frames under 1/1000 of the total are elided */

struct fg_node {
	const char *name;
	uint32_t parent;
	uint32_t depth;
	int64_t value;
	int64_t x;              /* offset from the left, in value units */
	int64_t fill;           /* children laid out so far, in value units */
};

struct fg_tree {
	struct fg_node *nodes;
	size_t n, cap;
	struct hindex ix;       /* by (parent, name); entries are 1 + node index */
};

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
	const struct fg_tree *t = ctx;
	const struct fg_node *c = &t->nodes[entry - 1];
	const struct fg_child *k = key;

	return c->parent == k->parent && !strcmp(c->name, k->name);
}

/* The child of parent named name, created if new: its index, or -ENOMEM. */
static int64_t tree_child(struct fg_tree *t, uint32_t parent, const char *name)
{
	struct fg_child k = { parent, name };
	uint64_t h = node_hash(parent, name);
	size_t e = hindex_find(&t->ix, h, child_eq, &k, t);
	struct fg_node *c;

	if (e)
		return (int64_t)e - 1;
	/* Node indexes must fit the uint32_t parent field of their children. */
	if (t->n >= UINT32_MAX - 1 || hindex_reserve(&t->ix) ||
	    util_grow(&t->nodes, &t->cap, t->n + 1, sizeof(*t->nodes)))
		return -ENOMEM;
	c = &t->nodes[t->n];
	c->name = name;
	c->parent = parent;
	c->depth = t->nodes[parent].depth + 1;
	hindex_insert(&t->ix, h, ++t->n);
	return (int64_t)t->n - 1;
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

/* Warm colours (red to yellow), stable per name so a function keeps its colour
 * across graphs. */
static void put_color(FILE *out, const char *name)
{
	uint64_t h = util_hash(name, strlen(name), UTIL_HASH_INIT);

	fprintf(out, "rgb(%u,%u,%u)", 205 + (unsigned)(h % 51),
		(unsigned)((h >> 16) % 231), (unsigned)((h >> 32) % 56));
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
	".f text { pointer-events: none; }\n"
	".f { cursor: pointer; }\n"
	".f:hover rect { stroke: #000; stroke-width: 0.5; }\n"
	".anc rect { opacity: 0.55; }\n"
	".btn { cursor: pointer; fill: #036; text-decoration: underline; }\n"
	".hide { display: none; }\n"
	"]]></style>\n";

/* Zoom: frames inside the clicked one's range and at or above it are scaled to
 * the full width, its ancestors stretched across and dimmed, the rest hidden.
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
	"    if (f.y <= z.y && f.x >= z.x - e && f.x + f.w <= z.x + z.w + e) {\n"
	"      show(f, true); f.g.classList.remove('anc'); place(f, PAD + (f.x - z.x) * k, f.w * k);\n"
	"    } else if (f.y > z.y && f.x <= z.x + e && f.x + f.w >= z.x + z.w - e) {\n"
	"      show(f, true); f.g.classList.add('anc'); place(f, PAD, W);\n"
	"    } else {\n"
	"      show(f, false);\n"
	"    }\n"
	"  });\n"
	"  zoomed = z;\n"
	"  reset.classList.toggle('hide', z.y === ROOTY);\n"
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
	"    if (hit) spans.push([f.x, f.x + f.w]);\n"
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

static void put_frame(FILE *out, const struct fg_node *nd, const struct profile_value_type *vt,
		      int64_t total, int max_depth)
{
	double scale = (double)(FG_WIDTH - 2 * FG_PAD) / (double)total;
	double x = FG_PAD + (double)nd->x * scale, w = (double)nd->value * scale;
	int y = FG_TOP + (max_depth - (int)nd->depth) * FG_FRAME_H;

	fputs("<g class=\"f\"><title>", out);
	put_xml(out, nd->name, SIZE_MAX);
	fputs(" (", out);
	put_amount(out, vt, nd->value);
	fprintf(out, ", %.2f%%)</title>", 100.0 * (double)nd->value / (double)total);
	fprintf(out, "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" rx=\"2\" fill=\"",
		x, y, w, FG_FRAME_H - 1);
	put_color(out, nd->name);
	fprintf(out, "\"/><text x=\"%.2f\" y=\"%d\">", x + 3, y + FG_FRAME_H - 4);
	put_label(out, nd->name, w);
	fputs("</text></g>\n", out);
}

int flamegraph_write_svg(struct profile *p, size_t type, const char *title, FILE *out)
{
	struct fg_tree t = { 0 };
	const char **names = NULL;
	struct fg_key *order = NULL;
	size_t cap_names = 0;
	int64_t total;
	int max_depth = 0, height, ret = 0;

	if (type >= p->n_types)
		return -EINVAL;
	if (util_grow(&t.nodes, &t.cap, 1, sizeof(*t.nodes))) {
		ret = -ENOMEM;
		goto out;
	}
	t.nodes[0].name = "all";
	t.n = 1;
	for (size_t i = 0; i < p->n_samples; i++) {
		const struct profile_sample *s = &p->samples[i];
		int64_t v = s->values[type];
		uint32_t cur = 0;
		int n;

		/* Widths cannot be negative: a diff profile's losses have no place here. */
		if (v <= 0)
			continue;
		n = profile_sample_stack(p, s, PROFILE_ROOT_FIRST, &names, &cap_names);
		if (n < 0) {
			ret = n;
			goto out;
		}
		t.nodes[0].value += v;
		for (int k = 0; k < n; k++) {
			int64_t c = tree_child(&t, cur, *names[k] ? names[k] : "[unknown]");

			if (c < 0) {
				ret = (int)c;
				goto out;
			}
			cur = (uint32_t)c;
			t.nodes[cur].value += v;
		}
	}
	total = t.nodes[0].value;

	/* Sorted by (parent, name), the children of a node are consecutive, and a
	 * parent's group comes before its children's (a parent is created first, so
	 * its index is smaller): each node's x is known before its children need it. */
	order = calloc(t.n, sizeof(*order));
	if (!order) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < t.n; i++) {
		order[i].name = t.nodes[i].name;
		order[i].parent = t.nodes[i].parent;
		order[i].idx = i;
	}
	if (t.n > 1)
		qsort(order + 1, t.n - 1, sizeof(*order), key_cmp);
	for (size_t i = 1; i < t.n; i++) {
		struct fg_node *nd = &t.nodes[order[i].idx], *par = &t.nodes[nd->parent];

		nd->x = par->x + par->fill;
		par->fill += nd->value;
		if (visible(nd->value, total) && (int)nd->depth > max_depth)
			max_depth = nd->depth;
	}

	height = FG_TOP + (max_depth + 1) * FG_FRAME_H + FG_BOTTOM;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n", out);
	fprintf(out, "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" "
		"width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n",
		FG_WIDTH, height, FG_WIDTH, height);
	fputs(fg_style, out);
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fdfdf6\"/>\n",
		FG_WIDTH, height);
	fprintf(out, "<text id=\"title\" x=\"%d\" y=\"24\">", FG_WIDTH / 2);
	put_xml(out, title ? title : "Flame Graph", SIZE_MAX);
	fprintf(out, "</text>\n<text id=\"subtitle\" x=\"%d\" y=\"42\">", FG_WIDTH / 2);
	if (total > 0) {
		fputs("Total: ", out);
		put_amount(out, &p->types[type], total);
		fputs(" (", out);
		put_xml(out, p->types[type].type, SIZE_MAX);
		fputs("); click a frame to zoom, Ctrl-F to search", out);
	} else {
		fputs("No samples with a positive value of ", out);
		put_xml(out, p->types[type].type, SIZE_MAX);
	}
	fprintf(out, "</text>\n<text id=\"reset\" class=\"btn hide\" x=\"%d\" y=\"42\">Reset Zoom</text>\n",
		FG_PAD);
	fprintf(out, "<text id=\"search\" class=\"btn\" x=\"%d\" y=\"42\" text-anchor=\"end\">Search</text>\n",
		FG_WIDTH - FG_PAD);
	fprintf(out, "<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n", FG_PAD, height - 12);
	fprintf(out, "<text id=\"matched\" x=\"%d\" y=\"%d\" text-anchor=\"end\"></text>\n",
		FG_WIDTH - FG_PAD, height - 12);
	for (size_t i = 0; total > 0 && i < t.n; i++) {
		const struct fg_node *nd = &t.nodes[order[i].idx];

		/* Too narrow to see or click; its descendants are narrower still. */
		if (!visible(nd->value, total))
			continue;
		put_frame(out, nd, &p->types[type], total, max_depth);
	}
	fprintf(out, "<script type=\"text/ecmascript\"><![CDATA[\n"
		"var W = %d, PAD = %d, CW = %.2f, ROOTY = %d;\n",
		FG_WIDTH - 2 * FG_PAD, FG_PAD, FG_CHAR_W, FG_TOP + max_depth * FG_FRAME_H);
	fputs(fg_script, out);
	fputs("]]></script>\n</svg>\n", out);
	if (ferror(out))
		ret = -EIO;
out:
	free(order);
	free(t.nodes);
	hindex_free(&t.ix);
	free(names);
	return ret;
}
