/* folded.c - see folded.h. */
#include "folded.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct folded_line {
	char *stack;
	int64_t value;
};

int folded_frames(struct profile *p, const struct profile_sample *s,
		  const char ***names, size_t *cap)
{
	size_t need = 1, n;

	if (!s->n_locations) {
		if (util_grow(names, cap, 1, sizeof(**names)))
			return -ENOMEM;
		(*names)[0] = "[unknown]";
		return 1;
	}
	/* Exact size when every id resolves; one spare slot tells a full buffer
	 * from a truncated one, and we retry bigger if the guess was short. */
	for (size_t i = 0; i < s->n_locations; i++) {
		const struct profile_location *l = profile_get_location(p, s->location_ids[i]);

		need += l && l->n_lines ? l->n_lines : 1;
	}
	for (;;) {
		if (util_grow(names, cap, need, sizeof(**names)))
			return -ENOMEM;
		n = profile_sample_frames(p, s, *names, *cap);
		if (n < *cap)
			break;
		need = *cap * 2;
	}
	return n > INT32_MAX ? -E2BIG : (int)n;
}

/* ';' separates frames and '\n' lines: keep both out of names. */
static void put_name(const char *name, char *dst, size_t *len)
{
	const char *c;

	if (!*name) {
		memcpy(dst + *len, "[unknown]", 9);
		*len += 9;
		return;
	}
	for (c = name; *c; c++) {
		char ch = *c;

		if (ch == ';')
			ch = ':';
		else if (ch == '\n' || ch == '\r')
			ch = ' ';
		dst[(*len)++] = ch;
	}
}

static int line_cmp(const void *a, const void *b)
{
	const struct folded_line *x = a, *y = b;

	return strcmp(x->stack, y->stack);
}

int folded_write(struct profile *p, size_t type, FILE *out)
{
	struct folded_line *lines = NULL;
	size_t n_lines = 0, cap_lines = 0, cap_names = 0;
	const char **names = NULL;
	int ret = 0;

	if (type >= p->n_types)
		return -EINVAL;
	for (size_t i = 0; i < p->n_samples; i++) {
		const struct profile_sample *s = &p->samples[i];
		size_t size = 1, len = 0;
		char *stack;
		int n;

		if (!s->values[type])
			continue;
		n = folded_frames(p, s, &names, &cap_names);
		if (n < 0) {
			ret = n;
			goto out;
		}
		for (int k = 0; k < n; k++)
			size += (*names[k] ? strlen(names[k]) : 9) + 1;
		stack = malloc(size);
		if (!stack || util_grow(&lines, &cap_lines, n_lines + 1, sizeof(*lines))) {
			free(stack);
			ret = -ENOMEM;
			goto out;
		}
		/* profile_sample_frames gives the leaf first; folded wants the root first. */
		for (int k = n - 1; k >= 0; k--) {
			put_name(names[k], stack, &len);
			if (k)
				stack[len++] = ';';
		}
		stack[len] = '\0';
		lines[n_lines].stack = stack;
		lines[n_lines].value = s->values[type];
		n_lines++;
	}
	if (n_lines)
		qsort(lines, n_lines, sizeof(*lines), line_cmp);
	for (size_t i = 0; i < n_lines; ) {
		int64_t sum = 0;
		size_t j;

		/* Equal stacks are adjacent after sorting: their samples differed only in labels. */
		for (j = i; j < n_lines && !strcmp(lines[j].stack, lines[i].stack); j++)
			sum += lines[j].value;
		if (sum && fprintf(out, "%s %lld\n", lines[i].stack, (long long)sum) < 0) {
			ret = -EIO;
			goto out;
		}
		i = j;
	}
	if (ferror(out))
		ret = -EIO;
out:
	for (size_t i = 0; i < n_lines; i++)
		free(lines[i].stack);
	free(lines);
	free(names);
	return ret;
}
