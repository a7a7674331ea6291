/*
 * heartbeat.c: a command's output passed on as whole records, with pulses
 * beside it that never block it. Interval pulses come from a goroutine of
 * their own, so they keep coming while the work waits on its reader; a
 * record pulse goes out as the record passes. A pulse that cannot be
 * written at once is dropped (Go's select with default), never waited for.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/impl.h"

#define PULSE_LINE 64             /* "record 123456789 12345.678\n" fits */
#define REAP_EVERY_MS 1000        /* a subreaper's adopted orphans are reaped this often */

/* Pulses go out in writes of at most PIPE_BUF: never interleaved with another writer. */
struct pulser {
	int fd;
	int gone;                 /* the reader went away: pulses stop */
	int nowait;               /* pwritev2(RWF_NOWAIT) works on fd */
	long long counts[2];      /* pulses written, pulses dropped */
};

/* One write that cannot block; returns 1 written, 0 not. */
static int
try_write(struct pulser *p, const char *s, size_t n)
{
	struct iovec iov = { (void *)s, n };
	struct pollfd pfd[1 + CSP_DONE_DEPTH] = { { p->fd, POLLOUT, 0 } };
	ssize_t k;

#ifdef RWF_NOWAIT
	/* On a pipe: a write that fails with EAGAIN rather than wait, no race with other writers. */
	if (p->nowait) {
		k = pwritev2(p->fd, &iov, 1, -1, RWF_NOWAIT);
		if (k >= 0)
			return 1;
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		if (errno != EOPNOTSUPP && errno != EINVAL && errno != ENOSYS && errno != ESPIPE) {
			p->gone = 1;
			return 0;
		}
		p->nowait = 0;  /* a file or a terminal: ask first */
	}
#endif
	/* Room now, or the pulse is dropped; a file or a terminal nearly always has room. */
	if (csp__react(pfd, 1, NULL, 0, 0) != 1)
		return 0;
	if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
		p->gone = 1;
		return 0;
	}
	k = write(p->fd, s, n);
	if (k == -1 && errno != EAGAIN && errno != EINTR)
		p->gone = 1;
	return k > 0;
}

/* Write lines (each of them whole) holding count pulses; counts them written or dropped. */
static void
pulse(struct pulser *p, const char *s, size_t n, long long count)
{
	if (!p->gone && try_write(p, s, n))
		p->counts[0] += count;
	else
		p->counts[1] += count;
}

static size_t
pulse_line(char *buf, const char *what, long long seq, int64_t since)
{
	return (size_t)snprintf(buf, PULSE_LINE, "%s %lld %lld.%03lld\n", what, seq,
	    (long long)(since / 1000), (long long)(since % 1000));
}

struct ticker {
	struct pulser p;
	int64_t start, interval;
	csp_done *stop;
	csp_chan *counts;
};

/* The interval pulses: like time.Ticker, a late tick is skipped, never queued. */
static void
tick(void *arg)
{
	struct ticker *t = arg;
	char line[PULSE_LINE];
	long long seq = 0;
	int64_t now;

	while (csp_done_wait(t->stop, t->start + (seq + 1) * t->interval) == -1 &&
	    errno == ETIMEDOUT) {
		now = csp_now();
		seq = (now - t->start) / t->interval;
		pulse(&t->p, line, pulse_line(line, "pulse", seq, now - t->start), 1);
	}
	csp_chan_send(t->counts, t->p.counts, NULL);
}

static int
start_ticker(csp_proc *proc, struct ticker *t, csp_done *stop, csp_chan *counts,
             const csp_done *done)
{
	csp_keep k;

	if (csp_done_make(stop, done) == -1)
		return -1;
	if (csp_chan_make(counts, sizeof(t->p.counts), 1) == -1) {
		csp_done_free(stop);
		return -1;
	}
	t->stop = stop;
	t->counts = counts;
	csp_keep_init(&k);
	if (csp_keep_fd(&k, t->p.fd) == -1 || csp_keep_done(&k, stop) == -1 ||
	    csp_keep_send(&k, counts) == -1 || csp_go(proc, "pulse", &k, tick, t) == -1) {
		csp_chan_free(counts);
		csp_done_free(stop);
		return -1;
	}
	csp_chan_close(counts);  /* ours closed: a ticker that dies is seen as a closed channel */
	return 0;
}

