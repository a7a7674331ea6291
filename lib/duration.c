/* duration.c: durations as people write them: 250ms, 1.5s, 2m, 1h; bare is seconds. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "impl.h"

int
csp_parse_duration(const char *s, int64_t *ms)
{
	static const struct { const char *unit; double ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
		{ "d", 86400000 }, { "", 1000 },
	};
	char *end;
	double v;
	size_t i;

	/* strtod skips any white space, so a sign behind a newline or tab is refused here too. */
	if (s == NULL || *s == '\0' || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		goto bad;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || !isfinite(v))
		goto bad;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit) == 0) {
			v *= units[i].ms;
			if (v > 9.2e15)
				goto bad;
			*ms = (int64_t)(v + 0.5);
			return 0;
		}
	}
bad:
	errno = EINVAL;
	return -1;
}
