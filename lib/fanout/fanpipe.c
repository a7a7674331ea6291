/*
 * fanpipe.c: fan-out of a stream: n long-lived workers each run the command;
 * the input is cut into blocks of whole records and each block goes to
 * whichever worker's stdin has room for it (the reactor watches them all
 * for POLLOUT); their outputs come back in as whole records, mixed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fanout/fanout.h"

#define PIPE_SIZE (1024 * 1024)   /* each worker's stdin: a block in one write */
#define READ_MIN (64 * 1024)      /* room for one read of a worker's output */

struct blk {
	char *p;
	size_t len, cap;
	struct blk *next;          /* in the ready queue */
};

struct worker {
	csp_fanout_job pub;
	csp__fanproc p;            /* its process */
	int to, from;              /* our ends of its stdin and stdout; -1 once closed */
	struct blk *blk;           /* the block it is being given, and how far */
	size_t off;
	char *out;                 /* its output, not yet a whole record */
	size_t len, cap;
	char *args;
	char **argv;
};

struct pipefan {
	csp_fanout_opt *o;
	csp_rd *in;
	csp_wr *out;
	const csp_done *done;
	int delim, n, live, nd, eof, stop_new;
	int spawned;               /* workers started so far: w[0] to w[spawned - 1] */
	char path[PATH_MAX];       /* the file a worker's command is */
	int drained;               /* the last read took all the input had */
	int first;                 /* the worker after the one given the last block */
	int blocked;               /* a block is ready to cut, but no block is free */
	struct worker *w;
	struct blk *blks, *fill, *head, *tail;  /* all, the one being read into, the ready queue */
	struct blk **free;
	int nfree, nblk;
	int chld_set;              /* SIGCHLD is at its default for the run; oldchld was */
	struct sigaction oldchld;
	struct pollfd *pfd;        /* the input, three per worker (stdin, stdout, pidfd), the done's */
	csp__fanproc **procs;      /* for the stop: each worker's process */
	int halt_status;
};

static struct blk *
blk_get(struct pipefan *f)
{
	struct blk *b;

	if (f->nfree == 0)
		return NULL;
	b = f->free[--f->nfree];
	b->len = 0;
	b->next = NULL;
	return b;
}

static void
blk_put(struct pipefan *f, struct blk *b)
{
	f->free[f->nfree++] = b;
}

/* The worker's whole records to out; at its EOF (last) the rest, as it is. */
static int
emit(struct pipefan *f, struct worker *w, int last)
{
	char *p;
	size_t cut;

	if (w->len == 0)
		return 0;
	p = last ? w->out + w->len - 1 : memrchr(w->out, f->delim, w->len);
	if (p == NULL)
		return 0;
	cut = (size_t)(p + 1 - w->out);
	if (csp_wr_put(f->out, w->out, cut, f->done) == -1)
		return -1;
	memmove(w->out, w->out + cut, w->len - cut);
	w->len -= cut;
	return 0;
}

/*
 * Its output ended and it was reaped: its last bytes without a delimiter go
 * out as they are, unless a signal killed it: then they are a record cut
 * short, not output it meant, and are dropped (counted in pub.cut).
 */
static int
settle(struct pipefan *f, struct worker *w)
{
	if (w->from != -1 || !w->p.reaped || w->len == 0)
		return 0;
	if (w->pub.sig != 0) {
		w->pub.cut = (long long)w->len;
		w->len = 0;
		return 0;
	}
	return emit(f, w, 1);
}

/* Read what w wrote: 1 if something came, 0 if nothing yet or its end, -1 error. */
static int
collect(struct pipefan *f, struct worker *w)
{
	ssize_t k;

	if (csp__grow(&w->out, &w->cap, w->len + READ_MIN) == -1)
		return -1;
	do
		k = read(w->from, w->out + w->len, w->cap - w->len);
	while (k == -1 && errno == EINTR);
	if (k == -1 && errno == EAGAIN)
		return 0;
	if (k <= 0) {
		csp__close(&w->from);
		/* Its last bytes wait for its status: settle judges them. */
		return emit(f, w, 0) == -1 ? -1 : settle(f, w);
	}
	w->len += (size_t)k;
	w->pub.received += k;
	return emit(f, w, 0) == -1 ? -1 : 1;
}

