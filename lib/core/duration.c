/* duration.c: durations as people write them: 250ms, 1.5s, 2m, 1h, 1e-3; bare is seconds. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/impl.h"

#define DURATION_MAX_MS 9.2e15    /* about 292,000 years: now + this fits an int64_t */

/*
 * The number's length if s starts with a plain decimal: digits, a point,
 * an exponent; no sign, blank, hex, inf or nan. *nonzero: a digit of the
 * mantissa is not 0, so the value is above zero however small.
 */
static size_t
decimal(const char *s, int *nonzero)
{
	size_t i, digits = 0, points = 0, k;

	*nonzero = 0;
	for (i = 0; (s[i] >= '0' && s[i] <= '9') || s[i] == '.'; i++) {
		if (s[i] == '.') {
			points++;
		} else {
			digits++;
			*nonzero |= s[i] != '0';
		}
	}
	if (digits == 0 || points > 1)
		return 0;
	if (s[i] == 'e' || s[i] == 'E') {
		k = i + 1 + (s[i + 1] == '+' || s[i + 1] == '-');
		if (s[k] < '0' || s[k] > '9')
			return 0;
		while (s[k] >= '0' && s[k] <= '9')
			k++;
		i = k;
	}
	return i;
}

int
csp_parse_duration(const char *s, int64_t *ms)
{
	static const struct { const char *unit; double ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
		{ "d", 86400000 }, { "", 1000 },
	};
	size_t i, n;
	int nonzero;
	char *end;
	double v;

	if (s == NULL || (n = decimal(s, &nonzero)) == 0)
		goto bad;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(s + n, units[i].unit) == 0)
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		goto bad;
	v = strtod(s, &end);  /* ERANGE: inf, or 0 for a tiny one; both handled below */
	if (end != s + n)
		goto bad;  /* a locale whose decimal sign is not a point */
	v *= units[i].ms;
	if (!(v <= DURATION_MAX_MS)) {
		errno = ERANGE;
		return -1;
	}
	*ms = (int64_t)(v + 0.5);
	if (*ms == 0 && nonzero)
		*ms = 1;  /* above zero but below the clock's millisecond: the least it can wait */
	return 0;
bad:
	errno = EINVAL;
	return -1;
}
