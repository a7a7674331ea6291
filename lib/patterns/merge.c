/*
 * merge.c: fan-in. A for-select over every source: records go out whole as
 * they come, a turn at a time, from a source chosen at random among the
 * ready ones, so none starves.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "patterns/stream.h"

#define TURN 4096  /* a turn: whole records up to PIPE_BUF bytes, or one longer record */

struct in {
	csp_src *s;
	int over;          /* closed, its command reaped */
	size_t turn;       /* bytes of the next turn from rd.head; 0 if none known */
	int judged;        /* at its end, its last bytes judged (src.c): they may go out */
	char *tag;         /* "name\t" under CSP_MERGE_TAG */
	size_t taglen;
};

/*
 * The length of the next turn of r, or 0 if no whole record is buffered.
 * Bytes from head to scan are known to hold no terminator. At end of input,
 * once judged whole, a last record without one is a turn of its own.
 */
static size_t
next_turn(csp_rd *r, int judged)
{
	char *b = r->buf + r->head, *p = NULL;
	size_t n = r->tail - r->head, from;

	if (r->scan <= r->head) {
		p = memrchr(b, r->delim, n < TURN ? n : TURN);
		from = r->head + (n < TURN ? n : TURN);
	} else {
		from = r->scan;
	}
	if (p == NULL)
		p = memchr(r->buf + from, r->delim, r->tail - from);
	if (p != NULL)
		return (size_t)(p - b) + 1;
	r->scan = r->tail;
	return r->eof && judged ? n : 0;
}

/*
 * f (csp__src_end or csp_src_close) on s without waiting: 1 once done, 0
 * while its command runs (its pidfd to wait on with the rest), -1 error.
 * With no pidfd to wait on, it waits here.
 */
static int
settle(int (*f)(csp_src *, const csp_done *, int64_t), csp_src *s, const csp_done *done)
{
	if (f(s, NULL, CSP_NOW) == 0)
		return 1;
	if (errno != ETIMEDOUT)
		return -1;
	if (s->proc.pidfd != -1)
		return 0;
	return f(s, done, CSP_FOREVER) == -1 ? -1 : 1;
}

/*
 * One turn of in out: with a tag, record by record, tag and record as one
 * unit in the buffer, so no flush, and no cancel after it, falls between
 * them (only a record longer than the buffer goes out on its own); without
 * a tag, in one piece.
 */
static int
emit(struct in *in, csp_wr *out, const csp_done *done)
{
	csp_rd *r = &in->s->rd;
	char *p = r->buf + r->head, *end = p + in->turn, *q;
	size_t len;

	r->head += in->turn;
	r->scan = r->head;
	in->turn = 0;
	if (in->tag == NULL)
		return csp_wr_rec(out, p, (size_t)(end - p), r->delim, done);
	for (; p < end; p += len) {
		q = memchr(p, r->delim, (size_t)(end - p));
		len = q != NULL ? (size_t)(q - p) + 1 : (size_t)(end - p);
		if (q != NULL && out->cap - out->len >= in->taglen + len) {
			/* Room for both: straight into the buffer, no call per piece. */
			memcpy(out->buf + out->len, in->tag, in->taglen);
			memcpy(out->buf + out->len + in->taglen, p, len);
			out->len += in->taglen + len;
		} else if ((out->cap - out->len < in->taglen + len + 1 &&
		    csp_wr_flush(out, done) == -1) ||
		    csp_wr_put(out, in->tag, in->taglen, done) == -1 ||
		    csp_wr_rec(out, p, len, r->delim, done) == -1) {
			return -1;
		}
	}
	return 0;
}

/* A source came to its end: close it, reap its command, report a failure. */
static int
finish(struct in *in, csp_wr *out, csp_src_fn *failed, void *arg, int *nfailed,
       const csp_done *done)
{
	int r = settle(csp_src_close, in->s, done);

	if (r <= 0)
		return r;  /* 0: still running, its pidfd waited on with the rest */
	in->over = 1;
	if ((r = csp__stream_report(in->s, out, failed, arg, done)) == -1)
		return -1;
	*nfailed += r;
	return 0;
}

