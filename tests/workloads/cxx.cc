// cxx - C++ names for the symbolizer and for --demangle: overloads and
// template instances, called from main for about SECONDS (default 1):
//   demo::Engine::run(int)           2 units   40% of the samples
//   demo::Engine::run(double)        1 unit    20%  (an overload: same simple name)
//   demo::mix<double>(double)        1 unit    20%  (called from main)
//   demo::mix<float>(float)          -          -   (calls mix<double>: 1 unit, 20%,
//                                                    under a frame of the same simple name)
// Usage: cxx [SECONDS].
#include <cstdint>
#include <cstdlib>
#include <ctime>

namespace demo {

static volatile std::uint64_t rounds;
static volatile double dsink;
static volatile std::uint64_t isink;

// Called first by the hot functions so that they are not leaf functions to
// the compiler: they then keep their frame pointer.
__attribute__((noinline)) void count_round() { rounds = rounds + 1; }

class Engine {
public:
	__attribute__((noinline, noipa)) void run(int units);
	__attribute__((noinline, noipa)) void run(double units);
};

void Engine::run(int units)
{
	count_round();
	for (std::uint64_t i = 0; i < static_cast<std::uint64_t>(units) * 100000; i++)
		isink = isink + (i ^ (isink >> 3));
}

void Engine::run(double units)
{
	count_round();
	for (std::uint64_t i = 0; i < static_cast<std::uint64_t>(units * 100000); i++)
		isink = isink + (i ^ (isink >> 5));
}

// A template, so that the profile must name one instance of it.  noipa: at
// -O2 GCC would otherwise call a clone, "mix<double>(double) [clone .isra.0]".
template <typename T>
__attribute__((noinline, noipa)) T mix(T units)
{
	T acc = 0;

	count_round();
	for (std::uint64_t i = 0; i < static_cast<std::uint64_t>(units) * 100000; i++) {
		acc = acc + static_cast<T>(i);
		dsink = acc;
	}
	return acc;
}

// Another instance that spends its time in the first: "demo::mix" twice in a
// stack once parameters and template arguments are dropped.
template <>
__attribute__((noinline, noipa)) float mix<float>(float units)
{
	count_round();
	return static_cast<float>(mix<double>(units));
}

} // namespace demo

static double now()
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
	double end = now() + seconds;
	demo::Engine engine;

	while (now() < end) {
		engine.run(2);
		engine.run(1.0);
		demo::mix<double>(1.0);
		demo::mix<float>(1.0f);
	}
	return 0;
}
