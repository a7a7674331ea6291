/*
 * stale: csp_stop_tree signals what it found in /proc through csp__signal_seen,
 * which an internal, linked here from the static library, since the shared
 * one exports csp_* calls only. Exits 0 when the behaviour holds.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cspipe.h"
#include "core/impl.h"

#define CHECK(cond, ...) do { if (!(cond)) { \
	fprintf(stderr, "stale: line %d: ", __LINE__); \
	fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); exit(1); } } while (0)

static int
alive(pid_t pid)
{
	return waitpid(pid, NULL, WNOHANG) == 0 && kill(pid, 0) == 0;
}

/*
 * A pid seen in /proc that now names another process (here: one that
 * started at another tick) is not signalled; the process seen is.
 */
static int
t_stale(void)
{
	struct csp__pid seen;
	pid_t pid;
	int ws;

	CHECK((pid = fork()) != -1, "fork");
	if (pid == 0)
		for (;;)
			pause();
	seen.pid = pid;
	seen.ppid = getpid();
	CHECK(csp__started(pid, &seen.start) == 0, "no start time for %d", (int)pid);
	seen.start++;  /* as if the pid had been reused since it was seen */
	csp__signal_seen(&seen, SIGKILL);
	usleep(100000);
	CHECK(alive(pid), "a process that is not the one seen was killed");
	seen.start--;
	csp__signal_seen(&seen, SIGKILL);
	CHECK(waitpid(pid, &ws, 0) == pid && WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL,
	    "the process seen was not killed");
	printf("a reused pid is left alone; the process seen is killed\n");
	return 0;
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	return t_stale();
}
