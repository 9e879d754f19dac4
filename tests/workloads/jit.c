/* jit - a tiny "JIT": writes a hand-encoded x86-64 loop into anonymous
 * executable memory, announces it in /tmp/perf-PID.map as jit_hot_loop (perf's
 * JIT interface: "START SIZE NAME", hex), and calls it for about SECONDS
 * (default 1) through call_jit.  Usage: jit [SECONDS [MAP]].  Exits 77 on other
 * architectures or when executable anonymous memory is refused.
 *
 * MAP puts something else at /tmp/perf-PID.map, as a hostile program (or
 * another user) could: fifo (a FIFO), symlink (to /dev/zero), owner (the map,
 * owned by nobody: root only, else 77), huge (the map, then a hole to 65 MiB),
 * garbage (lines that are not "START SIZE NAME" around the map's line). */
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef void (*jit_fn)(void);

#if defined(__x86_64__)
/* A frame like the compiler's, so that the kernel's frame-pointer walk goes
 * on from jit_hot_loop to call_jit and main:
 *	push %rbp; mov %rsp,%rbp
 *	movabs $ITER,%rcx
 * 1:	dec %rcx; jnz 1b
 *	pop %rbp; ret
 */
static const unsigned char code_template[] = {
	0x55,                                   /* push %rbp */
	0x48, 0x89, 0xe5,                       /* mov %rsp,%rbp */
	0x48, 0xb9, 0, 0, 0, 0, 0, 0, 0, 0,     /* movabs $imm64,%rcx */
	0x48, 0xff, 0xc9,                       /* 1: dec %rcx */
	0x75, 0xfb,                             /* jnz 1b */
	0x5d,                                   /* pop %rbp */
	0xc3,                                   /* ret */
};
#define IMM_OFFSET 6
#endif

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The map at path as MAP says (how NULL: the plain map).  0, 77 (cannot
 * here), or -1 (errno set). */
static int write_map(const char *path, const char *how, const void *code, size_t size)
{
	int is = how != NULL;
	struct passwd *nobody;
	FILE *f;

	if (is && strcmp(how, "fifo") == 0)
		return mkfifo(path, 0644);
	if (is && strcmp(how, "symlink") == 0)
		return symlink("/dev/zero", path);
	f = fopen(path, "w");
	if (!f)
		return -1;
	if (is && strcmp(how, "garbage") == 0)
		fprintf(f, "not a map line\nzz 10 not_hex\n1000 0 empty\n-1 10 negative\n"
			"1000 10 \x01control\n%lx 10\n", (unsigned long)(uintptr_t)code);
	fprintf(f, "%lx %zx jit_hot_loop\n", (unsigned long)(uintptr_t)code, size);
	if (fclose(f) != 0)
		return -1;
	if (is && strcmp(how, "owner") == 0) {
		nobody = getpwnam("nobody");
		if (geteuid() != 0 || !nobody || chown(path, nobody->pw_uid, nobody->pw_gid) < 0)
			return 77;
	}
	if (is && strcmp(how, "huge") == 0)
		return truncate(path, (65 << 20) + 1);
	return 0;
}

/* A real (frame-pointer) caller between main and the generated code. */
__attribute__((noinline)) void call_jit(jit_fn fn)
{
	fn();
}

int main(int argc, char **argv)
{
#if defined(__x86_64__)
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	uint64_t iter = 200000;         /* ~0.1 ms per call: many calls, cheap clock checks */
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char map_path[64];
	unsigned char *mem;
	double end;
	int r;

	/* Write then flip to executable (W^X), as careful JITs do; the kernel
	 * reports the mapping as //anon when it becomes executable. */
	mem = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("jit: mmap");
		return 77;
	}
	memcpy(mem, code_template, sizeof(code_template));
	memcpy(mem + IMM_OFFSET, &iter, sizeof(iter));
	if (mprotect(mem, page, PROT_READ | PROT_EXEC) < 0) {
		perror("jit: mprotect");
		return 77;
	}

	/* hwprof symbolizes while we run, so the map must exist before the
	 * first call and until hwprof has read the last samples. */
	snprintf(map_path, sizeof(map_path), "/tmp/perf-%d.map", (int)getpid());
	r = write_map(map_path, argc > 2 ? argv[2] : NULL, mem, sizeof(code_template));
	if (r) {
		if (r < 0)
			perror(map_path);
		unlink(map_path);
		return r < 0 ? 1 : r;
	}

	end = now() + seconds;
	while (now() < end)
		call_jit((jit_fn)(uintptr_t)mem);

	/* hwprof reads the rings every 100 ms; sleeping costs no CPU samples
	 * and leaves it time to symbolize the last ones with the map present. */
	usleep(500000);
	unlink(map_path);
	munmap(mem, page);
	return 0;
#else
	(void)argc;
	(void)argv;
	fprintf(stderr, "jit: x86-64 only\n");
	return 77;
#endif
}
