/* test-debuginfo.c - separate debug files found on this machine: by build id
 * under the debuginfo path, by .gnu_debuglink in the file's .debug
 * directory, a wrong file under the link's name refused, and libdebuginfod
 * never loaded; whether the file or its debug file has a section.  The files are split from this test's own binary by objcopy. */
#include "debuginfo.h"
#include "tap.h"

#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmp[] = "/tmp/hwprof-debuginfo-XXXXXX";

static char cmd[65536];

/* Run cmd (filled by the caller): 0 when it succeeded. */
static int sh(void)
{
	return system(cmd);
}

/* One ELF file reported to a Dwfl whose debuginfo_path is dbgpath (libdwfl
 * keeps pointers to both). */
struct module {
	char *dp;
	Dwfl_Callbacks cb;
	Dwfl *dwfl;
	Dwfl_Module *mod;           /* NULL when it cannot be reported */
};

static void module_open(struct module *m, const char *path, const char *dbgpath)
{
	m->dp = strdup(dbgpath);
	m->cb = (Dwfl_Callbacks){
		.find_elf = dwfl_build_id_find_elf,
		.find_debuginfo = debuginfo_find,
		.section_address = dwfl_offline_section_address,
		.debuginfo_path = &m->dp,
	};
	m->dwfl = dwfl_begin(&m->cb);
	dwfl_report_begin(m->dwfl);
	m->mod = dwfl_report_offline(m->dwfl, "m", path, -1);
	dwfl_report_end(m->dwfl, NULL, NULL);
}

static void module_close(struct module *m)
{
	dwfl_end(m->dwfl);
	free(m->dp);
}

/* The debug file libdwfl settles on for the ELF at path, "" when none;
 * dbgpath is the Dwfl's debuginfo_path. */
static const char *debug_file_of(const char *path, const char *dbgpath)
{
	static char found[4096];
	struct module m;
	const char *dbg = NULL;
	Dwarf_Addr bias;

	found[0] = '\0';
	module_open(&m, path, dbgpath);
	if (m.mod && dwfl_module_getdwarf(m.mod, &bias) &&
	    dwfl_module_info(m.mod, NULL, NULL, NULL, NULL, NULL, NULL, &dbg) && dbg)
		snprintf(found, sizeof(found), "%s", dbg);
	module_close(&m);
	return found;
}

/* debuginfo_has_section for the ELF at path, its debug files under dbgpath;
 * -1 when the module cannot be reported. */
static int has_section(const char *path, const char *dbgpath, const char *name)
{
	struct module m;
	int r;

	module_open(&m, path, dbgpath);
	r = m.mod ? debuginfo_has_section(m.mod, name) : -1;
	module_close(&m);
	return r;
}

/* The hex build id of the ELF at path into buf, or -1. */
static int build_id_hex(const char *path, char *buf)
{
	int fd = open(path, O_RDONLY);
	Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	const unsigned char *id;
	ssize_t n = elf ? dwelf_elf_gnu_build_id(elf, (const void **)&id) : -1;

	for (ssize_t i = 0; i < n && i < 40; i++)
		sprintf(buf + 2 * i, "%02x", id[i]);
	elf_end(elf);
	if (fd >= 0)
		close(fd);
	return n > 1 ? 0 : -1;
}

static bool debuginfod_loaded(void)
{
	char *maps = NULL;
	size_t len = 0;
	FILE *f = fopen("/proc/self/maps", "r");
	bool found;

	if (!f)
		return false;
	found = getdelim(&maps, &len, '\0', f) > 0 && strstr(maps, "libdebuginfod");
	free(maps);
	fclose(f);
	return found;
}

int main(void)
{
	char self[1024], id[41], want[8192], dir[4096], path[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	elf_version(EV_CURRENT);
	if (n <= 0 || system("objcopy --version >/dev/null 2>&1") != 0 || !mkdtemp(tmp)) {
		skip("separate debug files", "objcopy not available");
		return done_testing();
	}
	self[n] = '\0';
	if (build_id_hex(self, id) < 0) {
		skip("separate debug files", "this test was linked without a build id");
		return done_testing();
	}

	/* By build id: DIR/.build-id/xx/rest.debug, the binary without a link. */
	snprintf(dir, sizeof(dir), "%s/debug/.build-id/%.2s", tmp, id);
	snprintf(want, sizeof(want), "%s/%s.debug", dir, id + 2);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s %s/bin && objcopy --only-keep-debug %s %s && "
		 "objcopy --strip-debug %s %s/bin/byid", dir, tmp, self, want, self, tmp);
	ok(sh() == 0, "files split");
	snprintf(dir, sizeof(dir), "%s/bin/byid", tmp);
	snprintf(path, sizeof(path), "%s/debug", tmp);
	is_str(debug_file_of(dir, path), want, "found by build id under the debuginfo path");

	/* Sections, without loading the DWARF: in the file, in its debug file. */
	is_int(has_section(dir, path, ".eh_frame"), 1, "a section of the file itself");
	is_int(has_section(dir, path, ".debug_info"), 1, "a section of its debug file");
	is_int(has_section(dir, path, ".debug_frame"), 0, "a section neither has");
	snprintf(cmd, sizeof(cmd), "printf 'x' >%s/frame && objcopy --add-section .debug_frame=%s/frame "
		 "%s/debug/.build-id/%.2s/%s.debug", tmp, tmp, tmp, id, id + 2);
	ok(sh() == 0, "a .debug_frame added to the debug file");
	is_int(has_section(dir, path, ".debug_frame"), 1, "... found there");
	is_int(has_section(dir, "/nonexistent", ".debug_info"), 0, "no debug file: not found");

	/* By .gnu_debuglink: the file's directory/.debug/NAME. */
	snprintf(want, sizeof(want), "%s/bin/.debug/bylink.debug", tmp);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/bin/.debug && objcopy --only-keep-debug %s %s && "
		 "objcopy --strip-debug --add-gnu-debuglink=%s %s %s/bin/bylink",
		 tmp, self, want, want, self, tmp);
	ok(sh() == 0, "linked files split");
	snprintf(dir, sizeof(dir), "%s/bin/bylink", tmp);
	is_str(debug_file_of(dir, "/nonexistent"), want, "found by debuglink in .debug");

	/* Another program's debug file under the link's name: refused. */
	snprintf(cmd, sizeof(cmd), "objcopy --only-keep-debug /bin/sh %s", want);
	ok(sh() == 0, "wrong file planted");
	is_str(debug_file_of(dir, "/nonexistent"), "", "a debug file of another build refused");

	ok(!debuginfod_loaded(), "libdebuginfod never loaded");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	sh();
	return done_testing();
}
