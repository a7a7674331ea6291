/* done.c: a done is a pipe nobody writes; closing its write end is the broadcast. */
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "impl.h"

int
csp_done_make(csp_done *d, const csp_done *parent)
{
	return csp_done_deadline(d, parent, CSP_FOREVER);
}

int
csp_done_deadline(csp_done *d, const csp_done *parent, int64_t deadline)
{
	int fds[2], depth = 0;
	const csp_done *p;

	for (p = parent; p != NULL; p = p->parent)
		depth++;
	if (depth >= CSP_DONE_DEPTH) {
		errno = EMLINK;
		return -1;
	}
	if (csp__pipe(fds, 0) == -1)
		return -1;
	d->rfd = fds[0];
	d->wfd = fds[1];
	d->deadline = deadline;
	d->cause = 0;
	d->parent = parent;
	return 0;
}

/* Safe in a signal handler: close() is async-signal-safe, and so is this. */
void
csp_cancel(csp_done *d)
{
	if (d->cause == 0)
		d->cause = ECANCELED;
	if (d->wfd != -1) {
		close(d->wfd);
		d->wfd = -1;
	}
}

/* Give up this process's power to cancel; once every holder has, the done fires. */
int
csp_done_release(csp_done *d)
{
	if (d->wfd == -1) {
		errno = EBADF;
		return -1;
	}
	close(d->wfd);
	d->wfd = -1;
	return 0;
}

void
csp_done_free(csp_done *d)
{
	int saved = errno;

	csp_cancel(d);
	if (d->rfd != -1)
		close(d->rfd);
	d->rfd = -1;
	errno = saved;
}

/* The earliest deadline on the way up the tree. */
int64_t
csp_done_when(const csp_done *d)
{
	int64_t when = CSP_FOREVER;

	for (; d != NULL; d = d->parent)
		when = csp__min_deadline(when, d->deadline);
	return when;
}

int
csp_done_fds(const csp_done *d, int *fds, int max)
{
	int n = 0;

	for (; d != NULL && n < max; d = d->parent)
		if (d->rfd != -1)
			fds[n++] = d->rfd;
	return n;
}

/* Fill pollfds for a done and its ancestors; returns how many. */
int
csp__done_poll(const csp_done *d, struct pollfd *pfd, int max)
{
	int fds[CSP_DONE_DEPTH], i, n;

	n = csp_done_fds(d, fds, max < CSP_DONE_DEPTH ? max : CSP_DONE_DEPTH);
	for (i = 0; i < n; i++) {
		pfd[i].fd = fds[i];
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	return n;
}

/* After poll: did the done fire, by a closed pipe or a passed deadline? */
int
csp__done_fired(const csp_done *d, const struct pollfd *pfd, int n)
{
	const csp_done *p;
	int i;
	int64_t when;

	if (d == NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (pfd[i].revents != 0)
			return 1;
	for (p = d; p != NULL; p = p->parent)
		if (p->cause != 0)
			return 1;  /* cancelled here, in a process without the write end */
	when = csp_done_when(d);
	return when != CSP_FOREVER && csp_now() >= when;
}

/* 0 while live; once fired, why: ETIMEDOUT if a deadline passed, else ECANCELED. */
int
csp_done_err(csp_done *d)
{
	struct pollfd pfd[CSP_DONE_DEPTH];
	int n, r;
	int64_t when;

	const csp_done *p;

	for (p = d; p != NULL; p = p->parent)
		if (p->cause != 0)
			return d->cause = p->cause;
	when = csp_done_when(d);
	if (when != CSP_FOREVER && csp_now() >= when)
		return d->cause = ETIMEDOUT;
	n = csp__done_poll(d, pfd, CSP_DONE_DEPTH);
	r = csp__poll(pfd, n, 0);
	if (r > 0)
		return d->cause = ECANCELED;
	return 0;
}

/* Go's <-done with a deadline: 0 once it fired, -1/ETIMEDOUT if the deadline came first. */
int
csp_done_wait(csp_done *d, int64_t deadline)
{
	int64_t when;

	if (csp_wait_fd(-1, 0, d, deadline) == -1 && errno != ECANCELED)
		return -1;
	if (d->cause == 0) {  /* fired: the cause without asking the kernel again */
		when = csp_done_when(d);
		d->cause = when != CSP_FOREVER && csp_now() >= when ? ETIMEDOUT : ECANCELED;
	}
	return 0;
}
