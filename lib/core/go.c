/* go.c: a goroutine is a forked process that keeps only the fds it was handed. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#if defined(__has_include)
#if __has_include(<sys/single_threaded.h>)
#include <sys/single_threaded.h>
#define HAVE_SINGLE_THREADED 1
#endif
#endif
#include <unistd.h>

#include "core/impl.h"

/* In the child, forget the ends that were closed, so no stale fd is ever reused. */
static void
forget_unkept(const csp_keep *k)
{
	int cancel[CSP_KEEP_MAX / 4], i;
	csp_done *d;

	if (k == NULL)
		return;
	/* Write ends handed over on purpose survive whatever the loop below clears. */
	for (i = 0; i < k->ndone; i++)
		cancel[i] = (k->done[i].roles & CSP_SEND) ? k->done[i].d->wfd : -1;
	for (i = 0; i < k->ndone; i++) {
		d = k->done[i].d;
		if (!(k->done[i].roles & CSP_RECV)) {
			d->rfd = -1;
			d->parent = NULL;
		}
		for (; d != NULL; d = (csp_done *)d->parent)
			d->wfd = -1;
	}
	for (i = 0; i < k->ndone; i++)
		if (cancel[i] != -1)
			k->done[i].d->wfd = cancel[i];
	for (i = 0; i < k->nchan; i++) {
		csp_chan *c = k->chan[i].ch;

		if (!(k->chan[i].roles & CSP_SEND))
			c->wfd = c->crfd = -1;
		if (!(k->chan[i].roles & CSP_RECV))
			c->rfd = c->cwfd = -1;
	}
}

/*
 * With every signal blocked: no handler of the parent's is left for a signal
 * to run, and before an exec what the library ignored goes back to the
 * default. only, if not NULL, limits the signals looked at.
 */
static void
reset_signals(const sigset_t *only, int exec)
{
	struct sigaction sa;
	int i;

	for (i = 1; i < NSIG; i++) {
		if (i == SIGKILL || i == SIGSTOP || (only != NULL && !sigismember(only, i)) ||
		    sigaction(i, NULL, &sa) == -1 || sa.sa_handler == SIG_DFL)
			continue;  /* libc's own signals fail sigaction: left alone */
		if (sa.sa_handler == SIG_IGN && !(exec && sigismember(&csp__sig_ours, i)))
			continue;  /* the program's or its parent's SIG_IGN is inherited */
		sa.sa_handler = SIG_DFL;
		sa.sa_flags = 0;
		sigaction(i, &sa, NULL);
	}
}

/*
 * The child's start, a goroutine's or an exec'd program's: die with the
 * parent thread, close the rest, no handler of the parent's, an empty mask,
 * a name. ready, if not -1, is told once the death signal is armed: until
 * then the starting thread must not end.
 */
void
csp__child_start(pid_t parent, int ready, const int *keep, int nkeep, const char *name,
                 int how)
{
	uint64_t none = 0;  /* the kernel's sigset_t, on the stack: no new page */
	sigset_t pend;
	char c = 0;
	int i;

	/* syscall() only, bound already in the parent: see csp__close_except. */
	syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if ((pid_t)syscall(SYS_getppid) != parent)
		_exit(128 + SIGKILL);  /* the parent died before the line above */
	if (ready != -1)
		syscall(SYS_write, ready, &c, 1);
	if (how & CSP__CLOSE)
		csp__close_except(3, keep, nkeep);
	if (how & CSP__ALONE) {
		/* Signalled by its new pid only: the exec resets the handlers no signal reached. */
		sigpending(&pend);
		sigorset(&pend, &pend, &csp__sig_ours);
		reset_signals(&pend, how & CSP__EXEC);
	} else {
		reset_signals(NULL, how & CSP__EXEC);
	}
	/* What the command's parent ignored, its jobs ignore too (csp_command_start). */
	for (i = 1; (how & CSP__EXEC) && csp__ign != 0 && i <= 64; i++)
		if (CSP__IGNORED(i))
			signal(i, SIG_IGN);
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof(none));
	if (name != NULL)
		csp_setname(name);
}

/*
 * What fn printed to stdout or stderr goes out before _exit. glibc's FILE is
 * public: looking at its pointers costs no page fault, calling fflush does.
 * Streams fn opened itself are fn's to close.
 */
static void
flush_std(void)
{
#ifdef __GLIBC__
	if (stdout->_IO_write_ptr > stdout->_IO_write_base)
		fflush(stdout);
	if (stderr->_IO_write_ptr > stderr->_IO_write_base)
		fflush(stderr);
#else
	fflush(NULL);
#endif
}

/*
 * Another thread may be running, and the one calling may end at once: its
 * death signal would then be armed too late, or not (PR_SET_PDEATHSIG is the
 * thread's). glibc knows whether a thread was ever started.
 */
static int
threaded(void)
{
#ifdef HAVE_SINGLE_THREADED
	return !__libc_single_threaded;
#else
	return 1;
#endif
}

int
csp_go(csp_proc *p, const char *name, const csp_keep *keep, void (*fn)(void *), void *arg)
{
	pid_t parent = getpid(), pid;
	int ready[2] = { -1, -1 }, e;
	sigset_t all, old;
	char c;

	csp__proc_init(p, 0, 0);  /* no child yet: inert */
	if (csp__children_lost()) {
		errno = ECHILD;  /* SIGCHLD ignored: the child could never be waited for */
		return -1;
	}
	if (threaded() && csp__pipe(ready, 0) == -1)
		return -1;
	fflush(NULL);  /* or the child would print the parent's buffered output again */
	/* Blocked until the child has dropped the parent's handlers. */
	sigfillset(&all);
	if (sigprocmask(SIG_SETMASK, &all, &old) == -1) {
		e = errno;
		goto fail;
	}
	pid = fork();
	if (pid == 0) {
		csp__child_start(parent, ready[1], keep ? keep->fd : NULL, keep ? keep->n : 0,
		    name, CSP__CLOSE);
		forget_unkept(keep);
		fn(arg);
		flush_std();
		for (;;)  /* not _exit: the dynamic linker would bind it again in every child */
			syscall(SYS_exit_group, 0);
	}
	e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid == -1)
		goto fail;
	if (ready[0] != -1) {
		close(ready[1]);
		while (read(ready[0], &c, 1) == -1 && errno == EINTR)
			;  /* a byte once its death signal is armed; EOF if it died */
		close(ready[0]);
	}
	csp__proc_init(p, pid, 0);  /* its pidfd is opened when a wait needs it */
	return 0;
fail:
	if (ready[0] != -1) {
		close(ready[0]);
		close(ready[1]);
	}
	errno = e;
	return -1;
}
