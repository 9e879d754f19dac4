/* test-symbolize.c - symbolize this test's own code and libc; kernel and JIT
 * names through the symbolizer.  Built -O0 -g (see Makefile.am). */
#include "symbolize.h"
#include "fixture.h"
#include "tap.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Records its return address: an address inside its caller's code. */
__attribute__((noinline)) static void probe(uintptr_t *ret)
{
	*ret = (uintptr_t)__builtin_return_address(0);
	__asm__ volatile("" ::: "memory");
}

static inline __attribute__((always_inline)) void inlined_fn(uintptr_t *ret, int *lines)
{
	probe(ret); lines[0] = __LINE__;
}

enum { OUTER_DECL_LINE = __LINE__ + 1 };
__attribute__((noinline)) static void outer_fn(uintptr_t *ret, int *lines)
{
	lines[1] = __LINE__; inlined_fn(ret, lines);
}

/* The mapping of this process that holds addr: its path and the file offset
 * of addr.  0 or -1. */
static int self_offset(uintptr_t addr, char *path, size_t cap, uint64_t *off)
{
	char line[4096];
	FILE *fp = fopen("/proc/self/maps", "r");
	int ret = -1;

	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp)) {
		unsigned long long start, end, pgoff;
		char *p;
		int pos = 0;

		if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %n", &start, &end, &pgoff, &pos) < 3)
			continue;
		if (addr < start || addr >= end || !pos)
			continue;
		p = line + pos;
		p[strcspn(p, "\n")] = '\0';
		snprintf(path, cap, "%s", p);
		*off = addr - start + pgoff;
		ret = 0;
		break;
	}
	fclose(fp);
	return ret;
}

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static void test_self(struct symbolizer *s)
{
	struct sym_result r, r2;
	uintptr_t ret = 0;
	int lines[2] = { 0, 0 };
	char path[4096];
	uint64_t off;
	int err;

	outer_fn(&ret, lines);
	ok(ret != 0 && lines[0] && lines[1], "probe ran");

	/* The return address follows the call; pc - 1 is inside the call. */
	err = self_offset(ret - 1, path, sizeof(path), &off);
	is_int(err, 0, "inlined code is in a file mapping of this process");
	if (err)
		return;
	err = symbolize_lookup_file(s, path, NULL, off, &r);
	is_int(err, 0, "lookup in the test binary");
	is_int(r.n, 2, "one inlined frame + its caller");
	if (r.n == 2) {
		is_str(r.frames[0].function, "inlined_fn", "innermost frame is the inline function");
		is_str(base(r.frames[0].file), "test-symbolize.c", "inline frame file");
		is_int(r.frames[0].line, lines[0], "inline frame line");
		is_str(r.frames[1].function, "outer_fn", "outer frame is the caller");
		is_str(r.frames[1].system_name, "outer_fn", "C name is its own system name");
		is_str(base(r.frames[1].file), "test-symbolize.c", "call site file");
		is_int(r.frames[1].line, lines[1], "call site line from DW_AT_call_line");
	}

	/* Cached: the same answer again, same interned strings. */
	err = symbolize_lookup_file(s, path, "", off, &r2);
	ok(err == 0 && r2.n == r.n && r.n && r2.frames[0].function == r.frames[0].function &&
	   r2.frames[0].line == r.frames[0].line, "second lookup answers the same from cache");

	/* The entry of a noinline function: one frame, its declaration line. */
	err = self_offset((uintptr_t)&outer_fn, path, sizeof(path), &off);
	is_int(err, 0, "outer_fn is mapped");
	err = symbolize_lookup_file(s, path, NULL, off, &r);
	is_int(err, 0, "lookup outer_fn entry");
	is_int(r.n, 1, "no inlining at a function entry");
	if (r.n == 1) {
		is_str(r.frames[0].function, "outer_fn", "entry named");
		/* GCC puts the prologue on the "{" line, clang on the declarator. */
		ok(r.frames[0].line == OUTER_DECL_LINE || r.frames[0].line == OUTER_DECL_LINE + 1,
		   "entry line is the declaration (%d)", r.frames[0].line);
	}
}

static void test_build_id(struct symbolizer *s)
{
	char path[4096], id[41] = "";
	uint64_t off;
	size_t i;
	int err;

	if (self_offset((uintptr_t)&outer_fn, path, sizeof(path), &off) < 0) {
		ok(0, "outer_fn mapped for build id");
		return;
	}
	err = symbolize_build_id(s, path, id, sizeof(id));
	is_int(err, 0, "build id of the test binary");
	for (i = 0; id[i] && isxdigit((unsigned char)id[i]) && !isupper((unsigned char)id[i]); i++)
		;
	ok(strlen(id) == 40 && i == 40, "build id is 40 lowercase hex digits (%s)", id);
	is_int(symbolize_build_id(s, "/nonexistent/hwprof", id, sizeof(id)), -ENOENT,
	       "build id of a missing file: -ENOENT");
}