/* A worker that takes no more: its stdin closed, its block (what it did not read) dropped. */
static void
retire(struct pipefan *f, struct worker *w)
{
	if (w->to != -1) {
		csp__close(&w->to);
		f->live--;
	}
	if (w->blk != NULL) {
		blk_put(f, w->blk);
		w->blk = NULL;
	}
}

/* Give w more of its block; when it has all of it, the block is free again. */
static int
feed(struct pipefan *f, struct worker *w)
{
	ssize_t k;

	while (w->blk != NULL) {
		k = write(w->to, w->blk->p + w->off, w->blk->len - w->off);
		if (k == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			if (errno == EPIPE) {
				retire(f, w);
				return 0;
			}
			return -1;
		}
		w->off += (size_t)k;
		w->pub.sent += k;
		if (w->off == w->blk->len) {
			blk_put(f, w->blk);
			w->blk = NULL;
		}
	}
	return 0;
}

/* Read what the input has into the fill block (which grows for a record longer than it). */
static int
read_input(struct pipefan *f)
{
	struct blk *b = f->fill;
	size_t room;
	ssize_t k;

	if (b == NULL && (b = f->fill = blk_get(f)) == NULL)
		return 0;
	if (csp__grow(&b->p, &b->cap, b->len + 1) == -1)
		return -1;
	/* Up to a block: a file's reads would otherwise fill the whole buffer. */
	room = b->len < f->o->block ? f->o->block - b->len : b->cap - b->len;
	do
		k = read(f->in->fd, b->p + b->len, room);
	while (k == -1 && errno == EINTR);
	if (k == -1)
		return errno == EAGAIN ? 0 : -1;
	if (k == 0)
		f->eof = 1;
	b->len += (size_t)k;
	f->drained = (size_t)k < room;
	return 0;
}

/*
 * Cut the fill block after its last whole record, into the ready queue,
 * once it holds a block's worth, or the input ended, or a worker waits and
 * the input has nothing more right now. The part record cut off starts the
 * next fill block; with no free block to take it, the cut waits (and so
 * does the reading: memory stays bounded).
 */
static int
cut(struct pipefan *f, int idle)
{
	struct blk *b = f->fill, *nb;
	size_t rest;
	char *p;

	f->blocked = 0;
	if (b == NULL || b->len == 0)
		return 0;
	if (!f->eof && b->len < f->o->block && !(idle && f->drained))
		return 0;
	p = f->eof ? b->p + b->len - 1 : memrchr(b->p, f->delim, b->len);
	if (p == NULL)
		return 0;  /* no record is whole yet: read on */
	rest = b->len - (size_t)(p + 1 - b->p);
	if ((nb = blk_get(f)) == NULL) {
		f->blocked = b->len >= f->o->block;
		return 0;
	}
	if (csp__grow(&nb->p, &nb->cap, rest) == -1)
		return -1;
	memcpy(nb->p, p + 1, rest);
	nb->len = rest;
	b->len -= rest;
	f->fill = nb;
	if (f->tail != NULL)
		f->tail->next = b;
	else
		f->head = b;
	f->tail = b;
	return 0;
}

static struct blk *
dequeue(struct pipefan *f)
{
	struct blk *b = f->head;

	if (b != NULL && (f->head = b->next) == NULL)
		f->tail = NULL;
	return b;
}

