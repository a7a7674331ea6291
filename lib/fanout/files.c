/* files.c: --files: each job's output in a new file, as GNU parallel names them (TMPDIR/parXXXXXX.par). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fanout/fanout.h"

/* All n bytes of p to fd, which is closed: 0, or -1 and the write's errno. */
int
csp__write_close(int fd, const char *p, size_t n)
{
	ssize_t w;
	int e;

	for (; n > 0; p += w, n -= (size_t)w)
		if ((w = write(fd, p, n)) == -1 && errno != EINTR)
			break;
		else if (w == -1)
			w = 0;
	e = errno;
	close(fd);
	errno = e;
	return n == 0 ? 0 : -1;
}

int
csp__files_write(const csp_fanout_opt *o, const char *p, size_t n, char *name, size_t size)
{
	const char *dir = o->tmpdir;
	int fd;

	if (dir == NULL && ((dir = getenv("TMPDIR")) == NULL || *dir == '\0'))
		dir = "/tmp";
	if ((size_t)snprintf(name, size, "%s/parXXXXXX.par", dir) >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = mkostemps(name, 4, O_CLOEXEC)) == -1)
		return -1;
	return csp__write_close(fd, p, n);
}
