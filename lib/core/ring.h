/*
 * core/ring.h: a channel's shared memory, for chan.c and ring.c alone: the
 * ring of records, and the counts of sleepers both kinds of channel use.
 */
#ifndef CSP_RING_H
#define CSP_RING_H

#include <pthread.h>
#include <stdint.h>

#include "core/impl.h"

#define SPIN 64  /* looks at the ring (or tries its lock) before a caller sleeps */

struct csp_slots {
	/* One cache line written by every put and take: the lock and the ring's place. */
	pthread_mutex_t lock;  /* ring: robust, so a holder that dies releases it */
	uint64_t at;     /* ring: first value (low 32 bits) and how many (high 32) */
	/* The rest is read by every call but written only around a sleep or a close. */
	long free __attribute__((aligned(64)));  /* pipe: free slots; capacity 0: receivers that wait */
	long sleepers;   /* senders asleep on the wake-up pipe */
	long wakes;      /* wake-up bytes written and not yet read: never more than sleepers */
	long rsleepers;  /* ring: receivers asleep on the doorbell */
	long bells;      /* ring: doorbell bytes written and not yet read */
	unsigned long rcloses;  /* receive ends closed by csp_chan_close_recv */
	size_t len;      /* bytes mapped */
};

/* The ring's values start on a cache line of their own. */
#define RING_OFF ((sizeof(struct csp_slots) + 63) & ~(size_t)63)
#define IS_RING(c) ((c)->size > 0 && (c)->cap > 0)

#if defined(__x86_64__) || defined(__i386__)
#define RELAX() __builtin_ia32_pause()
#else
#define RELAX() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif
#define LOAD(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define ADD(p, n) __atomic_add_fetch((p), (n), __ATOMIC_SEQ_CST)

struct csp_slots *csp__slots_map(size_t size, size_t cap);
void csp__bell(long *sleepers, long *unread, int fd, long n);
int csp__heard(int fd, long *unread);
int csp__woken(csp_chan *c);
long csp__ring_count(const csp_chan *c);
long csp__ring_put(csp_chan *c, const void *vals, long want);
long csp__ring_take(csp_chan *c, void *vals, long want);
int csp__ring_gone(csp_chan *c);
long csp__ring_send(csp_chan *c, const void *vals, long want, const csp_done *done);
long csp__ring_recv(csp_chan *c, void *vals, long want, const csp_done *done);

#endif
