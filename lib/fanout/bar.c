/* bar.c: progress on one line, redrawn in place: done/total, rate, time left. */
#define _GNU_SOURCE
#include <stdio.h>
#include <unistd.h>

#include "core/impl.h"

/*
 * Draw "done/total (pct%) rate/s ETA h:mm:ss" on fd, over what was there
 * (a carriage return first; on a terminal, the rest of the line cleared).
 * total < 0 is not known yet. last ends the line. Returns write's result.
 */
int
csp_bar(int fd, long long done, long long total, int64_t elapsed_ms, int last)
{
	char buf[160];
	int n, tty = isatty(fd);
	double rate = elapsed_ms > 0 ? done * 1000.0 / (double)elapsed_ms : 0;
	long long left;

	n = snprintf(buf, sizeof(buf), "\r%lld/", done);
	if (total >= 0)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%lld (%lld%%)", total,
		              total > 0 ? done * 100 / total : 100);
	else
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "?");
	n += snprintf(buf + n, sizeof(buf) - (size_t)n, " %.1f/s", rate);
	if (total >= 0 && rate > 0) {
		left = (long long)((double)(total - done) / rate + 0.5);
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, " ETA %lld:%02lld:%02lld",
		              left / 3600, left / 60 % 60, left % 60);
	}
	n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s%s", tty ? "\033[K" : "   ",
	              last ? "\n" : "");
	return (int)write(fd, buf, (size_t)n);
}
