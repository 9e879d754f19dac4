/* forker - forks a child; the child burns CPU in child_work, the parent in
 * parent_work, SECONDS (default 1) of its own CPU time each (not wall time: on
 * a busy machine the two halves stay equal); the parent waits for the child
 * and exits with its status. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile uint64_t sink;

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) void child_work(double end)
{
	while (cpu_seconds() < end)
		for (int i = 0; i < 100000; i++)
			sink += i;
}

__attribute__((noinline)) void parent_work(double end)
{
	while (cpu_seconds() < end)
		for (int i = 0; i < 100000; i++)
			sink ^= i;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return 1;
	if (pid == 0) {
		child_work(cpu_seconds() + seconds);
		_exit(0);
	}
	parent_work(cpu_seconds() + seconds);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
