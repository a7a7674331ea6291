/* take.c: the first n records, passed on in chunks of whole records. */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>

#include "core/impl.h"

/*
 * Past the *n-th terminator in p..end (and *n is 0), or NULL with *n less
 * the terminators there: eight bytes at a time, so a short record costs no
 * call of its own (a memchr per record is four times slower than head).
 */
static char *
nth_end(char *p, char *end, int delim, long long *n)
{
	const uint64_t ones = 0x0101010101010101ULL, low7 = 0x7f * ones;
	const uint64_t pat = (unsigned char)delim * ones;
	uint64_t w, t;
	long long c;

	while (end - p >= 8) {
		memcpy(&w, p, 8);
		w ^= pat;
		t = ~(((w & low7) + low7) | w | low7);  /* 0x80 where a byte was delim */
		c = (long long)(((t >> 7) * ones) >> 56);
		if (c >= *n)
			break;  /* the one we want is in this word */
		*n -= c;
		p += 8;
	}
	for (; p < end; p++)
		if (*p == (char)delim && --*n == 0)
			return p + 1;
	return NULL;
}

/* Returns 0 once n records went out (or the input ended first), -1 with errno. */
int
csp_take(csp_rd *in, csp_wr *out, long long n, const csp_done *done)
{
	char *p, *q, *cut;
	ssize_t r;

	in->flush = out;
	while (n > 0) {
		/* Count terminators in what came; what is counted goes out in one piece. */
		p = in->buf + in->scan;
		if ((cut = nth_end(p, in->buf + in->tail, in->delim, &n)) == NULL) {
			q = memrchr(p, in->delim, (size_t)(in->buf + in->tail - p));
			cut = q != NULL ? q + 1 : in->buf + in->head;
		}
		in->scan = n == 0 ? (size_t)(cut - in->buf) : in->tail;
		if (csp_wr_put(out, in->buf + in->head, (size_t)(cut - (in->buf + in->head)), done) == -1)
			return -1;
		in->head = (size_t)(cut - in->buf);
		if (n == 0)
			break;
		if ((r = csp_rd_fill(in, done)) == -1)
			return -1;
		if (r == 0) {
			/* The input ended; a last record without its terminator goes as it came. */
			if (csp_wr_put(out, in->buf + in->head, in->tail - in->head, done) == -1)
				return -1;
			in->head = in->scan = in->tail;
			break;
		}
	}
	return csp_wr_flush(out, done);
}
