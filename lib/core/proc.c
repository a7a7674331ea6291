/* proc.c: waiting for children and reaping them all (stop.c stops them). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/impl.h"

/* The exit-code convention: the code, or 128+signal for a death by signal. */
int
csp__status(int ws)
{
	if (WIFEXITED(ws))
		return WEXITSTATUS(ws);
	if (WIFSIGNALED(ws))
		return 128 + WTERMSIG(ws);
	return -1;
}

/*
 * A handle: a started child's, or an inert one that waits for and stops
 * nothing: pid 0 if no child was started, -1 if one was and its exec failed.
 */
void
csp__proc_init(csp_proc *p, pid_t pid, int flags)
{
	p->pid = pid;
	p->pidfd = -1;  /* opened when a wait with a done or deadline needs it */
	p->status = -1;
	p->flags = flags;
}

/*
 * Not one of ours: a failed start's handle, or one never filled. pid 0 and
 * negative pids are groups or everyone to kill() and "any child" to waitpid().
 */
static int
inert(const csp_proc *p)
{
	if (p->pid > 0)
		return 0;
	errno = ECHILD;
	return 1;
}

static int
reaped(csp_proc *p, int ws)
{
	p->status = csp__status(ws);
	csp__close(&p->pidfd);
	return p->status;
}

/* Opened on first need: a spawn that is only ever reaped plainly never pays for it. */
static int
pidfd(csp_proc *p)
{
	if (p->pidfd == -1)
		p->pidfd = csp__pidfd(p->pid);
	return p->pidfd;
}

/*
 * Where there is no pidfd to wait on: -1 with ECANCELED or ETIMEDOUT once
 * done fired or deadline passed, else a nap, a little longer each time.
 */
static int
nap(const csp_done *done, int64_t deadline, int64_t *step)
{
	struct timespec ts = { 0, *step * 1000000 };

	if (done != NULL && csp_done_err((csp_done *)done) != 0) {
		errno = ECANCELED;
		return -1;
	}
	if (deadline != CSP_FOREVER && csp_now() >= deadline) {
		errno = ETIMEDOUT;
		return -1;
	}
	nanosleep(&ts, NULL);
	if (*step < 50)
		*step *= 2;
	return 0;
}

/* Reap p: its status, or -1/ECANCELED (done) or -1/ETIMEDOUT, leaving it unreaped. */
int
csp_proc_wait(csp_proc *p, const csp_done *done, int64_t deadline)
{
	int ws;
	pid_t r;
	int64_t step = 1;

	if (p->status != -1)
		return p->status;
	if (inert(p))
		return -1;
	/* Nothing to wait for but the child: waitpid alone, no pidfd, no poll. */
	if ((done != NULL || deadline != CSP_FOREVER) && pidfd(p) != -1 &&
	    csp_wait_fd(p->pidfd, POLLIN, done, deadline) == -1)
		return -1;
	for (;;) {
		int blocking = p->pidfd != -1 ||
		    (done == NULL && deadline == CSP_FOREVER);

		r = waitpid(p->pid, &ws, blocking ? 0 : WNOHANG);
		if (r == p->pid)
			return reaped(p, ws);
		if ((r == -1 && errno != EINTR) || (r == 0 && nap(done, deadline, &step) == -1))
			return -1;
	}
}

/*
 * Reap every child until none is left; returns how many. With a done or a
 * deadline, gives up when either comes: -1 and ECANCELED or ETIMEDOUT.
 */
int
csp_reap_all(const csp_done *done, int64_t deadline)
{
	int n = 0, blocking = done == NULL && deadline == CSP_FOREVER;
	int64_t step = 1;
	pid_t r;

	for (;;) {
		r = waitpid(-1, NULL, blocking ? 0 : WNOHANG);
		if (r > 0) {
			n++;
			step = 1;
			continue;
		}
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return errno == ECHILD ? n : -1;
		if (nap(done, deadline, &step) == -1)  /* no pidfd for "any child" */
			return -1;
	}
}

/* A pidfd for pid, or -1 (ENOSYS before Linux 5.3: callers fall back to the pid). */
int
csp__pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	return fd;
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}
