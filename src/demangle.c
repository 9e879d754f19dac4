/* demangle.c - see demangle.h.
 *
 * The C++ runtime's demangler (__cxa_demangle, libiberty's) gives the whole
 * name; the simpler styles are cut from its text.  Cutting is a matter of
 * brackets, of four kinds that nest differently:
 *  - '<' also spells operators ("operator<", "operator<<=", "operator->"), so
 *    an operator's name is read as one token before anything else;
 *  - inside '(' (parameters, "(anonymous namespace)", a parenthesised template
 *    argument such as "((1)>(2))") only parentheses count;
 *  - inside '<' every kind of bracket nests;
 *  - '[' ("[abi:cxx11]", "[clone .cold]") and '{' ("{lambda(int)#1}") count
 *    only themselves.
 * The text that comes out of the demangler follows one shape,
 *     [RETURN-TYPE ' '] NAME ['(' PARAMETERS ')' [QUALIFIERS]] [' [clone .x]']...
 * where NAME is segments joined by "::" and a segment of a local entity may
 * carry its enclosing function's parameters ("f(int)::{lambda()#1}").  A name
 * of any other shape is shown whole. */
#include "demangle.h"
#include "profile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* From libstdc++ (we link -lstdc++); the C++ ABI's demangler. */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

/* Operator tokens nest inside template arguments only so deep ("&X::operator
 * Y<&Z::operator W<...>>"): beyond this, brackets count as plain brackets. */
#define MAX_NESTING 32

int demangle_parse_style(const char *s, enum demangle_style *out)
{
	if (strcmp(s, "simple") == 0)
		*out = DEMANGLE_SIMPLE;
	else if (strcmp(s, "templates") == 0)
		*out = DEMANGLE_TEMPLATES;
	else if (strcmp(s, "full") == 0)
		*out = DEMANGLE_FULL;
	else
		return -EINVAL;
	return 0;
}

static int is_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$';
}

static int starts(const char *s, size_t i, size_t n, const char *word)
{
	size_t k = strlen(word);

	return n - i >= k && memcmp(s + i, word, k) == 0;
}

/* A word (const, &&, ...) that qualifies a function after its parameters. */
static size_t qualifier_len(const char *s, size_t i, size_t n)
{
	static const char *const words[] = {
		"const", "volatile", "restrict", "&&", "&", "noexcept", "transaction_safe",
	};

	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		size_t k = strlen(words[w]);

		if (starts(s, i, n, words[w]) && (i + k == n || !is_ident(s[i + k]) || !is_ident(s[i])))
			return k;
	}
	return 0;
}

static size_t skip_group(const char *s, size_t i, size_t n, int nest);

/* When s[i..] is the word "operator" naming an operator, the length of the
 * whole token: "operator<<", "operator()", "operator new[]", "operator\"\"
 * _km", or a conversion's "operator std::vector<int, ...>" up to its
 * parameters.  0 when it is not. */
static size_t operator_len(const char *s, size_t i, size_t n, int nest)
{
	static const char *const syms[] = {
		"<=>", "<<=", ">>=", "->*", "<<", ">>", "<=", ">=", "->", "()", "[]", "==", "!=",
		"&&", "||", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<", ">",
		"+", "-", "*", "/", "%", "&", "|", "^", "~", "!", "=", ",",
	};
	static const char *const words[] = { " new[]", " delete[]", " new", " delete", " co_await" };
	size_t j = i + 8;

	if (!starts(s, i, n, "operator") || (i > 0 && is_ident(s[i - 1])) ||
	    (j < n && is_ident(s[j])))
		return 0;
	for (size_t k = 0; k < sizeof(syms) / sizeof(syms[0]); k++)
		if (starts(s, j, n, syms[k]))
			return 8 + strlen(syms[k]);
	for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++)
		if (starts(s, j, n, words[k]) &&
		    (j + strlen(words[k]) == n || !is_ident(s[j + strlen(words[k])])))
			return 8 + strlen(words[k]);
	if (starts(s, j, n, "\"\"")) {
		for (j += 2; j < n && (s[j] == ' ' || is_ident(s[j])); j++)
			;
		return j - i;
	}
	if (j >= n || s[j] != ' ')
		return 0;
	/* A conversion: its type runs to the parameters. */
	while (j < n && s[j] != '(') {
		if (s[j] == '<' && nest < MAX_NESTING)
			j = skip_group(s, j, n, nest + 1);
		else
			j++;
	}
	return j - i;
}

