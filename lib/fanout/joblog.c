/*
 * joblog.c: GNU parallel's job log: a header, then one tab-separated line
 * per job as it ends: Seq Host Starttime JobRuntime Send Receive Exitval
 * Signal Command, the command shell-quoted so that it can be pasted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/impl.h"

static const char header[] =
    "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n";

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t k;

	while (n > 0) {
		k = write(fd, p, n);
		if (k == -1 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* path, or "+path" to append; the header goes into a file that is empty. */
int
csp_joblog_open(const char *path)
{
	int append = path[0] == '+', fd, e;
	struct stat st;

	path += append;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0666);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == 0 && (st.st_size == 0 || !S_ISREG(st.st_mode)) &&
	    write_all(fd, header, sizeof(header) - 1) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* A word as sh reads it back: bare if it is safe, else in single quotes. */
static size_t
quote(char *dst, const char *s)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                           "0123456789_@%+=:,./-";
	size_t n = 0;

	if (*s != '\0' && strspn(s, safe) == strlen(s)) {
		n = strlen(s);
		if (dst != NULL)
			memcpy(dst, s, n);
		return n;
	}
	if (dst != NULL)
		dst[n] = '\'';
	n++;
	for (; *s != '\0'; s++) {
		if (*s == '\'') {
			if (dst != NULL)
				memcpy(dst + n, "'\"'\"'", 5);
			n += 5;
		} else {
			if (dst != NULL)
				dst[n] = *s;
			n++;
		}
	}
	if (dst != NULL)
		dst[n] = '\'';
	return n + 1;
}

int
csp_joblog_write(int fd, const csp_fanout_job *job)
{
	char head[256], *line;
	size_t n = 0, k;
	int i, hl, r, e, script;

	/* GNU parallel's columns: a stopped job's exit value is -1, a signalled one's 0. */
	hl = snprintf(head, sizeof(head), "%lld\t%.64s\t%lld.%03lld\t%10.3f\t%lld\t%lld\t%d\t%d\t",
	              job->seq, job->host != NULL ? job->host : ":", (long long)(job->start_ms / 1000), (long long)(job->start_ms % 1000),
	              (double)job->runtime_ms / 1000.0, job->sent, job->received,
	              job->timedout ? -1 : job->sig != 0 ? 0 : job->status, job->sig);
	/* A shell's script is the command line itself, as parallel logs it. */
	script = strcmp(job->argv[0], "/bin/sh") == 0 && job->argv[1] != NULL &&
	         strcmp(job->argv[1], "-c") == 0 && job->argv[2] != NULL && job->argv[3] == NULL;
	for (i = script ? 2 : 0; job->argv[i] != NULL; i++)
		n += (script ? strlen(job->argv[i]) : quote(NULL, job->argv[i])) + 1;
	if ((line = malloc((size_t)hl + n + 1)) == NULL)
		return -1;
	memcpy(line, head, (size_t)hl);
	k = (size_t)hl;
	for (i = script ? 2 : 0; job->argv[i] != NULL; i++) {
		if (i > (script ? 2 : 0))
			line[k++] = ' ';
		if (script) {
			memcpy(line + k, job->argv[i], strlen(job->argv[i]));
			k += strlen(job->argv[i]);
		} else {
			k += quote(line + k, job->argv[i]);
		}
	}
	line[k++] = '\n';
	r = write_all(fd, line, k);
	e = errno;
	free(line);
	errno = e;
	return r;
}
