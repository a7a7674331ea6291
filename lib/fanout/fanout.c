/*
 * fanout.c: a pool of exec'd jobs, one per record, at most n at once; their
 * outputs fanned back in, each job's whole (or whole lines, or in input
 * order). One loop waits in the reactor on the input, every job's stdout,
 * stderr and pidfd, the done and the deadlines. Each job leads a process
 * group of its own, so stopping a job stops what it started too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fanout/fanout.h"
#include "fanout/ssh.h"

#define SCRATCH (64 * 1024)        /* one read of a job's output */
#define BAR_EVERY_MS 200
#define SETTLE_TRIES 64            /* waitpid calls for a job whose pipes just closed */
#define JOBS_MAX 32768             /* -j 0: no more than this, nor than fds allow */
#define FILL_CHARS (128 * 1024)    /* -X, -m, --xargs: about this many bytes of arguments a job */

enum { J_FREE, J_RUN, J_END, J_KILLED };

struct buf {
	char *p;
	size_t len, cap;
};

struct job {
	csp_fanout_job pub;        /* what ended() and the job log see */
	int state;
	csp__fanproc p;            /* its process */
	int fd[2];                 /* our ends of its stdout and stderr; -1 once closed */
	struct buf out[2];         /* what it wrote there, not yet passed on */
	int stream;                /* its output goes out as it comes, in whole lines */
	int in;                    /* its stdin: a block (CSP_FANOUT_PIPE), or -1 */
	struct buf rec;            /* the record (its arguments, a space between), NUL-terminated */
	struct buf abuf;           /* its arguments, each NUL-terminated */
	csp__arg *av;              /* ...and where each is */
	int nav;
	struct buf tag;            /* --tag: what each line starts with */
	struct buf args;           /* the expanded arguments */
	char **argv;
};

struct fan {
	csp_fanout_opt *o;
	csp_rd *in;
	csp_wr *out, *err;
	const csp_done *done;
	int keep, pipe, odelim;
	long jobs, running, jobs_max;  /* jobs_max: what fds allow; -S --slf grows jobs to it */
	struct job *pool;
	size_t cap;                /* entries in pool (and in order, with -k) */
	struct job **order;        /* -k: the unprinted jobs, by seq modulo cap */
	size_t window;             /* -k: finished jobs that may wait to be printed */
	struct job **slot;         /* the job in each slot (slot - 1), or NULL */
	int *free_slots, nfree, maxslot;
	long long next_seq, next_print, ended;  /* last started, next to print (-k) */
	int stop_new;              /* start nothing more: halt, cancel, error */
	int eof;                   /* no record will come any more */
	long long nargs, argi;     /* records from a list: o->args, or read ahead */
	char **list;
	char *const *cmd;
	int cmdc, append, *hasrep;
	int script;                /* the word that is a shell's script (-c), or -1 */
	const char *path;          /* the command's file, found once; NULL: per job */
	char pathbuf[PATH_MAX];
	int devnull;
	int chld_set;              /* SIGCHLD is at its default for the run; oldchld was */
	struct sigaction oldchld;
	struct pollfd *pfd;        /* the input, three per slot (stdout, stderr, pidfd), the done's */
	csp__fanproc **procs;      /* for the stop: each slot's job */
	char *scratch;
	int64_t t_start, bar_next;
	long long total;           /* records in all, once known; -1 until then */
	int halt_status;           /* the status of the job that made the run halt */
	struct buf pend;           /* the next job's arguments, each NUL-terminated */
	int npend, pend_args;      /* records and arguments in it */
	long per;                  /* records a job */
	int64_t next_start;        /* --delay: no job starts before */
	int eofstr_seen;           /* -E: the input ended at its record */
	off_t part_at;             /* --pipepart: where the next part starts */
	struct csp__runtimes *rt;  /* --timeout N%: the successes' runtimes */
};

static int
buf_reserve(struct buf *b, size_t more)
{
	return csp__grow(&b->p, &b->cap, b->len + more);
}

