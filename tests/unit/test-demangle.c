/* test-demangle.c - names in the three styles, from symbols g++ 12 emits
 * (operators, lambdas, anonymous namespaces, ABI tags, clones, thunks,
 * function pointers) and Rust's legacy mangling; a profile renamed. */
#include "demangle.h"
#include "profile.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct name_case {
	const char *mangled, *simple, *templates, *full;
};

static const struct name_case cases[] = {
	{ "_ZN4demo6Engine3runEi", "demo::Engine::run", "demo::Engine::run", "demo::Engine::run(int)" },
	{ "_ZNK4demo6Engine3runEd", "demo::Engine::run", "demo::Engine::run",
	  "demo::Engine::run(double) const" },
	{ "_ZN4demo3mixIdEET_S1_", "demo::mix", "demo::mix<double>", "double demo::mix<double>(double)" },
	{ "_ZN4demo6EngineclEi", "demo::Engine::operator()", "demo::Engine::operator()",
	  "demo::Engine::operator()(int)" },
	{ "_ZNK4demo6EngineltERKS0_", "demo::Engine::operator<", "demo::Engine::operator<",
	  "demo::Engine::operator<(demo::Engine const&) const" },
	{ "_ZN4demo6EnginelsEi", "demo::Engine::operator<<", "demo::Engine::operator<<",
	  "demo::Engine::operator<<(int)" },
	{ "_ZN4demoltIiEEbRKSt6vectorIT_SaIS2_EERKNS_6EngineE", "demo::operator<",
	  "demo::operator< <int>",
	  "bool demo::operator< <int>(std::vector<int, std::allocator<int> > const&, demo::Engine const&)" },
	{ "_ZN4demo6EnginessERKS0_", "demo::Engine::operator<=>", "demo::Engine::operator<=>",
	  "demo::Engine::operator<=>(demo::Engine const&)" },
	{ "_ZN4demo6EngineptEv", "demo::Engine::operator->", "demo::Engine::operator->",
	  "demo::Engine::operator->()" },
	{ "_ZN4demo6EnginecvbEv", "demo::Engine::operator bool", "demo::Engine::operator bool",
	  "demo::Engine::operator bool()" },
	{ "_Znami", "operator new[]", "operator new[]", "operator new[](unsigned long, int)" },
	{ "_ZdlPvm", "operator delete", "operator delete", "operator delete(void*, unsigned long)" },
	{ "_ZN4demo6EngineD2Ev", "demo::Engine::~Engine", "demo::Engine::~Engine",
	  "demo::Engine::~Engine()" },
	{ "_ZNO4demo6Engine3getEv", "demo::Engine::get", "demo::Engine::get", "demo::Engine::get() &&" },
	{ "_ZN4demo6taggedB5cxx11Ei", "demo::tagged", "demo::tagged[abi:cxx11]",
	  "demo::tagged[abi:cxx11](int)" },
	{ "_ZN4demo2fpEPFiPKvS1_EPFviE", "demo::fp", "demo::fp",
	  "demo::fp(int (*)(void const*, void const*), void (*)(int))" },
	/* A template returning a function pointer: no shape to cut, shown whole. */
	{ "_ZN4demo6tretfpIiEEPFvdET_", "void (*demo::tretfp<int>(int))(double)",
	  "void (*demo::tretfp<int>(int))(double)", "void (*demo::tretfp<int>(int))(double)" },
	{ "_ZZ3lamiENKUliE_clEi", "lam::{lambda(int)#1}::operator()", "lam::{lambda(int)#1}::operator()",
	  "lam(int)::{lambda(int)#1}::operator()(int) const" },
	{ "_ZZNK4demo6Engine3runEdENKUlvE_clEv", "demo::Engine::run::{lambda()#1}::operator()",
	  "demo::Engine::run::{lambda()#1}::operator()",
	  "demo::Engine::run(double) const::{lambda()#1}::operator()() const" },
	{ "_ZN12_GLOBAL__N_14anonEi", "(anonymous namespace)::anon", "(anonymous namespace)::anon",
	  "(anonymous namespace)::anon(int)" },
	{ "_ZN4demo6Engine3runEi.isra.0.cold", "demo::Engine::run", "demo::Engine::run",
	  "demo::Engine::run(int) [clone .isra.0] [clone .cold]" },
	{ "_ZNSt17_Function_handlerIFiiEZ3lamiEUliE_E9_M_invokeERKSt9_Any_dataOi",
	  "std::_Function_handler::_M_invoke",
	  "std::_Function_handler<int (int), lam(int)::{lambda(int)#1}>::_M_invoke",
	  "std::_Function_handler<int (int), lam(int)::{lambda(int)#1}>::_M_invoke(std::_Any_data const&, int&&)" },
	{ "_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE12_M_constructIPKcEEvT_S8_St20forward_iterator_tag",
	  "std::__cxx11::basic_string::_M_construct",
	  "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >::_M_construct<char const*>",
	  "void std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >::_M_construct<char const*>(char const*, char const*, std::forward_iterator_tag)" },
	/* libiberty parenthesises a '>' inside template arguments. */
	{ "_ZN4demo1fIXgtLi1ELi2EEEEvv", "demo::f", "demo::f<((1)>(2))>", "void demo::f<((1)>(2))>()" },
	{ "_ZThn8_N1D1wEv", "non-virtual thunk to D::w", "non-virtual thunk to D::w",
	  "non-virtual thunk to D::w()" },
	/* Not a function: nothing but template arguments to cut. */
	{ "_ZGVZ4mainE1x", "guard variable for main::x", "guard variable for main::x",
	  "guard variable for main::x" },
	/* Rust's legacy mangling: the hash goes but in full. */
	{ "_ZN4core3ptr13drop_in_place17h0123456789abcdefE", "core::ptr::drop_in_place",
	  "core::ptr::drop_in_place", "core::ptr::drop_in_place::h0123456789abcdef" },
	{ "_ZN66_$LT$alloc..vec..Vec$LT$T$GT$$u20$as$u20$core..ops..drop..Drop$GT$4drop17h1a2b3c4d5e6f7a8bE.llvm.42",
	  "<alloc::vec::Vec<T> as core::ops::drop::Drop>::drop",
	  "<alloc::vec::Vec<T> as core::ops::drop::Drop>::drop",
	  "<alloc::vec::Vec<T> as core::ops::drop::Drop>::drop::h1a2b3c4d5e6f7a8b" },
};

