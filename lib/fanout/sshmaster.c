/* sshmaster.c: a host's ControlMaster: opened, watched, asked its CPUs, closed; ssh runs over it. */
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

/* ssh's words, then these, then login and a command line (NULL: none). */
int
csp__ssh_argv(csp_hosts *h, char **av, int host, const char *const *more, const char *cmd)
{
	int n = 0, i;

	for (i = 0; i < h->nssh; i++)
		av[n++] = h->ssh[i];
	for (i = 0; more != NULL && more[i] != NULL; i++)
		av[n++] = (char *)more[i];
	av[n++] = h->host[host].name;
	if (cmd != NULL)
		av[n++] = (char *)cmd;
	av[n] = NULL;
	return n;
}

/* A remote script's run over the master, waited for: its status, or -1. in, out: -1 none. */
int
csp__ssh_remote(csp_hosts *h, int host, const char *line, int in, int out)
{
	char ctl[PATH_MAX + 16], *av[CSP__SSH_WORDS];
	const char *more[] = { "-T", "-o", ctl, "-o", "ControlMaster=no", NULL };
	int fds[3] = { in, out, -1 }, nul = -1, r = -1;
	csp_proc p;

	/* Never our stdin (the records) nor our stdout (the jobs' output). */
	if ((in == -1 || out == -1) && (nul = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		return -1;
	fds[0] = in != -1 ? in : nul;
	fds[1] = out != -1 ? out : nul;
	snprintf(ctl, sizeof(ctl), "ControlPath=%s", h->host[host].ctl);
	csp__ssh_argv(h, av, host, more, line);
	if (csp_spawn(&p, av, fds, CSP_SPAWN_PGROUP) == 0 &&
	    csp_proc_wait(&p, NULL, CSP_FOREVER) == 0)
		r = p.status;
	if (nul != -1)
		close(nul);
	return r;
}

void
csp__ssh_down(csp_hosts *h, int i, const char *why)
{
	struct csp__host *c = &h->host[i];
	int ws;

	if (c->down)
		return;
	c->down = 1;
	if (c->master > 0) {
		kill(c->master, SIGTERM);
		while (waitpid(c->master, &ws, 0) == -1 && errno == EINTR)
			;
		c->master = 0;
	}
	if (h->o.down != NULL)
		h->o.down(c->name, why, h->o.arg);
}

/* The master still serves: 0 once it has exited (it is reaped then). */
int
csp__ssh_alive(struct csp__host *c)
{
	int ws;
	pid_t r;

	if (c->master <= 0)
		return 0;
	while ((r = waitpid(c->master, &ws, WNOHANG)) == -1 && errno == EINTR)
		;
	if (r == 0)
		return 1;
	c->master = 0;
	return 0;
}

/* Sleep ms, or less when done fires: -1 ECANCELED then. */
int
csp__ssh_nap(int64_t ms, const csp_done *done)
{
	struct pollfd pfd[CSP_DONE_DEPTH + 1];

	return csp__react(pfd, 0, done, csp_after(ms), 0) == -1 && errno == ECANCELED ? -1 : 0;
}

/* Host only's master (-1: of every host whose slots are still to be asked), all at once,
 * then wait until each has its socket or has failed (told to o.down). -1 ECANCELED too. */
int
csp__ssh_masters(csp_hosts *h, int only)
{
	char ctl[PATH_MAX + 16], *av[CSP__SSH_WORDS];
	const char *more[] = { "-M", "-N", "-T", "-o", ctl, "-o", "ControlPersist=no", NULL };
	int64_t until = csp_after(CSP__MASTER_WAIT_MS);
	int i, waiting, fds[3] = { -1, -1, -1 }, nul;
	struct stat st;
	csp_proc p;

	if ((nul = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		return -1;
	fds[0] = fds[1] = nul;
	for (i = 0; i < h->nhost; i++) {
		struct csp__host *c = &h->host[i];

		if (c->local || c->down || c->opened || (only == -1 ? c->slots != 0 : i != only))
			continue;
		free(c->ctl);
		if (asprintf(&c->ctl, "%s/%d", h->dir, i) == -1) {
			c->ctl = NULL;
			close(nul);
			return -1;
		}
		snprintf(ctl, sizeof(ctl), "ControlPath=%s", c->ctl);
		csp__ssh_argv(h, av, i, more, NULL);
		if (csp_spawn(&p, av, fds, CSP_SPAWN_PGROUP) == -1) {
			close(nul);
			return -1;
		}
		c->master = p.pid;
		c->opened = 2;  /* waited for below */
	}
	close(nul);
	do {
		waiting = 0;
		for (i = 0; i < h->nhost; i++) {
			struct csp__host *c = &h->host[i];

			if (c->opened != 2 || c->down)
				continue;
			if (stat(c->ctl, &st) == 0 && S_ISSOCK(st.st_mode))
				c->opened = 1;
			else if (!csp__ssh_alive(c))
				csp__ssh_down(h, i, "cannot connect");
			else if (csp_now() >= until)
				csp__ssh_down(h, i, "no connection in time");
			else
				waiting = 1;
		}
	} while (waiting && csp__ssh_nap(10, h->done) == 0);
	return waiting ? -1 : 0;
}

/* Slots for the hosts that have none yet: -j's, this machine's CPUs, or asked there. */
int
csp__ssh_sizes(csp_hosts *h)
{
	int i, ask = 0;

	for (i = 0; i < h->nhost; i++) {
		struct csp__host *c = &h->host[i];

		if (c->down || c->slots != 0)
			continue;
		if (h->o.slots > 0 || c->local)
			c->slots = h->o.slots > 0 ? h->o.slots : sysconf(_SC_NPROCESSORS_ONLN);
		else
			ask = 1;
	}
	if (ask && csp__ssh_masters(h, -1) == -1)
		return -1;
	for (i = 0; i < h->nhost; i++) {
		struct csp__host *c = &h->host[i];

		if (c->down || c->slots != 0)
			continue;
		if ((c->slots = csp__ssh_cpus(h, i)) <= 0) {
			c->slots = 0;
			csp__ssh_down(h, i, "cannot run a command there");
		}
	}
	return 0;
}

/* Its master closed and its socket gone: opened again for a job to come. */
void
csp__ssh_close(csp_hosts *h, int i)
{
	struct csp__host *c = &h->host[i];
	int ws;

	if (c->master > 0) {
		kill(c->master, SIGTERM);
		while (waitpid(c->master, &ws, 0) == -1 && errno == EINTR)
			;
		c->master = 0;
	}
	if (c->ctl != NULL)
		unlink(c->ctl);
	free(c->ctl);
	c->ctl = NULL;
	c->opened = c->ready = 0;
}

/* A host's CPUs, asked once: a positive count, or 1 when the answer is odd. */
long
csp__ssh_cpus(csp_hosts *h, int i)
{
	static const char script[] =
	    "getconf _NPROCESSORS_ONLN 2>/dev/null || nproc 2>/dev/null || echo 1";
	char buf[32], *line;
	int pfd[2], st;
	ssize_t n, k = 0;
	long v;

	if ((line = csp__ssh_line(script, "csp-cpus", NULL, 0, NULL)) == NULL ||
	    csp__pipe(pfd, 0) == -1) {
		free(line);
		return -1;
	}
	st = csp__ssh_remote(h, i, line, -1, pfd[1]);
	close(pfd[1]);
	while (k < (ssize_t)sizeof(buf) - 1 &&
	       ((n = read(pfd[0], buf + k, sizeof(buf) - 1 - (size_t)k)) > 0 ||
	        (n == -1 && errno == EINTR)))
		k += n > 0 ? n : 0;
	close(pfd[0]);
	free(line);
	if (st != 0)
		return 0;
	buf[k] = '\0';
	v = strtol(buf, NULL, 10);
	return v > 0 && v <= 100000 ? v : 1;
}