static char closer(char open)
{
	return open == '(' ? ')' : open == '<' ? '>' : open == '[' ? ']' : '}';
}

/* s[i] opens a group: the index just past its closing bracket (n when it is
 * never closed). */
static size_t skip_group(const char *s, size_t i, size_t n, int nest)
{
	char open = s[i], close = closer(open);
	size_t depth = 0;

	for (size_t j = i; j < n; j++) {
		char c = s[j];

		if (open == '<' && j > i && nest < MAX_NESTING) {
			size_t op = operator_len(s, j, n, nest + 1);

			if (op) {
				j += op - 1;
				continue;
			}
			if (c == '(' || c == '[' || c == '{') {
				j = skip_group(s, j, n, nest + 1) - 1;
				continue;
			}
		}
		if (c == open)
			depth++;
		else if (c == close && --depth == 0)
			return j + 1;
	}
	return n;
}

/* Whether s[i..n) is only qualifiers (" const &&"). */
static int only_qualifiers(const char *s, size_t i, size_t n)
{
	while (i < n) {
		size_t q;

		if (s[i] == ' ') {
			i++;
		} else if ((q = qualifier_len(s, i, n)) != 0) {
			i += q;
		} else if (starts(s, i, n, "throw(")) {
			i = skip_group(s, i + 5, n, 0);
		} else {
			return 0;
		}
	}
	return 1;
}

/* Where the parts of the whole name s[0..n) are.  0, or -1 for a shape this
 * module does not cut. */
struct shape {
	size_t name;            /* NAME starts here (after the return type) */
	size_t params;          /* the function's '(' (n when it has none) */
};

/* The last group of parentheses at the top level of s[0..n): its '(' and
 * the index past its ')'; n and n when there is none. */
static void last_parens(const char *s, size_t n, size_t *open, size_t *end)
{
	size_t i = 0;

	*open = *end = n;
	while (i < n) {
		size_t op = operator_len(s, i, n, 0), e;

		if (op) {
			i += op;
		} else if (s[i] == '(' || s[i] == '<' || s[i] == '[' || s[i] == '{') {
			e = skip_group(s, i, n, 0);
			if (s[i] == '(') {
				*open = i;
				*end = e;
			}
			i = e;
		} else {
			i++;
		}
	}
}

static int find_shape(const char *s, size_t n, struct shape *sh)
{
	size_t i = 0, end;
	int after_op = 0, after_parens = 0;

	last_parens(s, n, &sh->params, &end);
	if (sh->params != n && !only_qualifiers(s, end, n))
		sh->params = n;
	sh->name = 0;
	/* Not a function ("vtable for X"): no return type either. */
	if (sh->params == n)
		return 0;
	while (i < sh->params) {
		size_t op = operator_len(s, i, n, 0);
		char c = s[i];

		if (op) {
			i += op;
			after_op = 1;
			after_parens = 0;
			continue;
		}
		if (c == '(' || c == '<' || c == '[' || c == '{') {
			i = skip_group(s, i, n, 0);
			after_op = 0;
			after_parens = c == '(';
			continue;
		}
		/* A space at this level ends the return type, unless it follows
		 * an operator ("operator< <int>") or precedes the qualifiers of
		 * an enclosing function ("f() const::g"). */
		if (c == ' ' && !after_op && !(after_parens && qualifier_len(s, i + 1, n)))
			sh->name = i + 1;
		if (c != ' ')
			after_op = after_parens = 0;
		i++;
	}
	/* "void (*f(int))(double)": a function returning a function pointer. */
	if (sh->name >= sh->params || s[sh->name] == ' ' ||
	    (s[sh->name] == '(' && skip_group(s, sh->name, n, 0) == sh->params &&
	     !starts(s, sh->name, n, "(anonymous namespace)")))
		return -1;
	return 0;
}

