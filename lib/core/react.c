/*
 * react.c: the reactor, the one place the library waits. Every loop hands
 * it what it waits on: fds with their events (pipes, sockets, pidfds), a
 * done, a deadline; it says what is ready. Nothing else in lib/ calls poll.
 *
 * A done fires by a closed pipe (its read end polls as hangup), by a passed
 * deadline, or by csp_cancel in a process that holds no write end (cause
 * set); the reactor checks all three, up the done's tree.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <time.h>

#include "core/impl.h"

/* A done's fds (and its ancestors'), as pollfds; returns how many. */
static int
done_fds(const csp_done *d, struct pollfd *pfd)
{
	int n = 0;

	for (; d != NULL && n < CSP_DONE_DEPTH; d = d->parent)
		if (d->rfd != -1) {
			pfd[n].fd = d->rfd;
			pfd[n].events = POLLIN;
			pfd[n].revents = 0;
			n++;
		}
	return n;
}

/* After a poll of its nd fds (0: none looked at): has the done fired? */
static int
done_fired(const csp_done *d, const struct pollfd *pfd, int nd)
{
	const csp_done *p;
	int i;
	int64_t when;

	if (d == NULL)
		return 0;
	for (i = 0; i < nd; i++)
		if (pfd[i].revents != 0)
			return 1;
	for (p = d; p != NULL; p = p->parent)
		if (p->cause != 0)
			return 1;  /* cancelled here, in a process without the write end */
	when = csp_done_when(d);
	return when != CSP_FOREVER && csp_now() >= when;
}

/* Has d fired? One look, no wait: the reactor's own answer, for its callers. */
int
csp__fired(const csp_done *d)
{
	struct pollfd pfd[CSP_DONE_DEPTH];
	int nd;

	if (d == NULL)
		return 0;
	if (done_fired(d, NULL, 0))
		return 1;
	nd = done_fds(d, pfd);
	if (nd == 0)
		return 0;
	return poll(pfd, (nfds_t)nd, 0) > 0;
}

/* What is left of a deadline, for ppoll: NULL forever, zero once it passed. */
static struct timespec *
left(int64_t deadline, struct timespec *ts)
{
	int64_t ms;

	if (deadline == CSP_FOREVER)
		return NULL;
	ms = deadline - csp_now();
	if (ms < 0)
		ms = 0;
	ts->tv_sec = (time_t)(ms / 1000);
	ts->tv_nsec = (long)(ms % 1000) * 1000000;
	return ts;
}

/*
 * Wait until one of pfd[0..n) has one of its events (or an error or a
 * hangup), done fires, or deadline (a csp_now() time; CSP_FOREVER, or 0 to
 * look without waiting) passes. pfd must have room for CSP_DONE_DEPTH more
 * entries after the n: the done's fds go there. An fd of -1 is skipped.
 *
 * Returns how many of pfd[0..n) are ready (their revents set), 0 once the
 * deadline passed with none ready, -1/ECANCELED once done fired (whatever
 * else is ready: cancellation comes first), -1 and poll's errno on failure.
 * A caught signal is waited through, unless flags has CSP__REACT_EINTR:
 * then -1/EINTR, for the caller to look at what its handler noted.
 */
int
csp__react(struct pollfd *pfd, int n, const csp_done *done, int64_t deadline, int flags)
{
	struct timespec ts;
	int i, nd, r;
	int64_t until;

	nd = done_fds(done, pfd + n);
	until = csp__min_deadline(deadline, csp_done_when(done));
	for (;;) {
		for (i = 0; i < n; i++)
			pfd[i].revents = 0;
		if (done_fired(done, NULL, 0)) {
			errno = ECANCELED;
			return -1;
		}
		r = ppoll(pfd, (nfds_t)(n + nd), left(until, &ts), NULL);
		if (r == -1) {
			if (errno == EINTR && !(flags & CSP__REACT_EINTR))
				continue;
			return -1;
		}
		if (done_fired(done, pfd + n, nd)) {
			errno = ECANCELED;
			return -1;
		}
		r = 0;
		for (i = 0; i < n; i++)
			if (pfd[i].revents != 0)
				r++;
		if (r > 0)
			return r;
		if (until != CSP_FOREVER && csp_now() >= until)
			return 0;
	}
}

/*
 * 0 once fd has one of events (or an error or hangup: the caller finds out),
 * -1/ECANCELED once done fired, -1/ETIMEDOUT once deadline passed.
 * fd -1 waits on the done alone.
 */
int
csp_wait_fd(int fd, short events, const csp_done *done, int64_t deadline)
{
	struct pollfd pfd[1 + CSP_DONE_DEPTH];
	int r;

	pfd[0].fd = fd;
	pfd[0].events = events;
	r = csp__react(pfd, 1, done, deadline, 0);
	if (r > 0)
		return 0;
	if (r == 0)
		errno = ETIMEDOUT;
	return -1;
}

/* 0 while live; once fired, why: ETIMEDOUT if a deadline passed, else ECANCELED. */
int
csp_done_err(csp_done *d)
{
	const csp_done *p;
	int64_t when;

	for (p = d; p != NULL; p = p->parent)
		if (p->cause != 0)
			return d->cause = p->cause;
	when = csp_done_when(d);
	if (when != CSP_FOREVER && csp_now() >= when)
		return d->cause = ETIMEDOUT;
	if (csp__fired(d))
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