static int
make_tags(struct in *in, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		in[i].taglen = strlen(in[i].s->name) + 1;
		if ((in[i].tag = malloc(in[i].taglen)) == NULL)
			return -1;
		memcpy(in[i].tag, in[i].s->name, in[i].taglen - 1);
		in[i].tag[in[i].taglen - 1] = '\t';
	}
	return 0;
}

/*
 * Merge the open sources of srcs into out. Returns the number of sources
 * that failed (each passed to failed as it does) once all have ended, or -1
 * with errno; either way every source is closed and every command reaped.
 */
int
csp_merge(csp_src *srcs, int n, csp_wr *out, int flags, csp_src_fn *failed,
          void *arg, const csp_done *done)
{
	struct in *in = NULL;
	struct pollfd *pfd = NULL;
	int *owner = NULL, *ready = NULL;
	int i, k, np, nready, r, nfailed = 0;
	int64_t wake;
	struct csp__orphans o = { NULL, n, 0 };

	in = calloc((size_t)n + 1, sizeof(*in));
	pfd = calloc((size_t)n + CSP_DONE_DEPTH, sizeof(*pfd));
	owner = calloc((size_t)n + 1, sizeof(*owner));
	ready = calloc((size_t)n + 1, sizeof(*ready));
	o.mine = calloc((size_t)n + 1, sizeof(*o.mine));
	if (in == NULL || pfd == NULL || owner == NULL || ready == NULL || o.mine == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		in[i].s = &srcs[i];
		in[i].over = srcs[i].rd.fd == -1;
		o.mine[i] = srcs[i].proc.pid;
	}
	if ((flags & CSP_MERGE_TAG) && make_tags(in, n) == -1)
		goto fail;

	for (;;) {
		nready = np = 0;
		wake = CSP_FOREVER;
		for (i = 0; i < n; i++) {
			struct in *p = &in[i];
			csp_src *s = p->s;

			if (p->over)
				continue;
			if (s->rd.fd != -1) {
				/* A FIFO nobody writes to: waited for only so long (src.c). */
				wake = csp__min_deadline(wake, csp__src_due(s));
				if (s->rd.eof && !p->judged &&
				    (p->judged = settle(csp__src_end, s, done)) == -1)
					goto fail;
				if (p->turn == 0)
					p->turn = next_turn(&s->rd, p->judged);
				if (p->turn > 0) {
					ready[nready++] = i;
					continue;
				}
			}
			if (s->rd.fd == -1 || (s->rd.eof && p->judged)) {
				if (finish(p, out, failed, arg, &nfailed, done) == -1)
					goto fail;
				if (p->over)
					continue;
			}
			/* Its input, or at its end its command's pidfd. */
			pfd[np].fd = s->rd.eof || s->rd.fd == -1 ? s->proc.pidfd : s->rd.fd;
			pfd[np].events = POLLIN;
			owner[np++] = i;
		}
		if (nready == 0 && np == 0)
			break;

		/* Whoever has input, without waiting; wait only if nobody has a turn. */
		r = np == 0 ? 0 : csp__stream_wait(pfd, np, out, done, nready > 0 ? CSP_NOW : wake, &o);
		if (r == -1)
			goto fail;
		/* A source at its end whose command ended is judged, or closed, next round. */
		for (k = 0; k < np; k++)
			if (pfd[k].revents != 0 && !in[owner[k]].s->rd.eof &&
			    csp__stream_read(in[owner[k]].s, done) == -1)
				goto fail;
		if (nready == 0)
			continue;
		i = ready[nready == 1 ? 0 : csp__pick(nready)];
		if (emit(&in[i], out, done) == -1)
			goto fail;
	}
	r = csp__stream_end(srcs, n, out, nfailed, done);
	goto out;
fail:
	r = csp__stream_end(srcs, n, out, -1, done);
out:
	for (i = 0; in != NULL && i < n; i++)
		free(in[i].tag);
	free(in);
	free(pfd);
	free(owner);
	free(ready);
	free(o.mine);
	return r;
}