/* Stop the ticker and take its counts. */
static void
stop_ticker(csp_proc *proc, csp_done *stop, csp_chan *counts, csp_heartbeat_cmd *hb)
{
	long long c[2];
	int ok = 0, saved = errno;

	csp_cancel(stop);
	if (csp_chan_recv(counts, c, &ok, NULL) == 0 && ok) {
		hb->pulses += c[0];
		hb->dropped += c[1];
	}
	csp_proc_wait(proc, NULL, CSP_FOREVER);
	csp_chan_free(counts);
	csp_done_free(stop);
	errno = saved;
}

/* Output that had to wait for its reader: the time does not count against the command. */
static int
put(csp_wr *out, const char *p, size_t n, int64_t *idle, const csp_done *done)
{
	int64_t t0 = csp_now();
	int r = n > 0 ? csp_wr_put(out, p, n, done) : csp_wr_flush(out, done);

	if (*idle != CSP_FOREVER)
		*idle += csp_now() - t0;
	return r;
}

/* n in decimal at d; returns its length. snprintf per record would cost more than the copy. */
static size_t
decimal(char *d, unsigned long long n)
{
	char t[24];
	size_t k = 0, i;

	do
		t[k++] = (char)('0' + n % 10);
	while ((n /= 10) > 0);
	for (i = 0; i < k; i++)
		d[i] = t[k - 1 - i];
	return k;
}

/* A pulse for each record in [p, end); lines batched into writes of at most PIPE_BUF. */
static void
record_pulses(struct pulser *pl, const char *p, const char *end, int delim,
              long long *seq, int64_t since)
{
	char buf[PIPE_BUF], tail[PULSE_LINE];
	size_t len = 0, tl;
	long long in = 0;

	/* The time is the same for every record of this read: formatted once. */
	tl = (size_t)snprintf(tail, sizeof(tail), " %lld.%03lld\n", (long long)(since / 1000),
	    (long long)(since % 1000));
	while (p < end && (p = memchr(p, delim, (size_t)(end - p))) != NULL) {
		p++;
		if (pl->gone) {  /* nobody to read them: counted, not written */
			pl->counts[1]++;
			++*seq;
			continue;
		}
		if (len + PULSE_LINE > sizeof(buf)) {
			pulse(pl, buf, len, in);
			len = 0;
			in = 0;
		}
		memcpy(buf + len, "record ", 7);
		len += 7;
		len += decimal(buf + len, (unsigned long long)++*seq);
		memcpy(buf + len, tail, tl);
		len += tl;
		in++;
	}
	if (len > 0)
		pulse(pl, buf, len, in);
}

/*
 * Wait for the command's output, or with fd -1 for its exit, until idle
 * passes (ETIMEDOUT); a subreaper reaps the orphans it adopted once a
 * second meanwhile.
 */
static int
wait_for(int fd, csp_proc *p, const csp_done *done, int64_t idle, const pid_t *mine, int n)
{
	int64_t slice;

	for (;;) {
		slice = csp__min_deadline(idle, csp_after(REAP_EVERY_MS));
		if (fd != -1 ? csp_wait_fd(fd, POLLIN, done, slice) == 0 :
		    csp_proc_wait(p, done, slice) != -1)
			return 0;
		if (errno != ETIMEDOUT || slice == idle)
			return -1;
		csp__reap_orphans(mine, n);
	}
}

/*
 * Run hb->argv with its stdout on a pipe, and pass what it writes to out as
 * whole records; a pulse on hb->fd every hb->interval_ms, and one per record
 * with CSP_HEARTBEAT_PER_RECORD. Returns 0 once the command ended by itself
 * (hb->status). -1 with errno: ETIMEDOUT when no record came for
 * hb->timeout_ms (it is unhealthy), ECANCELED (done), EPIPE (out's reader
 * went away), ENOENT and the like (it could not start); the command was
 * stopped (TERM to its process group, grace, KILL) and reaped.
 */
