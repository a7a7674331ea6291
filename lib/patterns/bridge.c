/*
 * bridge.c: a stream of streams as one stream. Each record of the input
 * names a stream; their records go out in the order the names came, all of
 * one stream before any of the next. Up to `ahead` streams are open at
 * once: the first is copied out as it comes, the others are read ahead into
 * memory, a bounded amount each, and go out when their turn comes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "patterns/stream.h"

/*
 * What a stream read ahead may hold before it waits its turn (its command
 * then blocks on a full pipe). Larger buffers fall out of the cache and
 * slow the copy more than they save.
 */
#define AHEAD_MAX (1 << 20)

/* The next name record if a whole one is buffered (or the last, at end of input), else 0. */
static size_t
next_name(csp_rd *r, char **rec)
{
	char *p = memchr(r->buf + r->scan, r->delim, r->tail - r->scan);
	size_t len;

	if (p != NULL) {
		*rec = r->buf + r->head;
		len = (size_t)(p - *rec);
		r->head = r->scan = (size_t)(p - r->buf) + 1;
		return len + 1;
	}
	r->scan = r->tail;
	if (!r->eof || r->head == r->tail)
		return 0;
	*rec = r->buf + r->head;
	len = r->tail - r->head;
	r->head = r->scan = r->tail;
	return len + 1;  /* as if it had its terminator */
}

/* A slot with no stream: nothing to close, nobody to stop. */
static void
empty(csp_src *s, char **name)
{
	free(*name);
	*name = NULL;
	memset(s, 0, sizeof(*s));
	s->rd.fd = -1;
	s->proc.pid = -1;
	s->proc.pidfd = -1;
	s->proc.status = -1;
}

/* Open the stream the record names; a failure is kept in it, reported in its turn. */
static int
open_stream(csp_src *s, char **name, const char *rec, size_t len, int flags, int delim)
{
	if ((*name = strndup(rec, len)) == NULL)
		return -1;
	csp_src_open(s, *name, flags & CSP_SRC_CMD, delim);
	return 0;
}

/* Out with the whole records the current stream has buffered; with rest, at its end, the rest too. */
static int
drain(csp_rd *r, csp_wr *out, int rest, const csp_done *done)
{
	char *p = memrchr(r->buf + r->scan, r->delim, r->tail - r->scan);
	size_t head = r->head, cut = p != NULL ? (size_t)(p - r->buf) + 1 : head;

	if (r->eof && rest)
		cut = r->tail;
	r->scan = r->tail;  /* what is left holds no terminator */
	r->head = cut;
	return cut > head ? csp_wr_rec(out, r->buf + head, cut - head, r->delim, done) : 0;
}

/*
 * Bridge the streams names names into out. Returns the number of streams
 * that failed (each passed to failed in its turn), or -1 with errno; either
 * way every stream is closed and every command reaped.
 */
int
csp_bridge(csp_rd *names, csp_wr *out, int flags, int ahead, csp_src_fn *failed,
           void *arg, const csp_done *done)
{
	csp_src *q = NULL;
	char **name = NULL;
	struct pollfd *pfd = NULL;
	int *owner = NULL;
	int first = 0, nq = 0, np, k, r, nfailed = 0;
	int64_t wake;
	struct csp__orphans o = { NULL, ahead, 0 };
	size_t len;
	char *rec;

	if (ahead < 1) {
		errno = EINVAL;
		return -1;
	}
	q = calloc((size_t)ahead, sizeof(*q));
	name = calloc((size_t)ahead, sizeof(*name));
	pfd = calloc((size_t)ahead + 1 + CSP_DONE_DEPTH, sizeof(*pfd));
	owner = calloc((size_t)ahead + 1, sizeof(*owner));
	o.mine = calloc((size_t)ahead, sizeof(*o.mine));
	if (q == NULL || name == NULL || pfd == NULL || owner == NULL || o.mine == NULL) {
		r = -1;  /* nothing open yet: nothing to stop */
		goto out;
	}
	for (k = 0; k < ahead; k++)
		empty(&q[k], &name[k]);
	names->flush = NULL;  /* flushed here, only before a wait */

	for (;;) {
		csp_src *cur = &q[first];

		while (nq < ahead && (len = next_name(names, &rec)) > 0) {
			k = (first + nq) % ahead;
			if (open_stream(&q[k], &name[k], rec, len - 1, flags, names->delim) == -1)
				goto fail;
			nq++;
		}
		if (nq == 0 && names->eof)
			break;
		if (nq > 0 && cur->rd.fd != -1) {
			if (drain(&cur->rd, out, 0, done) == -1)
				goto fail;
			/*
			 * At its end: the command is waited for, in its turn, as a shell
			 * would; what one a signal ended left unterminated is a piece of a
			 * record, dropped (src.c); the rest goes out.
			 */
			if (cur->rd.eof && (csp__src_end(cur, done, CSP_FOREVER) == -1 ||
			    drain(&cur->rd, out, 1, done) == -1))
				goto fail;
			if (cur->rd.eof && csp_src_close(cur, done, CSP_FOREVER) == -1)
				goto fail;
		}
		if (nq > 0 && cur->rd.fd == -1) {
			/* The report comes in its turn, after what came before. */
			if ((r = csp__stream_report(cur, out, failed, arg, done)) == -1)
				goto fail;
			nfailed += r;
			empty(cur, &name[first]);
			first = (first + 1) % ahead;
			nq--;
			if (nq > 0 && q[first].writer_due != CSP_FOREVER)
				q[first].writer_due = csp_after(CSP_SRC_WRITER_WAIT);
			continue;
		}

		/*
		 * Wait for the current stream, the ones ahead with room, names if a
		 * slot is free. Nothing of a stream ahead is consumed yet, so its
		 * tail (less the up to 63 bytes of alignment at its head) is what it holds.
		 */
		np = 0;
		wake = CSP_FOREVER;
		for (k = 0; k < nq; k++) {
			csp_rd *rd = &q[(first + k) % ahead].rd;
			int was = rd->eof;

			/* A FIFO nobody writes to: waited for so long from its turn on (src.c). */
			if (k == 0)
				wake = csp__src_due(&q[first]);
			if (k == 0 && rd->eof && !was)
				break;  /* the current stream just ended: its turn is over */
			if (rd->fd == -1 || rd->eof || (k > 0 && rd->tail + 64 > AHEAD_MAX))
				continue;
			pfd[np].fd = rd->fd;
			pfd[np].events = POLLIN;
			owner[np++] = k;
		}
		if (k < nq)
			continue;
		if (nq < ahead && !names->eof) {
			pfd[np].fd = names->fd;
			pfd[np].events = POLLIN;
			owner[np++] = -1;
		}
		for (k = 0; k < ahead; k++)
			o.mine[k] = q[k].proc.pid;
		if (csp__stream_wait(pfd, np, out, done, wake, &o) == -1)
			goto fail;
		for (k = 0; k < np; k++) {
			if (pfd[k].revents == 0)
				continue;
			if (owner[k] == -1 ? csp_rd_fill(names, done) == -1 :
			    csp__stream_read(&q[(first + owner[k]) % ahead], done) == -1)
				goto fail;
		}
	}
	r = csp__stream_end(q, ahead, out, nfailed, done);
	goto out;
fail:
	r = csp__stream_end(q, ahead, out, -1, done);
out:
	for (k = 0; name != NULL && k < ahead; k++)
		free(name[k]);
	free(name);
	free(q);
	free(pfd);
	free(owner);
	free(o.mine);
	return r;
}