static void test_libc(struct symbolizer *s)
{
	pid_t (*fn)(void) = getpid;
	struct sym_result r;
	char path[4096];
	uint64_t off;
	int err;

	err = self_offset((uintptr_t)fn, path, sizeof(path), &off);
	is_int(err, 0, "getpid is mapped");
	ok(strstr(path, "libc") != NULL, "getpid lives in libc (%s)", path);
	err = symbolize_lookup_file(s, path, NULL, off, &r);
	is_int(err, 0, "lookup in libc");
	ok(r.n >= 1 && strstr(r.frames[r.n - 1].function, "getpid"),
	   "libc address named (%s)", r.n ? r.frames[r.n - 1].function : "none");
}

/* Between intervals, a file no lookup used since the last call is closed;
 * one used is kept, and a closed one opens again when next needed. */
static void test_close_idle(struct symbolizer *s)
{
	pid_t (*fn)(void) = getpid;
	struct symbolize_cache_stats before, after;
	struct sym_result r;
	char libc[4096], self[4096];
	uint64_t libc_off, self_off;

	if (self_offset((uintptr_t)fn, libc, sizeof(libc), &libc_off) < 0 ||
	    self_offset((uintptr_t)test_close_idle, self, sizeof(self), &self_off) < 0) {
		ok(0, "getpid and this test are mapped");
		return;
	}
	symbolize_lookup_file(s, self, NULL, self_off, &r);
	symbolize_lookup_file(s, libc, NULL, libc_off, &r);
	symbolize_close_idle(s);
	symbolize_cache_stats(s, &before);
	ok(before.files >= 2, "files used since the last call stay open (%zu)", before.files);
	symbolize_lookup_file(s, libc, NULL, libc_off, &r);
	symbolize_close_idle(s);
	symbolize_cache_stats(s, &after);
	is_int(after.files, 1, "only the file used in the interval stays open");
	ok(after.files_closed > before.files_closed, "the idle files counted as closed");
	is_int(symbolize_lookup_file(s, self, NULL, self_off, &r), 0, "a closed file opens again");
	ok(r.n >= 1 && strcmp(r.frames[r.n - 1].function, "test_close_idle") == 0,
	   "and names its function (%s)", r.n ? r.frames[r.n - 1].function : "none");
}

static void test_errors(struct symbolizer *s, const char *not_elf)
{
	struct sym_result r;
	int err;

	r.n = 7;
	err = symbolize_lookup_file(s, "/nonexistent/hwprof/libfoo.so", NULL, 0x1000, &r);
	is_int(err, -ENOENT, "missing file: -ENOENT");
	is_int(r.n, 0, "missing file: no frames");
	err = symbolize_lookup_file(s, "/nonexistent/hwprof/libfoo.so", "abcdef0123", 0x1000, &r);
	is_int(err, -ENOENT, "missing file again (cached failure)");
	r.n = 7;
	err = symbolize_lookup_file(s, not_elf, NULL, 0x10, &r);
	ok(err < 0 && r.n == 0, "a text file is not ELF: error, no frames");
}

static void test_demangle(struct symbolizer *s)
{
	is_str(symbolize_demangle(s, "_ZN2ns3fooEi"), "ns::foo(int)", "C++ name demangled");
	is_str(symbolize_demangle(s, "_ZNSt6vectorIiSaIiEE9push_backERKi"),
	       "std::vector<int, std::allocator<int> >::push_back(int const&)",
	       "template demangled");
	is_str(symbolize_demangle(s, "main"), "main", "C name unchanged");
	is_str(symbolize_demangle(s, "_Znotvalid!"), "_Znotvalid!", "bad mangling kept");
	ok(symbolize_demangle(s, "main") == symbolize_demangle(s, "main"), "interned");
}

