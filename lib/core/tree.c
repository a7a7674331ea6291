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
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/impl.h"

#define TREE_MAX 4096

pid_t csp__reaper;

/* The one way the library becomes a subreaper: asked to, and it remembers who asked. */
int
csp_subreaper(void)
{
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == -1)
		return -1;
	csp__reaper = getpid();
	return 0;
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

/*
 * A pid read from /proc may have been reused by the time it is signalled:
 * open a pidfd first, then check that the process it names started when the
 * one seen did. Without pidfds (before Linux 5.3) only an unreaped child of
 * ours is safe to signal by pid.
 */
void
csp__signal_seen(const struct csp__pid *d, int sig)
{
	unsigned long long start;
	int fd = csp__pidfd(d->pid);

	if (fd == -1) {
		if (errno == ENOSYS && d->ppid == getpid()) {
			kill(d->pid, sig);
			if (sig != SIGKILL)
				kill(d->pid, SIGCONT);
		}
		return;  /* ESRCH: gone already */
	}
#ifdef SYS_pidfd_send_signal
	if (csp__started(d->pid, &start) == 0 && start == d->start) {
		syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
		if (sig != SIGKILL)  /* a stopped process takes sig only when it runs */
			syscall(SYS_pidfd_send_signal, fd, SIGCONT, NULL, 0);
	}
#else
	(void)start;
	(void)sig;
#endif
	close(fd);
}

/* Signal every descendant; returns how many there were. */
static ssize_t
signal_tree(struct csp__pid *v, int sig)
{
	ssize_t n, i;

	reap_any();
	if ((n = csp__descendants(getpid(), v, TREE_MAX)) <= 0)
		return n;
	for (i = 0; i < n && i < TREE_MAX; i++)
		csp__signal_seen(&v[i], sig);
	return n;
}

static ssize_t
settle(int64_t until)
{
	struct timespec ts;
	int64_t step = 1;
	ssize_t n;

	for (;;) {
		reap_any();
		if ((n = csp__descendants(getpid(), NULL, 0)) <= 0 || csp_now() >= until)
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
	struct csp__pid *v = malloc(TREE_MAX * sizeof(*v));
	ssize_t first, n;
	int tries;

	if (v == NULL)
		return -1;
	if (!has_children()) {
		free(v);
		return 0;  /* no child, so no descendant: skip reading /proc */
	}
	first = signal_tree(v, sig);
	n = first > 0 ? settle(csp_after(grace_ms)) : first;
	for (tries = 0; n > 0 && tries < 50; tries++) {
		signal_tree(v, SIGKILL);
		n = settle(csp_after(100));
	}
	free(v);
	if (n > 0) {
		errno = EBUSY;  /* still there after 5 s of SIGKILL: stuck in the kernel */
		return -1;
	}
	return n == -1 ? -1 : first;
}
