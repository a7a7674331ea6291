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

#define SSH_WORDS_MAX 64
#define MASTER_WAIT_MS 60000      /* ssh's own ConnectTimeout should end it sooner */
#define DOWN_CHECK_MS 300         /* after ssh's 255: this long for a dying master to show */

struct slot {
	int host;                 /* where its job runs; -1: none */
	int hold;                 /* our end of its ssh's stdin, held open while it runs */
	int rd;                   /* the other end, for the child */
	char **argv;              /* the ssh command line */
	char *line;
	pid_t feeder;             /* --pipe: the cat that copies the block into hold's pipe */
};

struct csp_hosts {
	csp_hosts_opt o;
	char *sshbuf;
	char *ssh[SSH_WORDS_MAX];
	int nssh;
	struct csp__host *host;
	int nhost;
	struct slot *slot;
	int nslot;
	char dir[PATH_MAX];       /* the ControlPaths' directory; "" until made */
	char **envw;              /* NAME=VALUE for each --env */
	int nenv;
};

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
		if (*w != '\0' && h->nssh < SSH_WORDS_MAX - 12)
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

/* --slf: a login a line; blank lines and # comments skipped. */
int
csp_hosts_file(csp_hosts *h, const char *path)
{
	FILE *f = fopen(path, "re");
	char *l = NULL;
	size_t cap = 0;
	ssize_t n;
	int r = 0, e;

	if (f == NULL)
		return -1;
	while (r == 0 && (n = getline(&l, &cap, f)) != -1) {
		l[strcspn(l, "#\r\n")] = '\0';
		if (l[strspn(l, " \t")] != '\0')
			r = csp__hosts_parse(&h->host, &h->nhost, l + strspn(l, " \t"));
	}
	e = errno;
	if (ferror(f))
		r = -1;
	free(l);
	fclose(f);
	errno = e;
	return r;
}

