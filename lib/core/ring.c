/*
 * ring.c: the memory a channel's holders share. A channel of records with
 * room keeps its values here, in a ring behind a lock its holder's death
 * releases: a value is put or taken by one store under the lock, so a
 * process that stops takes nothing with it. Sleepers count themselves here
 * too, so that the other side writes a byte to their pipe (the data pipe, a
 * ring's doorbell, for receivers; the wake-up pipe for senders) only while
 * one sleeps, never more unread bytes than sleepers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/ring.h"

#define RING(c) ((unsigned char *)(c)->slots + RING_OFF)
#define COUNT(at) ((long)((at) >> 32))
#define HEAD(at) ((long)((at) & 0xffffffff))

/* The shared page, and for a ring its values, with the lock set up. */
struct csp_slots *
csp__slots_map(size_t size, size_t cap)
{
	struct csp_slots *s;
	pthread_mutexattr_t ma;
	size_t len = RING_OFF + (size > 0 && cap > 0 ? size * cap : 0);
	int e;

	s = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->free = (long)cap;
	s->len = len;
	if ((e = pthread_mutexattr_init(&ma)) == 0) {
		if ((e = pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED)) == 0 &&
		    (e = pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST)) == 0)
			e = pthread_mutex_init(&s->lock, &ma);
		pthread_mutexattr_destroy(&ma);
	}
	if (e != 0) {
		munmap(s, len);
		errno = e;
		return NULL;
	}
	return s;
}

/*
 * n more for those asleep on fd (sleepers of them): a byte each, but never
 * more bytes unread than sleepers wait (one that was read is counted until
 * the reader stops counting as a sleeper).
 */
void
csp__bell(long *sleepers, long *unread, int fd, long n)
{
	static const char tok[64];
	long s, w, k;

	if (fd == -1)
		return;  /* nobody on the other side here */
	do {
		s = LOAD(sleepers);
		w = LOAD(unread);
		if (w >= s)
			return;
		k = n < s - w ? n : s - w;
		if (k > (long)sizeof(tok))
			k = sizeof(tok);
	} while (!__atomic_compare_exchange_n(unread, &w, w + k, 0, __ATOMIC_SEQ_CST,
	    __ATOMIC_SEQ_CST));
	while (write(fd, tok, (size_t)k) == -1)
		if (errno != EINTR) {
			ADD(unread, -k);
			return;
		}
}

/* A sleeper's byte, read while it still counts as one: 1, 0 none, -1 EOF. */
int
csp__heard(int fd, long *unread)
{
	char b;
	ssize_t r;

	do
		r = read(fd, &b, 1);
	while (r == -1 && errno == EINTR);
	if (r == 1) {
		ADD(unread, -1);
		return 1;
	}
	return r == 0 ? -1 : 0;
}

/* A sleeping sender's wake-up: 1, 0 none, -1 EPIPE (every receiver is gone). */
int
csp__woken(csp_chan *c)
{
	int r = csp__heard(c->crfd, &c->slots->wakes);

	if (r == -1)
		errno = EPIPE;
	return r;
}

/* The ring's lock; a holder that died left the ring whole (one store commits). */
static void
lock(struct csp_slots *s)
{
	int i, r = EBUSY;

	for (i = 0; i < SPIN && r == EBUSY; i++)
		r = pthread_mutex_trylock(&s->lock);
	if (r == EBUSY)
		r = pthread_mutex_lock(&s->lock);
	if (r == EOWNERDEAD)
		pthread_mutex_consistent(&s->lock);
}

static void
unlock(struct csp_slots *s)
{
	pthread_mutex_unlock(&s->lock);
}

long
csp__ring_count(const csp_chan *c)
{
	return COUNT(LOAD(&c->slots->at));
}

/* Up to want values from vals into the ring, and a doorbell for receivers asleep: how many. */
long
csp__ring_put(csp_chan *c, const void *vals, long want)
{
	struct csp_slots *s = c->slots;
	long cap = (long)c->cap, head, n, k, tail, first;
	uint64_t at;

	lock(s);
	at = s->at;
	head = HEAD(at);
	n = COUNT(at);
	k = want < cap - n ? want : cap - n;
	if (k > 0) {
		tail = (head + n) % cap;
		first = k < cap - tail ? k : cap - tail;
		memcpy(RING(c) + (size_t)tail * c->size, vals, (size_t)first * c->size);
		memcpy(RING(c), (const char *)vals + (size_t)first * c->size,
		    (size_t)(k - first) * c->size);
		__atomic_store_n(&s->at, (uint64_t)head | (uint64_t)(n + k) << 32,
		    __ATOMIC_SEQ_CST);
	}
	unlock(s);
	if (k > 0)
		csp__bell(&s->rsleepers, &s->bells, c->wfd, k);
	return k;
}