/* Copy NAME (s[b..e)) into out as style st has it: template arguments
 * (simple) and ABI tags (simple) dropped, and the parameters and qualifiers
 * of enclosing functions (all but full).  Returns the length written. */
static size_t cut_name(const char *s, size_t b, size_t e, enum demangle_style st, char *out)
{
	size_t o = 0, i = b;

	while (i < e) {
		size_t op = operator_len(s, i, e, 0), g;
		char c = s[i];

		if (op) {
			memcpy(out + o, s + i, op);
			o += op;
			i += op;
			continue;
		}
		if (c != '(' && c != '<' && c != '[' && c != '{') {
			out[o++] = c;
			i++;
			continue;
		}
		g = skip_group(s, i, e, 0);
		if (c == '(' && o > 0 && out[o - 1] != ':') {
			/* An enclosing function's parameters and qualifiers. */
			while (g < e && !starts(s, g, e, "::"))
				g++;
		} else if ((c == '<' && st == DEMANGLE_SIMPLE) ||
			   (c == '[' && st == DEMANGLE_SIMPLE && starts(s, i, e, "[abi:"))) {
			/* dropped */
		} else {
			memcpy(out + o, s + i, g - i);
			o += g - i;
		}
		i = g;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	return o;
}

/* The length of s without its clone suffixes (" [clone .isra.0]"...). */
static size_t without_clones(const char *s, size_t n)
{
	for (;;) {
		const char *c = NULL;

		for (const char *p = s; (p = strstr(p, " [clone ")) && (size_t)(p - s) < n; p++)
			c = p;
		if (!c || s[n - 1] != ']' || memchr(c, ']', n - (size_t)(c - s)) != s + n - 1)
			return n;
		n = (size_t)(c - s);
	}
}

char *demangle_cut(const char *full, enum demangle_style st)
{
	static const char *const prefixes[] = {
		"non-virtual thunk to ", "virtual thunk to ", "covariant return thunk to ",
		"transaction clone for ", "TLS init function for ", "TLS wrapper function for ",
	};
	size_t n = strlen(full), pre = 0, len;
	struct shape sh;
	char *out;

	if (st == DEMANGLE_FULL)
		return strdup(full);
	for (size_t k = 0; k < sizeof(prefixes) / sizeof(prefixes[0]); k++)
		if (starts(full, 0, n, prefixes[k]))
			pre = strlen(prefixes[k]);
	n = without_clones(full, n);
	out = malloc(n + 1);
	if (!out)
		return NULL;
	memcpy(out, full, pre);
	if (find_shape(full + pre, n - pre, &sh) < 0) {
		memcpy(out, full, n);
		out[n] = '\0';
		return out;
	}
	len = cut_name(full + pre, sh.name, sh.params, st, out + pre);
	out[pre + len] = '\0';
	return out;
}

/* ---- Rust's legacy mangling ---- */

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One identifier s[0..len) with its escapes ($LT$, $u20$, ..) decoded into
 * out.  The length written, or -1 for an escape that is not one. */
static long rust_ident(const char *s, size_t len, char *out)
{
	static const struct { const char *code; char c; } codes[] = {
		{ "SP", '@' }, { "BP", '*' }, { "RF", '&' }, { "LT", '<' }, { "GT", '>' },
		{ "LP", '(' }, { "RP", ')' }, { "C", ',' },
	};
	size_t i = 0, o = 0;

	/* An identifier that starts with an escape gets a '_' before it. */
	if (len >= 2 && s[0] == '_' && s[1] == '$')
		i = 1;
	while (i < len) {
		const char *end;
		size_t k, c = 0;

		if (s[i] == '.' && i + 1 < len && s[i + 1] == '.') {
			out[o++] = ':';
			out[o++] = ':';
			i += 2;
			continue;
		}
		if (s[i] != '$') {
			out[o++] = s[i++];
			continue;
		}
		end = memchr(s + i + 1, '$', len - i - 1);
		if (!end)
			return -1;
		k = (size_t)(end - (s + i + 1));
		if (k == 3 && s[i + 1] == 'u' && hexval(s[i + 2]) >= 0 && hexval(s[i + 2]) < 8 &&
		    hexval(s[i + 3]) >= 0 && hexval(s[i + 2]) * 16 + hexval(s[i + 3]) >= ' ') {
			out[o++] = (char)(hexval(s[i + 2]) * 16 + hexval(s[i + 3]));
		} else {
			while (c < sizeof(codes) / sizeof(codes[0]) &&
			       !(strlen(codes[c].code) == k && memcmp(s + i + 1, codes[c].code, k) == 0))
				c++;
			if (c == sizeof(codes) / sizeof(codes[0]))
				return -1;
			out[o++] = codes[c].c;
		}
		i += k + 2;
	}
	return (long)o;
}

/* Whether h[0..16) is a hash: 16 hex digits, at least 5 of them
 * different (a C++ name is not likely to end in one). */
static int rust_hash(const char *h)
{
	unsigned seen = 0;

	for (size_t k = 0; k < 16; k++) {
		if (hexval(h[k]) < 0)
			return 0;
		seen |= 1u << hexval(h[k]);
	}
	return __builtin_popcount(seen) >= 5;
}

/* "_ZN" (<length><identifier>)... "17h" <16 hex digits> "E" [".suffix"],
 * decoded: the path joined by "::", its last part (the hash) only for full.
 * NULL when name is not one (then it may still be C++). */
static char *rust_legacy(const char *name, enum demangle_style st)
{
	size_t n = strlen(name), i = 3, o = 0, last = 0;
	char *out;

	if (n < 24 || strncmp(name, "_ZN", 3) != 0 || !(out = malloc(2 * n)))
		return NULL;
	while (i < n && name[i] != 'E') {
		size_t len = 0;
		long w;

		if (name[i] < '0' || name[i] > '9')
			goto not_rust;
		while (i < n && name[i] >= '0' && name[i] <= '9' && len < n)
			len = len * 10 + (size_t)(name[i++] - '0');
		if (len == 0 || len > n - i)
			goto not_rust;
		last = o;
		if (o) {
			out[o++] = ':';
			out[o++] = ':';
		}
		w = rust_ident(name + i, len, out + o);
		if (w < 0)
			goto not_rust;
		o += (size_t)w;
		i += len;
	}
	/* The hash: "h" and 16 hex digits, the last identifier. */
	if (i >= n || (i + 1 < n && name[i + 1] != '.') || last == 0 || o - last != 19 ||
	    out[o - 17] != 'h' || !rust_hash(out + o - 16))
		goto not_rust;
	out[st == DEMANGLE_FULL ? o : last] = '\0';
	return out;
not_rust:
	free(out);
	return NULL;
}

char *demangle_name(const char *name, enum demangle_style st)
{
	char *full, *r;
	int status = -1;

	/* Only Itanium-ABI names: __cxa_demangle would also "demangle" plain
	 * C identifiers that happen to look like type names. */
	if (strncmp(name, "_Z", 2) != 0)
		return NULL;
	r = rust_legacy(name, st);
	if (r)
		return r;
	full = __cxa_demangle(name, NULL, NULL, &status);
	if (!full || status != 0) {
		free(full);
		return NULL;
	}
	if (st == DEMANGLE_FULL)
		return full;
	r = demangle_cut(full, st);
	free(full);
	return r;
}

/* ---- profiles ---- */

struct renaming {
	enum demangle_style st;
	char *last;             /* the name handed out last, freed with the next */
};

static const char *rename_fn(void *ctx, const struct profile_function *f)
{
	struct renaming *r = ctx;

	free(r->last);
	r->last = demangle_name(f->system_name, r->st);
	return r->last;
}

int demangle_profile(struct profile *p, enum demangle_style st)
{
	struct renaming r = { st, NULL };
	int err = profile_rename_functions(p, rename_fn, &r);

	free(r.last);
	return err;
}