static int
spawn(struct pipefan *f, struct worker *w, int i)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, fds[3], c;
	char *const *cmd = f->o->argv;
	size_t n, off;

	for (c = 0, n = 0; cmd[c] != NULL; c++)
		n += csp_replace(NULL, 0, cmd[c], "", 0, i + 1, i + 1) + 1;
	if ((w->args = malloc(n)) == NULL || (w->argv = calloc((size_t)c + 1, sizeof(char *))) == NULL)
		return -1;
	for (c = 0, off = 0; cmd[c] != NULL; c++) {
		w->argv[c] = w->args + off;
		off += csp_replace(w->args + off, n - off, cmd[c], "", 0, i + 1, i + 1) + 1;
	}
	w->pub.seq = w->pub.slot = i + 1;
	w->pub.rec = "";
	w->pub.argv = w->argv;
	w->pub.tries = 1;
	if (csp__pipe(in, 0) == -1 || csp__pipe(out, 0) == -1)
		goto fail;
	fcntl(in[1], F_SETPIPE_SZ, PIPE_SIZE);  /* a smaller pipe only costs speed */
	if (fcntl(in[1], F_SETFL, O_NONBLOCK) == -1 || fcntl(out[0], F_SETFL, O_NONBLOCK) == -1)
		goto fail;
	fds[0] = in[0];
	fds[1] = out[1];
	fds[2] = -1;
	if (csp__fanproc_spawn(&w->p, &w->pub,
	                       csp_lookpath(w->argv[0], f->path, sizeof(f->path)) == 0 ? f->path : NULL,
	                       w->argv, fds, f->o->timeout_ms) == -1)
		goto fail;
	if (w->p.reaped) {
		csp__close(&in[1]);  /* it could not be executed */
		csp__close(&out[0]);
	} else {
		f->live++;
	}
	csp__close(&in[0]);
	csp__close(&out[1]);
	w->to = in[1];
	w->from = out[0];
	return 0;
fail:
	csp__close_pair(in);
	csp__close_pair(out);
	return -1;
}

/* Stop every worker together (job.c: SIGTERM to the groups, one grace period, SIGKILL, reap). */
static void
stop_all(struct pipefan *f)
{
	int i, e = errno;

	for (i = 0; i < f->n; i++) {
		retire(f, &f->w[i]);
		csp__close(&f->w[i].from);
		f->procs[i] = &f->w[i].p;
	}
	if (csp__fanproc_stop(f->procs, f->spawned, f->o->grace_ms))
		f->o->stopped = 1;
	f->stop_new = 1;
	errno = e;
}

/* A worker has ended: counted, logged, reported, and maybe the run halts. */
static void
ended(struct pipefan *f, struct worker *w)
{
	csp_fanout_opt *o = f->o;

	w->pub.runtime_ms = csp_now() - w->p.t0;
	if (w->pub.status != 0)
		o->failed++;
	else
		o->succeeded++;
	o->total++;
	/* A percentage of all workers: their number is known once the input has ended. */
	if (csp__halt_hit(o, f->eof && f->head == NULL ? f->spawned : -1)) {
		o->halted = 1;
		w->pub.halts = 1;
		f->halt_status = w->pub.status;
	}
	if (o->joblog_fd != -1)
		csp_joblog_write(o->joblog_fd, &w->pub);
	if (o->ended != NULL)
		o->ended(&w->pub, o->arg);
}

/* Reap worker w if it has exited (its group SIGKILLed first if being stopped): 1, else 0; -1 error. */
static int
reap_worker(struct pipefan *f, struct worker *w)
{
	int r = 0, n;

	if (csp__fanproc_reap(&w->p) != 1)
		return 0;
	retire(f, w);
	/* What it wrote before it ended, read now (a bounded amount: a child may
	 * still write), so that ended() knows what was cut. */
	for (n = 0; n < 64 && w->from != -1 && (r = collect(f, w)) == 1; n++)
		;
	if (r == -1 || settle(f, w) == -1)
		return -1;
	ended(f, w);
	if (w->pub.halts && f->o->halt_when == CSP_HALT_NOW)
		stop_all(f);
	else if (w->pub.halts)
		f->stop_new = 1;
	return 1;
}

