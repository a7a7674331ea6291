/* grow.c: the one way a byte buffer of the library grows. */
#include <stdlib.h>

#include "core/impl.h"

/* *buf holds at least need bytes after: doubled, or need if that is more; -1 leaves it as it was. */
int
csp__grow(char **buf, size_t *cap, size_t need)
{
	size_t to = *cap > 0 ? *cap * 2 : 256;
	char *p;

	if (need <= *cap)
		return 0;
	if (to < need)
		to = need;
	if ((p = realloc(*buf, to)) == NULL)
		return -1;
	*buf = p;
	*cap = to;
	return 0;
}
