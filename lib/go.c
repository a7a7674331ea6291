/* go.c: a goroutine is a forked process that keeps only the fds it was handed. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "impl.h"

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

/* The child's start: die with the parent, close the rest, empty mask, a name. */
void
csp__child_start(pid_t parent, const int *keep, int nkeep, const char *name, int close)
{
	uint64_t none = 0;  /* the kernel's sigset_t, on the stack: no new page */

	/* syscall() only, bound already in the parent: see csp__close_except. */
	syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if ((pid_t)syscall(SYS_getppid) != parent)
		_exit(128 + SIGKILL);  /* the parent died before the line above */
	if (close)
		csp__close_except(3, keep, nkeep);
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof(none));
	if (name != NULL)
		csp_setname(name);
}

int
csp__pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	return fd;
#else
	(void)pid;
	return -1;
#endif
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

int
csp_go(csp_proc *p, const char *name, const csp_keep *keep, void (*fn)(void *), void *arg)
{
	pid_t parent = getpid(), pid;

	fflush(NULL);  /* or the child would print the parent's buffered output again */
	pid = fork();
	if (pid == -1)
		return -1;
	if (pid == 0) {
		csp__child_start(parent, keep ? keep->fd : NULL, keep ? keep->n : 0, name, 1);
		forget_unkept(keep);
		fn(arg);
		flush_std();
		_exit(0);
	}
	p->pid = pid;
	p->pidfd = -1;  /* opened when a wait with a done or deadline needs it */
	p->status = -1;
	p->flags = 0;
	return 0;
}
