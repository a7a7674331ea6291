/*
 * job.c: a fan-out job's process, as the pool (fanout.c) and pipe mode's
 * workers (fanpipe.c) both keep it: started by vfork in a group of its own,
 * watched through a pidfd in the caller's reactor, timed out, stopped (by
 * core's one stop) and reaped, and only it: the program's other children
 * are not ours to wait for.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fanout/fanout.h"

#define NO_PIDFD_STEP 10  /* ms between looks at a job without a pidfd (before Linux 5.3) */

/*
 * For the run, SIGCHLD at its default (old: what it was): the jobs are seen
 * to end through their pidfds; SIG_IGN would reap them unseen, a handler might.
 */
int
csp__fan_chld(struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGCHLD, &sa, old);
}

/*
 * The loops' one wait, in the reactor, until next at the latest. Output
 * held for out (and err) goes out only once nothing is ready: a flush
 * per wakeup, not per job. Returns as csp__react does, 0 also after a
 * flush: look again.
 */
int
csp__fan_wait(struct pollfd *pfd, int n, const csp_done *done, int64_t next,
              csp_wr *out, csp_wr *err)
{
	int r;

	if (out->len == 0 && (err == NULL || err->len == 0))
		return csp__react(pfd, n, done, next, 0);
	if ((r = csp__react(pfd, n, done, 0, 0)) != 0)
		return r;
	if (csp_wr_flush(out, done) == -1 || (err != NULL && csp_wr_flush(err, done) == -1))
		return -1;
	return 0;
}

/*
 * Start argv as pub's job: path is its file (NULL: searched in PATH), fds
 * its 0, 1 and 2. A job whose exec failed has ended at once, 127 or 126
 * (csp_exec_status), pid -1; so has one with argv NULL (a dry run's: not
 * run), as it succeeded. -1 only for a system failure (no child at all).
 */
int
csp__fanproc_spawn(csp__fanproc *p, csp_fanout_job *pub, const char *path,
                   char *const argv[], const int fds[3], int64_t timeout_ms)
{
	struct timeval tv;

	p->pub = pub;
	csp__proc_init(&p->proc, -1, CSP_SPAWN_PGROUP);
	p->reaped = p->stopping = 0;
	pub->status = -1;
	pub->sig = pub->err = pub->timedout = 0;
	gettimeofday(&tv, NULL);
	pub->start_ms = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	p->t0 = csp_now();
	p->deadline = timeout_ms > 0 ? p->t0 + timeout_ms : CSP_FOREVER;
	if (argv == NULL) {
		pub->status = 0;
		p->reaped = 1;
		return 0;
	}
	if (csp_vspawn(&p->proc, path, argv, fds, CSP_SPAWN_PGROUP) == -1) {
		if (p->proc.pid != -1)
			return -1;
		pub->err = errno;
		pub->status = csp_exec_status(errno);
		p->reaped = 1;
		return 0;
	}
	p->proc.pidfd = csp__pidfd(p->proc.pid);  /* unreaped, the pid is surely this child */
	return 0;
}

/* Where p's pidfd goes in the caller's pollfds: -1 once it has none to watch. */
int
csp__fanproc_fd(const csp__fanproc *p)
{
	return p->reaped ? -1 : p->proc.pidfd;
}

/* The longest the caller may wait before looking at p again without a pidfd. */
int64_t
csp__fanproc_due(const csp__fanproc *p, int64_t next)
{
	if (csp__fanproc_blind(p))
		return csp__min_deadline(next, csp_after(NO_PIDFD_STEP));
	return next;
}

/* Is p running with no pidfd to tell its end: the caller looks for it without one. */
int
csp__fanproc_blind(const csp__fanproc *p)
{
	return p->proc.pid > 0 && !p->reaped && p->proc.pidfd == -1;
}

/* Is p started and not yet reaped? */
int
csp__fanproc_running(const csp__fanproc *p)
{
	return p->proc.pid > 0 && !p->reaped;
}

