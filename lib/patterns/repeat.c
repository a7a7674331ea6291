/* repeat.c: Go's repeat and repeatFn: the same records, or a program's output, forever. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/impl.h"

#define BLOCK_MIN (128 * 1024)  /* copies per write: one syscall moves this much */
#define STOP_GRACE_MS 1000      /* a run cancelled midway: SIGTERM, this, SIGKILL */
#define NAP_MAX_MS 1000         /* the longest pause after runs that sent nothing */

/*
 * Write recs (whole records, len bytes) again and again until an error: one
 * block of many copies, at least the writer's buffer, so it bypasses the copy.
 */
static int
loop(csp_wr *out, const char *recs, size_t len, const csp_done *done)
{
	size_t min = out->cap > BLOCK_MIN ? out->cap : BLOCK_MIN, total, filled, c;
	char *block = NULL;
	int e;

	if (len < min) {
		total = (min + len - 1) / len * len;
		if ((block = malloc(total)) == NULL)
			return -1;
		memcpy(block, recs, len);
		/* Doubling keeps whole copies: filled is always a multiple of len. */
		for (filled = len; filled < total; filled += c) {
			c = total - filled < filled ? total - filled : filled;
			memcpy(block + filled, block, c);
		}
		recs = block;
		len = total;
	}
	while (csp_wr_put(out, recs, len, done) == 0)
		;
	e = errno;
	free(block);
	errno = e;
	return -1;
}

/* The values, each with in's terminator, as one run of records. */
static int
repeat_values(csp_wr *out, char *const vals[], size_t n, int delim, const csp_done *done)
{
	size_t i, len = 0, k, at = 0;
	char *recs;
	int r, e;

	for (i = 0; i < n; i++)
		len += strlen(vals[i]) + 1;
	if ((recs = malloc(len)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		k = strlen(vals[i]);
		memcpy(recs + at, vals[i], k);
		at += k;
		recs[at++] = (char)delim;
	}
	r = loop(out, recs, len, done);
	e = errno;
	free(recs);
	errno = e;
	return r;
}

/*
 * Go's repeat: the n values as records, in order, forever; with no values,
 * all of in's records (read to its end first, in memory), forever. Returns 0
 * at once when there is nothing to repeat, otherwise only -1 with errno
 * (ECANCELED once done fired, EPIPE once out's reader is gone).
 */
int
csp_repeat(csp_rd *in, csp_wr *out, char *const vals[], size_t n, const csp_done *done)
{
	ssize_t r;
	char *nb;

	if (n > 0)
		return repeat_values(out, vals, n, in->delim, done);
	while ((r = csp_rd_fill(in, done)) > 0)
		;
	if (r == -1)
		return -1;
	if (in->tail == in->head)
		return 0;
	if (in->buf[in->tail - 1] != (char)in->delim) {
		/* The last record gets its terminator, or it would join the first. */
		if (in->tail == in->cap) {
			if ((nb = realloc(in->buf, in->cap + 1)) == NULL)
				return -1;
			in->buf = nb;
			in->cap++;
		}
		in->buf[in->tail++] = (char)in->delim;
	}
	in->scan = in->tail;
	return loop(out, in->buf + in->head, in->tail - in->head, done);
}

/* A run that could not start fails as the shell says: 127 not found, 126 otherwise. */
static int
unstarted(void)
{
	return errno == ENOENT ? CSP_EXIT_NOTFOUND : CSP_EXIT_NOEXEC;
}

/*
 * One run of argv, its output records passed to out as they come. Returns its
 * status (0 or more; errno 0 if it ran), or -1 with errno; the child is
 * reaped either way.
 */
static int
run(csp_wr *out, char *const argv[], int delim, int *sent, const csp_done *done)
{
	int pfd[2], fds[3], st = -1, e;
	csp_proc p;
	csp_rd in;
	char *rec;
	ssize_t n;

	if (csp_rd_init(&in, -1, delim) == -1)
		return unstarted();
	if (pipe2(pfd, O_CLOEXEC) == -1) {
		st = unstarted();
		goto fail_rd;
	}
	fds[0] = -1;  /* the child shares our standard input and error */
	fds[1] = pfd[1];
	fds[2] = -1;
	if (csp_spawn(&p, argv, fds, CSP_SPAWN_PGROUP) == -1) {
		st = unstarted();
		goto fail_pipe;
	}
	close(pfd[1]);  /* the child's copy is its only one: EOF when it is done */
	pfd[1] = -1;
	in.fd = pfd[0];
	in.flush = out;
	while ((n = csp_rd_next(&in, &rec, done)) > 0) {
		*sent = 1;
		if (csp_wr_rec(out, rec, (size_t)n, delim, done) == -1)
			break;
	}
	if (n == 0 && (st = csp_proc_wait(&p, done, CSP_FOREVER)) != -1)
		errno = 0;
	if (st == -1) {
		e = errno;
		csp_proc_stop(&p, SIGTERM, STOP_GRACE_MS);
		errno = e;
	}
fail_pipe:
	csp__close_pair(pfd);
fail_rd:
	csp_rd_free(&in);
	return st;
}

/* Wait ms, on done, and on out's reader going away: 0 after ms, else -1 with errno. */
static int
nap(csp_wr *out, int64_t ms, const csp_done *done)
{
	/* No events asked: poll still reports POLLERR once a pipe has no reader. */
	if (csp_wait_fd(out->fd, 0, done, csp_after(ms)) == 0) {
		errno = EPIPE;
		return -1;
	}
	return errno == ETIMEDOUT ? 0 : -1;
}

/*
 * Go's repeatFn: run argv again and again, each run's output records to out.
 * Runs that send nothing are spaced out, 1 ms and doubling to 1 s, so such a
 * program does not keep a CPU busy. Returns the status of the first run that
 * failed (more than 0; errno 0, or why it could not start), or -1 with errno
 * (ECANCELED once done fired, EPIPE once out's reader is gone).
 */
int
csp_repeat_fn(csp_wr *out, char *const argv[], int delim, const csp_done *done)
{
	int64_t pause = 0;
	int st, sent, e;

	for (;;) {
		if (done != NULL && csp_done_err((csp_done *)done) != 0) {
			errno = ECANCELED;
			return -1;
		}
		sent = 0;
		if ((st = run(out, argv, delim, &sent, done)) == -1)
			return -1;
		e = errno;
		csp__reap_orphans(NULL, 0);  /* a subreaper's adopted zombies, between runs */
		errno = e;
		if (st > 0) {  /* what it sent before failing goes out */
			e = errno;
			if (csp_wr_flush(out, done) == -1)
				return -1;
			errno = e;
			return st;
		}
		if (sent) {
			pause = 0;
			continue;
		}
		pause = pause == 0 ? 1 : pause * 2 > NAP_MAX_MS ? NAP_MAX_MS : pause * 2;
		if (csp_wr_flush(out, done) == -1 || nap(out, pause, done) == -1)
			return -1;
	}
}
