/*
 * tee.c: every input record to every command, in lockstep; their outputs
 * merged as whole records. One reactor loop feeds the commands and drains them
 * at once, so a command that writes a lot never deadlocks against us.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "patterns/stream.h"

#define TEE_GRACE_MS 500          /* between SIGTERM and SIGKILL when cancelling */
#define TEE_PIPE (1024 * 1024)    /* larger pipes to and from each command: fewer wakeups */
#define TEE_PIPES (16 * 1024 * 1024)  /* at most this in all: the user's pipe quota is shared */

struct consumer {
	csp_tee_cmd *cmd;
	csp_proc proc;
	int started;
	int to, from;             /* our ends of its stdin and stdout; -1 once closed */
	size_t off;               /* how much of the current chunk it has taken */
	int writable;             /* worth a write without asking poll first */
	csp_rd rd;                /* its output, until a record is whole */
	size_t taglen;
};

static int
start(struct consumer *c, int delim, int flags, int pipesz)
{
	if (csp_cmdpipe(&c->proc, c->cmd->cmd, &c->to, &c->from) == -1)
		return -1;
	c->started = 1;
	/* Our ends only: the command's ends are separate open files and stay blocking. */
	if (fcntl(c->to, F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(c->from, F_SETFL, O_NONBLOCK) == -1)
		return -1;
	if (pipesz > 0) {
		fcntl(c->to, F_SETPIPE_SZ, pipesz);  /* a smaller pipe only costs speed */
		fcntl(c->from, F_SETPIPE_SZ, pipesz);
	}
	c->taglen = (flags & CSP_TEE_TAG) ? strlen(c->cmd->cmd) : 0;
	c->writable = 1;
	return csp_rd_init(&c->rd, c->from, delim);
}

/*
 * One output record, tagged if asked; a last one without a terminator gets
 * one. Tag and record go into the buffer as one unit, so no flush, and no
 * cancel after it, falls between them; only a record longer than the
 * buffer goes out on its own, after its tag.
 */
static int
put_rec(struct consumer *c, csp_wr *out, const char *rec, size_t n, int flags,
        const csp_done *done)
{
	size_t need = c->taglen + 1 + n + (n == 0 || rec[n - 1] != (char)c->rd.delim);

	if (!(flags & CSP_TEE_TAG))
		return csp_wr_rec(out, rec, n, c->rd.delim, done);
	if (out->len + need > out->cap && csp_wr_flush(out, done) == -1)
		return -1;
	if (need > out->cap)
		return csp_wr_put(out, c->cmd->cmd, c->taglen, done) == -1 ||
		    csp_wr_put(out, "\t", 1, done) == -1 ? -1 :
		    csp_wr_rec(out, rec, n, c->rd.delim, done);
	memcpy(out->buf + out->len, c->cmd->cmd, c->taglen);
	out->buf[out->len + c->taglen] = '\t';
	memcpy(out->buf + out->len + c->taglen + 1, rec, n);
	out->len += need;
	out->buf[out->len - 1] = (char)c->rd.delim;  /* its own, or the one it lacked */
	return 0;
}

/* Pass on the whole records the command has written; at its EOF, the rest too. */
static int
emit(struct consumer *c, csp_wr *out, int flags, const csp_done *done)
{
	csp_rd *r = &c->rd;
	char *p = r->buf + r->head, *cut, *q;

	cut = memrchr(r->buf + r->scan, r->delim, r->tail - r->scan);
	r->scan = r->tail;
	cut = cut != NULL ? cut + 1 : p;
	if (!(flags & CSP_TEE_TAG)) {
		if (csp_wr_put(out, p, (size_t)(cut - p), done) == -1)
			return -1;
	} else {
		for (; p < cut; p = q + 1) {
			q = memchr(p, r->delim, (size_t)(cut - p));
			if (put_rec(c, out, p, (size_t)(q + 1 - p), flags, done) == -1)
				return -1;
		}
	}
	r->head = (size_t)(cut - r->buf);
	if (r->eof && r->head < r->tail) {
		if (put_rec(c, out, cut, r->tail - r->head, flags, done) == -1)
			return -1;
		r->head = r->scan = r->tail;
	}
	return 0;
}

/* Read what the command wrote (poll said there is something, or EOF). */
static int
drain(struct consumer *c, csp_wr *out, int flags, const csp_done *done)
{
	ssize_t n = csp_rd_fill(&c->rd, NULL);

	if (n == -1)
		return errno == EAGAIN ? 0 : -1;
	if (emit(c, out, flags, done) == -1)
		return -1;
	if (n == 0)
		csp__close(&c->from);
	return 0;
}

/* Offer the command the rest of the chunk; a command gone is dropped, or stops all. */
static int
feed(struct consumer *c, const char *chunk, size_t len, int flags)
{
	ssize_t k = write(c->to, chunk + c->off, len - c->off);

	if (k > 0) {
		c->off += (size_t)k;
		c->writable = c->off == len;
		return 0;
	}
	c->writable = 0;
	if (k == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (k == -1 && errno == EPIPE) {
		csp__close(&c->to);
		c->cmd->early = 1;
		if (flags & CSP_TEE_STRICT) {
			errno = ESHUTDOWN;
			return -1;
		}
		return 0;
	}
	return -1;
}

/* Cancel: close our ends so they see EOF and EPIPE, then stop them all together. */
static void
stop_all(struct consumer *cs, int n)
{
	int i, saved = errno;

	for (i = 0; i < n; i++) {
		csp__close(&cs[i].to);
		csp__close(&cs[i].from);
	}
	csp__stop(&cs[0].proc, sizeof(*cs), n, SIGTERM, TEE_GRACE_MS, 0);
	for (i = 0; i < n; i++)
		if (cs[i].started)
			cs[i].cmd->status = cs[i].proc.status;
	errno = saved;
}

/*
 * Every record of in to every command's stdin; the next chunk is read only
 * once all have taken this one. Their outputs go to out as whole records.
 * 0 once the input ended and every command was drained and reaped (its
 * status in cmds[i].status); -1 with errno: ECANCELED (done), EPIPE (out's
 * reader went away), ESHUTDOWN (CSP_TEE_STRICT: a command stopped taking
 * input early), or the failed call's. On -1 every command was stopped and reaped.
 */
int
csp_tee(csp_rd *in, csp_wr *out, csp_tee_cmd *cmds, int n, int flags,
        const csp_done *done)
{
	struct consumer *cs;
	struct pollfd *pfd;
	int i, r, takers, open, ended = 0, ret = -1, pipesz;
	size_t len;
	struct csp__orphans o = { NULL, n, 0 };

	if (n < 1) {
		errno = EINVAL;
		return -1;
	}
	csp__nosigpipe();  /* a command gone is EPIPE from write, not our death */
	pipesz = TEE_PIPE;
	while (pipesz > 64 * 1024 && (long long)pipesz * 2 * n > TEE_PIPES)
		pipesz /= 2;
	if (pipesz == 64 * 1024)
		pipesz = 0;  /* the default: leave it */
	cs = calloc((size_t)n, sizeof(*cs));
	pfd = calloc((size_t)(CSP_DONE_DEPTH + 1 + 2 * n), sizeof(*pfd));
	o.mine = calloc((size_t)n, sizeof(*o.mine));
	if (cs == NULL || pfd == NULL || o.mine == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		cs[i].cmd = &cmds[i];
		cs[i].to = cs[i].from = -1;
		cmds[i].status = -1;
		cmds[i].early = 0;
	}
	for (i = 0; i < n; i++)
		if (start(&cs[i], in->delim, flags, pipesz) == -1)
			goto fail;
	in->flush = NULL;

	for (;;) {
		/* The chunk in flight: [head, tail) of in; all took it, or a new one comes. */
		len = in->tail - in->head;
		takers = open = 0;
		for (i = 0; i < n; i++) {
			if (cs[i].to != -1 && cs[i].off < len) {
				if (cs[i].writable && feed(&cs[i], in->buf + in->head, len, flags) == -1)
					goto fail;
				takers += cs[i].to != -1 && cs[i].off < len;
			}
			open += cs[i].to != -1;
		}
		if (takers == 0 && len > 0) {
			in->head = in->scan = in->tail;
			for (i = 0; i < n; i++) {
				cs[i].off = 0;
				cs[i].writable = 1;
			}
			len = 0;
		}
		if (!ended && len == 0 && (in->eof || open == 0)) {
			/* Input over, or nobody left to take it: close their stdins. */
			ended = 1;
			for (i = 0; i < n; i++)
				csp__close(&cs[i].to);
			open = 0;
		}
		for (i = 0; i < n; i++)
			open += cs[i].from != -1;
		if (ended && open == 0)
			break;

		pfd[0].fd = !ended && len == 0 ? in->fd : -1;
		pfd[0].events = POLLIN;
		for (i = 0; i < n; i++) {
			pfd[1 + 2 * i].fd = cs[i].to != -1 && cs[i].off < len ? cs[i].to : -1;
			pfd[1 + 2 * i].events = POLLOUT;
			pfd[2 + 2 * i].fd = cs[i].from;
			pfd[2 + 2 * i].events = POLLIN;
			o.mine[i] = cs[i].proc.pid;
		}
		if (csp__stream_wait(pfd, 1 + 2 * n, out, done, CSP_FOREVER, &o) == -1)
			goto fail;
		for (i = 0; i < n; i++) {
			if (pfd[2 + 2 * i].revents != 0 && drain(&cs[i], out, flags, done) == -1)
				goto fail;
			if (pfd[1 + 2 * i].revents != 0)
				cs[i].writable = 1;
		}
		if (pfd[0].revents != 0 && csp_rd_fill(in, NULL) == -1 &&
		    errno != EAGAIN && errno != EINTR)
			goto fail;
	}

	for (i = 0; i < n; i++)
		if ((cmds[i].status = csp_proc_wait(&cs[i].proc, done, CSP_FOREVER)) == -1)
			goto fail;
	ret = csp_wr_flush(out, done);
	goto out;
fail:
	stop_all(cs, n);
out:
	r = errno;
	for (i = 0; cs != NULL && i < n; i++) {
		csp__close(&cs[i].to);
		csp__close(&cs[i].from);
		csp_rd_free(&cs[i].rd);
	}
	free(cs);
	free(pfd);
	free(o.mine);
	errno = r;
	return ret;
}
