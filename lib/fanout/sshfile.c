/* sshfile.c: files sent, fetched back and removed over a host's master (--transferfile ...). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fanout/ssh.h"

/* A file sent to the same path there (relative: under --workdir, or the login's). */
int
csp__ssh_put(csp_hosts *h, int host, const char *name)
{
	static const char script[] =
	    "if [ -n \"$1\" ]; then mkdir -p -- \"$1\" && cd -- \"$1\" || exit 1; fi\n"
	    "case $2 in */*) mkdir -p -- \"${2%/*}\" || exit 1;; esac\n"
	    "cat > \"$2\"\n";
	char *pre[2] = { (char *)(h->o.workdir != NULL ? h->o.workdir : ""), (char *)name };
	char *line = csp__ssh_line(script, "csp-put", pre, 2, NULL);
	int fd, st;

	if (line == NULL)
		return -1;
	if ((fd = open(name, O_RDONLY | O_CLOEXEC)) == -1) {
		free(line);
		return -1;
	}
	st = csp__ssh_remote(h, host, line, fd, -1);
	close(fd);
	free(line);
	return st == 0 ? 0 : -1;
}

/* A file fetched back from there to the same path here. */
int
csp__ssh_get(csp_hosts *h, int host, const char *name)
{
	static const char script[] =
	    "if [ -n \"$1\" ]; then cd -- \"$1\" || exit 1; fi\n"
	    "exec cat -- \"$2\"\n";
	char *pre[2] = { (char *)(h->o.workdir != NULL ? h->o.workdir : ""), (char *)name };
	char *line = csp__ssh_line(script, "csp-get", pre, 2, NULL), tmp[PATH_MAX];
	int fd, st;

	if (line == NULL)
		return -1;
	if (snprintf(tmp, sizeof(tmp), "%s.csp-get", name) >= (int)sizeof(tmp) ||
	    (fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)) == -1) {
		free(line);
		return -1;
	}
	st = csp__ssh_remote(h, host, line, -1, fd);
	close(fd);
	free(line);
	if (st != 0 || rename(tmp, name) == -1) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Files removed there: --cleanup. */
int
csp__ssh_rm(csp_hosts *h, int host, char *const *names, int n)
{
	static const char script[] =
	    "if [ -n \"$1\" ]; then cd -- \"$1\" || exit 1; fi; shift\n"
	    "exec rm -f -- \"$@\"\n";
	char **pre = calloc((size_t)n + 2, sizeof(char *));
	char *line;
	int st;

	if (pre == NULL)
		return -1;
	pre[0] = (char *)(h->o.workdir != NULL ? h->o.workdir : "");
	memcpy(pre + 1, names, (size_t)n * sizeof(char *));
	line = csp__ssh_line(script, "csp-rm", pre, n + 1, NULL);
	free(pre);
	if (line == NULL)
		return -1;
	st = csp__ssh_remote(h, host, line, -1, -1);
	free(line);
	return st == 0 ? 0 : -1;
}

int
csp__ssh_count(char *const *v)
{
	int n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

/* The names of a job's files (--transferfile, --return): templates expanded. */
char **
csp__ssh_names(char *const *tmpl, const csp__repl *r)
{
	int n = csp__ssh_count(tmpl), i;
	char **v = calloc((size_t)n + 1, sizeof(char *));
	size_t len;

	for (i = 0; v != NULL && i < n; i++) {
		len = csp__replace(NULL, 0, tmpl[i], r);
		if ((v[i] = malloc(len + 1)) == NULL) {
			while (i-- > 0)
				free(v[i]);
			free(v);
			return NULL;
		}
		csp__replace(v[i], len + 1, tmpl[i], r);
	}
	return v;
}

void
csp__ssh_names_free(char **v)
{
	int i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}
