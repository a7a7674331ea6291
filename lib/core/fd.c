/* fd.c: every fd is born close-on-exec; children keep only what they are given. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bsd/unistd.h>

#include "core/impl.h"

/*
 * Never on 0, 1 or 2: in a command started with stdout closed a pipe would
 * land on fd 1, and output meant for stdout would wait on a pipe's read end.
 */
int
csp__pipe(int fds[2], int flags)
{
	int i, fd;

	if (pipe2(fds, O_CLOEXEC | flags) == -1)
		return -1;
	for (i = 0; i < 2; i++) {
		if (fds[i] > STDERR_FILENO)
			continue;
		if ((fd = fcntl(fds[i], F_DUPFD_CLOEXEC, STDERR_FILENO + 1)) == -1) {
			csp__close_pair(fds);
			return -1;
		}
		close(fds[i]);
		fds[i] = fd;
	}
	return 0;
}

/* Close *fd if it is open, and mark it closed, so a second call does nothing. */
void
csp__close(int *fd)
{
	if (*fd != -1)
		close(*fd);
	*fd = -1;
}

/* Both ends of a pipe closed, those open, with errno kept: for the way out of a failure. */
void
csp__close_pair(int fds[2])
{
	int e = errno;

	csp__close(&fds[0]);
	csp__close(&fds[1]);
	errno = e;
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
	/*
	 * This runs in a fresh fork, where every code page not touched yet is a
	 * page fault: an insertion sort and syscall(), which the parent has
	 * already bound (csp_init), rather than qsort, close_range, closefrom.
	 */
	for (i = 0; i < n; i++) {
		int j, v = keep[i];

		for (j = i; j > 0 && sorted[j - 1] > v; j--)
			sorted[j] = sorted[j - 1];
		sorted[j] = v;
	}
	for (i = 0; i < n; i++) {
		if (sorted[i] < next)
			continue;
		if (sorted[i] > next)
			syscall(SYS_close_range, next, sorted[i] - 1, 0);
		next = sorted[i] + 1;
	}
	if (syscall(SYS_close_range, next, ~0U, 0) == -1)
		closefrom(next);  /* no close_range: libbsd's way */
	return 0;
}
