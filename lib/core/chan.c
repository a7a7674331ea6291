/*
 * chan.c: Go's channels between processes. A channel of records with room
 * keeps its values in a ring in memory every holder shares (ring.c), and
 * its data pipe is only a doorbell, rung when a receiver sleeps, so poll
 * and select still see it. A sender with no room sleeps on a second pipe,
 * where a receiver writes a byte for each slot it frees while a sender
 * sleeps. Closing is the pipes': EOF on the doorbell is the end, EOF on the
 * wake-up pipe is EPIPE.
 *
 * Messages, and records with capacity 0, go through the data pipe itself,
 * with a count of free slots in the shared page. A sender takes a slot,
 * then writes; a receiver reads exactly the values it returns, then frees
 * their slots. With capacity 0 a slot is a receiver that waits: it
 * announces itself before it reads and takes the announcement back when it
 * gives up, so a send writes only for a receiver that is there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/ring.h"

#define MSG_FRAME 4
#define PAGE 4096
#define RING_MAX (1UL << 26)  /* most bytes of values a ring holds */
#define BATCH 65536  /* most bytes send_many writes at once */

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
 * Pages the data pipe needs so that a sender holding slots never waits to
 * write, when no write carries more than batch bytes of values of unit
 * bytes. A write goes into the last page if what does not fill whole pages
 * fits there, else into new pages. So of two pages in a row after the one
 * being read, the first was left with less room than the second took: they
 * hold more than a page. And with writes of at most a page, a page that was
 * left held more than a page less batch bytes.
 */
static size_t
pages_for(size_t cap, size_t unit, size_t batch)
{
	size_t n = cap ? cap : 1, pairs = 2 * ((n * unit + PAGE - 1) / PAGE), per, full;

	if (batch > PAGE)
		return pairs;
	per = (PAGE - batch) / unit + 1;
	full = (n + per - 1) / per + 2;
	return full < pairs ? full : pairs;
}

/* The largest batch of whole values the system lets the data pipe be sized for. */
static size_t
size_pipe(int fd, size_t cap, size_t unit)
{
	size_t batch = unit < PIPE_BUF ? BATCH / unit * unit : unit;

	for (;;) {
		if (pipe_hold(fd, pages_for(cap, unit, batch) * PAGE) == 0)
			return batch;
		if (batch == unit)
			return 0;
		batch = batch > PIPE_BUF ? PIPE_BUF / unit * unit :
		    batch / 2 < unit ? unit : batch / 2 / unit * unit;
	}
}

int
csp_chan_make(csp_chan *c, size_t size, size_t cap)
{
	int data[2], wake[2];
	struct csp_slots *s;
	size_t batch = 0;

	if (size > PIPE_BUF || cap > (1u << 20) || (size > 0 && cap > RING_MAX / size)) {
		errno = EINVAL;
		return -1;
	}
	csp__nosigpipe();
	if (csp__pipe(data, O_NONBLOCK) == -1)
		return -1;
	if (csp__pipe(wake, O_NONBLOCK) == -1)
		goto fail_data;
	/* A ring's data pipe is a doorbell: its default size holds every ring. */
	if ((size == 0 || cap == 0) &&
	    (batch = size_pipe(data[1], cap, size ? size : PIPE_BUF)) == 0)
		goto fail_wake;
	if ((s = csp__slots_map(size, cap)) == NULL)
		goto fail_wake;
	memset(c, 0, sizeof(*c));
	c->rfd = data[0];
	c->wfd = data[1];
	c->crfd = wake[0];
	c->cwfd = wake[1];
	c->size = size;
	c->cap = cap;
	c->slots = s;
	c->batch = batch;
	c->next = -1;
	return 0;

fail_wake:
	close(wake[0]);
	close(wake[1]);
fail_data:
	close(data[0]);
	close(data[1]);
	return -1;
}

/* Up to want free slots, taken at once: how many (0: none). */
static long
take(csp_chan *c, long want)
{
	long f = LOAD(&c->slots->free), k;

	while (f > 0) {
		k = f < want ? f : want;
		if (__atomic_compare_exchange_n(&c->slots->free, &f, f - k, 0, __ATOMIC_SEQ_CST,
		    __ATOMIC_SEQ_CST))
			return k;
	}
	return 0;
}

/* n slots are free again: wake as many sleeping senders. */
static void
give(csp_chan *c, long n)
{
	ADD(&c->slots->free, n);
	csp__bell(&c->slots->sleepers, &c->slots->wakes, c->cwfd, n);
}