static int
buf_add(struct buf *b, const char *p, size_t n)
{
	if (n == 0)
		return 0;  /* b->p may still be NULL: memcpy must not see it */
	if (buf_reserve(b, n) == -1)
		return -1;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

void
csp_fanout_init(csp_fanout_opt *o, char *const argv[])
{
	memset(o, 0, sizeof(*o));
	o->argv = argv;
	o->jobs = sysconf(_SC_NPROCESSORS_ONLN);
	if (o->jobs < 1)
		o->jobs = 1;
	o->grace_ms = 500;
	o->retries = -1;  /* one run; a run lost with its host not counted */
	o->block = 1024 * 1024;
	o->joblog_fd = o->bar_fd = -1;
}

/* ---- records in: from a list, or from the reader without waiting ---- */

/* 1 and the next record; 0 when none is there yet (read more); -1 when none will come. */
static int
next_record(struct fan *f, const char **rec, size_t *len)
{
	csp_rd *r = f->in;
	char *p;

	if (f->list != NULL) {
		if (f->argi >= f->nargs)
			return -1;
		*rec = f->list[f->argi++];
		*len = strlen(*rec);
		return 1;
	}
	if (r == NULL)
		return -1;
	p = memchr(r->buf + r->scan, r->delim, r->tail - r->scan);
	if (p != NULL) {
		*rec = r->buf + r->head;
		*len = (size_t)(p - *rec);
		r->head = r->scan = (size_t)(p + 1 - r->buf);
		return 1;
	}
	r->scan = r->tail;
	if (!r->eof)
		return 0;
	if (r->head == r->tail)
		return -1;
	*rec = r->buf + r->head;
	*len = r->tail - r->head;
	r->head = r->scan = r->tail;
	return 1;
}

/* CSP_FANOUT_PIPE: the next block of whole records, about o->block bytes. */
static int
next_block(struct fan *f, const char **blk, size_t *len)
{
	csp_rd *r = f->in;
	size_t avail = r->tail - r->head, want = f->o->block;
	char *p;

	if (f->o->flags & CSP_FANOUT_PART)
		return csp__part_next(r->fd, f->o, &f->part_at, len);
	if (csp__cut_custom(f->o))
		return csp__cut_next(r, f->o, blk, len);
	if (avail == 0)
		return r->eof ? -1 : 0;
	if (f->o->per_job > 0) {
		/* -N: so many records a block, whatever their size. */
		long k;

		for (p = r->buf + r->head, k = 0; k < f->o->per_job; k++, p++)
			if ((p = memchr(p, r->delim, (size_t)(r->buf + r->tail - p))) == NULL)
				break;
		if (p == NULL && !r->eof)
			return 0;
		*blk = r->buf + r->head;
		*len = p != NULL ? (size_t)(p - *blk) : avail;
		r->head += *len;
		r->scan = r->head;
		return 1;
	}
	if (avail < want && !r->eof)
		return 0;
	p = memrchr(r->buf + r->head, r->delim, avail < want ? avail : want);
	if (p == NULL && avail > want)  /* a record longer than a block: whole, alone */
		p = memchr(r->buf + r->head + want, r->delim, avail - want);
	if (p == NULL && !r->eof)
		return 0;
	*blk = r->buf + r->head;
	*len = p != NULL ? (size_t)(p + 1 - *blk) : avail;
	r->head += *len;
	r->scan = r->head;
	return 1;
}

/* Read every record before the first job: a percentage needs the total. */
static int
read_all(struct fan *f)
{
	size_t cap = 0;
	ssize_t n;
	char *rec, **nl;

	while ((n = csp_rd_next(f->in, &rec, f->done)) > 0) {
		if (rec[n - 1] == f->in->delim)
			n--;
		if ((size_t)f->nargs == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((nl = realloc(f->list, cap * sizeof(*nl))) == NULL)
				return -1;
			f->list = nl;
		}
		if ((f->list[f->nargs] = strndup(rec, (size_t)n)) == NULL)
			return -1;
		f->nargs++;
	}
	return n == -1 ? -1 : 0;
}

/* ---- output: whole jobs, whole lines, tagged ---- */

/*
 * Pass on job j's stream k (0 stdout, 1 stderr): its whole lines, or with
 * last all of it, byte for byte: a final line without its terminator stays
 * so (--tag starts it with the tag all the same), as with parallel.
 */
static int
emit(struct fan *f, struct job *j, int k, int last)
{
	struct buf *b = &j->out[k];
	csp_wr *w = k == 0 ? f->out : f->err;
	char d = (char)f->odelim, *p, *q, *end;
	size_t cut;

	if (b->len == 0)
		return 0;
	if (last) {
		cut = b->len;
	} else {
		p = memrchr(b->p, d, b->len);
		if (p == NULL)
			return 0;
		cut = (size_t)(p + 1 - b->p);
	}
	if (!(f->o->flags & CSP_FANOUT_TAG)) {
		if (csp_wr_put(w, b->p, cut, f->done) == -1)
			return -1;
	} else {
		for (p = b->p, end = b->p + cut; p < end; p = q) {
			q = memchr(p, d, (size_t)(end - p));
			if ((f->o->flags & CSP_FANOUT_COLOR) &&
			    csp__color_put(w, j->tag.p, j->tag.len, p, (size_t)((q != NULL ? q : end) - p),
			                   f->done) == -1)
				return -1;
			q = q != NULL ? q + 1 : end;
			if (!(f->o->flags & CSP_FANOUT_COLOR) &&
			    (csp_wr_put(w, j->tag.p, j->tag.len, f->done) == -1 ||
			     csp_wr_put(w, p, (size_t)(q - p), f->done) == -1))
				return -1;
		}
	}
	memmove(b->p, b->p + cut, b->len - cut);
	b->len -= cut;
	return 0;
}

/* Write n bytes of p to the file dir/name, created or truncated. */
static int
write_file(const char *dir, const char *name, const char *p, size_t n)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)) == -1)
		return -1;
	return csp__write_close(fd, p, n);
}

/*
 * --results DIR: the job's output in files, parallel's layout:
 * DIR/1/VALUE1/2/VALUE2.../{seq,stdout,stderr}, a / in a value written \_
 * and a \ as \\ (and . or .. as \. and \.., which parallel leaves as they are).
 */
static int
results(struct fan *f, struct job *j)
{
	struct buf p = { NULL, 0, 0 };
	char num[32];
	size_t i;
	int k, n, r = -1;

	if (buf_add(&p, f->o->results, strlen(f->o->results) + 1) == -1)
		return -1;
	mkdir(p.p, 0777);
	p.len--;
	for (k = 0; k < j->nav; k++) {
		n = snprintf(num, sizeof(num), "/%d/", k + 1);
		if (buf_add(&p, num, (size_t)n - 1) == -1 || buf_add(&p, "", 1) == -1)
			goto out;
		mkdir(p.p, 0777);
		p.p[--p.len] = '/';
		p.len++;
		if ((strcmp(j->av[k].p, ".") == 0 || strcmp(j->av[k].p, "..") == 0) &&
		    buf_add(&p, "\\", 1) == -1)
			goto out;
		for (i = 0; i < j->av[k].len; i++)
			if (buf_add(&p, j->av[k].p[i] == '/' ? "\\_" : j->av[k].p[i] == '\\' ? "\\\\" :
			            &j->av[k].p[i], j->av[k].p[i] == '/' || j->av[k].p[i] == '\\' ? 2 : 1) == -1)
				goto out;
		if (buf_add(&p, "", 1) == -1)
			goto out;
		mkdir(p.p, 0777);
		p.len--;
	}
	if (buf_add(&p, "", 1) == -1)
		goto out;
	mkdir(p.p, 0777);
	n = snprintf(num, sizeof(num), "%lld", j->pub.seq);  /* no newline, as parallel's */
	if (write_file(p.p, "seq", num, (size_t)n) == -1 ||
	    write_file(p.p, "stdout", j->out[0].p, j->out[0].len) == -1 ||
	    write_file(p.p, "stderr", j->out[1].p, j->out[1].len) == -1)
		goto out;
	j->out[0].len = j->out[1].len = 0;
	r = 0;
out:
	free(p.p);
	return r;
}

/*
 * A job's whole output: stdout, then stderr. Where both reach the same
 * place (a terminal), the job's messages follow its output, as with
 * parallel: stdout is flushed first, which only jobs that wrote to stderr pay.
 */
static int
emit_all(struct fan *f, struct job *j)
{
	char name[PATH_MAX];

	if (f->o->results != NULL)
		return results(f, j);
	if (f->o->flags & CSP_FANOUT_FILES) {  /* its output is the name of a file holding it */
		if (csp__files_write(f->o, j->out[0].p, j->out[0].len, name, sizeof(name)) == -1)
			return -1;
		j->out[0].len = 0;
		if (buf_add(&j->out[0], name, strlen(name)) == -1 || buf_add(&j->out[0], "\n", 1) == -1)
			return -1;
	}
	if (emit(f, j, 0, 1) == -1)
		return -1;
	if (f->err == NULL || j->out[1].len == 0)
		return 0;
	if (csp_wr_flush(f->out, f->done) == -1 || emit(f, j, 1, 1) == -1)
		return -1;
	return csp_wr_flush(f->err, f->done);
}

