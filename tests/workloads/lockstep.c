/* lockstep - periodic work at exactly the sampling period: tick for the first
 * FRACTION of every PERIOD ns of its CPU time, rest for the remainder, for
 * SECONDS of CPU time.  Usage: lockstep PERIOD SECONDS FRACTION.
 *
 * It keeps its time by its own cpu-clock counter, the clock of record's
 * cpu-clock sampler, and stays on the CPU it starts on: the sampler of each
 * CPU keeps its own phase, and a thread that moves between them would mix
 * phases.  Sampled at a fixed period PERIOD every sample falls at the same
 * point of the cycle, in tick or in rest, whatever FRACTION says. */
#include <linux/perf_event.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile uint64_t sink;
static int clock_fd;

static uint64_t cpu_ns(void)
{
	uint64_t v;

	if (read(clock_fd, &v, sizeof(v)) != sizeof(v))
		exit(1);
	return v;
}

__attribute__((noinline)) void tick(uint64_t until)
{
	while (cpu_ns() < until)
		sink++;
}

__attribute__((noinline)) void rest(uint64_t until)
{
	while (cpu_ns() < until)
		sink++;
}

int main(int argc, char **argv)
{
	struct perf_event_attr a;
	uint64_t period, t, end;
	double fraction;
	cpu_set_t one;
	int cpu = sched_getcpu();

	if (argc != 4) {
		fprintf(stderr, "usage: lockstep PERIOD SECONDS FRACTION\n");
		return 2;
	}
	period = strtoull(argv[1], NULL, 10);
	fraction = atof(argv[3]);
	CPU_ZERO(&one);
	CPU_SET(cpu >= 0 ? cpu : 0, &one);
	if (sched_setaffinity(0, sizeof(one), &one) < 0)
		perror("lockstep: sched_setaffinity");
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	clock_fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	if (clock_fd < 0) {
		perror("lockstep: perf_event_open");
		return 3;
	}
	t = cpu_ns();
	end = t + (uint64_t)(atof(argv[2]) * 1e9);
	for (; t < end; t += period) {
		tick(t + (uint64_t)((double)period * fraction));
		rest(t + period);
	}
	return 0;
}
