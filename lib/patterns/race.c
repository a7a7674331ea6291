/*
 * race.c: the or-channel over commands (Go's first-response-wins, replicated
 * requests). Every command runs at once, its stdout read into a buffer of
 * its own so none ever blocks on us; the first to finish wins and its
 * output goes out whole; the others are stopped, trees and all, and reaped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/impl.h"

#define RACE_READ (64 * 1024)     /* free room before each read of a command's output */
#define RACE_NOPIDFD_MS 10        /* without pidfds, look at the children this often */

struct runner {
	csp_proc proc;
	int from;                 /* our end of its stdout; -1 once closed */
	char *buf;                /* what it wrote so far */
	size_t len, cap;
};

/* sh -c cmd in a group of its own: stdin /dev/null, stdout a pipe to us, CSP_REPLICA=index. */
static int
start(struct runner *r, const char *cmd, int index, int null)
{
	char *argv[] = { "/bin/sh", "-c", (char *)cmd, NULL }, val[16];
	int out[2], fds[3] = { null, -1, -1 };

	if (csp__pipe(out, 0) == -1)
		return -1;
	fds[1] = out[1];
	snprintf(val, sizeof(val), "%d", index);
	if (setenv("CSP_REPLICA", val, 1) == -1 ||
	    csp_spawn(&r->proc, argv, fds, CSP_SPAWN_PGROUP) == -1) {
		csp__close_pair(out);
		return -1;
	}
	close(out[1]);
	r->from = out[0];
	r->proc.pidfd = csp__pidfd(r->proc.pid);  /* its exit wakes our poll */
	return fcntl(r->from, F_SETFL, O_NONBLOCK);
}

/* Read all it has written so far; at EOF stop reading. -1 only for a real error. */
static int
drain(struct runner *r)
{
	ssize_t k;

	while (r->from != -1) {
		if (csp__grow(&r->buf, &r->cap, r->len + RACE_READ) == -1)
			return -1;
		k = read(r->from, r->buf + r->len, r->cap - r->len);
		if (k > 0)
			r->len += (size_t)k;
		else if (k == 0)
			csp__close(&r->from);
		else if (errno == EAGAIN)
			return 0;
		else if (errno != EINTR)
			return -1;
	}
	return 0;
}

/*
 * Has it exited? Its status, or -1 while it runs. It is left unreaped, so
 * its process group id stays its own until its group has been signalled.
 */
static int
exited(struct runner *r)
{
	siginfo_t si;

	si.si_pid = 0;
	if (waitid(P_PID, (id_t)r->proc.pid, &si, WEXITED | WNOHANG | WNOWAIT) == -1 ||
	    si.si_pid != r->proc.pid)
		return -1;
	return si.si_code == CLD_EXITED ? si.si_status : CSP_EXIT_SIGNAL + si.si_status;
}

/*
 * Stop every command's group, the winner's too (what it left running), and
 * whatever else descends from us, setsid() escapers included: one stop.
 */
static int
stop_all(struct runner *rs, int n, int64_t grace_ms)
{
	int saved = errno, i;

	for (i = 0; i < n; i++)
		csp__close(&rs[i].from);
	if (csp__stop(&rs[0].proc, sizeof(*rs), n, SIGTERM, grace_ms, CSP__STOP_TREE) == -1)
		return -1;
	errno = saved;
	return 0;
}

/* Put CSP_REPLICA back as the caller had it. */
static void
restore_env(char *old)
{
	int saved = errno;

	if (old != NULL)
		setenv("CSP_REPLICA", old, 1);
	else
		unsetenv("CSP_REPLICA");
	free(old);
	errno = saved;
}

/*
 * Run every cmds[i].cmd at once; the first to exit wins (with
 * CSP_RACE_SUCCESS, the first to exit 0; if none does, the last to fail).
 * The rest are stopped (SIGTERM, grace_ms, SIGKILL) with every process they
 * or the winner left, all reaped; then the winner's output goes to out.
 * Returns the winner's index, its status in cmds[i].status; -1 with errno
 * (ECANCELED: done fired; EPIPE: out's reader went away), everything stopped.
 */
int
csp_race(csp_wr *out, csp_race_cmd *cmds, int n, int flags, int64_t grace_ms,
         const csp_done *done)
{
	struct runner *rs;
	struct pollfd *pfd;
	int i, r, null = -1, left = n, win = -1, last = -1, ret = -1, polling, env = 0;
	char *old = getenv("CSP_REPLICA");

	if (n <= 0) {
		errno = EINVAL;
		return -1;
	}
	if (old != NULL && (old = strdup(old)) == NULL)
		return -1;
	csp__nosigpipe();  /* out's reader gone is EPIPE from write, not our death */
	rs = calloc((size_t)n, sizeof(*rs));
	pfd = calloc((size_t)(CSP_DONE_DEPTH + 2 * n), sizeof(*pfd));
	if (rs == NULL || pfd == NULL ||
	    (null = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		rs[i].from = -1;
		rs[i].proc.pid = -1;
		rs[i].proc.pidfd = -1;
		rs[i].proc.status = -1;
		cmds[i].status = -1;
	}
	env = 1;  /* CSP_REPLICA is ours until restored */
	for (i = 0; i < n; i++)
		if (start(&rs[i], cmds[i].cmd, i, null) == -1)
			goto fail;
	restore_env(old);
	old = NULL;
	env = 0;
	csp__close(&null);

	while (win == -1) {
		polling = 0;
		for (i = 0; i < n; i++) {
			pfd[2 * i].fd = rs[i].from;
			pfd[2 * i].events = POLLIN;
			pfd[2 * i + 1].fd = cmds[i].status == -1 ? rs[i].proc.pidfd : -1;
			pfd[2 * i + 1].events = POLLIN;
			polling |= cmds[i].status == -1 && rs[i].proc.pidfd == -1;
		}
		if (csp__react(pfd, 2 * n, done, polling ? csp_after(RACE_NOPIDFD_MS) :
		    CSP_FOREVER, 0) == -1)
			goto fail;
		for (i = 0; i < n; i++) {
			if (pfd[2 * i].revents != 0 && drain(&rs[i]) == -1)
				goto fail;
			if (cmds[i].status != -1 || (pfd[2 * i + 1].revents == 0 &&
			    rs[i].proc.pidfd != -1) || (cmds[i].status = exited(&rs[i])) == -1)
				continue;
			/* It exited: what it wrote before is in the pipe now. */
			if (drain(&rs[i]) == -1)
				goto fail;
			csp__close(&rs[i].from);
			left--;
			if (!(flags & CSP_RACE_SUCCESS) || cmds[i].status == 0) {
				win = i;
				break;
			}
			if (last != -1) {
				free(rs[last].buf);  /* a failure's output counts only if it is the last */
				rs[last].buf = NULL;
				rs[last].len = 0;
			}
			last = i;
			if (left == 0)
				win = last;
		}
	}
	if (stop_all(rs, n, grace_ms) == -1)
		goto out;
	if (csp_wr_put(out, rs[win].buf, rs[win].len, done) == -1 ||
	    csp_wr_flush(out, done) == -1)
		goto out;
	ret = win;
	goto out;
fail:
	r = errno;
	stop_all(rs, n, grace_ms);
	errno = r;
out:
	r = errno;
	if (env)
		restore_env(old);
	else
		free(old);
	if (null != -1)
		close(null);
	for (i = 0; rs != NULL && i < n; i++) {
		csp__close(&rs[i].from);
		free(rs[i].buf);
	}
	free(rs);
	free(pfd);
	errno = r;
	return ret;
}