static int64_t
timeouts(struct pipefan *f)
{
	int64_t now = csp_now(), next = CSP_FOREVER;
	int i;

	for (i = 0; i < f->spawned; i++)
		next = csp__fanproc_due(&f->w[i].p, csp__fanproc_timeout(&f->w[i].p, now, f->o->grace_ms,
		                                                         next, &f->o->stopped));
	return next;
}

static int
setup(struct pipefan *f)
{
	int i;
	size_t cap = f->o->block * 2 < READ_MIN ? READ_MIN : f->o->block * 2;
	csp_rd *r = f->in;
	struct stat st;

	f->n = f->o->jobs > 0 ? (int)f->o->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (f->n < 1)
		f->n = 1;
	f->nblk = f->n + 2;
	f->w = calloc((size_t)f->n, sizeof(*f->w));
	f->blks = calloc((size_t)f->nblk, sizeof(*f->blks));
	f->free = calloc((size_t)f->nblk, sizeof(*f->free));
	f->pfd = calloc((size_t)(1 + 3 * f->n + CSP_DONE_DEPTH), sizeof(*f->pfd));
	f->procs = calloc((size_t)f->n, sizeof(*f->procs));
	if (f->w == NULL || f->blks == NULL || f->free == NULL || f->pfd == NULL || f->procs == NULL)
		return -1;
	for (i = 0; i < f->nblk; i++) {
		if ((f->blks[i].p = malloc(cap)) == NULL)
			return -1;
		f->blks[i].cap = cap;
		f->free[f->nfree++] = &f->blks[i];
	}
	for (i = 0; i < f->n; i++)
		f->w[i].to = f->w[i].from = f->w[i].p.proc.pidfd = -1;
	/* What the reader holds already is the start of the input. */
	f->fill = blk_get(f);
	if (csp__grow(&f->fill->p, &f->fill->cap, r->tail - r->head) == -1)
		return -1;
	memcpy(f->fill->p, r->buf + r->head, r->tail - r->head);
	f->fill->len = r->tail - r->head;
	r->head = r->scan = r->tail;
	f->eof = r->eof;
	/* From a pipe, a larger one: more per read, fewer wakeups (smaller only costs speed). */
	if (fstat(r->fd, &st) == 0 && S_ISFIFO(st.st_mode))
		fcntl(r->fd, F_SETPIPE_SZ, PIPE_SIZE);
	if (csp__fan_chld(&f->oldchld) == -1)
		return -1;
	f->chld_set = 1;
	csp__nosigpipe();
	return 0;
}

static void
teardown(struct pipefan *f)
{
	int i, e = errno;

	if (f->chld_set)
		sigaction(SIGCHLD, &f->oldchld, NULL);
	for (i = 0; f->w != NULL && i < f->n; i++) {
		csp__fanproc_free(&f->w[i].p);
		csp__close(&f->w[i].to);
		csp__close(&f->w[i].from);
		free(f->w[i].out);
		free(f->w[i].args);
		free(f->w[i].argv);
	}
	for (i = 0; f->blks != NULL && i < f->nblk; i++)
		free(f->blks[i].p);
	free(f->w);
	free(f->blks);
	free(f->free);
	free(f->pfd);
	free(f->procs);
	errno = e;
}

