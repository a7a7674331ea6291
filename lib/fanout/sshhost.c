/* sshhost.c: GNU parallel's sshlogins: "[N/]login[,...]", ":" the machine itself. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fanout/ssh.h"

/* One login: N/ its slots (1 to 100000), then a name ssh takes (no blank, no leading -). */
static int
parse_one(struct csp__host *h, const char *s, size_t len)
{
	const char *slash = memchr(s, '/', len);
	char num[16];
	long n = 0;
	size_t k;

	memset(h, 0, sizeof(*h));
	if (slash != NULL) {
		k = (size_t)(slash - s);
		if (k == 0 || k >= sizeof(num) || strspn(s, "0123456789") != k)
			goto bad;
		memcpy(num, s, k);
		num[k] = '\0';
		n = strtol(num, NULL, 10);
		if (n < 1 || n > 100000)
			goto bad;
		len -= k + 1;
		s = slash + 1;
	}
	if (len == 0 || s[0] == '-' || memchr(s, ' ', len) != NULL || memchr(s, '\t', len) != NULL)
		goto bad;
	if ((h->name = strndup(s, len)) == NULL)
		return -1;
	h->slots = n;
	h->local = strcmp(h->name, ":") == 0;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

int
csp__hosts_parse(struct csp__host **hosts, int *n, const char *logins)
{
	const char *p = logins, *e;
	struct csp__host *h;

	for (;;) {
		e = p + strcspn(p, ",");
		if (e > p) {
			if ((h = realloc(*hosts, (size_t)(*n + 1) * sizeof(*h))) == NULL)
				return -1;
			*hosts = h;
			if (parse_one(&h[*n], p, (size_t)(e - p)) == -1)
				return -1;
			(*n)++;
		}
		if (*e == '\0')
			return 0;
		p = e + 1;
	}
}
