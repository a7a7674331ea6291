/*
 * ratelimit.c: token buckets over records or bytes. Each record takes a
 * token from every record bucket and a token a byte from every byte bucket;
 * when one is short the record waits in the reactor, with the done, until
 * the moment its last token comes due. With byte buckets only, the input
 * goes in pieces of at most a bucket's burst, records or not.
 *
 * A bucket is kept as the time it would next be full (a "theoretical
 * arrival time"): the same token bucket, with no refill arithmetic and no
 * drift, however long it runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/impl.h"

/*
 * A wake-up this late (the timer's slack, a busy machine) is made up, not
 * lost: the records due meanwhile go at once. The long-run rate holds; a
 * window of time may see this much more than its share.
 */
#define RATE_LAG_NS 100e6
/*
 * Wake-ups cost about 10 us each: above this many a second the records due
 * meanwhile go together, a tick's worth at a time, rather than one per wake-up.
 */
#define RATE_TICK_NS 1e6
#define RATE_BURST_MAX 1000000000LL
#define RATE_BYTES_MAX (1LL << 50)  /* a byte rate's size or burst: a petabyte */
#define RATE_BYTE_BURST_SEC 0.1     /* a byte bucket holds this long's bytes, unless told */

struct bucket {
	int bytes;                /* a token a byte, not a token a record */
	double interval;          /* ns between tokens */
	double tolerance;         /* ns of tokens the bucket holds beyond one */
	double tat;               /* when the bucket is full again, ns from the start */
};

static int64_t
clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* COUNT: digits with at most one point, and above zero. */
static int
parse_count(const char *s, size_t n, double *v)
{
	char buf[64], *end;
	size_t i, dots = 0, digits = 0;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] == '.')
			dots++;
		else if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else
			return -1;
	}
	if (dots > 1 || digits == 0)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*v = strtod(buf, &end);
	return *end == '\0' && isfinite(*v) && *v > 0 ? 0 : -1;
}

/* PERIOD: a unit alone (s, m, h, d, ms) is one of it; else a duration. */
static int
parse_period(const char *s, size_t n, double *sec)
{
	static const char *const units[] = { "ms", "s", "m", "h", "d" };
	char buf[64];
	int64_t ms;
	size_t i;

	if (n == 0 || n >= sizeof(buf) - 1)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i]) == n && memcmp(s, units[i], n) == 0)
			break;
	buf[0] = '1';
	memcpy(buf + (i < sizeof(units) / sizeof(units[0])), s, n);
	buf[n + (i < sizeof(units) / sizeof(units[0]))] = '\0';
	if (csp_parse_duration(buf, &ms) == -1 || ms <= 0)
		return -1;
	*sec = (double)ms / 1000;
	return 0;
}

/*
 * "COUNT[/PERIOD][:BURST]": 100/s, 5/m, 10/h, 2.5/s, 3/10s, 100 (a second),
 * 100/s:20. Without :BURST, burst is 0: the call's own.
 */
