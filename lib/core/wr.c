/* wr.c: records out in large writes; a pipe nobody reads is EPIPE, not a death. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/impl.h"

#define WR_CAP (128 * 1024)

int
csp_wr_init(csp_wr *w, int fd)
{
	struct stat st;

	memset(w, 0, sizeof(*w));
	csp__nosigpipe();
	w->fd = fd;
	w->cap = WR_CAP;
	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
		w->pipe = fcntl(fd, F_GETPIPE_SZ);
	if (w->pipe < 0)
		w->pipe = 0;
	if ((w->buf = malloc(w->cap)) == NULL)
		return -1;
	return 0;
}

void
csp_wr_free(csp_wr *w)
{
	free(w->buf);
	w->buf = NULL;
}

/*
 * How much a write may take without blocking: on a pipe, its free room (at
 * least a page once poll said POLLOUT); elsewhere all of it.
 */
static size_t
room(const csp_wr *w, size_t want)
{
	int used, size = w->pipe;

	if (size == 0 || ioctl(w->fd, FIONREAD, &used) == -1)
		return want;
	if (size - used < 4096)
		return want < 4096 ? want : 4096;
	return want < (size_t)(size - used) ? want : (size_t)(size - used);
}

/* Write p whole: waiting in poll (with done), never stuck in write on a full pipe. */
static int
write_all(csp_wr *w, const char *p, size_t n, const csp_done *done)
{
	ssize_t k;

	while (n > 0) {
		if (done != NULL && csp_wait_fd(w->fd, POLLOUT, done, CSP_FOREVER) == -1)
			return -1;
		k = write(w->fd, p, done != NULL ? room(w, n) : n);
		if (k > 0) {
			p += k;
			n -= (size_t)k;
		} else if (k == -1 && errno != EINTR && errno != EAGAIN) {
			return -1;
		}
	}
	return 0;
}

int
csp_wr_flush(csp_wr *w, const csp_done *done)
{
	size_t n = w->len;

	w->len = 0;
	return n > 0 ? write_all(w, w->buf, n, done) : 0;
}

int
csp_wr_put(csp_wr *w, const void *p, size_t n, const csp_done *done)
{
	if (w->len + n > w->cap) {
		if (csp_wr_flush(w, done) == -1)
			return -1;
		if (n >= w->cap)  /* a big record goes straight out, not through the buffer */
			return write_all(w, p, n, done);
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
	return 0;
}

/* A record, with its terminator added if it came without one. */
int
csp_wr_rec(csp_wr *w, const char *rec, size_t n, int delim, const csp_done *done)
{
	char d = (char)delim;

	if (csp_wr_put(w, rec, n, done) == -1)
		return -1;
	if (n > 0 && rec[n - 1] == d)
		return 0;
	return csp_wr_put(w, &d, 1, done);
}