static void
job_free(struct job *j)
{
	if (j->in != -1)
		close(j->in);
	free(j->out[0].p);
	free(j->out[1].p);
	free(j->rec.p);
	free(j->abuf.p);
	free(j->av);
	free(j->tag.p);
	free(j->args.p);
	free(j->argv);
	csp__fanproc_free(&j->p);
	memset(j, 0, sizeof(*j));
	j->fd[0] = j->fd[1] = j->in = j->p.proc.pidfd = -1;
}

/* -k: print the jobs that are next in order and ended; let the next running one stream. */
static int
print_ready(struct fan *f)
{
	struct job *j;

	while (f->next_print <= f->next_seq) {
		j = f->order[f->next_print % f->cap];
		if (j->state == J_RUN) {
			/* Only a job that runs once: none again for a failure, nor for a lost host (-S). */
			if (!j->stream && (f->o->retries == 1 || (f->o->retries < 0 && f->o->hosts == NULL)) &&
			    f->o->results == NULL &&
			    !(f->o->flags & CSP_FANOUT_FILES)) {
				j->stream = 1;
				if (emit(f, j, 0, 0) == -1 || (f->err != NULL && emit(f, j, 1, 0) == -1))
					return -1;
			}
			return 0;
		}
		if (j->state == J_END && emit_all(f, j) == -1)
			return -1;
		job_free(j);
		f->next_print++;
	}
	return 0;
}

/* ---- starting, ending, stopping jobs ---- */

static struct job *
job_get(struct fan *f)
{
	size_t i;

	if (f->keep)
		return &f->pool[f->next_seq % f->cap];
	for (i = 0; i < f->cap; i++)
		if (f->pool[i].state == J_FREE)
			return &f->pool[i];
	return NULL;
}

/* Append tmpl expanded for r as one more word of j's command; its offset in *off. */
static int
add_word(struct job *j, const char *tmpl, const csp__repl *r, size_t *off)
{
	size_t n = csp__replace(NULL, 0, tmpl, r);

	if (buf_reserve(&j->args, n + 1) == -1)
		return -1;
	*off = j->args.len;
	csp__replace(j->args.p + *off, n + 1, tmpl, r);
	j->args.len += n + 1;
	return 0;
}

/*
 * The command for this job: replacement strings expanded, or the arguments
 * appended. In a shell's script (csp__script_word) each value is quoted, so
 * that the shell reads it as data, never as code. Outside one, a word that
 * is just {} gives one word per argument, and with CSP_FANOUT_CONTEXT a
 * word holding {} is repeated for each.
 */
static int
build_argv(struct fan *f, struct job *j)
{
	int i, k, c = 0, n = f->cmdc * (j->nav > 0 ? j->nav : 1) + j->nav + 1;
	size_t *off;               /* where each expanded word is in j->args */
	char **w;                  /* a word of ours, or NULL: args + off[] */
	csp__repl r = { j->av, j->nav, j->pub.seq, j->pub.slot, 0, f->o->recstr, f->o, f->total, f->jobs };
	const char *all = f->o->recstr != NULL ? f->o->recstr : "{}";

	j->args.len = 0;
	free(j->argv);
	/* argv's room holds the offsets first (-X can make tens of thousands of words) */
	if ((j->argv = calloc((size_t)n + 1, sizeof(char *) + sizeof(size_t))) == NULL)
		return -1;
	w = j->argv;
	off = (size_t *)(j->argv + n + 1);
	for (i = 0; i < f->cmdc; i++) {
		if (!f->hasrep[i]) {
			w[c++] = f->cmd[i];
			continue;
		}
		r.quote = i == f->script;
		if (!r.quote && (strcmp(f->cmd[i], all) == 0 || (f->o->flags & CSP_FANOUT_CONTEXT))) {
			for (k = 0; k < j->nav; k++) {
				csp__repl one = r;

				one.args = &j->av[k];
				one.nargs = 1;
				w[c] = NULL;
				if (add_word(j, f->cmd[i], &one, &off[c++]) == -1)
					return -1;
			}
			if (j->nav > 0 || strcmp(f->cmd[i], all) == 0)
				continue;
		}
		w[c] = NULL;
		if (add_word(j, f->cmd[i], &r, &off[c++]) == -1)
			return -1;
	}
	for (k = 0; f->append && k < j->nav; k++)
		w[c++] = j->abuf.p + (j->av[k].p - j->abuf.p);
	for (i = 0; i < c; i++)
		j->argv[i] = w[i] != NULL ? w[i] : j->args.p + off[i];  /* w is argv: in place */
	j->argv[c] = NULL;
	j->pub.argv = j->argv;
	return 0;
}

/* The command line as a shell would take it: the script, or each word quoted. */
static int
cmdline(struct fan *f, struct job *j, struct buf *b)
{
	size_t n;
	int i;

	if (f->script >= 0 && f->script == 2 && strcmp(j->argv[0], "/bin/sh") == 0)
		return buf_add(b, j->argv[2], strlen(j->argv[2])) == -1 ? -1 : buf_add(b, "\n", 1);
	for (i = 0; j->argv[i] != NULL; i++) {
		n = csp__quote(NULL, 0, j->argv[i], strlen(j->argv[i]));
		if ((i > 0 && buf_add(b, " ", 1) == -1) || buf_reserve(b, n + 1) == -1)
			return -1;
		csp__quote(b->p + b->len, n + 1, j->argv[i], strlen(j->argv[i]));
		b->len += n;
	}
	return buf_add(b, "\n", 1);
}

/* A slot's pollfd (k: 0 stdout, 1 stderr, 2 pidfd): a new fd has no events yet, whatever was said of the old one. */
static void
watch(struct fan *f, int slot, int k, int fd)
{
	f->pfd[1 + 3 * (slot - 1) + k].fd = fd;
	f->pfd[1 + 3 * (slot - 1) + k].revents = 0;
}

/* -S: j's command becomes ssh to the host picked for it (ssh.c). */
static int
host_job(struct fan *f, struct job *j, char *const **av, int fds[3])
{
	csp__repl r = { j->av, j->nav, j->pub.seq, j->pub.slot, 0, f->o->recstr, f->o, f->total, f->jobs };

	return csp__hosts_job(f->o->hosts, &j->pub, av, &fds[0], &r, f->pipe);
}