int
csp_heartbeat(csp_heartbeat_cmd *hb, csp_wr *out, int delim, const csp_done *done)
{
	struct ticker t;
	struct pulser *pl = &t.p;
	csp_proc cmd = { -1, -1, -1, 0 }, ticker = { -1, -1, -1, 0 };
	csp_done stop;
	csp_chan counts;
	csp_rd in = { 0 };
	int fds[3] = { -1, -1, -1 }, p[2], ret = -1, saved;
	int64_t idle = CSP_FOREVER;
	pid_t mine[2];
	long long seq = 0;
	char *cut;
	ssize_t n;

	csp__nosigpipe();  /* a pulse reader or an output reader gone is EPIPE, not our death */
	hb->status = -1;
	hb->pulses = hb->dropped = 0;
	memset(&t, 0, sizeof(t));
	pl->fd = hb->fd;
	pl->nowait = 1;
	t.start = csp_now();
	t.interval = hb->interval_ms;
	if (hb->interval_ms > 0 && start_ticker(&ticker, &t, &stop, &counts, done) == -1)
		return -1;
	if (csp__pipe(p, 0) == -1)
		goto out;
	fds[1] = p[1];
	if (csp_spawn(&cmd, hb->argv, fds, CSP_SPAWN_PGROUP) == -1) {
		csp__close_pair(p);
		goto out;
	}
	close(p[1]);
	mine[0] = cmd.pid;
	mine[1] = ticker.pid;
	if (csp_rd_init(&in, p[0], delim) == -1) {
		close(p[0]);
		goto fail;
	}
	if (hb->timeout_ms > 0)
		idle = csp_after(hb->timeout_ms);

	for (;;) {
		/* Before waiting on the command, what it sent goes out. */
		if (out->len > 0 && csp_wait_fd(in.fd, POLLIN, NULL, 0) == -1 &&
		    put(out, NULL, 0, &idle, done) == -1)
			goto fail;
		if (wait_for(in.fd, &cmd, done, idle, mine, 2) == -1)
			goto fail;
		if ((n = csp_rd_fill(&in, done)) == -1)
			goto fail;
		if (n == 0)
			break;
		cut = memrchr(in.buf + in.scan, delim, in.tail - in.scan);
		if (hb->flags & CSP_HEARTBEAT_PER_RECORD)
			record_pulses(pl, in.buf + in.scan, in.buf + in.tail, delim, &seq,
			    csp_now() - t.start);
		in.scan = in.tail;
		if (cut == NULL)
			continue;  /* part of a record: not progress yet */
		cut++;
		if (put(out, in.buf + in.head, (size_t)(cut - (in.buf + in.head)), &idle, done) == -1)
			goto fail;
		in.head = (size_t)(cut - in.buf);
		if (idle != CSP_FOREVER)
			idle = csp_after(hb->timeout_ms);
	}
	/* The end: a last record without its terminator goes as it came. */
	if (in.tail > in.head) {
		if (hb->flags & CSP_HEARTBEAT_PER_RECORD) {
			char line[PULSE_LINE];

			pulse(pl, line, pulse_line(line, "record", ++seq, csp_now() - t.start), 1);
		}
		if (put(out, in.buf + in.head, in.tail - in.head, &idle, done) == -1)
			goto fail;
		in.head = in.tail;
		if (idle != CSP_FOREVER)
			idle = csp_after(hb->timeout_ms);
	}
	if (put(out, NULL, 0, &idle, done) == -1)
		goto fail;
	/* Its output is over, but it may still hang: the same deadline holds. */
	if (wait_for(-1, &cmd, done, idle, mine, 2) == -1)
		goto fail;
	hb->status = cmd.status;
	ret = 0;
	goto out;
fail:
	saved = errno;
	hb->status = csp_proc_stop(&cmd, SIGTERM, hb->grace_ms);
	errno = saved;
out:
	saved = errno;
	if (in.buf != NULL) {
		close(in.fd);
		csp_rd_free(&in);
	}
	hb->pulses += pl->counts[0];
	hb->dropped += pl->counts[1];
	if (hb->interval_ms > 0)
		stop_ticker(&ticker, &stop, &counts, hb);
	errno = saved;
	return ret;
}
