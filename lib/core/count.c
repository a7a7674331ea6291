/* count.c: a count as commands take it: decimal digits, an optional '-', nothing else. */
#include <errno.h>
#include <stdlib.h>
#include <bsd/stdlib.h>

#include "cspipe.h"

int
csp_parse_count(const char *s, long long min, long long max, long long *v)
{
	const char *errstr;
	long long n = strtonum(s, min, max, &errstr);

	if (errstr != NULL || s[*s == '-'] < '0' || s[*s == '-'] > '9') {  /* no " 5", "+5" */
		errno = EINVAL;
		return -1;
	}
	*v = n;
	return 0;
}