/* Ready without the kernel: room to send into, a value in the ring to receive. */
int
csp__chan_ready(const csp_chan *c, int op)
{
	if (c->slots == NULL)
		return 0;  /* a closed end is never ready: its fd, -1, is never polled ready either */
	if (op == CSP_SEND)
		return c->wfd != -1 && c->crfd != -1 &&
		    (IS_RING(c) ? csp__ring_count(c) < (long)c->cap : LOAD(&c->slots->free) > 0);
	return IS_RING(c) && c->rfd != -1 && csp__ring_count(c) > 0;
}

/* A select's wait begins: a sender is asleep, a receiver of a ring too, a rendezvous receiver is there. */
void
csp__chan_arm(csp_chan *c, int op)
{
	if (op == CSP_SEND)
		ADD(&c->slots->sleepers, 1);
	else if (IS_RING(c))
		ADD(&c->slots->rsleepers, 1);
	else if (c->cap == 0)
		give(c, 1);
}

/*
 * Take back a rendezvous receiver's announcement. 1 taken back; 0 a sender
 * took it and its value is coming: the caller must receive it, unless force,
 * which leaves that value to the next receiver.
 */
static int
retract(csp_chan *c, int force)
{
	long f = LOAD(&c->slots->free);

	while (f > 0)
		if (__atomic_compare_exchange_n(&c->slots->free, &f, f - 1, 0, __ATOMIC_SEQ_CST,
		    __ATOMIC_SEQ_CST))
			return 1;
	if (force)
		ADD(&c->slots->free, -1);
	return force;
}

/* The wait is over: 1 if a sender already wrote for this receiver (when it may). */
int
csp__chan_disarm(csp_chan *c, int op, int may)
{
	if (op == CSP_SEND) {
		ADD(&c->slots->sleepers, -1);
		return 0;
	}
	if (IS_RING(c)) {
		ADD(&c->slots->rsleepers, -1);
		return 0;
	}
	return c->cap == 0 && !retract(c, !may);
}

/*
 * Slots for want values, taken as soon as there are some (all that are free,
 * up to want, in one step): how many, or -1 (ECANCELED: none taken).
 */
static long
wait_slots(csp_chan *c, long want, const csp_done *done)
{
	long k;
	int r = 0;

	if (c->wfd == -1 || c->crfd == -1 || c->slots == NULL) {
		errno = EBADF;
		return -1;
	}
	for (;;) {
		if ((k = take(c, want)) > 0)
			return k;
		ADD(&c->slots->sleepers, 1);
		if ((k = take(c, want)) == 0 && (r = csp__woken(c)) == 0)
			r = csp_wait_fd(c->crfd, POLLIN, done, CSP_FOREVER);
		ADD(&c->slots->sleepers, -1);
		if (k > 0)
			return k;
		if (r == -1)
			return -1;
	}
}