/* ssh's words, then these, then login and a command line (NULL: none). */
static int
ssh_argv(csp_hosts *h, char **av, int host, const char *const *more, const char *cmd)
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
static int
remote(csp_hosts *h, int host, const char *line, int in, int out)
{
	char ctl[PATH_MAX + 16], *av[SSH_WORDS_MAX];
	const char *more[] = { "-T", "-o", ctl, "-o", "ControlMaster=no", NULL };
	int fds[3] = { in, out, -1 }, nul = -1, r = -1;
	csp_proc p;

	/* Never our stdin (the records) nor our stdout (the jobs' output). */
	if ((in == -1 || out == -1) && (nul = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		return -1;
	fds[0] = in != -1 ? in : nul;
	fds[1] = out != -1 ? out : nul;
	snprintf(ctl, sizeof(ctl), "ControlPath=%s", h->host[host].ctl);
	ssh_argv(h, av, host, more, line);
	if (csp_spawn(&p, av, fds, CSP_SPAWN_PGROUP) == 0 &&
	    csp_proc_wait(&p, NULL, CSP_FOREVER) == 0)
		r = p.status;
	if (nul != -1)
		close(nul);
	return r;
}

static void
went_down(csp_hosts *h, int i, const char *why)
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
static int
master_alive(struct csp__host *c)
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
static int
nap(int64_t ms, const csp_done *done)
{
	struct pollfd pfd[CSP_DONE_DEPTH + 1];

	return csp__react(pfd, 0, done, csp_after(ms), 0) == -1 && errno == ECANCELED ? -1 : 0;
}

/* Every master at once, then wait until each has its socket or has failed. */
static int
open_masters(csp_hosts *h, const csp_done *done)
{
	char ctl[PATH_MAX + 16], *av[SSH_WORDS_MAX];
	const char *more[] = { "-M", "-N", "-T", "-o", ctl, "-o", "ControlPersist=no", NULL };
	int64_t until = csp_after(MASTER_WAIT_MS);
	int i, waiting, fds[3] = { -1, -1, -1 }, nul;
	struct stat st;
	csp_proc p;

	if ((nul = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		return -1;
	fds[0] = fds[1] = nul;
	for (i = 0; i < h->nhost; i++) {
		struct csp__host *c = &h->host[i];

		if (c->local)
			continue;
		if (asprintf(&c->ctl, "%s/%d", h->dir, i) == -1) {
			c->ctl = NULL;
			close(nul);
			return -1;
		}
		snprintf(ctl, sizeof(ctl), "ControlPath=%s", c->ctl);
		ssh_argv(h, av, i, more, NULL);
		if (csp_spawn(&p, av, fds, CSP_SPAWN_PGROUP) == -1) {
			close(nul);
			return -1;
		}
		c->master = p.pid;
	}
	close(nul);
	do {
		waiting = 0;
		for (i = 0; i < h->nhost; i++) {
			struct csp__host *c = &h->host[i];

			if (c->local || c->down || (stat(c->ctl, &st) == 0 && S_ISSOCK(st.st_mode)))
				continue;
			if (!master_alive(c))
				went_down(h, i, "cannot connect");
			else if (csp_now() >= until)
				went_down(h, i, "no connection in time");
			else
				waiting = 1;
		}
	} while (waiting && nap(10, done) == 0);
	return waiting ? -1 : 0;
}

/* A host's CPUs, asked once: a positive count, or 1 when the answer is odd. */
static long
remote_cpus(csp_hosts *h, int i)
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
	st = remote(h, i, line, -1, pfd[1]);
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

/* A file sent to the same path there (relative: under --workdir, or the login's). */
static int
put(csp_hosts *h, int host, const char *name)
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
	st = remote(h, host, line, fd, -1);
	close(fd);
	free(line);
	return st == 0 ? 0 : -1;
}

/* A file fetched back from there to the same path here. */
static int
get(csp_hosts *h, int host, const char *name)
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
	st = remote(h, host, line, -1, fd);
	close(fd);
	free(line);
	if (st != 0 || rename(tmp, name) == -1) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Files removed there: --cleanup. */
static int
rm_remote(csp_hosts *h, int host, char *const *names, int n)
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
	st = remote(h, host, line, -1, -1);
	free(line);
	return st == 0 ? 0 : -1;
}

static int
count(char *const *v)
{
	int n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

/*
 * Connect to every host (ControlPath directory made), ask the CPU count of
 * those with no N/, send the --basefile files. Hosts that cannot be reached
 * are told to o.down and left out. The slots in all, or -1: EHOSTDOWN when
 * no host is left, ECANCELED when done fired, or the failed call's errno.
 */
long
csp_hosts_start(csp_hosts *h, const csp_done *done)
{
	const char *tmp = getenv("TMPDIR");
	long total = 0;
	int i, k, e;

	if (h->nhost == 0) {
		errno = EINVAL;
		return -1;
	}
	/* The variables --env names, as they are here now. */
	if ((h->envw = calloc((size_t)count(h->o.env) + 1, sizeof(char *))) == NULL)
		return -1;
	for (k = 0; k < count(h->o.env); k++) {
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
	if (open_masters(h, done) == -1)
		return -1;
	for (i = 0; i < h->nhost; i++) {
		struct csp__host *c = &h->host[i];

		if (c->down)
			continue;
		if (c->slots == 0)
			c->slots = h->o.slots > 0 ? h->o.slots : c->local ? sysconf(_SC_NPROCESSORS_ONLN)
			                                                  : remote_cpus(h, i);
		if (c->slots <= 0) {
			went_down(h, i, "cannot run a command there");
			continue;
		}
		for (k = 0; !c->local && k < count(h->o.base); k++)
			if (put(h, i, h->o.base[k]) == -1) {
				e = errno;
				went_down(h, i, "cannot send a --basefile there");
				errno = e;
				break;
			}
		if (!c->down)
			total += c->slots;
	}
	if (total == 0) {
		errno = EHOSTDOWN;
		return -1;
	}
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
		struct csp__host *c = &h->host[i];

		if (h->o.cleanup && !c->local && !c->down && master_alive(c) && count(h->o.base) > 0)
			rm_remote(h, i, h->o.base, count(h->o.base));
		if (c->master > 0) {
			kill(c->master, SIGTERM);
			while (waitpid(c->master, &ws, 0) == -1 && errno == EINTR)
				;
		}
		if (c->ctl != NULL)
			unlink(c->ctl);
		free(c->ctl);
		free(c->name);
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
		if (!h->host[i].down && h->host[i].used < h->host[i].slots)
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

		if (c->down)
			continue;
		if (c->used < c->slots)
			return i;
		if (best == -1 || c->used * h->host[best].slots < h->host[best].used * c->slots)
			best = i;
	}
	return best;
}

static struct slot *
slot_get(csp_hosts *h, int n)
{
	struct slot *s;
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
		}
		h->slot = s;
		h->nslot = n;
	}
	return &h->slot[n - 1];
}

/* The names of a job's files (--transferfile, --return): templates expanded. */
static char **
names(char *const *tmpl, const csp__repl *r)
{
	int n = count(tmpl), i;
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

static void
names_free(char **v)
{
	int i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

int
csp__hosts_job(csp_hosts *h, csp_fanout_job *job, char *const **argv, int *in,
               const csp__repl *r, int pipe)
{
	struct slot *s = slot_get(h, job->slot);
	char ctl[PATH_MAX + 16], **pre, **files = NULL, mode[32];
	const char *more[] = { "-T", "-o", ctl, "-o", "ControlMaster=no", NULL };
	int host, i, np = 0, fds[2];
	struct stat st = { 0 };

	if (s == NULL)
		return -1;
	if ((host = pick(h)) == -1) {
		errno = EHOSTDOWN;
		return -1;
	}
	s->host = host;
	h->host[host].used++;
	job->host = h->host[host].name;
	if (h->host[host].local)
		return 0;
	/* --transferfile: sent before the job starts. */
	if (h->o.transfer != NULL) {
		if ((files = names(h->o.transfer, r)) == NULL)
			return -1;
		for (i = 0; files[i] != NULL; i++)
			if (put(h, host, files[i]) == -1)
				break;  /* the job runs anyway, and says what it misses */
		names_free(files);
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
	s->argv = calloc(SSH_WORDS_MAX, sizeof(char *));
	if (s->line == NULL || s->argv == NULL)
		return -1;
	snprintf(ctl, sizeof(ctl), "ControlPath=%s", h->host[host].ctl);
	ssh_argv(h, s->argv, host, more, s->line);
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
	struct slot *s = job->slot <= h->nslot ? &h->slot[job->slot - 1] : NULL;
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
		while (master_alive(c) && csp_now() < until)
			nap(10, NULL);
		if (!master_alive(c)) {
			went_down(h, (int)(c - h->host), "connection lost");
			return pick(h) == -1 ? (errno = EHOSTDOWN, -1) : 1;
		}
	}
	if (job->sig == 0 && job->status > 128 && job->status <= 128 + 64)
		job->sig = job->status - 128;
	if (h->o.ret == NULL && !(h->o.cleanup && h->o.transfer != NULL))
		return 0;
	{
		csp__repl r = { NULL, 0, job->seq, job->slot, 0, NULL };
		csp__arg a = { job->rec, job->len };

		r.args = &a;
		r.nargs = 1;
		files = names(h->o.transfer, &r);
		back = names(h->o.ret, &r);
	}
	if (files == NULL || back == NULL) {
		names_free(files);
		names_free(back);
		return -1;
	}
	for (i = 0; back[i] != NULL; i++)
		get(h, (int)(c - h->host), back[i]);  /* a file the job did not make is not fetched */
	nf = count(files);
	nb = count(back);
	if (h->o.cleanup && nf + nb > 0) {
		char **all = calloc((size_t)(nf + nb + 1), sizeof(char *));

		if (all != NULL) {
			memcpy(all, files, (size_t)nf * sizeof(char *));
			memcpy(all + nf, back, (size_t)nb * sizeof(char *));
			rm_remote(h, (int)(c - h->host), all, nf + nb);
			free(all);
		}
	}
	names_free(files);
	names_free(back);
	return 0;
}
