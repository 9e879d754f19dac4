/* demangle.h - symbol names as users read them.
 *
 * C++ (Itanium ABI, "_Z...") through the C++ runtime's demangler, then
 * simplified as pprof and perf show them by default: no parameter list, no
 * template arguments, no return type, no clone suffix ("[clone .isra.0]").
 * Rust's legacy mangling ("_ZN...17h<hash>E") is decoded here, its hash
 * dropped except in full.  Other names (C, Go, JIT names) are left alone.
 * Pure string functions but demangle_profile.  Thread safe. */
#ifndef HWPROF_DEMANGLE_H
#define HWPROF_DEMANGLE_H

struct profile;

enum demangle_style {
	DEMANGLE_SIMPLE,        /* demo::mix, Foo::operator(), (anonymous namespace)::run */
	DEMANGLE_TEMPLATES,     /* demo::mix<double>: template arguments kept */
	DEMANGLE_FULL,          /* double demo::mix<double>(double): c++filt's whole name */
};

/* "simple", "templates" or "full" into *out: 0, or -EINVAL. */
int demangle_parse_style(const char *s, enum demangle_style *out);

/* The name of style st for the mangled name: a malloc'd string the caller
 * frees, or NULL when name is no mangled name this module knows (or is
 * malformed) or memory ran out; the caller then shows name itself. */
char *demangle_name(const char *name, enum demangle_style st);

/* A name already demangled whole (c++filt's text, full) cut to style st: a
 * malloc'd string (full itself when its shape is not one this module cuts),
 * NULL when memory ran out. */
char *demangle_cut(const char *full, enum demangle_style st);

/* Rename every function of p whose system_name is a mangled name to its
 * name of style st (functions that differ only in parameters share a name in
 * simple and templates).  0 or -ENOMEM. */
int demangle_profile(struct profile *p, enum demangle_style st);

#endif
