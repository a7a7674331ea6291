/* wait.c: the one place a blocking call waits: on its fd, its done, its deadline. */
#include <errno.h>
#include <poll.h>

#include "impl.h"

/*
 * 0 once fd has one of events (or an error or hangup: the caller finds out),
 * -1/ECANCELED once done fired, -1/ETIMEDOUT once deadline passed.
 * fd -1 waits on the done alone.
 */
int
csp_wait_fd(int fd, short events, const csp_done *done, int64_t deadline)
{
	struct pollfd pfd[1 + CSP_DONE_DEPTH];
	int nd, r;
	int64_t until;

	pfd[0].fd = fd;
	pfd[0].events = events;
	nd = csp__done_poll(done, pfd + 1, CSP_DONE_DEPTH);
	until = csp__min_deadline(deadline, csp_done_when(done));
	for (;;) {
		pfd[0].revents = 0;
		r = csp__done_fired(done, pfd + 1, 0) ? 0 : poll(pfd, 1 + nd, csp__timeout(until));
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (csp__done_fired(done, pfd + 1, nd)) {
			errno = ECANCELED;
			return -1;
		}
		if (fd != -1 && pfd[0].revents != 0)
			return 0;
		if (r == 0 && until != CSP_FOREVER && csp_now() >= until) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
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