/* Write what the slots taken are for: it fits, by pages_for, and is never torn. */
static int
put(csp_chan *c, const void *buf, size_t len)
{
	ssize_t w;

	for (;;) {
		w = write(c->wfd, buf, len);
		if (w == (ssize_t)len)
			return 0;
		if (w >= 0) {
			errno = EPROTO;
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -1;
		/* Only a rendezvous with many receivers fills it: they are reading. */
		if (csp_wait_fd(c->wfd, POLLOUT, NULL, CSP_FOREVER) == -1)
			return -1;
	}
}

static int
put_one(csp_chan *c, const void *val, size_t len)
{
	unsigned char frame[MSG_FRAME + CSP_MSG_MAX];
	uint32_t n = (uint32_t)len;

	if (c->size)
		return put(c, val, c->size);
	memcpy(frame, &n, MSG_FRAME);
	memcpy(frame + MSG_FRAME, val, len);
	return put(c, frame, MSG_FRAME + len);
}

/* For select: 1 sent, 0 no slot after all (poll again), -1 error. */
int
csp__chan_try_send(csp_chan *c, const void *val, size_t len, int armed)
{
	if (c->wfd == -1 || c->crfd == -1) {
		errno = EBADF;
		return -1;
	}
	if (c->size == 0 && len > CSP_MSG_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	if (IS_RING(c)) {
		if (csp__ring_gone(c))
			return -1;
		if (csp__ring_put(c, val, 1) == 1)
			return 1;
	} else if (take(c, 1) == 1)
		return put_one(c, val, len) == -1 ? -1 : 1;
	return armed && csp__woken(c) == -1 ? -1 : 0;  /* a wake-up for a slot another took */
}

int
csp_chan_send(csp_chan *c, const void *val, const csp_done *done)
{
	if (c->size == 0) {
		errno = EINVAL;
		return -1;
	}
	if (IS_RING(c))
		return csp__ring_send(c, val, 1, done) == -1 ? -1 : 0;
	if (wait_slots(c, 1, done) == -1)
		return -1;
	return put(c, val, c->size);
}

ssize_t
csp_chan_send_many(csp_chan *c, const void *vals, size_t n, const csp_done *done)
{
	const char *p = vals;
	size_t sent = 0, per = c->batch / (c->size ? c->size : 1), want;
	long k;

	if (c->size == 0) {
		errno = EINVAL;
		return -1;
	}
	while (sent < n) {
		if (IS_RING(c)) {
			want = n - sent < c->cap ? n - sent : c->cap;
			if ((k = csp__ring_send(c, p + sent * c->size, (long)want, done)) == -1)
				break;
		} else {
			want = n - sent < per ? n - sent : per;
			if ((k = wait_slots(c, (long)want, done)) == -1)
				break;
			if (put(c, p + sent * c->size, (size_t)k * c->size) == -1)
				break;
		}
		sent += (size_t)k;
	}
	return sent > 0 || n == 0 ? (ssize_t)sent : -1;
}

int
csp_chan_send_msg(csp_chan *c, const void *msg, size_t len, const csp_done *done)
{
	if (c->size != 0 || len > CSP_MSG_MAX) {
		errno = c->size != 0 ? EINVAL : EMSGSIZE;
		return -1;
	}
	if (wait_slots(c, 1, done) == -1)
		return -1;
	return put_one(c, msg, len);
}

/*
 * One read of whole values, at most len bytes in units of unit: the bytes,
 * 0 at the end, -1 (EAGAIN: none there). Writes of whole values are atomic,
 * so a read never ends inside one unless a sender died while writing.
 */
static ssize_t
read_vals(csp_chan *c, void *buf, size_t len, size_t unit)
{
	ssize_t r;

	if (c->rfd == -1) {
		errno = EBADF;
		return -1;
	}
	do
		r = read(c->rfd, buf, len);
	while (r == -1 && errno == EINTR);
	if (r > 0 && (size_t)r % unit != 0) {
		errno = EPROTO;
		return -1;
	}
	return r;
}

#define ANNOUNCED 1  /* a rendezvous receiver announced already (select's arm) */
#define NOWAIT 2     /* nothing there: EAGAIN, and the announcement stays */

/*
 * Wait for values and read them (see read_vals). With capacity 0 the
 * receiver is announced first and the announcement goes with the value; if
 * done fires after a sender took it, that sender's value is received all
 * the same: ECANCELED means nothing was taken.
 */
static ssize_t
recv_vals(csp_chan *c, void *buf, size_t len, size_t unit, const csp_done *done, int flags)
{
	ssize_t r;
	int e, rdv = c->cap == 0;

	if (c->rfd == -1) {
		errno = EBADF;
		return -1;
	}
	if (rdv && !(flags & ANNOUNCED))
		give(c, 1);
	for (;;) {
		if ((r = read_vals(c, buf, len, unit)) > 0)
			return r;
		if (r == -1 && errno == EAGAIN) {
			if (flags & NOWAIT)
				return -1;
			if (csp_wait_fd(c->rfd, POLLIN, done, CSP_FOREVER) == 0)
				continue;
			if (rdv && errno == ECANCELED) {
				if (retract(c, 0))
					return -1;
				done = NULL;  /* a sender wrote for us: take it */
				continue;
			}
		}
		e = errno;
		if (rdv)
			retract(c, 1);
		errno = e;
		return r;
	}
}

/* Records: how many were received (their slots go back), 0 at the end. */
static ssize_t
recv_recs(csp_chan *c, void *vals, size_t n, const csp_done *done, int flags)
{
	ssize_t r;

	if (IS_RING(c))
		return csp__ring_recv(c, vals, (long)n, done);
	if (c->cap == 0)
		n = 1;
	r = recv_vals(c, vals, n * c->size, c->size, done, flags);
	if (r <= 0)
		return r;
	if (c->cap > 0)
		give(c, r / (ssize_t)c->size);
	return r / (ssize_t)c->size;
}

/* A message: its length, 0 and *ok 0 at the end; one too long stays first, here. */
static ssize_t
recv_one_msg(csp_chan *c, void *msg, size_t max, int *ok, const csp_done *done, int flags)
{
	uint32_t n;
	ssize_t r;

	*ok = 0;
	if (c->next < 0) {
		if ((r = recv_vals(c, &n, MSG_FRAME, MSG_FRAME, done, flags)) <= 0)
			return r;
		if (n > CSP_MSG_MAX) {
			errno = EPROTO;
			return -1;
		}
		c->next = n;
	}
	if ((size_t)c->next > max) {
		errno = EMSGSIZE;
		return -1;
	}
	if (c->next > 0 && read_vals(c, msg, (size_t)c->next, (size_t)c->next) != c->next) {
		if (errno == EAGAIN)
			errno = EPROTO;  /* a message is written whole: its body is there */
		return -1;
	}
	r = c->next;
	c->next = -1;
	if (c->cap > 0)
		give(c, 1);
	*ok = 1;
	return r;
}

int
csp_chan_recv(csp_chan *c, void *val, int *ok, const csp_done *done)
{
	ssize_t r;

	if (c->size == 0) {
		errno = EINVAL;
		return -1;
	}
	if ((r = recv_recs(c, val, 1, done, 0)) == -1)
		return -1;
	if (ok != NULL)
		*ok = r == 1;
	return 0;
}

ssize_t
csp_chan_recv_many(csp_chan *c, void *vals, size_t n, const csp_done *done)
{
	if (c->size == 0 || n == 0) {
		errno = EINVAL;
		return -1;
	}
	return recv_recs(c, vals, n, done, 0);
}

ssize_t
csp_chan_recv_msg(csp_chan *c, void *msg, size_t max, int *ok, const csp_done *done)
{
	int got;
	ssize_t r;

	if (c->size != 0) {
		errno = EINVAL;
		return -1;
	}
	if ((r = recv_one_msg(c, msg, max, &got, done, 0)) == -1)
		return -1;
	if (ok != NULL)
		*ok = got;
	return r;
}

/*
 * For select: 1 and the value (or ok=0 at the end), 0 if nothing yet, -1
 * error. A rendezvous receiver is announced already (csp__chan_arm); the
 * announcement goes with what this returns, or stays when it returns 0.
 * An armed receiver of a ring reads its doorbell as a sleeper does.
 */
int
csp__chan_try_recv(csp_chan *c, void *val, size_t *len, int *ok, int armed)
{
	ssize_t r;

	if (IS_RING(c)) {
		if (c->rfd == -1) {
			errno = EBADF;
			return -1;
		}
		if ((*ok = csp__ring_take(c, val, 1) == 1))
			return 1;
		if (!armed || csp__heard(c->rfd, &c->slots->bells) != -1)
			return 0;
		*ok = csp__ring_take(c, val, 1) == 1;  /* EOF: every sender closed */
		return 1;
	}
	if (c->size == 0) {
		if ((r = recv_one_msg(c, val, CSP_MSG_MAX, ok, NULL, ANNOUNCED | NOWAIT)) >= 0)
			*len = (size_t)r;
	} else {
		r = recv_recs(c, val, 1, NULL, ANNOUNCED | NOWAIT);
		*ok = r > 0;
	}
	if (r == -1)
		return errno == EAGAIN ? 0 : -1;
	return 1;
}

/* A receive a sender is committed to: wait for it, whatever fires. */
int
csp__chan_recv_taken(csp_chan *c, void *val, size_t *len, int *ok)
{
	ssize_t r;

	if (c->size == 0) {
		if ((r = recv_one_msg(c, val, CSP_MSG_MAX, ok, NULL, ANNOUNCED)) >= 0)
			*len = (size_t)r;
		return r == -1 ? -1 : 0;
	}
	r = recv_recs(c, val, 1, NULL, ANNOUNCED);
	*ok = r == 1;
	return r == -1 ? -1 : 0;
}

static int
close_pair(int *a, int *b)
{
	if (*a == -1 && *b == -1) {
		errno = EBADF;
		return -1;
	}
	csp__close(a);
	csp__close(b);
	return 0;
}

/* Go's close(ch), for this process: receivers see EOF once every sender closed. */
int
csp_chan_close(csp_chan *c)
{
	return close_pair(&c->wfd, &c->crfd);
}

/* This process receives no more; senders get EPIPE once every receiver did this. */
int
csp_chan_close_recv(csp_chan *c)
{
	c->next = -1;
	if (close_pair(&c->rfd, &c->cwfd) == -1)
		return -1;
	if (c->slots != NULL)
		ADD(&c->slots->rcloses, 1);  /* after the close: senders ask the kernel again */
	return 0;
}

void
csp_chan_free(csp_chan *c)
{
	int saved = errno;

	if (c->wfd != -1 || c->crfd != -1)
		csp_chan_close(c);
	if (c->rfd != -1 || c->cwfd != -1)
		csp_chan_close_recv(c);
	if (c->slots != NULL)
		munmap(c->slots, c->slots->len);
	c->slots = NULL;
	errno = saved;
}
