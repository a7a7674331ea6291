/*
 * ssh.c: jobs on other machines through the system's OpenSSH client. One
 * ControlMaster a host, its socket in a private directory; each remote job
 * is a local job whose command is ssh over that master, running the job
 * under the wrapper of sshcmd.c. The pool, output, -k, joblog and --halt
 * stay the local ones.
 */
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

#define DOWN_CHECK_MS 300         /* after ssh's 255: this long for a dying master to show */

csp_hosts *
csp_hosts_new(const csp_hosts_opt *opt)
{
	csp_hosts *h = calloc(1, sizeof(*h));
	char *p, *w;

	if (h == NULL)
		return NULL;
	h->o = *opt;
	if ((h->sshbuf = strdup(opt->ssh != NULL ? opt->ssh : "ssh")) == NULL)
		goto fail;
	for (p = h->sshbuf; (w = strsep(&p, " \t")) != NULL;)
		if (*w != '\0' && h->nssh < CSP__SSH_WORDS - 12)
			h->ssh[h->nssh++] = w;
	if (h->nssh == 0) {
		errno = EINVAL;
		goto fail;
	}
	return h;
fail:
	free(h->sshbuf);
	free(h);
	return NULL;
}

int
csp_hosts_add(csp_hosts *h, const char *logins)
{
	return csp__hosts_parse(&h->host, &h->nhost, logins);
}

/* --slf: a login a line, blank lines and # comments skipped; the file kept, to be re-read. */
int
csp_hosts_file(csp_hosts *h, const char *path)
{
	struct csp__slf *v;
	int i, from = h->nhost;

	if ((v = realloc(h->slf, (size_t)(h->nslf + 1) * sizeof(*v))) == NULL)
		return -1;
	h->slf = v;
	if ((v[h->nslf].path = strdup(path)) == NULL)
		return -1;
	if (csp__hosts_read(path, &h->host, &h->nhost, &v[h->nslf].st) == -1) {
		free(v[h->nslf].path);
		return -1;
	}
	h->nslf++;
	for (i = from; i < h->nhost; i++)
		h->host[i].file = 1;
	return 0;
}

/*
 * Ready to run (the ControlPath directory made), the CPU count asked of the
 * hosts with no N/ (their masters opened for it). Every other master opens
 * lazily, for its host's first job, and sends the --basefile files then.
 * Hosts that cannot be reached are told to o.down and left out. The slots in
 * all, or -1: EHOSTDOWN when no host is left, ECANCELED when done fired, or
 * the failed call's errno. done is kept: the masters opened later wait on it.
 */
long
csp_hosts_start(csp_hosts *h, const csp_done *done)
{
	const char *tmp = getenv("TMPDIR");
	long total = 0;
	int i, k;

	if (h->nhost == 0) {
		errno = EINVAL;
		return -1;
	}
	h->done = done;
	/* The variables --env names, as they are here now. */
	if ((h->envw = calloc((size_t)csp__ssh_count(h->o.env) + 1, sizeof(char *))) == NULL)
		return -1;
	for (k = 0; k < csp__ssh_count(h->o.env); k++) {
		const char *v = getenv(h->o.env[k]);

		if (v != NULL && asprintf(&h->envw[h->nenv++], "%s=%s", h->o.env[k], v) == -1)
			return -1;
	}
	if (snprintf(h->dir, sizeof(h->dir), "%s/cspssh.XXXXXX",
	             tmp != NULL && *tmp != '\0' && strlen(tmp) < 60 ? tmp : "/tmp") >= 80 ||
	    mkdtemp(h->dir) == NULL) {
		h->dir[0] = '\0';
		return -1;
	}
	if (csp__ssh_sizes(h) == -1)
		return -1;
	for (i = 0; i < h->nhost; i++)
		if (!h->host[i].down)
			total += h->host[i].slots;
	if (total == 0) {
		errno = EHOSTDOWN;
		return -1;
	}
	h->slf_next = csp_after(CSP__SLF_EVERY_MS);
	return total;
}

