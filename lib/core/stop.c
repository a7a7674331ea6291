/*
 * stop.c: the one stop. A set of processes ends together: sig to each (to
 * its process group, if it leads one), one grace for them all, SIGKILL to
 * what is left, every one reaped. With the tree, every other descendant
 * goes the same way under the same grace: a subreaper inherits every orphan
 * below it, so whatever ever descended from it, setsid() escapers and double
 * forks included, stays its descendant until reaped.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/impl.h"

#define TREE_MAX 4096
#define KILL_EVERY_MS 100         /* a tree past its grace: SIGKILL again this often... */
#define KILL_TRIES 50             /* ...this many times, then it is stuck in the kernel */

/* The set: a csp_proc every stride bytes inside the caller's structs, or an array of pointers. */
struct set {
	csp_proc *first;
	size_t stride;
	csp_proc *const *v;       /* if not NULL: the handles (NULL entries are none) */
	int n;
};

static csp_proc *
at(const struct set *s, int i)
{
	return s->v != NULL ? s->v[i] : (csp_proc *)((char *)s->first + (size_t)i * s->stride);
}

static void
nap(int64_t *step, int64_t max)
{
	struct timespec ts = { 0, *step * 1000000 };

	nanosleep(&ts, NULL);
	if (*step < max)
		*step *= 2;
}

/* Ours to stop: started, not reaped, and still our child, so its pid is its own. */
static int
live(const csp_proc *p)
{
	siginfo_t si;

	if (p == NULL || p->pid <= 0 || p->status != -1)
		return 0;
	while (waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) == -1)
		if (errno != EINTR)
			return 0;  /* ECHILD: reaped by other means; the pid may be anyone's now */
	return 1;
}

static int
grouped(const csp_proc *p)
{
	return (p->flags & (CSP_SPAWN_PGROUP | CSP_SPAWN_SETSID)) != 0;
}

/* sig to p's group, or to p if it has none, and SIGCONT so a stopped one takes it. */
void
csp__signal(const csp_proc *p, int sig)
{
	pid_t to = -p->pid;

	if (!grouped(p) || kill(to, sig) == -1)
		kill(to = p->pid, sig);
	if (sig != SIGKILL && sig != SIGCONT && sig != 0)
		kill(to, SIGCONT);
}

/* Wait until p has exited, without reaping it: its pid (and group id) stay reserved. */
static void
exited(csp_proc *p, int64_t until)
{
	siginfo_t si;
	int64_t step = 1;

	if (p->pidfd == -1)
		p->pidfd = csp__pidfd(p->pid);
	if (p->pidfd != -1) {
		csp_wait_fd(p->pidfd, POLLIN, NULL, until);
		return;
	}
	for (;;) {  /* no pidfd (before Linux 5.3): look again, a little later each time */
		si.si_pid = 0;
		if (waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) == -1 &&
		    errno != EINTR)
			return;
		if (si.si_pid == p->pid || (until != CSP_FOREVER && csp_now() >= until))
			return;
		nap(&step, 50);
	}
}