static void test_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct name_case *c = &cases[i];
		const char *want[] = { c->simple, c->templates, c->full };

		for (int st = DEMANGLE_SIMPLE; st <= DEMANGLE_FULL; st++) {
			char *got = demangle_name(c->mangled, (enum demangle_style)st);

			is_str(got, want[st], "%s, style %d", c->mangled, st);
			free(got);
		}
	}
}

static void test_not_mangled(void)
{
	static const char *const names[] = {
		"main", "bitmap_bit_p", "_Znotvalid!", "_Z", "",
		/* 16 hex digits but only 2 different ones: C++ (a variable), not Rust */
		"_ZN3foo17h0000000000000001E",
	};
	enum demangle_style st;
	char *r;

	for (size_t i = 0; i < 5; i++) {
		r = demangle_name(names[i], DEMANGLE_SIMPLE);
		ok(r == NULL, "'%s' is no mangled name", names[i]);
		free(r);
	}
	r = demangle_name(names[5], DEMANGLE_SIMPLE);
	is_str(r, "foo::h0000000000000001", "a hash of too few digits is C++'s");
	free(r);
	ok(demangle_parse_style("templates", &st) == 0 && st == DEMANGLE_TEMPLATES, "style templates");
	ok(demangle_parse_style("full", &st) == 0 && st == DEMANGLE_FULL, "style full");
	ok(demangle_parse_style("simple", &st) == 0 && st == DEMANGLE_SIMPLE, "style simple");
	is_int(demangle_parse_style("none", &st), -EINVAL, "unknown style");
}

/* Two overloads and a template, renamed both ways: ids and system names stay,
 * and the function index finds each under its new name. */
static void test_profile(void)
{
	struct profile *p;
	int64_t a, b, c;

	if (profile_new(&p) < 0) {
		ok(0, "profile_new");
		return;
	}
	a = profile_function(p, "demo::Engine::run(int)", "_ZN4demo6Engine3runEi", "e.cc", 0);
	b = profile_function(p, "demo::Engine::run(double) const", "_ZNK4demo6Engine3runEd", "e.cc", 0);
	c = profile_function(p, "main", "main", "e.cc", 0);
	ok(demangle_profile(p, DEMANGLE_SIMPLE) == 0, "renamed simple");
	is_str(profile_get_function(p, a)->name, "demo::Engine::run", "overload 1 simple");
	is_str(profile_get_function(p, b)->name, "demo::Engine::run", "overload 2 simple");
	is_str(profile_get_function(p, b)->system_name, "_ZNK4demo6Engine3runEd", "system name kept");
	is_str(profile_get_function(p, c)->name, "main", "C name kept");
	is_int(p->n_functions, 3, "overloads stay two functions");
	is_int(profile_function(p, "demo::Engine::run", "_ZN4demo6Engine3runEi", "e.cc", 0), a,
	       "the index finds a renamed function");
	ok(demangle_profile(p, DEMANGLE_FULL) == 0, "renamed full");
	is_str(profile_get_function(p, b)->name, "demo::Engine::run(double) const", "overload 2 full");
	is_int(profile_function(p, "demo::Engine::run(int)", "_ZN4demo6Engine3runEi", "e.cc", 0), a,
	       "... and again under its full name");
	is_int(p->n_functions, 3, "no function added");
	profile_free(p);
}

int main(void)
{
	test_cases();
	test_not_mangled();
	test_profile();
	return done_testing();
}
