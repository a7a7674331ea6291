/*
 * tree.c: a whole process tree stopped, setsid() escapers and double forks
 * included. A child subreaper inherits every orphan below it, so every
 * process that ever descended from it stays its descendant until reaped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "impl.h"

#define TREE_MAX 4096

int
csp_subreaper(void)
{
	return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

static void
reap_any(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/*
 * A descendant whose parent died was reparented to us, the subreaper, before
 * that parent could be reaped: so every living descendant has an ancestor
 * among our children, and no child at all means no descendant at all.
 */
static int
has_children(void)
{
	siginfo_t si;

	reap_any();
	si.si_pid = 0;
	return waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == 0 || errno != ECHILD;
}

/* Signal every descendant; returns how many there were. */
static ssize_t
signal_tree(csp_leak *v, int sig)
{
	ssize_t n, i;

	reap_any();
	if ((n = csp_descendants(getpid(), v, TREE_MAX)) <= 0)
		return n;
	for (i = 0; i < n && i < TREE_MAX; i++) {
		kill(v[i].pid, sig);
		if (sig != SIGKILL)
			kill(v[i].pid, SIGCONT);  /* a stopped process takes sig only when it runs */
	}
	return n;
}

static ssize_t
settle(csp_leak *v, int64_t until)
{
	struct timespec ts;
	int64_t step = 1;
	ssize_t n;

	for (;;) {
		reap_any();
		if ((n = csp_descendants(getpid(), v, 0)) <= 0 || csp_now() >= until)
			return n;
		ts.tv_sec = 0;
		ts.tv_nsec = step * 1000000;
		nanosleep(&ts, NULL);
		if (step < 32)
			step *= 2;
	}
}

/*
 * Stop every descendant of the calling process: sig (SIGTERM), a grace
 * period, then SIGKILL, reaping every child as they go (the caller's own
 * included: reap what you need the status of first). Returns how many
 * processes there were to stop, -1 with errno.
 */
ssize_t
csp_stop_tree(int sig, int64_t grace_ms)
{
	csp_leak *v = malloc(TREE_MAX * sizeof(*v));
	ssize_t first, n;
	int tries;

	if (v == NULL)
		return -1;
	if (!has_children()) {
		free(v);
		return 0;  /* no child, so no descendant: skip reading /proc */
	}
	first = signal_tree(v, sig);
	n = first > 0 ? settle(v, csp_after(grace_ms)) : first;
	for (tries = 0; n > 0 && tries < 50; tries++) {
		signal_tree(v, SIGKILL);
		n = settle(v, csp_after(100));
	}
	free(v);
	if (n > 0) {
		errno = EBUSY;  /* still there after 5 s of SIGKILL: stuck in the kernel */
		return -1;
	}
	return n == -1 ? -1 : first;
}
