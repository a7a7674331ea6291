/*
 * group.c: Go's errgroup for shell commands. Each runs as /bin/sh -c in a
 * process group of its own; at most limit at once; the first failure stops
 * the ones running (TERM to every group at once, one grace, KILL) and starts
 * no more.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/impl.h"

#define GROUP_NOPIDFD_MS 10       /* how often to look when a pidfd cannot be had */
#define REAP_EVERY_MS 1000        /* a subreaper's adopted orphans are reaped this often */

struct group {
	csp_group_cmd *cmds;
	csp_proc *procs;
	int *run;                 /* indices of the commands running */
	pid_t *pids;              /* their pids, for telling adopted orphans from them */
	int n, nrun;              /* commands in all; running */
	struct pollfd *pfd;       /* one per running command, then room for the done's */
};

/* 0 running; -1 it could not start (its status and err say why). */
static int
start(struct group *g, int i, int devnull)
{
	/* /bin/sh as system(3) runs it: no search of PATH on every start. */
	char *argv[] = { "/bin/sh", "-c", (char *)g->cmds[i].cmd, NULL };
	int fds[3] = { devnull, -1, -1 };
	csp_proc *p = &g->procs[i];

	if (csp_spawn(p, argv, fds, CSP_SPAWN_PGROUP) == -1) {
		g->cmds[i].err = errno;
		g->cmds[i].status = csp_exec_status(errno);
		return -1;
	}
	p->pidfd = csp__pidfd(p->pid);  /* -1 on an old kernel: then we look every few ms */
	g->run[g->nrun++] = i;
	return 0;
}

/*
 * Reap the running commands that have exited: those the reactor marked in
 * ready (a pollfd per running command; all without a pidfd). Returns
 * the first that failed by itself, or -1; *err is a wait's errno, or 0.
 */
static int
reap_exited(struct group *g, const struct pollfd *ready, int *err)
{
	int k, i, st, failed = -1;

	*err = 0;
	/* From the end, so the swap below only moves what was already looked at. */
	for (k = g->nrun - 1; k >= 0; k--) {
		i = g->run[k];
		if (ready[k].fd != -1 && ready[k].revents == 0)
			continue;
		st = csp_proc_wait(&g->procs[i], NULL, CSP_NOW);
		if (st == -1) {
			if (errno != ETIMEDOUT)
				*err = errno;
			continue;
		}
		g->cmds[i].status = st;
		if (st != 0 && !g->cmds[i].stopped && (failed == -1 || i < failed))
			failed = i;  /* of several that ended together, the first listed */
		g->run[k] = g->run[--g->nrun];
	}
	return failed;
}

/*
 * Wait until a running command exits, done fires or until passes: 0, or -1
 * with errno (ECANCELED: done). g->pfd has a pollfd per running command.
 */
static int
wait_any(struct group *g, const csp_done *done, int64_t until)
{
	int k, poll_all = 0;

	for (k = 0; k < g->nrun; k++) {
		g->pfd[k].fd = g->procs[g->run[k]].pidfd;
		g->pfd[k].events = POLLIN;
		poll_all |= g->pfd[k].fd == -1;
	}
	if (poll_all)
		until = csp__min_deadline(until, csp_after(GROUP_NOPIDFD_MS));
	return csp__react(g->pfd, g->nrun, done, until, 0) == -1 ? -1 : 0;
}

/* Cancel: the running ones stopped together (TERM and CONT to each group, one grace, KILL), reaped. */
static int
stop_running(struct group *g, int64_t grace_ms)
{
	int k, r;

	for (k = 0; k < g->nrun; k++)
		g->cmds[g->run[k]].stopped = 1;
	/* Those not running are reaped or never started: the stop passes them over. */
	r = csp__stop(g->procs, sizeof(*g->procs), g->n, SIGTERM, grace_ms, 0);
	for (k = 0; k < g->nrun; k++)
		g->cmds[g->run[k]].status = g->procs[g->run[k]].status;
	g->nrun = 0;
	return r == -1 ? -1 : 0;
}

/*
 * Run cmds[0..n) as sh -c, at most limit at once (0: all at once), in
 * order of start. The first to fail (non-zero status, death by a signal, or
 * a failed start) stops the others, and none starts after it. Returns 0 once
 * none is left running, *failed the index of the first failure or -1; -1
 * with errno (ECANCELED: done fired) after stopping and reaping them all.
 */
int
csp_group(csp_group_cmd *cmds, int n, int limit, int64_t grace_ms, int *failed,
          const csp_done *done)
{
	struct group g = { cmds, NULL, NULL, NULL, n, 0, NULL };
	int i, k, next = 0, devnull, ret = -1, err, f;
	int64_t reap_at = csp_after(REAP_EVERY_MS);

	*failed = -1;
	for (i = 0; i < n; i++) {
		cmds[i].status = -1;
		cmds[i].err = 0;
		cmds[i].stopped = 0;
	}
	if (limit <= 0 || limit > n)
		limit = n;
	if ((devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	g.procs = calloc((size_t)n + 1, sizeof(*g.procs));
	g.run = calloc((size_t)limit + 1, sizeof(*g.run));
	g.pids = calloc((size_t)limit + 1, sizeof(*g.pids));
	g.pfd = calloc((size_t)limit + CSP_DONE_DEPTH, sizeof(*g.pfd));
	if (g.procs == NULL || g.run == NULL || g.pids == NULL || g.pfd == NULL)
		goto out;
	if (done != NULL && csp_done_err((csp_done *)done) != 0) {
		errno = ECANCELED;
		goto out;
	}
	for (;;) {
		while (*failed == -1 && g.nrun < limit && next < n) {
			if (start(&g, next, devnull) == -1)
				*failed = next;
			next++;
		}
		if (*failed != -1 || g.nrun == 0)
			break;
		if (wait_any(&g, done, reap_at) == -1)
			goto fail;
		f = reap_exited(&g, g.pfd, &err);
		if (err != 0) {
			errno = err;
			goto fail;
		}
		if (f != -1)
			*failed = f;
		if (csp_now() >= reap_at) {
			for (k = 0; k < g.nrun; k++)
				g.pids[k] = g.procs[g.run[k]].pid;
			csp__reap_orphans(g.pids, g.nrun);
			reap_at = csp_after(REAP_EVERY_MS);
		}
	}
	if (stop_running(&g, grace_ms) == -1)
		goto out;
	ret = 0;
	goto out;
fail:
	err = errno;
	stop_running(&g, grace_ms);
	errno = err;
out:
	err = errno;
	close(devnull);
	free(g.procs);
	free(g.run);
	free(g.pids);
	free(g.pfd);
	errno = err;
	return ret;
}
