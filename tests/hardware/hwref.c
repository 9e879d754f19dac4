/* hwref - the hardware tests' reference: counts user-space cycles and
 * instructions of CMD with nothing but perf_event_open(2), the way any tool
 * would, and prints them.  Usage: hwref CMD [ARGS...]
 *
 * Output, one line each: "cycles N", "instructions N".  Exits 1 when an event
 * cannot be opened or was not counted the whole time (the reference must not
 * be multiplexed), else with CMD's status.  Shares no code with hwprof. */
#include <errno.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct {
	const char *name;
	uint64_t config;
} events[] = {
	{ "cycles", PERF_COUNT_HW_CPU_CYCLES },
	{ "instructions", PERF_COUNT_HW_INSTRUCTIONS },
};
#define NEVENTS (sizeof(events) / sizeof(events[0]))

/* Counts pid from its next exec on, in user space only, with its children. */
static int open_counter(uint64_t config, pid_t pid)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_HARDWARE;
	a.config = config;
	a.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	a.disabled = 1;
	a.enable_on_exec = 1;
	a.inherit = 1;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	return (int)syscall(SYS_perf_event_open, &a, pid, -1, -1, 0);
}

int main(int argc, char **argv)
{
	int go[2], fd[NEVENTS], status, code;
	pid_t pid;
	char c = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: hwref CMD [ARGS...]\n");
		return 2;
	}
	if (pipe(go) < 0) {
		perror("hwref: pipe");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("hwref: fork");
		return 1;
	}
	if (pid == 0) {
		/* Wait until the counters are attached; they start at the exec. */
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		execvp(argv[1], argv + 1);
		perror("hwref: exec");
		_exit(127);
	}
	close(go[0]);
	for (size_t i = 0; i < NEVENTS; i++) {
		fd[i] = open_counter(events[i].config, pid);
		if (fd[i] < 0) {
			fprintf(stderr, "hwref: perf_event_open(%s): %s\n", events[i].name,
				strerror(errno));
			kill(pid, SIGKILL);
			return 1;
		}
	}
	if (write(go[1], &c, 1) != 1) {
		perror("hwref: write");
		return 1;
	}
	close(go[1]);
	if (waitpid(pid, &status, 0) < 0) {
		perror("hwref: waitpid");
		return 1;
	}
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	for (size_t i = 0; i < NEVENTS; i++) {
		uint64_t v[3];

		if (read(fd[i], v, sizeof(v)) != (ssize_t)sizeof(v)) {
			perror("hwref: read");
			return 1;
		}
		if (v[1] == 0 || v[1] != v[2]) {
			fprintf(stderr, "hwref: %s counted %llu of %llu ns: multiplexed\n",
				events[i].name, (unsigned long long)v[2], (unsigned long long)v[1]);
			return 1;
		}
		printf("%s %llu\n", events[i].name, (unsigned long long)v[0]);
	}
	return code;
}
