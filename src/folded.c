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

/* ';' separates frames and '\n' lines: keep both out of names. */
void folded_put_name(const char *name, char *dst, size_t *len)
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
		n = profile_sample_stack(p, s, PROFILE_ROOT_FIRST, &names, &cap_names);
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
		for (int k = 0; k < n; k++) {
			if (k)
				stack[len++] = ';';
			folded_put_name(names[k], stack, &len);
		}
		stack[len] = '\0';
		lines[n_lines].stack = stack;
		lines[n_lines].value = s->values[type];
		n_lines++;
	}
	util_sort(lines, n_lines, sizeof(*lines), line_cmp);
	for (size_t i = 0; i < n_lines; ) {
		int64_t sum = 0;
		size_t j;

		/* Equal stacks are adjacent after sorting: their samples differed only in labels. */
		for (j = i; j < n_lines && !strcmp(lines[j].stack, lines[i].stack); j++)
			sum = util_sat_add(sum, lines[j].value);
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
