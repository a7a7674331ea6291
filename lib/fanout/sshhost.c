/* sshhost.c: GNU parallel's sshlogins: "[N/]login[,...]", ":" the machine itself; --slf files. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* --slf: a login a line, appended; blank lines and # comments skipped. st: the file read. */
int
csp__hosts_read(const char *path, struct csp__host **hosts, int *n, struct stat *st)
{
	FILE *f = fopen(path, "re");
	char *l = NULL;
	size_t cap = 0;
	int r = 0, e;

	if (f == NULL)
		return -1;
	if (fstat(fileno(f), st) == -1)
		r = -1;
	while (r == 0 && getline(&l, &cap, f) != -1) {
		l[strcspn(l, "#\r\n")] = '\0';
		if (l[strspn(l, " \t")] != '\0')
			r = csp__hosts_parse(hosts, n, l + strspn(l, " \t"));
	}
	e = errno;
	if (ferror(f))
		r = -1;
	free(l);
	fclose(f);
	errno = e;
	return r;
}