/* Up to want values from the ring into vals, and wake-ups for senders asleep: how many. */
long
csp__ring_take(csp_chan *c, void *vals, long want)
{
	struct csp_slots *s = c->slots;
	long cap = (long)c->cap, head, n, k, first;
	uint64_t at;

	lock(s);
	at = s->at;
	head = HEAD(at);
	n = COUNT(at);
	k = want < n ? want : n;
	if (k > 0) {
		first = k < cap - head ? k : cap - head;
		memcpy(vals, RING(c) + (size_t)head * c->size, (size_t)first * c->size);
		memcpy((char *)vals + (size_t)first * c->size, RING(c),
		    (size_t)(k - first) * c->size);
		__atomic_store_n(&s->at, (uint64_t)((head + k) % cap) | (uint64_t)(n - k) << 32,
		    __ATOMIC_SEQ_CST);
	}
	unlock(s);
	if (k > 0)
		csp__bell(&s->sleepers, &s->wakes, c->cwfd, k);
	return k;
}

/*
 * Has every receive end closed? Asked of the kernel (the wake-up pipe hangs
 * up) only after a csp_chan_close_recv somewhere since this process last asked.
 */
int
csp__ring_gone(csp_chan *c)
{
	struct pollfd pfd[1 + CSP_DONE_DEPTH];
	unsigned long n = LOAD(&c->slots->rcloses);

	if (n == c->seen)
		return 0;
	pfd[0].fd = c->crfd;
	pfd[0].events = 0;
	if (csp__react(pfd, 1, NULL, 0, 0) > 0 && (pfd[0].revents & POLLHUP)) {
		errno = EPIPE;
		return 1;
	}
	c->seen = n;
	return 0;
}

/* Spin a little while the other side is at work: a sleep costs both sides system calls. */
static int
ring_wait(const csp_chan *c, int send)
{
	int i;

	for (i = 0; i < SPIN; i++) {
		if (send ? csp__ring_count(c) < (long)c->cap : csp__ring_count(c) > 0)
			return 1;
		RELAX();
	}
	return 0;
}

/* Send up to want values, waiting for room for at least one: how many, or -1. */
long
csp__ring_send(csp_chan *c, const void *vals, long want, const csp_done *done)
{
	struct csp_slots *s = c->slots;
	long k;
	int r = 0;

	if (c->wfd == -1 || c->crfd == -1) {
		errno = EBADF;
		return -1;
	}
	if (csp__ring_gone(c))
		return -1;
	for (;;) {
		if ((k = csp__ring_put(c, vals, want)) > 0)
			return k;
		if (ring_wait(c, 1))
			continue;
		ADD(&s->sleepers, 1);
		if ((k = csp__ring_put(c, vals, want)) == 0 && (r = csp__woken(c)) == 0)
			r = csp_wait_fd(c->crfd, POLLIN, done, CSP_FOREVER);
		ADD(&s->sleepers, -1);
		if (k > 0)
			return k;
		if (r == -1)
			return -1;
	}
}

/* Receive up to want values, waiting for one: how many, 0 at the end, or -1. */
long
csp__ring_recv(csp_chan *c, void *vals, long want, const csp_done *done)
{
	struct csp_slots *s = c->slots;
	long k;
	int r = 0;

	if (c->rfd == -1) {
		errno = EBADF;
		return -1;
	}
	for (;;) {
		if ((k = csp__ring_take(c, vals, want)) > 0)
			return k;
		if (ring_wait(c, 0))
			continue;
		ADD(&s->rsleepers, 1);
		if ((k = csp__ring_take(c, vals, want)) == 0 &&
		    (r = csp__heard(c->rfd, &s->bells)) == 0 &&
		    csp_wait_fd(c->rfd, POLLIN, done, CSP_FOREVER) == -1)
			r = -2;
		ADD(&s->rsleepers, -1);
		if (k > 0)
			return k;
		if (r == -2)
			return -1;
		if (r == -1)  /* every sender closed: what they put is in the ring */
			return csp__ring_take(c, vals, want);
	}
}

