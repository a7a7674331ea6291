/*
 * size.c: sizes as GNU parallel takes them: a number with an optional unit,
 * K M G T P for powers of 1024 and k m g t p for powers of 1000.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/impl.h"

int
csp_parse_size(const char *s, unsigned long long min, unsigned long long max,
               unsigned long long *v)
{
	static const char units[] = "KMGTPkmgtp";
	unsigned long long n, mul = 1;
	const char *u;
	char *end;
	int i;

	if (s == NULL || *s < '0' || *s > '9')
		goto bad;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0)
		goto bad;
	if (*end != '\0') {
		if (end[1] != '\0' || (u = strchr(units, *end)) == NULL)
			goto bad;
		for (i = 0; i <= (int)((u - units) % 5); i++)
			mul *= (u - units) < 5 ? 1024 : 1000;
	}
	if (n > max / mul)
		goto bad;
	n *= mul;
	if (n < min || n > max)
		goto bad;
	*v = n;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}