/* Every master closed, the --basefile files removed with --cleanup, the directory gone. */
void
csp_hosts_free(csp_hosts *h)
{
	int i, ws, e = errno;

	if (h == NULL)
		return;
	for (i = 0; i < h->nhost; i++) {
		csp__hosts_close(h, i);
		free(h->host[i].name);
	}
	if (h->dir[0] != '\0')
		rmdir(h->dir);
	for (i = 0; i < h->nslot; i++) {
		if (h->slot[i].feeder > 0) {
			kill(h->slot[i].feeder, SIGKILL);
			while (waitpid(h->slot[i].feeder, &ws, 0) == -1 && errno == EINTR)
				;
		}
		if (h->slot[i].hold != -1)
			close(h->slot[i].hold);
		if (h->slot[i].rd != -1)
			close(h->slot[i].rd);
		free(h->slot[i].argv);
		free(h->slot[i].line);
	}
	for (i = 0; i < h->nenv; i++)
		free(h->envw[i]);
	for (i = 0; i < h->nslf; i++)
		free(h->slf[i].path);
	free(h->slf);
	free(h->envw);
	free(h->slot);
	free(h->host);
	free(h->sshbuf);
	free(h);
	errno = e;
}

/* ---- the hooks fanout.c calls ---- */

int
csp__hosts_room(csp_hosts *h)
{
	int i;

	for (i = 0; i < h->nhost; i++)
		if (!h->host[i].down && !h->host[i].removed && h->host[i].used < h->host[i].slots)
			return 1;
	return 0;
}

/* The host with a free slot, else the least loaded one up (a job to run again). */
static int
pick(csp_hosts *h)
{
	int i, best = -1;

	for (i = 0; i < h->nhost; i++) {
		struct csp__host *c = &h->host[i];

		if (c->down || c->removed)
			continue;
		if (c->used < c->slots)
			return i;
		if (best == -1 || c->used * h->host[best].slots < h->host[best].used * c->slots)
			best = i;
	}
	return best;
}

/*
 * Host i's master, opened for its first job, and its --basefile files sent:
 * 0 ready, 1 it cannot be (it is down: another host takes the job), -1 error.
 */
static int
ready(csp_hosts *h, int i)
{
	struct csp__host *c = &h->host[i];
	int k;

	if (c->local || c->ready)
		return 0;
	if (!c->opened && csp__ssh_masters(h, i) == -1)
		return -1;
	if (c->down)
		return 1;
	if (!csp__ssh_alive(c)) {
		csp__ssh_down(h, i, "connection lost");
		return 1;
	}
	for (k = 0; k < csp__ssh_count(h->o.base); k++)
		if (csp__ssh_put(h, i, h->o.base[k]) == -1) {
			csp__ssh_down(h, i, "cannot send a --basefile there");
			return 1;
		}
	c->ready = 1;
	return 0;
}

static struct csp__slot *
slot_get(csp_hosts *h, int n)
{
	struct csp__slot *s;
	int i;

	if (n > h->nslot) {
		if ((s = realloc(h->slot, (size_t)n * sizeof(*s))) == NULL)
			return NULL;
		for (i = h->nslot; i < n; i++) {
			s[i].host = -1;
			s[i].hold = s[i].rd = -1;
			s[i].argv = NULL;
			s[i].line = NULL;
			s[i].feeder = 0;
			s[i].ready = 0;
		}
		h->slot = s;
		h->nslot = n;
	}
	return &h->slot[n - 1];
}

int
csp__hosts_job(csp_hosts *h, csp_fanout_job *job, char *const **argv, int *in,
               const csp__repl *r, int pipe)
{
	struct csp__slot *s = slot_get(h, job->slot);
	char ctl[PATH_MAX + 16], **pre, **files = NULL, mode[32];
	const char *more[] = { "-T", "-o", ctl, "-o", "ControlMaster=no", NULL };
	int host, i, np = 0, fds[2], up;
	struct stat st = { 0 };

	if (s == NULL)
		return -1;
	do {
		if ((host = pick(h)) == -1) {
			errno = EHOSTDOWN;
			return -1;
		}
		if ((up = ready(h, host)) == -1)
			return -1;
	} while (up == 1);
	s->host = host;
	h->host[host].used++;
	job->host = h->host[host].name;
	if (h->host[host].local)
		return 0;
	s->ready = csp__ssh_alive(&h->host[host]);  /* else its 255 is a start that never was */
	/* --transferfile: sent before the job starts. */
	if (h->o.transfer != NULL) {
		if ((files = csp__ssh_names(h->o.transfer, r)) == NULL)
			return -1;
		for (i = 0; files[i] != NULL; i++)
			if (csp__ssh_put(h, host, files[i]) == -1)
				break;  /* the job runs anyway, and says what it misses */
		csp__ssh_names_free(files);
	}
	if (pipe && fstat(*in, &st) == -1)
		return -1;
	snprintf(mode, sizeof(mode), "%lld", (long long)st.st_size);
	if ((pre = calloc((size_t)h->nenv + 4, sizeof(char *))) == NULL)
		return -1;
	pre[np++] = pipe ? mode : "r";
	pre[np++] = (char *)(h->o.workdir != NULL ? h->o.workdir : "");
	for (i = 0; i < h->nenv; i++)
		pre[np++] = h->envw[i];
	pre[np++] = "--";
	free(s->line);
	s->line = csp__ssh_line(csp__ssh_wrapper, "csp-job", pre, np, *argv);
	free(pre);
	free(s->argv);
	s->argv = calloc(CSP__SSH_WORDS, sizeof(char *));
	if (s->line == NULL || s->argv == NULL)
		return -1;
	snprintf(ctl, sizeof(ctl), "ControlPath=%s", h->host[host].ctl);
	csp__ssh_argv(h, s->argv, host, more, s->line);
	/* ssh's stdin a pipe we hold, whose EOF tells the wrapper to stop the job; --pipe: the
	 * block first, copied in by a cat of ours. */
	if (csp__pipe(fds, 0) == -1)
		return -1;
	s->rd = fds[0];
	s->hold = fds[1];
	if (pipe) {
		static char *cat[] = { "cat", NULL };
		int ffds[3] = { *in, fds[1], -1 };
		csp_proc fp;

		if (csp_spawn(&fp, cat, ffds, CSP_SPAWN_PGROUP) == -1)
			return -1;
		s->feeder = fp.pid;
	}
	*in = fds[0];
	*argv = s->argv;
	return 0;
}

