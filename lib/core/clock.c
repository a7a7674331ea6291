/* clock.c: deadlines are absolute milliseconds on the monotonic clock. */
#include <time.h>

#include "core/impl.h"

int64_t
csp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
csp_after(int64_t ms)
{
	return ms < 0 ? CSP_FOREVER : csp_now() + ms;
}

/* The earlier of two deadlines, where CSP_FOREVER is the latest of all. */
int64_t
csp__min_deadline(int64_t a, int64_t b)
{
	if (a == CSP_FOREVER)
		return b;
	if (b == CSP_FOREVER)
		return a;
	return a < b ? a : b;
}