/* Run j (again): its pipes, its group, its deadline. -1 only for a system failure. */
static int
job_run(struct fan *f, struct job *j)
{
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, fds[3], k, flags;
	char *const *av;

	j->out[0].len = j->out[1].len = 0;
	j->pub.slot = f->free_slots[--f->nfree];
	if (j->pub.slot > f->maxslot)
		f->maxslot = j->pub.slot;
	f->slot[j->pub.slot - 1] = j;
	j->pub.tries++;
	if (build_argv(f, j) == -1)
		return -1;
	av = j->argv;
	flags = f->o->flags;
	if ((flags & (CSP_FANOUT_VERBOSE | CSP_FANOUT_DRYRUN)) && cmdline(f, j, &j->out[0]) == -1)
		return -1;
	if (flags & CSP_FANOUT_TRACE) {
		struct buf t = { NULL, 0, 0 };
		int r = cmdline(f, j, &t);

		r = r == -1 ? -1 : f->err != NULL ? csp_wr_put(f->err, t.p, t.len, NULL)
		                                  : (int)write(STDERR_FILENO, t.p, t.len);
		free(t.p);
		if (r == -1)
			return -1;
	}
	if (flags & CSP_FANOUT_UNGROUP) {
		/* Straight out: what is ours goes first. */
		if (emit(f, j, 0, 1) == -1 || csp_wr_flush(f->out, f->done) == -1 ||
		    (f->err != NULL && csp_wr_flush(f->err, f->done) == -1))
			return -1;
	} else if (!(flags & CSP_FANOUT_DRYRUN) &&
	           (csp__pipe(out, 0) == -1 || (f->err != NULL && csp__pipe(err, 0) == -1))) {
		goto fail;
	}
	fds[0] = j->in != -1 ? j->in : f->devnull;
	fds[1] = flags & CSP_FANOUT_UNGROUP ? f->out->fd : out[1];
	fds[2] = flags & CSP_FANOUT_UNGROUP ? (f->err != NULL ? f->err->fd : STDERR_FILENO) : err[1];
	if (j->in != -1)
		lseek(j->in, 0, SEEK_SET);
	j->state = J_RUN;
	j->pub.received = 0;
	/* -S: the job is ssh to the host picked for it. */
	if (!(flags & CSP_FANOUT_DRYRUN) && f->o->hosts != NULL && host_job(f, j, &av, fds) == -1)
		goto fail;
	/* A dry run's job is not run: it ends at once, as it succeeded. */
	if (csp__fanproc_spawn(&j->p, &j->pub, av == j->argv ? f->path : NULL,
	                       flags & CSP_FANOUT_DRYRUN ? NULL : av, fds, f->o->timeout_ms) == -1)
		goto fail;  /* no child at all: a system failure */
	csp__close(&out[1]);
	csp__close(&err[1]);
	j->fd[0] = out[0];
	j->fd[1] = err[0];
	if (j->p.reaped) {
		csp__close(&j->fd[0]);
		csp__close(&j->fd[1]);
	}
	for (k = 0; k < 2; k++)
		watch(f, j->pub.slot, k, j->fd[k]);
	watch(f, j->pub.slot, 2, csp__fanproc_fd(&j->p));
	f->running++;
	return 0;
fail:
	k = errno;
	csp__close(&out[0]);
	csp__close(&out[1]);
	csp__close(&err[0]);
	csp__close(&err[1]);
	f->free_slots[f->nfree++] = j->pub.slot;
	f->slot[j->pub.slot - 1] = NULL;
	j->state = J_FREE;
	errno = k;
	return -1;
}

/* Is p[0..len) blanks only (-r)? */
static int
blank(const char *p, size_t len)
{
	while (len > 0 && strchr(" \t\n\r\v\f", p[len - 1]) != NULL && p[len - 1] != '\0')
		len--;
	return len == 0;
}

