/* rand.c: the seed's random-integer stream: uniform integers in a range, as records. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <bsd/stdlib.h>

#include "core/impl.h"

#define POOL 512  /* 64-bit draws fetched at once: one call to the generator, not 512 */
#define NUM_MAX 21  /* "-9223372036854775808" and a terminator */

struct draws {
	uint64_t v[POOL];
	size_t left;
};

static uint64_t
draw(struct draws *d)
{
	if (d->left == 0) {
		arc4random_buf(d->v, sizeof(d->v));
		d->left = POOL;
	}
	return d->v[--d->left];
}

/*
 * Uniform on 0..span inclusive, without modulo bias: draws less than floor
 * (2^64 mod (span+1)) are thrown away, so every result has as many draws
 * behind it. This is arc4random_uniform's method on 64-bit words from the
 * pool: libbsd's arc4random() makes a getpid() call each time, a system call
 * per record.
 */
static uint64_t
uniform(struct draws *d, uint64_t span, uint64_t floor)
{
	uint64_t v;

	if (span == UINT64_MAX)
		return draw(d);
	do
		v = draw(d);
	while (v < floor);
	return v % (span + 1);
}

/* How many decimal digits u has. */
static size_t
digits(uint64_t u)
{
	uint64_t p = 10;
	size_t n = 1;

	while (n < 20 && u >= p) {
		n++;
		p *= 10;
	}
	return n;
}

/* v in decimal and the terminator, written in place at dst; returns the length. */
static size_t
format(char *dst, int64_t v, int delim)
{
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	size_t len = (v < 0) + digits(u);
	char *p = dst + len;
	unsigned two;

	*p = (char)delim;
	while (u >= 100) {  /* two digits per division */
		two = (unsigned)(u % 100);
		u /= 100;
		*--p = (char)('0' + two % 10);
		*--p = (char)('0' + two / 10);
	}
	*--p = (char)('0' + u % 10);
	if (u >= 10)
		*--p = (char)('0' + u / 10);
	if (v < 0)
		dst[0] = '-';
	return len + 1;
}

/*
 * n integers (n < 0: forever) drawn uniformly from lo..hi inclusive, one a
 * record, formatted straight into out's buffer. 0 once all went out, -1 with
 * errno: EINVAL if lo > hi, ECANCELED once done fired, EPIPE once out's
 * reader is gone.
 */
int
csp_rand(csp_wr *out, long long n, int64_t lo, int64_t hi, int delim, const csp_done *done)
{
	struct draws d;
	uint64_t span, floor;

	if (lo > hi || out->cap < NUM_MAX) {
		errno = EINVAL;
		return -1;
	}
	d.left = 0;
	span = (uint64_t)hi - (uint64_t)lo;
	floor = span == UINT64_MAX ? 0 : -(span + 1) % (span + 1);
	while (n != 0) {
		if (out->cap - out->len < NUM_MAX && csp_wr_flush(out, done) == -1)
			return -1;
		out->len += format(out->buf + out->len,
		    (int64_t)((uint64_t)lo + uniform(&d, span, floor)), delim);
		if (n > 0)
			n--;
	}
	return csp_wr_flush(out, done);
}
