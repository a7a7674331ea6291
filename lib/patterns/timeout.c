/*
 * timeout.c: a command under a deadline (Go's context.WithTimeout): at the
 * deadline, or when done fires, it is signalled; when it is gone, whatever
 * it left running is stopped too, setsid() escapers included.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/impl.h"

#define REAP_EVERY_MS 1000        /* orphans we adopted are reaped this often */

/* Wait for the command until done or deadline, reaping adopted orphans meanwhile. */
static int
wait_cmd(csp_proc *p, const csp_done *done, int64_t deadline)
{
	int64_t slice;

	for (;;) {
		slice = csp__min_deadline(deadline, csp_after(REAP_EVERY_MS));
		if (csp_proc_wait(p, done, slice) != -1)
			return p->status;
		if (errno != ETIMEDOUT || slice == deadline)
			return -1;
		csp__reap_orphans(&p->pid, 1);  /* a subreaper's adopted ones, only */
	}
}

/* sig to the command (its group unless it shares ours), and SIGCONT so a stopped one takes it. */
static void
signal_cmd(csp_timeout_cmd *t, csp_proc *p, int sig)
{
	pid_t to = (t->flags & CSP_TIMEOUT_FOREGROUND) ? p->pid : -p->pid;

	if (t->notify != NULL)
		t->notify(sig, t->arg);
	if (kill(to, sig) == -1)
		kill(p->pid, sig);
	if (sig != SIGKILL && sig != SIGCONT && kill(to, SIGCONT) == -1)
		kill(p->pid, SIGCONT);
}

/*
 * The command has been sent sig: wait for it up to wait_ms (CSP_FOREVER: as
 * long as it takes, unless done fires, which cuts the wait to the grace),
 * then SIGKILL, and reap it.
 */
static int
finish(csp_timeout_cmd *t, csp_proc *p, int64_t wait_ms, const csp_done *done)
{
	if (wait_ms == CSP_FOREVER) {
		if (wait_cmd(p, done, CSP_FOREVER) != -1)
			return 0;
		if (errno != ECANCELED)
			return -1;
		if (csp_signalled())
			signal_cmd(t, p, csp_signalled());  /* a signal to us, passed on */
		wait_ms = t->kill_after > 0 ? t->kill_after : t->grace;
	}
	if (wait_cmd(p, NULL, csp_after(wait_ms)) != -1)
		return 0;
	if (errno != ETIMEDOUT)
		return -1;
	signal_cmd(t, p, SIGKILL);  /* unreaped, so its group id is still its own */
	return wait_cmd(p, NULL, CSP_FOREVER) == -1 ? -1 : 0;
}

/*
 * Run t->argv until it exits or deadline passes or done fires. At the
 * deadline it gets t->sig, then SIGKILL after t->kill_after ms if that is
 * not 0. When done fires it gets the signal csp_cancel_on_signals caught,
 * or t->sig, then SIGKILL after t->kill_after ms, or t->grace if that is 0.
 * A SIGALRM that cancelled done (csp_cancel_on_signals) counts as the
 * deadline: t->sig, then SIGKILL after t->kill_after, or t->grace if 0.
 * Once it is reaped, every other descendant of the caller gets t->sig, then
 * SIGKILL after t->grace, and is reaped; those that escaped through a parent
 * that died are among them only if the caller is a subreaper (csp_subreaper).
 * 0 with t->status and t->cause set;
 * -1 with errno if it could not be run or a system call failed.
 */
int
csp_timeout(csp_timeout_cmd *t, int64_t deadline, const csp_done *done)
{
	int flags = CSP_SPAWN_INHERIT, sig = t->sig != 0 ? t->sig : SIGTERM, e, r;
	unsigned long long ign;
	csp_proc p;

	t->status = -1;
	t->cause = 0;
	if (!(t->flags & CSP_TIMEOUT_FOREGROUND))
		flags |= CSP_SPAWN_PGROUP;
	/* The signal it will get is its default again, as coreutils timeout leaves it:
	 * one our parent ignored (nohup -s HUP) would make the deadline powerless.
	 * For this spawn only: we still ignore it from the terminal, as before. */
	ign = csp__ign;
	if (sig <= 64)
		csp__ign &= ~(1ULL << (sig - 1));
	r = csp_spawn(&p, t->argv, NULL, flags);
	csp__ign = ign;
	if (r == -1)
		return -1;
	if (wait_cmd(&p, done, deadline) == -1) {
		if (errno == ETIMEDOUT || errno == ECANCELED)
			t->cause = errno;
		if (t->cause == ECANCELED && csp_signalled() == SIGALRM) {
			/* SIGALRM is the deadline, as timeout(1) takes it; done has fired, so a grace. */
			t->cause = ETIMEDOUT;
			signal_cmd(t, &p, t->sig);
			e = finish(t, &p, t->kill_after > 0 ? t->kill_after : t->grace, NULL);
		} else if (t->cause == ETIMEDOUT) {
			signal_cmd(t, &p, t->sig);
			e = finish(t, &p, t->kill_after > 0 ? t->kill_after : CSP_FOREVER, done);
		} else if (t->cause == ECANCELED) {
			signal_cmd(t, &p, csp_signalled() ? csp_signalled() : t->sig);
			e = finish(t, &p, t->kill_after > 0 ? t->kill_after : t->grace, NULL);
		} else {
			e = -1;
		}
		if (e == -1) {
			e = errno;
			csp__stop(&p, 0, 1, SIGKILL, 0, CSP__STOP_TREE);
			errno = e;
			return -1;
		}
	}
	t->status = p.status;
	/* What it left behind goes now, as Go's deferred cancel() stops what still uses the context. */
	return csp_stop_tree(sig, t->grace) == -1 ? -1 : 0;
}
