/* debuginfo.h - where libdwfl finds a module's separate debug file: on this
 * machine only, never through debuginfod (no network fetch in the sampling
 * path, and none of the libraries libdebuginfod would load).
 *
 * Searched, in order: the build id under each absolute directory of the
 * Dwfl's debuginfo_path (default /usr/lib/debug: .build-id/xx/rest.debug),
 * then the .gnu_debuglink name beside the file, in its .debug directory and
 * under /usr/lib/debug plus the file's directory.  A debuglink candidate
 * counts only when its build id equals the module's, or (either has none)
 * its CRC equals the link's. */
#ifndef HWPROF_DEBUGINFO_H
#define HWPROF_DEBUGINFO_H

#include <elfutils/libdwfl.h>

/* A Dwfl_Callbacks.find_debuginfo: an open descriptor of the debug file (its
 * path in *debuginfo_file_name, malloc'd), or -1 when there is none. */
int debuginfo_find(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		   const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc,
		   char **debuginfo_file_name);

/* Whether the module's file, or the debug file debuginfo_find gives it, has
 * a section called name: 1 or 0 (also when neither can be read).  Only
 * section headers are read: asking libdw (dwfl_module_dwarf_cfi, say) loads
 * all of the debug file's DWARF, megabytes of it, to find out. */
int debuginfo_has_section(Dwfl_Module *mod, const char *name);

#endif
