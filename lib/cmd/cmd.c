/* cmd.c: what every csp-* command shares: --done from the shell, the start (guardian,
 * subreaper, signals as cancellation), and the exit. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bsd/stdlib.h>

#include "core/impl.h"

/*
 * The shell's done: an fd number already open, or the path of a FIFO. It
 * fires when it hangs up, reaches EOF, or has anything to read.
 */
int
csp_done_open(csp_done *d, const char *fd_or_fifo)
{
	const char *errstr;
	struct stat st;
	long long fd;

	fd = strtonum(fd_or_fifo, 0, INT32_MAX, &errstr);
	if (errstr == NULL) {
		if (fcntl((int)fd, F_GETFD) == -1)
			return -1;  /* EBADF: nothing open there */
	} else {
		/* Non-blocking, or the open would wait for a writer to come. */
		fd = open(fd_or_fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd == -1)
			return -1;
		if (fstat((int)fd, &st) == -1 || !S_ISFIFO(st.st_mode)) {
			close((int)fd);
			errno = ENOTSUP;
			return -1;
		}
	}
	memset(d, 0, sizeof(*d));
	d->rfd = (int)fd;
	d->wfd = -1;
	d->deadline = CSP_FOREVER;
	return 0;
}

/*
 * The start of every command that starts processes: the ignored signals
 * noted; the guardian forked (csp_guard, which puts SIGCHLD back to its
 * default: ignored, children reap themselves), and we go on as the worker,
 * a child subreaper, done made from parent and cancelled by every ending
 * signal. Those stay blocked until their handlers are in: none is lost.
 */
int
csp_command_start(csp_done *done, const csp_done *parent)
{
	sigset_t set, old;
	int e;

	csp__record_ignored();
	csp__term_set(&set);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, &old) == -1)
		return -1;
	if (csp_guard() == -1 || csp_subreaper() == -1 || csp_done_make(done, parent) == -1)
		goto fail;
	if (csp_cancel_on_signals(done) == -1) {
		csp_done_free(done);
		goto fail;
	}
	/* The handlers are in: unblock them all, what our parent blocked too. */
	sigprocmask(SIG_SETMASK, &old, NULL);
	return sigprocmask(SIG_UNBLOCK, &set, NULL);
fail:
	e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return -1;
}

/*
 * How a command's call ended, as its exit status: 0 for a clean stop
 * (--done fired: ECANCELED; the reader went away: EPIPE); -1 for anything
 * else, with errno as it was, for the command to report. After one of the
 * signals it does not return: the signal is raised again (csp_reraise).
 */
int
csp_clean_exit(int r)
{
	if (csp_signalled() != 0)
		csp_reraise(csp_signalled());
	if (r == -1 && (errno == ECANCELED || errno == EPIPE))
		return 0;
	return -1;
}
