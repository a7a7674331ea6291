/* take.c: the first n records, passed on in chunks of whole records. */
#define _GNU_SOURCE
#include <string.h>

#include "impl.h"

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
		cut = in->buf + in->head;
		while (n > 0 && (q = memchr(p, in->delim, (size_t)(in->buf + in->tail - p))) != NULL) {
			p = cut = q + 1;
			n--;
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