/* The kernel through the symbolizer (kallsyms itself: test-kallsyms.c). */
static void test_kernel(const char *dir)
{
	struct symbolizer *s = NULL;
	struct sym_result r;
	char path[4200];

	snprintf(path, sizeof(path), "%s/kallsyms", dir);
	fixture_write(path,
		      "ffffffff81000000 T _stext\n"
		      "ffffffff81000050 T bar\n"
		      "ffffffffc0001000 t ext4_thing\t[ext4]\n");
	is_int(symbolize_new(path, dir, &s), 0, "symbolizer with a kallsyms fixture");
	if (!s)
		return;
	ok(symbolize_kernel_available(s), "fixture kallsyms available");
	is_int(symbolize_lookup_kernel(s, 0xffffffff81000060ULL, &r), 0, "kernel lookup");
	ok(r.n == 1 && strcmp(r.frames[0].function, "bar") == 0 &&
	   strcmp(r.frames[0].system_name, "bar") == 0, "kernel frame named");
	ok(r.n == 1 && strcmp(r.frames[0].file, "") == 0 && r.frames[0].line == 0,
	   "kernel proper has no module");
	symbolize_lookup_kernel(s, 0xffffffffc0001010ULL, &r);
	ok(r.n == 1 && strcmp(r.frames[0].function, "ext4_thing") == 0 &&
	   strcmp(r.frames[0].file, "[ext4]") == 0, "module symbol with its module as file");
	r.n = 5;
	symbolize_lookup_kernel(s, 0xffffffff80000000ULL, &r);
	is_int(r.n, 0, "below the first symbol: not found");
	symbolize_free(s);
	s = NULL;

	fixture_write(path,
		      "0000000000000000 T _stext\n"
		      "0000000000000000 t foo_local\n");
	symbolize_new(path, dir, &s);
	if (!s)
		return;
	r.n = 5;
	is_int(symbolize_lookup_kernel(s, 0xffffffff81000060ULL, &r), 0, "hidden kallsyms: 0");
	is_int(r.n, 0, "hidden kallsyms: not found");
	ok(!symbolize_kernel_available(s), "hidden kallsyms: unavailable");
	symbolize_free(s);
	s = NULL;

	snprintf(path, sizeof(path), "%s/no-such-kallsyms", dir);
	symbolize_new(path, dir, &s);
	if (!s)
		return;
	r.n = 5;
	symbolize_lookup_kernel(s, 0xffffffff81000060ULL, &r);
	ok(r.n == 0 && !symbolize_kernel_available(s), "missing kallsyms: unavailable");
	symbolize_free(s);
}

/* JIT code through the symbolizer (the maps themselves: test-jitmap.c). */
static void test_jit(const char *dir)
{
	struct symbolizer *s = NULL;
	struct sym_result r;
	char path[4200];

	snprintf(path, sizeof(path), "%s/perf-4242.map", dir);
	fixture_write(path,
		      "1000 100 jit_a\n"
		      "3000 10 _ZN2ns3fooEi\n");
	is_int(symbolize_new(NULL, dir, &s), 0, "symbolizer with a jit dir");
	if (!s)
		return;
	is_int(symbolize_lookup_jit(s, 4242, 0x1050, &r), 0, "jit lookup");
	ok(r.n == 1 && strcmp(r.frames[0].function, "jit_a") == 0 &&
	   strcmp(r.frames[0].file, "") == 0, "jit_a");
	symbolize_lookup_jit(s, 4242, 0x3004, &r);
	ok(r.n == 1 && strcmp(r.frames[0].function, "ns::foo(int)") == 0 &&
	   strcmp(r.frames[0].system_name, "_ZN2ns3fooEi") == 0, "jit C++ name demangled");
	r.n = 5;
	is_int(symbolize_lookup_jit(s, 4242, 0x1100, &r), 0, "no entry: 0");
	is_int(r.n, 0, "no entry: not found");
	r.n = 5;
	symbolize_lookup_jit(s, 4243, 0x1050, &r);
	is_int(r.n, 0, "no map for that pid");
	unlink(path);
	symbolize_free(s);
}

int main(void)
{
	struct symbolizer *s = NULL;
	char dir[] = "/tmp/hwprof-test-symbolize-XXXXXX", path[4200];

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return done_testing();
	}
	is_int(symbolize_new(NULL, NULL, &s), 0, "symbolize_new");
	if (s) {
		test_self(s);
		test_build_id(s);
		test_libc(s);
		test_close_idle(s);
		snprintf(path, sizeof(path), "%s/not-elf", dir);
		fixture_write(path, "this is not an ELF file, it is long enough to be read\n");
		test_errors(s, path);
		unlink(path);
		test_demangle(s);
		symbolize_free(s);
	}
	symbolize_free(NULL);
	test_kernel(dir);
	test_jit(dir);

	snprintf(path, sizeof(path), "%s/kallsyms", dir);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
