/* test-kallsyms.c - the kernel symbol table: parsing /proc/kallsyms text from
 * (buf, len) and from a file read in blocks, lookups, hidden addresses. */
#include "kallsyms.h"
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char FIXTURE[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81000100 t foo_local\n"
	"ffffffff81000050 T bar\n"
	"ffffffff81000080 D some_data\n"
	"ffffffff81000090 W weak_fn\n"
	"0000000000000000 A fixed_percpu_data\n"
	"ffffffffc0001000 t ext4_thing\t[ext4]\n";

/* The name at addr, "" when there is none; module into *mod when found. */
static const char *name_at(struct kallsyms *k, uint64_t addr, const char **mod)
{
	const char *name = NULL, *m = NULL;

	if (kallsyms_lookup(k, addr, &name, &m) < 0)
		return "";
	if (mod)
		*mod = m;
	return name;
}

static struct kallsyms *parsed(const char *text, size_t len)
{
	struct kallsyms *k = NULL;

	if (kallsyms_new(&k) < 0)
		return NULL;
	if (kallsyms_parse(k, text, len) < 0) {
		kallsyms_free(k);
		return NULL;
	}
	return k;
}

static void test_fixture(void)
{
	struct kallsyms *k = parsed(FIXTURE, strlen(FIXTURE));
	const char *mod = NULL, *name = NULL;

	if (!ok(k, "fixture parsed"))
		return;
	ok(kallsyms_available(k), "fixture kallsyms available");
	is_int(kallsyms_lookup(k, 0xffffffff81000060ULL, &name, &mod), 0, "kernel lookup");
	is_str(name, "bar", "unsorted input sorted: bar");
	is_str(mod, "", "kernel proper has no module");
	is_str(name_at(k, 0xffffffff81000000ULL, NULL), "_stext", "exact start: _stext");
	is_str(name_at(k, 0xffffffff81000088ULL, NULL), "bar", "data symbols skipped");
	is_str(name_at(k, 0xffffffff81000095ULL, NULL), "weak_fn", "weak text kept");
	is_str(name_at(k, 0xffffffff81000150ULL, NULL), "foo_local", "local text: foo_local");
	mod = NULL;
	is_str(name_at(k, 0xffffffffc0001010ULL, &mod), "ext4_thing", "module symbol named");
	is_str(mod, "[ext4]", "module symbol with its module");
	is_int(kallsyms_lookup(k, 0xffffffff80000000ULL, &name, &mod), -ENOENT,
	       "below the first symbol: not found");
	kallsyms_free(k);
	kallsyms_free(NULL);
}

static void test_hidden(void)
{
	static const char text[] = "0000000000000000 T _stext\n0000000000000000 t foo_local\n";
	struct kallsyms *k = parsed(text, strlen(text));
	const char *name, *mod;

	if (!ok(k, "hidden kallsyms parsed"))
		return;
	ok(!kallsyms_available(k), "hidden kallsyms: unavailable");
	is_int(kallsyms_lookup(k, 0xffffffff81000060ULL, &name, &mod), -ENOENT,
	       "hidden kallsyms: not found");
	kallsyms_free(k);
}

static void test_lines(void)
{
	/* Not NUL-terminated: the parser must stop at len, inside "bad". */
	static const char text[] =
		"\n"
		"zzzz T not_hex\n"
		"ffffffff81000010 T\n"
		"ffffffff81000020  T two_spaces\n"
		"ffffffff81000030\tT tab_before_type\n"
		"1ffffffff81000040 T seventeen_digits\n"
		"ffffffff81000050 t mod_a\t[mod]\n"
		"ffffffff81000060 t plain\n"
		"ffffffff81000070 t mod_b\t \t[mod]\n"
		"ffffffff81000080 T last_unterminatedbad";
	struct kallsyms *k = parsed(text, sizeof(text) - 1 - strlen("bad"));
	const char *mod = NULL;

	if (!ok(k, "odd lines parsed"))
		return;
	is_str(name_at(k, 0xffffffff81000045ULL, NULL), "",
	       "malformed lines skipped (not hex, no name, spacing, 17 digits)");
	is_str(name_at(k, 0xffffffff81000055ULL, &mod), "mod_a", "module symbol");
	is_str(mod, "[mod]", "its module");
	is_str(name_at(k, 0xffffffff81000065ULL, &mod), "plain", "kernel proper between modules");
	is_str(mod, "", "no module");
	is_str(name_at(k, 0xffffffff81000075ULL, &mod), "mod_b", "same module again");
	is_str(mod, "[mod]", "blanks before the module skipped");
	is_str(name_at(k, 0xffffffff81000085ULL, NULL), "last_unterminated",
	       "last line without a newline, cut at len");

	/* A second parse adds to the table; lookups see both. */
	is_int(kallsyms_parse(k, "ffffffff81000008 T added\n", 25), 0, "second parse");
	is_str(name_at(k, 0xffffffff8100000aULL, NULL), "added", "added symbol found");
	is_str(name_at(k, 0xffffffff81000085ULL, NULL), "last_unterminated", "earlier ones kept");
	kallsyms_free(k);
}

/* A file of more than one read block, and a line longer than a block. */
static void test_load(const char *dir)
{
	char path[4200], *longname;
	struct kallsyms *k = NULL;
	size_t bad = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/kallsyms", dir);
	fp = fopen(path, "w");
	longname = malloc(100001);
	if (!ok(fp && longname, "write a large kallsyms")) {
		if (fp)
			fclose(fp);
		free(longname);
		return;
	}
	for (int i = 0; i < 5000; i++)
		fprintf(fp, "ffffffff8%07x t fn_%d_padding_to_cross_block_boundaries\n", i * 16, i);
	memset(longname, 'x', 100000);
	longname[100000] = '\0';
	fprintf(fp, "ffffffff90000000 T %s\n", longname);
	fprintf(fp, "ffffffff90001000 T after_long\tno newline at the end");
	fclose(fp);

	is_int(kallsyms_new(&k), 0, "kallsyms_new");
	if (!k)
		return;
	is_int(kallsyms_load(k, path), 0, "load a file of several blocks");
	for (int i = 0; i < 5000; i++) {
		char want[64];

		snprintf(want, sizeof(want), "fn_%d_padding_to_cross_block_boundaries", i);
		if (strcmp(name_at(k, 0xffffffff80000000ULL + (uint64_t)i * 16 + 8, NULL), want))
			bad++;
	}
	is_int(bad, 0, "every line found, across block boundaries");
	is_int(strlen(name_at(k, 0xffffffff90000010ULL, NULL)), 100000, "a line longer than a block");
	is_str(name_at(k, 0xffffffff90001010ULL, NULL), "after_long", "the last line after it");
	kallsyms_free(k);
	unlink(path);
	free(longname);

	k = NULL;
	kallsyms_new(&k);
	if (!k)
		return;
	snprintf(path, sizeof(path), "%s/no-such-kallsyms", dir);
	is_int(kallsyms_load(k, path), -ENOENT, "missing kallsyms: -ENOENT");
	ok(!kallsyms_available(k), "missing kallsyms: unavailable");
	kallsyms_free(k);
}

int main(void)
{
	char dir[] = "/tmp/hwprof-test-kallsyms-XXXXXX";

	test_fixture();
	test_hidden();
	test_lines();
	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return done_testing();
	}
	test_load(dir);
	rmdir(dir);
	return done_testing();
}