/*
 * The job ended (reaped): its place given back, the pipe let go, --return
 * fetched and --cleanup done; ssh's 255 is the host's failure only when its
 * master has gone, and 129-192 are taken as the signal a POSIX shell reports.
 */
int
csp__hosts_end(csp_hosts *h, csp_fanout_job *job)
{
	struct csp__slot *s = job->slot <= h->nslot ? &h->slot[job->slot - 1] : NULL;
	struct csp__host *c;
	char **files, **back;
	int64_t until;
	int i, nf, nb;

	if (s == NULL || s->host == -1)
		return 0;
	c = &h->host[s->host];
	c->used--;
	s->host = -1;
	if (s->hold != -1)
		close(s->hold);
	if (s->rd != -1)
		close(s->rd);
	s->hold = s->rd = -1;
	if (s->feeder > 0) {
		int ws;

		kill(s->feeder, SIGKILL);  /* a block the job did not take */
		while (waitpid(s->feeder, &ws, 0) == -1 && errno == EINTR)
			;
		s->feeder = 0;
	}
	if (c->local || job->err != 0)
		return 0;
	if (job->sig == 0 && job->status == 255) {
		until = csp_after(DOWN_CHECK_MS);
		while (csp__ssh_alive(c) && csp_now() < until)
			csp__ssh_nap(10, NULL);
		if (!csp__ssh_alive(c)) {
			csp__ssh_down(h, (int)(c - h->host), "connection lost");
			return s->ready ? CSP__HOST_LOST : CSP__HOST_UNSTARTED;
		}
	}
	if (job->sig == 0 && job->status > 128 && job->status <= 128 + 64)
		job->sig = job->status - 128;
	if (h->o.ret == NULL && !(h->o.cleanup && h->o.transfer != NULL))
		return 0;
	{
		csp__repl r = { NULL, 0, job->seq, job->slot, 0, NULL, NULL, 0, 0 };
		csp__arg a = { job->rec, job->len };

		r.args = &a;
		r.nargs = 1;
		files = csp__ssh_names(h->o.transfer, &r);
		back = csp__ssh_names(h->o.ret, &r);
	}
	if (files == NULL || back == NULL) {
		csp__ssh_names_free(files);
		csp__ssh_names_free(back);
		return -1;
	}
	for (i = 0; back[i] != NULL; i++)
		csp__ssh_get(h, (int)(c - h->host), back[i]);  /* a file the job did not make is not fetched */
	nf = csp__ssh_count(files);
	nb = csp__ssh_count(back);
	if (h->o.cleanup && nf + nb > 0) {
		char **all = calloc((size_t)(nf + nb + 1), sizeof(char *));

		if (all != NULL) {
			memcpy(all, files, (size_t)nf * sizeof(char *));
			memcpy(all + nf, back, (size_t)nb * sizeof(char *));
			csp__ssh_rm(h, (int)(c - h->host), all, nf + nb);
			free(all);
		}
	}
	csp__ssh_names_free(files);
	csp__ssh_names_free(back);
	return 0;
}
