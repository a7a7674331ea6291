/* leak.c: the descendants of a process that are still there, from /proc. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bsd/stdlib.h>
#include <bsd/string.h>

#include "core/impl.h"

struct node {
	pid_t pid, ppid;
	char state;
	unsigned long long start;  /* clock ticks after boot */
	char comm[64];
};

static ssize_t
slurp(const char *path, char *buf, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd == -1)
		return -1;
	n = read(fd, buf, max - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* /proc/PID/stat: the command sits in parentheses and may itself hold ')'. */
static int
parse_stat(pid_t pid, struct node *nd)
{
	char path[64], buf[1024], *open_p, *close_p, *f;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (slurp(path, buf, sizeof(buf)) <= 0)
		return -1;
	open_p = strchr(buf, '(');
	close_p = strrchr(buf, ')');
	if (open_p == NULL || close_p == NULL || close_p < open_p)
		return -1;
	*close_p = '\0';
	strlcpy(nd->comm, open_p + 1, sizeof(nd->comm));
	f = close_p + 2;
	nd->pid = pid;
	nd->state = *f;
	nd->ppid = (pid_t)strtol(f + 2, NULL, 10);
	/* starttime is field 22; the state is field 3. */
	for (i = 3; i < 22 && f != NULL; i++)
		if ((f = strchr(f, ' ')) != NULL)
			f++;
	nd->start = f != NULL ? strtoull(f, NULL, 10) : 0;
	return 0;
}

static void
cmdline(pid_t pid, const struct node *nd, char *out, size_t max)
{
	char path[64];
	ssize_t n, i;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	n = slurp(path, out, max);
	if (n <= 0) {
		snprintf(out, max, "[%s]", nd->comm);
		return;
	}
	while (n > 0 && out[n - 1] == '\0')
		n--;
	for (i = 0; i < n; i++)
		if (out[i] == '\0' || out[i] == '\n')
			out[i] = ' ';
	out[n] = '\0';
}

static ssize_t
snapshot(struct node **out)
{
	DIR *dir = opendir("/proc");
	struct dirent *de;
	struct node *v = NULL, *t;
	size_t n = 0, cap = 0;
	const char *errstr;
	pid_t pid;

	if (dir == NULL)
		return -1;
	while ((de = readdir(dir)) != NULL) {
		pid = (pid_t)strtonum(de->d_name, 1, INT32_MAX, &errstr);
		if (errstr != NULL)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 512;
			if ((t = reallocarray(v, cap, sizeof(*v))) == NULL) {
				free(v);
				closedir(dir);
				return -1;
			}
			v = t;
		}
		if (parse_stat(pid, &v[n]) == 0)
			n++;
	}
	closedir(dir);
	*out = v;
	return (ssize_t)n;
}

static int64_t
age_ms(unsigned long long start)
{
	struct timespec ts;
	long hz = sysconf(_SC_CLK_TCK);
	int64_t now;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	return hz > 0 ? now - (int64_t)(start * 1000 / (unsigned long long)hz) : 0;
}

/* Which of v[0..n) descend from root: in[i] set for each. */
static void
mark(pid_t root, const struct node *v, ssize_t n, char *in)
{
	ssize_t i, j;
	int grew;

	do {
		grew = 0;
		for (i = 0; i < n; i++) {
			if (in[i] || v[i].pid == root)
				continue;
			if (v[i].ppid == root) {
				in[i] = grew = 1;
				continue;
			}
			for (j = 0; j < n; j++)
				if (in[j] && v[j].pid == v[i].ppid) {
					in[i] = grew = 1;
					break;
				}
		}
	} while (grew);
}

/* The descendants of root, live or zombie, in *v (to be freed); how many. */
static ssize_t
walk(pid_t root, struct node **v)
{
	ssize_t n, i, kept = 0;
	char *in;

	if ((n = snapshot(v)) == -1)
		return -1;
	if ((in = calloc((size_t)n + 1, 1)) == NULL) {
		free(*v);
		return -1;
	}
	mark(root, *v, n, in);
	for (i = 0; i < n; i++)
		if (in[i])
			(*v)[kept++] = (*v)[i];
	free(in);
	return kept;
}

/* The descendants of root, as leaks (for csp_descendants) or as pids; how many. */
static ssize_t
descend(pid_t root, csp_leak *leak, struct csp__pid *pid, size_t max)
{
	struct node *v;
	ssize_t n, i;

	if ((n = walk(root, &v)) == -1)
		return -1;
	for (i = 0; i < n && (size_t)i < max; i++) {
		if (pid != NULL) {
			pid[i].pid = v[i].pid;
			pid[i].ppid = v[i].ppid;
			pid[i].start = v[i].start;
			continue;
		}
		leak[i].pid = v[i].pid;
		leak[i].ppid = v[i].ppid;
		leak[i].state = v[i].state;
		leak[i].age_ms = age_ms(v[i].start);
		cmdline(v[i].pid, &v[i], leak[i].cmd, sizeof(leak[i].cmd));
	}
	free(v);
	return n;
}

/*
 * Every live or zombie descendant of root (orphans reparent to a subreaper,
 * so for one they are its descendants too). Fills up to max; returns how many.
 */
ssize_t
csp_descendants(pid_t root, csp_leak *out, size_t max)
{
	return descend(root, out, NULL, max);
}

/* The same, as pid and start time: what it takes to signal them safely (tree.c). */
ssize_t
csp__descendants(pid_t root, struct csp__pid *out, size_t max)
{
	return descend(root, NULL, out, max);
}

/* When the process that has pid now started: -1 if there is none. */
int
csp__started(pid_t pid, unsigned long long *start)
{
	struct node nd;

	if (parse_stat(pid, &nd) == -1)
		return -1;
	*start = nd.start;
	return 0;
}
