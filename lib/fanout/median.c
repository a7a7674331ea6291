/*
 * median.c: --timeout N%: a job may run N% of the median runtime of the
 * jobs that succeeded (the last 999 of them), as GNU parallel allows;
 * before any succeeded, as long as it takes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fanout/fanout.h"

#define KEPT 999

struct csp__runtimes {
	int64_t ms[KEPT];
	int n, at;
};

static int
cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* One more success, ms long; the timeout it gives now (ms, at least 1), or -1 (ENOMEM). */
int64_t
csp__timeout_pct(struct csp__runtimes **rt, int64_t ms, double pct)
{
	struct csp__runtimes *r = *rt;
	int64_t sorted[KEPT], t;

	if (r == NULL && (r = *rt = calloc(1, sizeof(*r))) == NULL)
		return -1;
	r->ms[r->at] = ms;
	r->at = (r->at + 1) % KEPT;
	if (r->n < KEPT)
		r->n++;
	memcpy(sorted, r->ms, (size_t)r->n * sizeof(sorted[0]));
	qsort(sorted, (size_t)r->n, sizeof(sorted[0]), cmp);
	t = (int64_t)((double)sorted[(r->n - 1) / 2] * pct / 100);  /* the lower middle, as parallel */
	return t > 0 ? t : 1;
}
