/*
 * chan.c: a channel is two pipes. Values flow one way; credits, one byte per
 * free slot, flow back. The credit pipe starts with cap bytes, so a sender
 * blocks exactly when cap values are unreceived; with cap 0 the sender waits
 * for the receiver's credit after writing: a rendezvous.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "impl.h"

#define MSG_FRAME 4

static const unsigned char zeros[4096];

/* A pipe that holds at least want bytes, or EINVAL: capacity is never a lie. */
static int
pipe_hold(int fd, size_t want)
{
	int have = fcntl(fd, F_GETPIPE_SZ);

	if (have >= 0 && (size_t)have >= want)
		return 0;
	if (want > INT_MAX || fcntl(fd, F_SETPIPE_SZ, (int)want) == -1) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/*
 * A pipe is a ring of pages, and a write goes into the last page only if it
 * fits there whole: records that do not divide a page waste the rest of it.
 */
static size_t
pages_for(size_t records, size_t size)
{
	size_t per_page = 4096 / size;

	return (records + per_page - 1) / per_page + 1;
}

int
csp_chan_make(csp_chan *c, size_t size, size_t cap)
{
	int data[2], cred[2];
	size_t unit = size ? size : PIPE_BUF, left;
	ssize_t w;

	if (size > PIPE_BUF || cap > (1u << 20)) {
		errno = EINVAL;
		return -1;
	}
	csp__nosigpipe();
	if (csp__pipe(data, O_NONBLOCK) == -1)
		return -1;
	if (csp__pipe(cred, O_NONBLOCK) == -1)
		goto fail_data;
	if (pipe_hold(data[1], pages_for(cap ? cap : 1, unit) * 4096) == -1 ||
	    pipe_hold(cred[1], cap) == -1)
		goto fail_cred;
	for (left = cap; left > 0; left -= (size_t)w) {
		w = write(cred[1], zeros, left < sizeof(zeros) ? left : sizeof(zeros));
		if (w <= 0)
			goto fail_cred;
	}
	memset(c, 0, sizeof(*c));
	c->rfd = data[0];
	c->wfd = data[1];
	c->crfd = cred[0];
	c->cwfd = cred[1];
	c->size = size;
	c->cap = cap;
	c->bufsz = size ? (4096 / size) * size : 2 * PIPE_BUF;
	c->gen = csp__gen;
	return 0;

fail_cred:
	close(cred[0]);
	close(cred[1]);
fail_data:
	close(data[0]);
	close(data[1]);
	return -1;
}

/* In a forked copy the caches belong to the parent: forget them. */
void
csp__chan_sync(csp_chan *c)
{
	if (c->gen != csp__gen) {
		c->gen = csp__gen;
		c->credits = 0;
		c->head = c->tail = 0;
	}
}

/* Give the senders n slots back; a sender that is gone wants none. */
void
csp__chan_return(csp_chan *c, size_t n)
{
	ssize_t w;

	while (n > 0 && c->cwfd != -1) {
		w = write(c->cwfd, zeros, n < sizeof(zeros) ? n : sizeof(zeros));
		if (w > 0)
			n -= (size_t)w;
		else if (w == -1 && errno == EINTR)
			continue;
		else
			break;
	}
}

/* Take free slots, as many as are there (up to want): 1 got some, 0 none yet, -1 error. */
static int
take_credits(csp_chan *c, size_t want)
{
	unsigned char tmp[4096];
	ssize_t r;

	if (c->crfd == -1) {
		errno = EBADF;
		return -1;
	}
	if (want > sizeof(tmp))
		want = sizeof(tmp);
	do
		r = read(c->crfd, tmp, want);
	while (r == -1 && errno == EINTR);
	if (r > 0) {
		c->credits += (size_t)r;
		return 1;
	}
	if (r == 0) {
		errno = EPIPE;  /* every receiver is gone */
		return -1;
	}
	return errno == EAGAIN ? 0 : -1;
}

int
csp__chan_try_credit(csp_chan *c)
{
	if (c->credits > 0)
		return 1;
	return take_credits(c, 4096);
}

static int
wait_credits(csp_chan *c, size_t want, const csp_done *done)
{
	int r;

	while (c->credits == 0) {
		r = take_credits(c, want);
		if (r == -1)
			return -1;
		if (r == 0 && csp_wait_fd(c->crfd, POLLIN, done, CSP_FOREVER) == -1)
			return -1;
	}
	return 0;
}

/* Write all of buf; a write of up to PIPE_BUF is atomic, so never interleaved. */
static int
put_bytes(csp_chan *c, const void *buf, size_t len, const csp_done *done)
{
	const char *p = buf;
	ssize_t w;

	if (c->wfd == -1) {
		errno = EBADF;
		return -1;
	}
	while (len > 0) {
		w = write(c->wfd, p, len);
		if (w > 0) {
			p += w;
			len -= (size_t)w;
		} else if (w == -1 && errno == EAGAIN) {
			if (csp_wait_fd(c->wfd, POLLOUT, done, CSP_FOREVER) == -1)
				return -1;
		} else if (!(w == -1 && errno == EINTR)) {
			return -1;
		}
	}
	return 0;
}

/* One value, or one framed message of len bytes: a single write, never torn. */
int
csp__chan_put(csp_chan *c, const void *val, size_t len, const csp_done *done)
{
	unsigned char frame[MSG_FRAME + CSP_MSG_MAX];
	uint32_t n = (uint32_t)len;

	if (c->size)
		return put_bytes(c, val, c->size, done);
	if (len > CSP_MSG_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	memcpy(frame, &n, MSG_FRAME);
	memcpy(frame + MSG_FRAME, val, len);
	return put_bytes(c, frame, MSG_FRAME + len, done);
}

/* The rendezvous: wait for the credit the receiver returns for our value. */
int
csp__chan_ack(csp_chan *c, const csp_done *done, int64_t deadline)
{
	unsigned char b;
	ssize_t r;

	for (;;) {
		r = read(c->crfd, &b, 1);
		if (r == 1)
			return 0;
		if (r == 0) {
			errno = EPIPE;
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -1;
		if (csp_wait_fd(c->crfd, POLLIN, done, deadline) == -1)
			return -1;
	}
}

int
csp_chan_send(csp_chan *c, const void *val, const csp_done *done)
{
	csp__chan_sync(c);
	if (c->size == 0) {
		errno = EINVAL;
		return -1;
	}
	if (c->cap == 0)
		return csp__chan_put(c, val, 0, done) == -1 ? -1 : csp__chan_ack(c, done, CSP_FOREVER);
	if (wait_credits(c, 4096, done) == -1)
		return -1;
	c->credits--;
	return csp__chan_put(c, val, 0, done);
}

ssize_t
csp_chan_send_many(csp_chan *c, const void *vals, size_t n, const csp_done *done)
{
	const char *p = vals;
	size_t sent = 0, k;

	csp__chan_sync(c);
	if (c->size == 0) {
		errno = EINVAL;
		return -1;
	}
	if (n == 0)
		return 0;
	while (sent < n) {
		if (c->cap == 0) {
			if (csp_chan_send(c, p + sent * c->size, done) == -1)
				break;
			sent++;
			continue;
		}
		if (wait_credits(c, n - sent, done) == -1)
			break;
		k = c->credits < n - sent ? c->credits : n - sent;
		if (put_bytes(c, p + sent * c->size, k * c->size, done) == -1)
			break;
		c->credits -= k;
		sent += k;
	}
	return sent > 0 ? (ssize_t)sent : -1;
}

int
csp_chan_send_msg(csp_chan *c, const void *msg, size_t len, const csp_done *done)
{
	csp__chan_sync(c);
	if (c->size != 0 || len > CSP_MSG_MAX) {
		errno = c->size != 0 ? EINVAL : EMSGSIZE;
		return -1;
	}
	if (c->cap > 0) {
		if (wait_credits(c, 4096, done) == -1)
			return -1;
		c->credits--;
	}
	if (csp__chan_put(c, msg, len, done) == -1)
		return -1;
	return c->cap == 0 ? csp__chan_ack(c, done, CSP_FOREVER) : 0;
}

int
csp__chan_buffered(const csp_chan *c)
{
	size_t avail = c->tail - c->head;
	uint32_t n;

	if (c->size)
		return avail >= c->size;
	if (avail < MSG_FRAME)
		return 0;
	memcpy(&n, c->buf + c->head, MSG_FRAME);
	return avail >= MSG_FRAME + n;
}

/*
 * Read ahead until bytes are buffered: 1 there, 0 end of stream first,
 * -1 error (EAGAIN: not yet, when block is 0).
 */
static int
fill(csp_chan *c, size_t bytes, const csp_done *done, int block)
{
	ssize_t r;

	if (c->rfd == -1) {
		errno = EBADF;
		return -1;
	}
	if (c->buf == NULL && (c->buf = malloc(c->bufsz)) == NULL)
		return -1;
	while (c->tail - c->head < bytes) {
		if (c->head > 0 && c->bufsz - c->tail < bytes) {
			memmove(c->buf, c->buf + c->head, c->tail - c->head);
			c->tail -= c->head;
			c->head = 0;
		}
		r = read(c->rfd, c->buf + c->tail, c->bufsz - c->tail);
		if (r > 0) {
			c->tail += (size_t)r;
		} else if (r == 0) {
			if (c->tail > c->head) {
				errno = EPROTO;  /* a writer died mid-record */
				return -1;
			}
			return 0;
		} else if (errno == EAGAIN) {
			if (!block)
				return -1;
			if (csp_wait_fd(c->rfd, POLLIN, done, CSP_FOREVER) == -1)
				return -1;
		} else if (errno != EINTR) {
			return -1;
		}
	}
	return 1;
}

static int
recv_one(csp_chan *c, void *val, size_t *len, int *ok, const csp_done *done, int block)
{
	uint32_t n = 0;
	size_t frame = c->size;
	int r;

	if (c->size == 0) {
		if ((r = fill(c, MSG_FRAME, done, block)) != 1)
			goto out;
		memcpy(&n, c->buf + c->head, MSG_FRAME);
		if (n > CSP_MSG_MAX) {
			errno = EPROTO;
			return -1;
		}
		frame = MSG_FRAME + n;
		if (len != NULL && n > *len) {
			errno = EMSGSIZE;
			return -1;
		}
	}
	if ((r = fill(c, frame, done, block)) != 1)
		goto out;
	memcpy(val, c->buf + c->head + frame - (c->size ? c->size : n), c->size ? c->size : n);
	c->head += frame;
	if (len != NULL)
		*len = n;
	csp__chan_return(c, 1);
out:
	if (ok != NULL)
		*ok = r == 1;
	return r == -1 ? -1 : 0;
}

int
csp_chan_recv(csp_chan *c, void *val, int *ok, const csp_done *done)
{
	csp__chan_sync(c);
	if (c->size == 0) {
		errno = EINVAL;
		return -1;
	}
	return recv_one(c, val, NULL, ok, done, 1);
}

/* For select: 1 and the value (or ok=0 at close), 0 if nothing yet, -1 error. */
int
csp__chan_try_recv(csp_chan *c, void *val, size_t *len, int *ok)
{
	*len = c->size ? c->size : CSP_MSG_MAX;
	if (recv_one(c, val, c->size ? NULL : len, ok, NULL, 0) == -1)
		return errno == EAGAIN ? 0 : -1;
	return 1;
}

ssize_t
csp_chan_recv_msg(csp_chan *c, void *msg, size_t max, int *ok, const csp_done *done)
{
	size_t len = max;
	int got;

	csp__chan_sync(c);
	if (c->size != 0) {
		errno = EINVAL;
		return -1;
	}
	if (recv_one(c, msg, &len, &got, done, 1) == -1)
		return -1;
	if (ok != NULL)
		*ok = got;
	return got ? (ssize_t)len : 0;
}

/* Up to n values: at least one (blocking), more if they are already there. */
ssize_t
csp_chan_recv_many(csp_chan *c, void *vals, size_t n, const csp_done *done)
{
	char *p = vals;
	size_t first = 0, got, avail;
	ssize_t r;
	int ok;

	csp__chan_sync(c);
	if (c->size == 0 || n == 0) {
		errno = EINVAL;
		return -1;
	}
	if (c->buf == NULL || c->tail - c->head < c->size) {
		if (csp_chan_recv(c, p, &ok, done) == -1)
			return -1;
		if (!ok)
			return 0;
		first = 1;  /* its credit went back already */
	}
	got = first;
	avail = (c->tail - c->head) / c->size;
	if (avail > n - got)
		avail = n - got;
	memcpy(p + got * c->size, c->buf + c->head, avail * c->size);
	c->head += avail * c->size;
	got += avail;
	if (got < n && c->head == c->tail) {
		/* Straight into the caller's array; a torn record's start goes to the buffer. */
		r = read(c->rfd, p + got * c->size, (n - got) * c->size);
		if (r > 0) {
			size_t whole = (size_t)r / c->size, rest = (size_t)r % c->size;

			memcpy(c->buf, p + (got + whole) * c->size, rest);
			c->head = 0;
			c->tail = rest;
			got += whole;
		}
	}
	csp__chan_return(c, got - first);
	return (ssize_t)got;
}

static int
close_pair(int *a, int *b)
{
	if (*a == -1 && *b == -1) {
		errno = EBADF;
		return -1;
	}
	if (*a != -1)
		close(*a);
	if (*b != -1)
		close(*b);
	*a = *b = -1;
	return 0;
}

/* Go's close(ch), for this process: receivers see EOF once every sender closed. */
int
csp_chan_close(csp_chan *c)
{
	c->credits = 0;
	return close_pair(&c->wfd, &c->crfd);
}

/* This process receives no more; senders get EPIPE once every receiver did this. */
int
csp_chan_close_recv(csp_chan *c)
{
	c->head = c->tail = 0;
	return close_pair(&c->rfd, &c->cwfd);
}

void
csp_chan_free(csp_chan *c)
{
	int saved = errno;

	if (c->wfd != -1 || c->crfd != -1)
		csp_chan_close(c);
	if (c->rfd != -1 || c->cwfd != -1)
		csp_chan_close_recv(c);
	free(c->buf);
	c->buf = NULL;
	errno = saved;
}
