/* fd.c: every fd is born close-on-exec; children keep only what they are given. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <bsd/unistd.h>

#include "impl.h"

int
csp__pipe(int fds[2], int flags)
{
	return pipe2(fds, O_CLOEXEC | flags);
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Close every fd from lowfd up except those in keep: no stray write end survives. */
int
csp__close_except(int lowfd, const int *keep, int n)
{
	int sorted[CSP_KEEP_MAX + 8];
	int i, next = lowfd;

	if (n > (int)(sizeof(sorted) / sizeof(sorted[0]))) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < n; i++)
		sorted[i] = keep[i];
	qsort(sorted, n, sizeof(int), cmp_int);
	for (i = 0; i < n; i++) {
		if (sorted[i] < next)
			continue;
		if (sorted[i] > next)
			close_range(next, sorted[i] - 1, 0);
		next = sorted[i] + 1;
	}
	closefrom(next);
	return 0;
}

/* A send to a pipe nobody reads must be EPIPE, not a death: ignore SIGPIPE once. */
void
csp__nosigpipe(void)
{
	static int done;
	struct sigaction sa;

	if (done)
		return;
	done = 1;
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
		sa.sa_handler = SIG_IGN;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = 0;
		sigaction(SIGPIPE, &sa, NULL);
	}
}