static int
run(struct pipefan *f)
{
	struct pollfd *p;
	struct worker *w;
	int i, k, idle, reading, open;
	int64_t next;
	struct blk *b;

	for (;;) {
		/* A worker that waits, or one not started yet, takes a block early. */
		idle = open = 0;
		for (i = 0; i < f->spawned; i++)
			idle += f->w[i].to != -1 && f->w[i].blk == NULL;
		if (cut(f, (idle > 0 || f->spawned < f->n) && f->head == NULL) == -1)
			return -1;
		/* Workers start as blocks come for them: an empty input starts none. */
		if (f->head != NULL && idle == 0 && f->spawned < f->n && !f->stop_new) {
			w = &f->w[f->spawned];
			if (spawn(f, w, f->spawned) == -1)
				return -1;
			f->spawned++;
			if (w->p.reaped)
				ended(f, w);  /* it could not be executed */
			continue;
		}
		if ((f->spawned == f->n && f->live == 0) || f->stop_new) {
			/* Nobody is left to take the input: it ends here. */
			f->eof = 1;
			while ((b = dequeue(f)) != NULL)
				blk_put(f, b);
			if (f->fill != NULL)
				f->fill->len = 0;
		}
		if (f->eof && f->head == NULL && (f->fill == NULL || f->fill->len == 0)) {
			/* All given out: closed stdins, once each has its block whole. */
			for (i = 0; i < f->spawned; i++)
				if (f->w[i].blk == NULL && f->w[i].to != -1) {
					csp__close(&f->w[i].to);
					f->live--;
				}
			for (i = 0; i < f->spawned; i++)
				open += f->w[i].from != -1 || csp__fanproc_running(&f->w[i].p);
			if (open == 0)
				return 0;
		}

		next = timeouts(f);
		p = f->pfd;
		reading = !f->eof && !f->blocked && (f->fill != NULL || f->nfree > 0);
		p[0].fd = reading ? f->in->fd : -1;
		p[0].events = POLLIN;
		for (i = 0; i < f->n; i++) {
			w = &f->w[i];
			p[1 + 3 * i].fd = w->to != -1 && (w->blk != NULL || f->head != NULL) ? w->to : -1;
			p[1 + 3 * i].events = POLLOUT;
			p[2 + 3 * i].fd = w->from;
			p[2 + 3 * i].events = POLLIN;
			p[3 + 3 * i].fd = csp__fanproc_fd(&w->p);
			p[3 + 3 * i].events = POLLIN;
		}
		if (csp__fan_wait(f->pfd, 1 + 3 * f->n, f->done, next, f->out, NULL) == -1)
			return -1;
		/* Starting after the worker given the last block: among the ready, none is favoured. */
		for (k = 0; k < f->n; k++) {
			i = (f->first + k) % f->n;
			w = &f->w[i];
			if (w->from != -1 && p[2 + 3 * i].revents != 0 && collect(f, w) == -1)
				return -1;
			if ((p[3 + 3 * i].revents != 0 || csp__fanproc_blind(&w->p)) &&
			    reap_worker(f, w) == -1)
				return -1;
			if (w->to == -1 || p[1 + 3 * i].revents == 0)
				continue;
			if (p[1 + 3 * i].revents & (POLLERR | POLLHUP)) {
				retire(f, w);
				continue;
			}
			if (w->blk == NULL && (w->blk = dequeue(f)) != NULL) {
				w->off = 0;
				f->first = i + 1;
			}
			if (feed(f, w) == -1)
				return -1;
		}
		if (reading && p[0].revents != 0 && read_input(f) == -1)
			return -1;
	}
}

/* Pipe mode's long-lived workers; see csp_fanout_pipe (run.c). */
int
csp__fanout_workers(csp_rd *in, csp_wr *out, csp_fanout_opt *o, const csp_done *done)
{
	struct pipefan f;
	int ret = -1, i;

	if (in == NULL || o->argv == NULL || o->argv[0] == NULL) {
		errno = EINVAL;
		return -1;
	}
	memset(&f, 0, sizeof(f));
	f.o = o;
	f.in = in;
	f.out = out;
	f.done = done;
	f.delim = in->delim;

	o->total = o->failed = o->succeeded = 0;
	o->stopped = o->halted = o->exitval = 0;
	in->flush = NULL;
	if (setup(&f) == -1) {
		ret = -1;
		goto fail;
	}
	ret = run(&f);
	if (ret == 0)
		ret = csp_wr_flush(out, done);
fail:
	if (ret == -1 && f.w != NULL)
		stop_all(&f);
	o->exitval = csp__fanout_exitval(o, f.spawned, f.halt_status);
	for (i = 0; i < f.n && f.w != NULL; i++)
		if (csp__fanproc_running(&f.w[i].p))
			o->stopped = 1;
	teardown(&f);
	return ret;
}