static void
reap_any(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/*
 * A descendant whose parent died was reparented to us, the subreaper, before
 * that parent could be reaped: so every living descendant has an ancestor
 * among our children, and no child at all means no descendant at all.
 */
static int
has_children(void)
{
	siginfo_t si;

	si.si_pid = 0;
	return waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == 0 || errno != ECHILD;
}

/* Is d one of the set, or in the group of one? Those were signalled as the set. */
static int
in_set(const struct csp__pid *d, const struct set *s)
{
	pid_t g = -2;
	int i;

	for (i = 0; i < s->n; i++) {
		const csp_proc *p = at(s, i);

		if (p == NULL || p->pid <= 0 || p->status != -1)
			continue;
		if (d->pid == p->pid)
			return 1;
		if (grouped(p) && g == -2)
			g = getpgid(d->pid);  /* once, and only if some handle has a group */
		if (grouped(p) && g == p->pid)
			return 1;
	}
	return 0;
}

/* Add the children of every thread of pid to v; -1 once v is full. */
static int
children_of(pid_t pid, struct csp__pid *v, size_t *n, size_t max)
{
	char path[64], buf[4096], *p, *sp;
	struct dirent *de;
	size_t len;
	ssize_t k;
	DIR *dir;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if ((dir = opendir(path)) == NULL)
		return 0;  /* gone meanwhile */
	while (ret == 0 && (de = readdir(dir)) != NULL) {
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/children", (int)pid, de->d_name);
		if (de->d_name[0] == '.' || (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		/* "12 34 ": each pid ends with a blank; a part of one waits for the next read. */
		for (len = 0; ret == 0 && (k = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0;) {
			len += (size_t)k;
			for (p = buf; (sp = memchr(p, ' ', len - (size_t)(p - buf))) != NULL; p = sp + 1) {
				if (*n == max) {
					ret = -1;
					break;
				}
				v[*n].pid = (pid_t)strtol(p, NULL, 10);
				v[*n].ppid = pid;
				if (csp__started(v[*n].pid, &v[*n].start) == 0)
					++*n;
			}
			len -= (size_t)(p - buf);
			memmove(buf, p, len);
		}
		close(fd);
	}
	closedir(dir);
	return ret;
}

/*
 * The caller's descendants, live or zombie, breadth first from the lists of
 * children the kernel keeps: the cost of the tree, not of every process on
 * the machine. The full walk of /proc where there are no such lists, or
 * more descendants than v holds.
 */
static ssize_t
descendants(struct csp__pid *v)
{
	char path[64];
	size_t n = 0, i = 0;
	pid_t pid = getpid();

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	if (access(path, R_OK) == -1)
		return csp__descendants(pid, v, TREE_MAX);
	for (;;) {
		if (children_of(pid, v, &n, TREE_MAX) == -1)
			return csp__descendants(getpid(), v, TREE_MAX);
		if (i == n)
			return (ssize_t)n;
		pid = v[i++].pid;
	}
}

/* sig to every descendant but the set's; returns how many there were. */
static ssize_t
signal_tree(struct csp__pid *v, int sig, const struct set *s)
{
	ssize_t k, i;

	if ((k = descendants(v)) <= 0)
		return k;
	for (i = 0; i < k && i < TREE_MAX; i++)
		if (!in_set(&v[i], s))
			csp__signal_seen(&v[i], sig);
	return k;
}

/* Reap as they go until none is left or until passes; how many are left. */
static ssize_t
settle(struct csp__pid *v, int64_t until)
{
	int64_t step = 1;
	ssize_t k;

	for (;;) {
		reap_any();
		if (!has_children())
			return 0;  /* no child, so no descendant */
		if ((k = descendants(v)) <= 0 || (until != CSP_FOREVER && csp_now() >= until))
			return k;
		nap(&step, 32);
	}
}

/*
 * Every handle of s still ours gets sig and SIGCONT (its group, if it leads
 * one), with CSP__STOP_TREE every other descendant of the caller too; then
 * one grace of grace_ms (negative: no limit) for them all; then SIGKILL to
 * each handle's group, exited or not (its leader is not reaped yet, so the
 * id is still its own), and each is reaped, its status in its handle (with
 * CSP__STOP_UNREAPED: waited for, left for the caller to reap). With the
 * tree, the rest is reaped as it goes until the same deadline, then gets
 * SIGKILL every 100 ms until gone (5 s at most: then EBUSY). Handles that
 * are inert or reaped already are left alone. Returns how many processes
 * there were to stop (the tree's count with CSP__STOP_TREE), -1 with errno.
 */
static ssize_t
stop(const struct set *s, int sig, int64_t grace_ms, int flags)
{
	static const struct set none;
	struct csp__pid *v = NULL;
	int64_t until = csp_after(grace_ms);
	ssize_t found = 0, left = 0;
	int i, tries, err = 0;

	for (i = 0; i < s->n; i++) {
		if (live(at(s, i))) {
			csp__signal(at(s, i), sig);
			found++;
		}
	}
	if (flags & CSP__STOP_TREE) {
		if (s->n == 0)
			reap_any();  /* nothing of the caller's to keep unreaped */
		if (!has_children())
			flags &= ~CSP__STOP_TREE;  /* no child, so no descendant: skip /proc */
		else if ((v = malloc(TREE_MAX * sizeof(*v))) == NULL ||
		    (found = signal_tree(v, sig, s)) == -1) {
			err = errno;  /* the set is still stopped */
			flags &= ~CSP__STOP_TREE;
		}
	}
	for (i = 0; i < s->n; i++)
		if (live(at(s, i)))
			exited(at(s, i), until);
	for (i = 0; i < s->n; i++) {
		if (!live(at(s, i)))
			continue;
		csp__signal(at(s, i), SIGKILL);
		if (flags & CSP__STOP_UNREAPED)
			exited(at(s, i), CSP_FOREVER);
		else if (csp_proc_wait(at(s, i), NULL, CSP_FOREVER) == -1 && err == 0)
			err = errno;
	}
	if (flags & CSP__STOP_TREE) {
		left = settle(v, until);
		for (tries = 0; left > 0 && tries < KILL_TRIES; tries++) {
			signal_tree(v, SIGKILL, &none);
			left = settle(v, csp_after(KILL_EVERY_MS));
		}
		if (left > 0)
			err = EBUSY;  /* still there after 5 s of SIGKILL: stuck in the kernel */
		else if (left == -1 && err == 0)
			err = errno;
	}
	free(v);
	if (err != 0) {
		errno = err;
		return -1;
	}
	return found;
}

/* Stop n processes together: the handles first, and n-1 more each stride bytes further. */
ssize_t
csp__stop(csp_proc *first, size_t stride, int n, int sig, int64_t grace_ms, int flags)
{
	struct set s = { first, stride, NULL, n };

	return stop(&s, sig, grace_ms, flags);
}

/* The same for the n handles ps points to (NULL entries skipped): a caller's slots. */
ssize_t
csp__stopv(csp_proc *const *ps, int n, int sig, int64_t grace_ms, int flags)
{
	struct set s = { NULL, 0, ps, n };

	return stop(&s, sig, grace_ms, flags);
}

/*
 * Cancel a child that cannot poll: sig (SIGTERM) to it or its group, a grace
 * period, SIGKILL, then reap. Returns its status.
 */
int
csp_proc_stop(csp_proc *p, int sig, int64_t grace_ms)
{
	if (p->status != -1)
		return p->status;
	if (p->pid <= 0) {
		errno = ECHILD;  /* a failed start's handle, or one never filled */
		return -1;
	}
	if (!live(p))
		return -1;
	return csp__stop(p, 0, 1, sig, grace_ms, 0) == -1 ? -1 : p->status;
}

/*
 * Stop every descendant of the calling process: sig (SIGTERM), a grace
 * period, then SIGKILL, reaping every child as they go (the caller's own
 * included: reap what you need the status of first). Returns how many
 * processes there were to stop, -1 with errno.
 */
ssize_t
csp_stop_tree(int sig, int64_t grace_ms)
{
	return csp__stop(NULL, 0, 0, sig, grace_ms, CSP__STOP_TREE);
}