/* Has p's leader exited (still unreaped)? */
static int
exited(const csp__fanproc *p)
{
	siginfo_t info;

	info.si_pid = 0;
	return waitid(P_PID, (id_t)p->proc.pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
	       info.si_pid != 0;
}

static void
reaped(csp__fanproc *p, int ws)
{
	p->reaped = 1;
	csp__close(&p->proc.pidfd);
	p->proc.status = p->pub->status = csp__status(ws);
	p->pub->sig = WIFSIGNALED(ws) ? WTERMSIG(ws) : 0;
}

/*
 * Reap p if its leader has exited: 1 (pub's status and signal set), else 0.
 * One being stopped gets SIGKILL for its group first, while the group's id
 * is still surely its own.
 */
int
csp__fanproc_reap(csp__fanproc *p)
{
	pid_t r;
	int ws;

	if (!csp__fanproc_running(p))
		return 0;
	if (p->stopping) {
		if (!exited(p))
			return 0;
		csp__signal(&p->proc, SIGKILL);
	}
	do
		r = waitpid(p->proc.pid, &ws, WNOHANG);
	while (r == -1 && errno == EINTR);
	if (r != p->proc.pid)
		return 0;
	reaped(p, ws);
	return 1;
}

/*
 * --timeout: SIGTERM to p's group at its deadline, SIGKILL a grace period
 * later (and again each second, should it still be there). Returns the
 * next time p needs a look, at the latest next. Not the one stop: one job
 * at a time, while the loop goes on with the others, so no wait here.
 */
int64_t
csp__fanproc_timeout(csp__fanproc *p, int64_t now, int64_t grace_ms, int64_t next, int *stopped)
{
	if (!csp__fanproc_running(p))
		return next;
	if (!p->stopping && p->deadline != CSP_FOREVER && now >= p->deadline) {
		p->stopping = 1;
		p->pub->timedout = 1;
		*stopped = 1;
		p->killat = now + grace_ms;
		csp__signal(&p->proc, SIGTERM);
	} else if (p->stopping && now >= p->killat) {
		csp__signal(&p->proc, SIGKILL);
		p->killat = now + 1000;
	}
	return csp__min_deadline(next, p->stopping ? p->killat : p->deadline);
}

/*
 * Stop the n jobs of ps (NULL entries skipped) together, by core's one stop
 * (SIGTERM to every group, one grace, SIGKILL to every group), without the
 * walk of the program's tree: its other children are not ours. Reaped here,
 * so that the log sees the signal, not 128+signal. 1 if one was running.
 */
int
csp__fanproc_stop(csp__fanproc *const *ps, int n, int64_t grace_ms)
{
	csp_proc **v;
	int i, m = 0, ws, e = errno;

	v = calloc((size_t)n + 1, sizeof(*v));
	for (i = 0; i < n; i++) {
		if (ps[i] == NULL || !csp__fanproc_running(ps[i]))
			continue;
		ps[i]->stopping = 1;
		if (v != NULL)
			v[m++] = &ps[i]->proc;
		else  /* no room to stop them together: each at once, no grace */
			csp__stop(&ps[i]->proc, 0, 1, SIGTERM, 0, CSP__STOP_UNREAPED);
	}
	if (v != NULL)
		csp__stopv(v, m, SIGTERM, grace_ms, CSP__STOP_UNREAPED);
	free(v);
	for (i = 0; i < n; i++) {
		if (ps[i] == NULL || !csp__fanproc_running(ps[i]))
			continue;
		ws = SIGKILL;  /* what it got, should another wait have taken it */
		while (waitpid(ps[i]->proc.pid, &ws, 0) == -1 && errno == EINTR)
			;
		reaped(ps[i], ws);
		m = 1;
	}
	errno = e;
	return m > 0;
}

/* Drop p's pidfd (a job freed without being reaped is never one: the stop reaps them all). */
void
csp__fanproc_free(csp__fanproc *p)
{
	csp__close(&p->proc.pidfd);
}
