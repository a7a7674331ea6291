/* done.c: a done is a pipe nobody writes; closing its write end is the broadcast. */
#include <errno.h>
#include <unistd.h>

#include "core/impl.h"

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
