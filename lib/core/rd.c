/* rd.c: records in bulk: one read fills many records, and a record may be any length. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/impl.h"

#define RD_MIN (256 * 1024)

int
csp_rd_init(csp_rd *r, int fd, int delim)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->delim = delim;
	r->cap = RD_MIN;
	if ((r->buf = malloc(r->cap)) == NULL)
		return -1;
	r->head = r->tail = r->scan = -(uintptr_t)r->buf % 64;  /* reads land line-aligned */
	return 0;
}

void
csp_rd_free(csp_rd *r)
{
	free(r->buf);
	r->buf = NULL;
}

/*
 * One read into the buffer, waiting (with done) if nothing is there yet;
 * before it waits, what the command has written so far goes out.
 * Returns the bytes read, 0 at end of input, -1 with errno.
 */
ssize_t
csp_rd_fill(csp_rd *r, const csp_done *done)
{
	ssize_t n;

	if (r->eof)
		return 0;
	if (r->head > 0 && (r->head == r->tail || r->tail == r->cap)) {
		/* Keep each byte's offset in its cache line: a misaligned read() copies 3x slower. */
		size_t to = r->head % 64;

		memmove(r->buf + to, r->buf + r->head, r->tail - r->head);
		r->tail -= r->head - to;
		r->scan -= r->head - to;
		r->head = to;
	}
	/* A record longer than the buffer: it grows, the record stays whole. */
	if (r->tail == r->cap && csp__grow(&r->buf, &r->cap, r->cap + 1) == -1)
		return -1;
	for (;;) {
		if (r->flush != NULL && r->flush->len > 0 &&
		    csp_wait_fd(r->fd, POLLIN, NULL, CSP_NOW) == -1 && errno == ETIMEDOUT &&
		    csp_wr_flush(r->flush, done) == -1)
			return -1;
		/* Wait in the reactor, never in read: a done must reach a reader that waits. */
		if (csp_wait_fd(r->fd, POLLIN, done, CSP_FOREVER) == -1)
			return -1;
		n = read(r->fd, r->buf + r->tail, r->cap - r->tail);
		if (n > 0) {
			r->tail += (size_t)n;
			return n;
		}
		if (n == 0) {
			r->eof = 1;
			return 0;
		}
		if (errno != EINTR && errno != EAGAIN)
			return -1;
	}
}

/*
 * The next record: *rec points at it (valid until the next call), and the
 * length counts its terminator if it has one; a final record may lack it.
 * 0 at end of input, -1 with errno (ECANCELED once done fired).
 */
ssize_t
csp_rd_next(csp_rd *r, char **rec, const csp_done *done)
{
	char *p;
	size_t len;
	ssize_t n;

	for (;;) {
		p = memchr(r->buf + r->scan, r->delim, r->tail - r->scan);
		if (p != NULL) {
			len = (size_t)(p - (r->buf + r->head)) + 1;
			*rec = r->buf + r->head;
			r->head += len;
			r->scan = r->head;
			return (ssize_t)len;
		}
		r->scan = r->tail;
		if (r->eof || (n = csp_rd_fill(r, done)) == 0) {
			if (r->tail == r->head)
				return 0;
			len = r->tail - r->head;
			*rec = r->buf + r->head;
			r->head = r->scan = r->tail;
			return (ssize_t)len;
		}
		if (n == -1)
			return -1;
	}
}