int
csp_parse_rate(const char *s, csp_rate *r)
{
	const char *slash, *colon, *end;
	double count, period = 1;
	long long burst = 0;

	if (s == NULL)
		goto bad;
	colon = strchr(s, ':');
	end = colon != NULL ? colon : s + strlen(s);
	slash = memchr(s, '/', (size_t)(end - s));
	if (parse_count(s, (size_t)((slash != NULL ? slash : end) - s), &count) == -1)
		goto bad;
	if (slash != NULL && parse_period(slash + 1, (size_t)(end - slash - 1), &period) == -1)
		goto bad;
	if (colon != NULL && csp_parse_count(colon + 1, 1, RATE_BURST_MAX, &burst) == -1)
		goto bad;
	if (!isfinite(count / period) || count / period <= 0)
		goto bad;
	r->per_sec = count / period;
	r->burst = burst;
	r->bytes = 0;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

/*
 * "SIZE[/PERIOD][:BURST]": 1M (a second), 64k/s, 10K/100ms:4K; SIZE and
 * BURST in bytes with csp_parse_size's units. Without :BURST, burst is 0:
 * a tenth of a second's bytes.
 */
int
csp_parse_byterate(const char *s, csp_rate *r)
{
	unsigned long long size, burst = 0;
	const char *slash, *colon, *end;
	double period = 1;
	char buf[64];
	size_t n;

	if (s == NULL)
		goto bad;
	colon = strchr(s, ':');
	end = colon != NULL ? colon : s + strlen(s);
	slash = memchr(s, '/', (size_t)(end - s));
	n = (size_t)((slash != NULL ? slash : end) - s);
	if (n >= sizeof(buf))
		goto bad;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (csp_parse_size(buf, 1, RATE_BYTES_MAX, &size) == -1)
		goto bad;
	if (slash != NULL && parse_period(slash + 1, (size_t)(end - slash - 1), &period) == -1)
		goto bad;
	if (colon != NULL && csp_parse_size(colon + 1, 1, RATE_BYTES_MAX, &burst) == -1)
		goto bad;
	r->per_sec = (double)size / period;
	r->burst = (long long)burst;
	r->bytes = 1;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

/*
 * Sleep until due (ns from base), waking for the done and for our reader
 * going away (POLLERR on a pipe whose reader closed it). The reactor counts
 * in ms: rounded up, so never early; what is due meanwhile goes on waking.
 */
static int
sleep_until(double due, int64_t base, int outfd, const csp_done *done)
{
	struct pollfd pfd[1 + CSP_DONE_DEPTH] = { { outfd, 0, 0 } };  /* errors and hangups only */
	double ms = ceil(((double)base + due) / 1e6);
	int r = csp__react(pfd, 1, done, ms < 1e15 ? (int64_t)ms : CSP_FOREVER, 0);

	if (r > 0) {
		errno = EPIPE;
		return -1;
	}
	return r;
}

/*
 * Each record of in to out once every bucket has its tokens for it (with
 * byte buckets only: each piece of input). The buckets start full. Returns
 * 0 at the end of input (out flushed), -1 with errno: ECANCELED (done),
 * EPIPE (out's reader went away), EINVAL (a bad rate or burst).
 */
int
csp_ratelimit(csp_rd *in, csp_wr *out, const csp_rate *rates, int n,
              long long burst, const csp_done *done)
{
	struct bucket *b;
	int64_t base = clock_ns();
	double due, now, arrived = 0, woke = -INFINITY, t, w;
	size_t len, piece = SIZE_MAX;  /* byte buckets only: at most this much at a time */
	char *p;
	int i, ready, ret = -1;

	if (n <= 0 || burst < 1 || burst > RATE_BURST_MAX) {
		errno = EINVAL;
		return -1;
	}
	if ((b = calloc((size_t)n, sizeof(*b))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		long long bb = rates[i].burst > 0 ? rates[i].burst : burst;

		if (rates[i].bytes && rates[i].burst <= 0)
			bb = rates[i].per_sec * RATE_BYTE_BURST_SEC >= 1 ?
			    (long long)(rates[i].per_sec * RATE_BYTE_BURST_SEC) : 1;
		if (!(rates[i].per_sec > 0) || !isfinite(rates[i].per_sec) ||
		    bb > (rates[i].bytes ? RATE_BYTES_MAX : RATE_BURST_MAX)) {
			errno = EINVAL;
			goto out;
		}
		b[i].bytes = rates[i].bytes;
		b[i].interval = 1e9 / rates[i].per_sec;
		b[i].tolerance = (double)(bb - 1) * b[i].interval;
		b[i].tat = 0;
		if (b[i].bytes && (size_t)bb < piece)
			piece = (size_t)bb;
	}
	for (i = 0; i < n; i++)
		if (!b[i].bytes)
			piece = 0;  /* a record bucket: records go whole */
	in->flush = out;

	for (;;) {
		/* The next record (or piece): whole in the buffer, or read more. */
		p = piece > 0 ? (in->tail > in->head ? in->buf + in->head : NULL) :
		    memchr(in->buf + in->scan, in->delim, in->tail - in->scan);
		if (p == NULL && !in->eof) {
			in->scan = in->tail;
			/* Input that was not there yet arrives now: the time it came counts. */
			ready = csp_wait_fd(in->fd, POLLIN, NULL, 0) == 0;
			if (csp_rd_fill(in, done) == -1)
				goto out;
			if (!ready)
				arrived = (double)(clock_ns() - base);
			continue;
		}
		len = p != NULL && piece == 0 ? (size_t)(p + 1 - (in->buf + in->head)) :
		    in->tail - in->head;
		if (piece > 0 && len > piece)
			len = piece;
		if (len == 0)
			break;

		/* Due when the last of its tokens is: w of them, each interval apart. */
		due = -INFINITY;
		for (i = 0; i < n; i++) {
			w = b[i].bytes ? (double)len : 1;
			if (b[i].tat + (w - 1) * b[i].interval - b[i].tolerance > due)
				due = b[i].tat + (w - 1) * b[i].interval - b[i].tolerance;
		}
		now = (double)(clock_ns() - base);
		if (due > now) {
			/* Waiting: what went through so far is seen downstream now. */
			if (csp_wr_flush(out, done) == -1 ||
			    sleep_until(due > woke + RATE_TICK_NS ? due : woke + RATE_TICK_NS,
			                base, out->fd, done) == -1)
				goto out;
			now = woke = (double)(clock_ns() - base);
		}
		/* When it counts as sent: on schedule, unless it came late or we fell far behind. */
		t = due;
		if (arrived > t)
			t = arrived;
		if (now - RATE_LAG_NS > t)
			t = now - RATE_LAG_NS;
		for (i = 0; i < n; i++)
			b[i].tat = (b[i].tat > t ? b[i].tat : t) +
			    (b[i].bytes ? (double)len : 1) * b[i].interval;

		if (csp_wr_put(out, in->buf + in->head, len, done) == -1)
			goto out;
		in->head += len;
		in->scan = in->head;
	}
	ret = csp_wr_flush(out, done);
out:
	i = errno;
	free(b);
	errno = i;
	return ret;
}
