/*
 * oldwait.c: TRANSITIONAL. The waits the loops used before the reactor
 * (react.c); deleted once no loop calls them.
 */
#include <errno.h>
#include <poll.h>

#include "core/impl.h"

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

/* poll(), again after EINTR: what every wait in the library needs. */
int
csp__poll(struct pollfd *pfd, int n, int timeout)
{
	int r;

	do
		r = poll(pfd, (nfds_t)n, timeout);
	while (r == -1 && errno == EINTR);
	return r;
}

/* A deadline as poll()'s timeout: -1 forever, else what is left (0 if past). */
int
csp__timeout(int64_t deadline)
{
	int64_t left;

	if (deadline == CSP_FOREVER)
		return -1;
	left = deadline - csp_now();
	if (left <= 0)
		return 0;
	return left > 1000000000 ? 1000000000 : (int)left;
}