/* One argument of the next job, trimmed as --trim says. */
static int
pend_add(struct fan *f, const char *p, size_t len)
{
	while ((f->o->trim & 1) && len > 0 && (*p == ' ' || *p == '\t'))
		p++, len--;
	while ((f->o->trim & 2) && len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	f->pend_args++;
	return buf_add(&f->pend, p, len) == -1 || buf_add(&f->pend, "", 1) == -1 ? -1 : 0;
}

/* A record into the next job: itself, or its columns (--colsep). */
static int
pend_record(struct fan *f, const char *rec, size_t len)
{
	const char *sep = f->o->colsep, *end = rec + len, *q;
	size_t n = sep != NULL ? strlen(sep) : 0;

	f->npend++;
	if (n == 0)
		return pend_add(f, rec, len);
	for (;;) {
		q = memmem(rec, (size_t)(end - rec), sep, n);
		if (pend_add(f, rec, q != NULL ? (size_t)(q - rec) : (size_t)(end - rec)) == -1)
			return -1;
		if (q == NULL)
			return 0;
		rec = q + n;
	}
}

/* The next job's records into f->pend: 1 there, 0 wait for input, -1 none will come, -2 error. */
static int
gather(struct fan *f)
{
	const char *rec;
	size_t len;
	int r;

	while (f->npend < f->per &&
	       !((f->o->flags & CSP_FANOUT_FILL) && f->pend.len >= FILL_CHARS)) {
		r = f->eofstr_seen ? -1 : next_record(f, &rec, &len);
		if (r == 0)
			return 0;
		if (r == -1)
			return f->npend > 0 ? 1 : -1;
		if (f->o->eofstr != NULL && len == strlen(f->o->eofstr) &&
		    memcmp(rec, f->o->eofstr, len) == 0) {
			f->eofstr_seen = 1;  /* what follows is not read */
			continue;
		}
		if ((f->o->flags & CSP_FANOUT_SKIPEMPTY) && blank(rec, len))
			continue;
		if (pend_record(f, rec, len) == -1)
			return -2;
	}
	return 1;
}

/* Job j takes the arguments gathered: where each is, and all of them, a space between. */
static int
take_args(struct fan *f, struct job *j)
{
	const char *p;
	int k, n = f->pend_args;

	j->abuf = f->pend;
	memset(&f->pend, 0, sizeof(f->pend));
	f->npend = f->pend_args = 0;
	if ((j->av = calloc((size_t)n + 1, sizeof(*j->av))) == NULL)
		return -1;
	for (k = 0, p = j->abuf.p; k < n; k++) {
		j->av[k].p = p;
		j->av[k].len = strlen(p);
		if ((k > 0 && buf_add(&j->rec, " ", 1) == -1) || buf_add(&j->rec, p, j->av[k].len) == -1)
			return -1;
		p += j->av[k].len + 1;
	}
	j->nav = f->o->per_job < 0 ? 0 : n;  /* -N0: the record runs a job, as no argument */
	if (buf_add(&j->rec, "", 1) == -1)
		return -1;
	j->pub.len = j->rec.len - 1;
	return 0;
}

/* --tag: the tag, then a tab; --tagstring's expanded. */
static int
make_tag(struct fan *f, struct job *j)
{
	csp__repl r = { j->av, j->nav, j->pub.seq, j->pub.slot, 0, f->o->recstr, f->o, f->total, f->jobs };
	char color[64];
	size_t n;

	if ((f->o->flags & CSP_FANOUT_COLOR) &&
	    buf_add(&j->tag, color, csp__color(j->pub.seq, color, sizeof(color))) == -1)
		return -1;
	if (f->o->tagstr == NULL)
		return buf_add(&j->tag, j->rec.p, j->pub.len) == -1 ? -1 : buf_add(&j->tag, "\t", 1);
	n = csp__replace(NULL, 0, f->o->tagstr, &r);
	if (buf_reserve(&j->tag, n + 1) == -1)
		return -1;
	csp__replace(j->tag.p + j->tag.len, n + 1, f->o->tagstr, &r);
	j->tag.len += n;
	return buf_add(&j->tag, "\t", 1);
}

/* A new job for the records gathered (or for this block). */
static int
job_start(struct fan *f, const char *rec, size_t len)
{
	struct job *j = job_get(f);
	ssize_t w;
	size_t off;

	job_free(j);
	j->pub.seq = ++f->next_seq;
	if (f->pipe) {
		if (buf_add(&j->rec, "", 1) == -1)
			goto fail;
		/* Its block as a file of its own: the job reads it at its own pace. */
		if ((j->in = memfd_create("csp-fanout-block", MFD_CLOEXEC)) == -1)
			goto fail;
		if ((f->o->flags & CSP_FANOUT_PART) &&
		    csp__part_send(j->in, f->in->fd, f->part_at - (off_t)len, len) == -1)
			goto fail;
		for (off = 0; !(f->o->flags & CSP_FANOUT_PART) && off < len; off += (size_t)w)
			if ((w = write(j->in, rec + off, len - off)) == -1)
				goto fail;
		j->pub.sent = (long long)len;
		/* --cat, --fifo: {} is a file with the block: its stdin, opened again. */
		if ((f->o->flags & CSP_FANOUT_CAT) &&
		    ((j->av = calloc(1, sizeof(*j->av))) == NULL || buf_add(&j->abuf, "/dev/stdin", 11) == -1))
			goto fail;
		if (f->o->flags & CSP_FANOUT_CAT) {
			j->av[0].p = j->abuf.p;
			j->av[0].len = 10;
			j->nav = 1;
		}
	} else if (take_args(f, j) == -1) {
		goto fail;
	}
	j->pub.rec = j->rec.p;
	if ((f->o->flags & CSP_FANOUT_TAG) && make_tag(f, j) == -1)  /* --pipe: an empty tag */
		goto fail;
	if (f->keep)
		f->order[j->pub.seq % f->cap] = j;
	if (f->o->delay_ms > 0)
		f->next_start = csp_after(f->o->delay_ms);
	if (job_run(f, j) == -1)
		goto fail;
	return 0;
fail:
	f->next_seq--;
	job_free(j);
	return -1;
}

/*
 * Has the --halt condition come, with job j's end (or, j NULL, the input's)?
 * A percentage is of all jobs: with --pipe their number is known only once
 * the input has ended, and no percentage is reached before.
 */
static int
halt_check(struct fan *f, struct job *j)
{
	csp_fanout_opt *o = f->o;
	int hit = csp__halt_hit(o, f->total >= 0 ? f->total : f->eof ? f->next_seq : -1);

	if (hit) {
		o->halted = 1;
		f->stop_new = 1;
		if (j != NULL) {
			j->pub.halts = 1;
			f->halt_status = j->pub.status;
		}
	}
	return hit;
}

static void stop_all(struct fan *f, int how);

/* j's process is reaped and its pipes closed: retry it, or it has ended. */
static int
job_done(struct fan *f, struct job *j)
{
	csp_fanout_opt *o = f->o;
	int slot = j->pub.slot, failed = j->pub.status != 0, down = 0;

	f->slot[slot - 1] = NULL;
	f->free_slots[f->nfree++] = slot;
	f->running--;
	watch(f, slot, 2, -1);
	j->pub.runtime_ms = csp_now() - j->p.t0;
	if (o->hosts != NULL && (down = csp__hosts_end(o->hosts, &j->pub)) == -1)
		return -1;
	if (j->state == J_KILLED)
		return 0;
	/*
	 * -S: its host went down; it runs again on another, unless --retries n
	 * was given and the lost run was its n-th (none left: EHOSTDOWN then).
	 */
	if (down && !f->stop_new &&
	    (down == CSP__HOST_UNSTARTED || o->retries <= 0 || j->pub.tries < o->retries)) {
		if (down == CSP__HOST_UNSTARTED)
			j->pub.tries--;  /* it never ran there: not a try */
		j->stream = 0;
		return job_run(f, j);
	}
	j->pub.lost = down != 0;
	/* A command that cannot be executed will not be found the next time either. */
	if (failed && !down && j->pub.err == 0 && (o->retries == 0 || j->pub.tries < o->retries) &&
	    !f->stop_new) {
		j->stream = 0;
		return job_run(f, j);
	}
	j->state = J_END;
	csp__close(&j->in);  /* its block, no longer needed */
	f->ended++;
	if (failed)
		o->failed++;
	else
		o->succeeded++;
	if (!failed && o->timeout_pct > 0 &&
	    (o->timeout_ms = csp__timeout_pct(&f->rt, j->pub.runtime_ms, o->timeout_pct)) == -1)
		return -1;
	halt_check(f, j);
	if (o->joblog_fd != -1)
		csp_joblog_write(o->joblog_fd, &j->pub);  /* a log that fails must not stop the jobs */
	if (o->ended != NULL)
		o->ended(&j->pub, o->arg);
	if (j->pub.halts && o->halt_when == CSP_HALT_NOW)
		stop_all(f, J_KILLED);
	if (f->keep)
		return print_ready(f);
	if (emit_all(f, j) == -1)
		return -1;
	job_free(j);
	return 0;
}

/* Read what job j wrote to stream k; at EOF close it. */
static int
collect(struct fan *f, struct job *j, int k)
{
	ssize_t n;

	do
		n = read(j->fd[k], f->scratch, SCRATCH);
	while (n == -1 && errno == EINTR);
	if (n <= 0) {
		if (n == -1 && errno == EAGAIN)
			return 0;
		csp__close(&j->fd[k]);
		watch(f, j->pub.slot, k, -1);
		return 0;
	}
	if (k == 0)
		j->pub.received += n;
	if (buf_add(&j->out[k], f->scratch, (size_t)n) == -1)
		return -1;
	/* Whole lines as they come: with --line-buffer, or when -k has come to this job. */
	if (f->o->results == NULL &&
	    (j->stream || (!f->keep && (f->o->flags & CSP_FANOUT_LINEBUF))))
		return emit(f, j, k, 0);
	return 0;
}

/* After its leader exited: what its pipes hold now, then they close (a grandchild may hold them). */
static int
drain(struct fan *f, struct job *j)
{
	struct pollfd p[1 + CSP_DONE_DEPTH];
	int k;

	for (k = 0; k < 2; k++) {
		while (j->fd[k] != -1) {
			p[0].fd = j->fd[k];
			p[0].events = POLLIN;
			if (csp__react(p, 1, NULL, 0, 0) <= 0) {
				csp__close(&j->fd[k]);
				watch(f, j->pub.slot, k, -1);
				break;
			}
			if (collect(f, j, k) == -1)
				return -1;
		}
	}
	return 0;
}

/* Reap job j if its leader has exited: what its pipes hold, then it has ended. 1 reaped, 0 not yet, -1 error. */
static int
reap_job(struct fan *f, struct job *j)
{
	if (csp__fanproc_reap(&j->p) != 1)
		return 0;
	return drain(f, j) == -1 || job_done(f, j) == -1 ? -1 : 1;
}

/*
 * Stop every running job together (job.c: SIGTERM to the groups, one grace
 * period, SIGKILL, reap). They end as how (J_KILLED: nothing of them is
 * counted or printed).
 */
static void
stop_all(struct fan *f, int how)
{
	struct job *j;
	int s, e = errno;

	for (s = 0; s < f->maxslot; s++)
		f->procs[s] = f->slot[s] != NULL ? &f->slot[s]->p : NULL;
	if (csp__fanproc_stop(f->procs, f->maxslot, f->o->grace_ms))
		f->o->stopped = 1;
	for (s = 0; s < f->maxslot; s++) {
		if ((j = f->slot[s]) == NULL)
			continue;
		csp__close(&j->fd[0]);
		csp__close(&j->fd[1]);
		watch(f, j->pub.slot, 0, -1);
		watch(f, j->pub.slot, 1, -1);
		watch(f, j->pub.slot, 2, -1);
		j->state = how;
		f->slot[s] = NULL;
		f->free_slots[f->nfree++] = s + 1;
		f->running--;
		if (!f->keep)
			job_free(j);
	}
	f->stop_new = 1;
	errno = e;
}

/* --timeout: SIGTERM to the group at the deadline, SIGKILL a grace period later. */
static int64_t
timeouts(struct fan *f)
{
	int64_t now = csp_now(), next = CSP_FOREVER;
	struct job *j;
	int s;

	for (s = 0; s < f->maxslot; s++) {
		if ((j = f->slot[s]) == NULL)
			continue;
		if (f->o->timeout_pct > 0 && !j->p.reaped)  /* the median moves: so does every deadline */
			j->p.deadline = f->o->timeout_ms > 0 ? j->p.t0 + f->o->timeout_ms : CSP_FOREVER;
		next = csp__fanproc_due(&j->p, csp__fanproc_timeout(&j->p, now, f->o->grace_ms,
		                                                    next, &f->o->stopped));
	}
	return next;
}

static void
bar(struct fan *f, int last)
{
	int64_t now;

	if (f->o->bar_fd == -1)
		return;
	now = csp_now();
	if (!last && now < f->bar_next)
		return;
	f->bar_next = now + BAR_EVERY_MS;
	if (f->err != NULL)
		csp_wr_flush(f->err, NULL);
	csp_bar(f->o->bar_fd, f->ended, f->eof ? f->next_seq : f->total, now - f->t_start, last);
}

/* ---- the loop ---- */

static int
can_start(struct fan *f)
{
	if (f->stop_new || f->eof || f->running >= f->jobs)
		return 0;
	/* -S: none running and no room means no host is left: the next record's start says so. */
	if (f->o->hosts != NULL && f->running > 0 && !csp__hosts_room(f->o->hosts))
		return 0;
	if ((f->o->delay_ms > 0 || CSP__GATED(f->o)) && csp_now() < f->next_start)
		return 0;
	/* -k: no more than the window of finished jobs waiting for an earlier one. */
	return !f->keep || (size_t)(f->next_seq + 1 - f->next_print - f->running) < f->window;
}

/* --resume: the next job is not run; with -k it takes its turn as one with no output. */
static int
skip_job(struct fan *f)
{
	struct job *j;

	f->pend.len = 0;
	f->npend = f->pend_args = 0;
	f->next_seq++;
	if (!f->keep)
		return 0;
	j = job_get(f);
	job_free(j);
	j->state = J_KILLED;
	j->pub.seq = f->next_seq;
	f->order[f->next_seq % f->cap] = j;
	return print_ready(f);
}

/*
 * -S --slf: hosts joined, the pool grows to n slots: the arrays by slot
 * made larger, the jobs moved to a larger pool (with -k each to its seq's
 * place in it), every pointer to them set again.
 */
static int
pool_grow(struct fan *f, long n)
{
	size_t window, cap, i, to;
	struct job *pool, **order = NULL, **slot;
	struct pollfd *pfd;
	csp__fanproc **procs;
	int *free_slots, s;

	if (n > f->jobs_max)
		n = f->jobs_max;
	if (n <= f->jobs)
		return 0;
	window = !f->keep ? 0 : f->pipe ? (size_t)(4 * n) : CSP_FANOUT_WINDOW;
	cap = (size_t)n + window;
	if ((pool = calloc(cap, sizeof(*pool))) == NULL || (f->keep && (order = calloc(cap, sizeof(*order))) == NULL))
		goto fail;
	if ((slot = realloc(f->slot, (size_t)n * sizeof(*slot))) != NULL)
		f->slot = slot;
	if ((free_slots = realloc(f->free_slots, (size_t)n * sizeof(int))) != NULL)
		f->free_slots = free_slots;
	if ((procs = realloc(f->procs, (size_t)n * sizeof(*procs))) != NULL)
		f->procs = procs;
	if ((pfd = realloc(f->pfd, (1 + 3 * (size_t)n + CSP_DONE_DEPTH) * sizeof(*pfd))) != NULL)
		f->pfd = pfd;
	if (slot == NULL || free_slots == NULL || procs == NULL || pfd == NULL)
		goto fail;
	for (i = 0; i < cap; i++)
		pool[i].fd[0] = pool[i].fd[1] = pool[i].in = pool[i].p.proc.pidfd = -1;
	/* -k: job seq is in pool[(seq - 1) % cap] (job_get), and in order[seq % cap]. */
	for (i = 0; i < f->cap; i++) {
		if (f->pool[i].state == J_FREE)
			continue;
		to = f->keep ? (size_t)((f->pool[i].pub.seq - 1) % (long long)cap) : i;
		pool[to] = f->pool[i];
		pool[to].p.pub = &pool[to].pub;
		if (f->keep)
			order[pool[to].pub.seq % (long long)cap] = &pool[to];
	}
	for (s = 0; s < f->jobs; s++)
		if (f->slot[s] != NULL)
			f->slot[s] = &pool[f->keep ? (size_t)((f->slot[s]->pub.seq - 1) % (long long)cap)
			                           : (size_t)(f->slot[s] - f->pool)];
	for (s = (int)f->jobs; s < n; s++)
		f->slot[s] = NULL;
	for (s = (int)n; s > f->jobs; s--)
		f->free_slots[f->nfree++] = s;
	for (i = 1 + 3 * (size_t)f->jobs; i < 1 + 3 * (size_t)n; i++) {
		f->pfd[i].fd = -1;
		f->pfd[i].events = POLLIN;
	}
	free(f->pool);
	free(f->order);
	f->pool = pool;
	f->order = order;
	f->cap = cap;
	f->window = window;
	f->jobs = n;
	return 0;
fail:
	free(pool);
	free(order);
	return -1;
}

static int
start_jobs(struct fan *f)
{
	const char *rec = NULL;
	size_t len = 0;
	long n;
	int r;

	/* -S: an --slf file changed: the pool as large as the hosts' slots. */
	if (f->o->hosts != NULL && !f->stop_new && !f->eof &&
	    ((n = csp__hosts_check(f->o->hosts)) == -1 || (n > f->jobs && pool_grow(f, n) == -1)))
		return -1;
	while (can_start(f)) {
		if (CSP__GATED(f->o) && csp__gate_shut(f->o)) {  /* --load, --memfree: later */
			f->next_start = csp_after(CSP__GATE_MS);
			return 0;
		}
		r = f->pipe ? next_block(f, &rec, &len) : gather(f);
		if (r == -2)
			return -1;
		if (r == 0)
			return 0;
		if (r == -1) {
			f->eof = 1;
			/* The total is known now: a percentage may have been reached already. */
			if (halt_check(f, NULL) && f->o->halt_when == CSP_HALT_NOW)
				stop_all(f, J_KILLED);
			return 0;
		}
		if (!f->pipe && f->o->skip != NULL && f->o->skip(f->next_seq + 1, f->o->arg)) {
			if (skip_job(f) == -1)
				return -1;
			continue;
		}
		if (job_start(f, rec, len) == -1)
			return -1;
	}
	return 0;
}

static int
setup(struct fan *f)
{
	csp_fanout_opt *o = f->o;
	struct rlimit rl;
	long fdjobs;
	size_t i;
	int s;

	for (f->cmdc = 0; o->argv[f->cmdc] != NULL; f->cmdc++)
		;
	if (f->cmdc == 0) {
		errno = EINVAL;
		return -1;
	}
	f->cmd = o->argv;
	if ((f->hasrep = calloc((size_t)f->cmdc, sizeof(int))) == NULL)
		return -1;
	f->append = !f->pipe || (o->flags & CSP_FANOUT_CAT);
	f->script = csp__script_word(f->cmd);
	for (s = 0; s < f->cmdc; s++)
		if ((f->hasrep[s] = csp__replace_has(f->cmd[s], o->recstr, o->flags & CSP_FANOUT_PLUS)))
			f->append = 0;
	/* The command's file, looked up once, unless a record names it. */
	f->path = !f->hasrep[0] && csp_lookpath(f->cmd[0], f->pathbuf, sizeof(f->pathbuf)) == 0
	              ? f->pathbuf : NULL;

	/* Three descriptors per running job (four with a block), and a few of our own. */
	fdjobs = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
	             ? ((long)rl.rlim_cur - 32) / (f->pipe ? 4 : 3) : JOBS_MAX;
	f->jobs = o->jobs > 0 ? o->jobs : JOBS_MAX;
	f->jobs_max = fdjobs > 1 ? fdjobs : 1;
	if (f->jobs > f->jobs_max)
		f->jobs = f->jobs_max;
	f->window = !f->keep ? 0 : f->pipe ? (size_t)(4 * f->jobs) : CSP_FANOUT_WINDOW;
	f->cap = (size_t)f->jobs + f->window;
	f->pool = calloc(f->cap, sizeof(*f->pool));
	f->slot = calloc((size_t)f->jobs, sizeof(*f->slot));
	f->free_slots = calloc((size_t)f->jobs, sizeof(int));
	f->order = f->keep ? calloc(f->cap, sizeof(*f->order)) : NULL;
	f->pfd = calloc(1 + 3 * (size_t)f->jobs + CSP_DONE_DEPTH, sizeof(*f->pfd));
	f->procs = calloc((size_t)f->jobs, sizeof(*f->procs));
	f->scratch = malloc(SCRATCH);
	if (f->pool == NULL || f->slot == NULL || f->free_slots == NULL || f->pfd == NULL ||
	    f->procs == NULL || f->scratch == NULL || (f->keep && f->order == NULL))
		return -1;
	for (i = 0; i < f->cap; i++)
		f->pool[i].fd[0] = f->pool[i].fd[1] = f->pool[i].in = f->pool[i].p.proc.pidfd = -1;
	for (s = (int)f->jobs; s >= 1; s--)
		f->free_slots[f->nfree++] = s;
	for (i = 0; i < 1 + 3 * (size_t)f->jobs; i++) {
		f->pfd[i].fd = -1;
		f->pfd[i].events = POLLIN;
	}
	if ((f->devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (csp__fan_chld(&f->oldchld) == -1)
		return -1;
	f->chld_set = 1;
	f->t_start = csp_now();
	csp__nosigpipe();
	return 0;
}

static void
teardown(struct fan *f)
{
	size_t i;
	int e = errno;

	if (f->chld_set)
		sigaction(SIGCHLD, &f->oldchld, NULL);
	csp__close(&f->devnull);
	free(f->rt);
	for (i = 0; f->pool != NULL && i < f->cap; i++) {
		csp__close(&f->pool[i].fd[0]);
		csp__close(&f->pool[i].fd[1]);
		csp__close(&f->pool[i].in);
		job_free(&f->pool[i]);
	}
	for (i = 0; f->list != NULL && f->list != (char **)f->o->args && i < (size_t)f->nargs; i++)
		free(f->list[i]);
	if (f->list != (char **)f->o->args)
		free(f->list);
	free(f->pool);
	free(f->slot);
	free(f->free_slots);
	free(f->order);
	free(f->pfd);
	free(f->procs);
	free(f->scratch);
	free(f->hasrep);
	free(f->pend.p);
	errno = e;
}

/*
 * A pipe of the job just closed: it is most likely exiting right now (the
 * kernel closes a process's files, one by one, just before it becomes a
 * zombie). Look for its status a few times before going back to the
 * reactor: one wakeup per job, not one for each pipe and one for its pidfd.
 */
static int
settle(struct fan *f, struct job *j)
{
	int tries;

	if (j->p.reaped || j->p.stopping)
		return 0;
	for (tries = 0; tries < SETTLE_TRIES; tries++)
		if (csp__fanproc_reap(&j->p) == 1)
			return drain(f, j) == -1 || job_done(f, j) == -1 ? -1 : 1;
	return 0;
}

/* Jobs whose exec failed have ended already, with nothing to reap: how many, or -1. */
static int
finish_ready(struct fan *f)
{
	struct job *j;
	int s, n = 0;

	for (s = 0; s < f->maxslot; s++)
		if ((j = f->slot[s]) != NULL && j->p.reaped && j->fd[0] == -1 && j->fd[1] == -1) {
			if (job_done(f, j) == -1)
				return -1;
			n++;
		}
	return n;
}

static int
run(struct fan *f)
{
	struct pollfd *pj;
	struct job *j;
	int s, k, r, shut;
	int64_t next;

	for (;;) {
		if (start_jobs(f) == -1 || (r = finish_ready(f)) == -1)
			return -1;
		if (r > 0)
			continue;  /* their slots are free: more may start, or the input's end be seen */
		if (f->running == 0 && (f->eof || f->stop_new))
			return 0;
		next = timeouts(f);
		if ((f->o->delay_ms > 0 || CSP__GATED(f->o)) && !f->eof && !f->stop_new)
			next = csp__min_deadline(next, f->next_start);
		if (f->o->bar_fd != -1)
			next = csp__min_deadline(next, f->bar_next);
		if (f->o->hosts != NULL && !f->eof && !f->stop_new)  /* --slf: a host may be added */
			next = csp__min_deadline(next, csp__hosts_due(f->o->hosts));
		/* Input only when a job could start and no record is there. */
		f->pfd[0].fd = f->list == NULL && !f->in->eof && can_start(f) ? f->in->fd : -1;
		if (csp__fan_wait(f->pfd, 1 + 3 * f->maxslot, f->done, next, f->out, f->err) == -1)
			return -1;
		/* Outputs before exits: by the time its pidfd says so, a job's pipes are mostly drained. */
		for (s = 0; s < f->maxslot; s++) {
			if ((j = f->slot[s]) == NULL)
				continue;
			pj = &f->pfd[1 + 3 * s];
			for (k = shut = 0; k < 2; k++) {
				if (j->fd[k] == -1 || pj[k].revents == 0)
					continue;
				if (pj[k].revents == POLLHUP) {
					/* Nothing in it, and no writer left: its end, without a read to say so. */
					csp__close(&j->fd[k]);
					watch(f, j->pub.slot, k, -1);
				} else if (collect(f, j, k) == -1) {
					return -1;
				}
				shut |= j->fd[k] == -1;
			}
			if (pj[2].revents != 0 || csp__fanproc_blind(&j->p)) {
				if (reap_job(f, j) == -1)
					return -1;
			} else if (shut && settle(f, j) == -1) {
				return -1;
			}
		}
		if (f->pfd[0].fd != -1 && f->pfd[0].revents != 0 &&
		    csp_rd_fill(f->in, NULL) == -1 && errno != EAGAIN && errno != EINTR)
			return -1;
		bar(f, 0);
	}
}

/* The pool: one job a record (or a block, in pipe mode); see csp_fanout (run.c). */
int
csp__fanout_pool(csp_rd *in, csp_wr *out, csp_fanout_opt *o, const csp_done *done)
{
	struct fan f;
	int ret = -1;

	memset(&f, 0, sizeof(f));
	f.o = o;
	f.in = in;
	f.out = out;
	f.err = o->err;
	f.done = done;
	f.keep = (o->flags & CSP_FANOUT_KEEP) != 0;
	f.pipe = (o->flags & CSP_FANOUT_PIPE) != 0;
	f.odelim = f.pipe && in != NULL ? in->delim : '\n';
	f.devnull = -1;
	f.total = -1;
	f.next_print = 1;
	o->total = o->failed = o->succeeded = 0;
	o->stopped = o->halted = o->exitval = 0;
	if (in != NULL)
		in->flush = NULL;
	if (in != NULL && (o->flags & CSP_FANOUT_PART))
		in->eof = 1;  /* --pipepart: the file is never read into the buffer */
	if ((in == NULL && (f.pipe || o->args == NULL)) || o->argv == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (o->args != NULL && !f.pipe) {
		f.list = (char **)o->args;
		for (f.nargs = 0; o->args[f.nargs] != NULL; f.nargs++)
			;
		f.total = f.nargs;
	} else if ((o->halt_pct > 0 || (o->flags & CSP_FANOUT_SPREAD)) && !f.pipe) {
		if (read_all(&f) == -1)
			goto out;
		f.total = f.nargs;
	}
	if (setup(&f) == -1)
		goto out;
	/* Records a job: -n; or as many as fit, spread over the slots when their number is known. */
	f.per = o->per_job > 0 ? o->per_job : 1;
	if (o->flags & CSP_FANOUT_FILL)
		f.per = (o->flags & CSP_FANOUT_SPREAD) && f.total > 0
		            ? (long)((f.total + f.jobs - 1) / f.jobs) : LONG_MAX;
	if (f.total > 0 && f.per > 1 && f.per != LONG_MAX)
		f.total = (f.total + f.per - 1) / f.per;
	ret = run(&f);
	if (ret == 0 && f.keep)
		ret = print_ready(&f);
	if (ret == 0)
		ret = csp_wr_flush(out, done);
	if (ret == 0 && f.err != NULL)
		ret = csp_wr_flush(f.err, done);
	if (ret == -1)
		stop_all(&f, J_KILLED);
	bar(&f, 1);
out:
	o->total = f.ended;
	o->exitval = csp__fanout_exitval(o, f.total >= 0 ? f.total : f.next_seq, f.halt_status);
	teardown(&f);
	return ret;
}
