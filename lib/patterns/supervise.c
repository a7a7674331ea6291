/*
 * supervise.c: the steward that heals. It runs its ward, passes on its
 * output as whole records, and restarts it when it fails or goes quiet,
 * backing off; before every restart the old run's whole tree is stopped and
 * reaped, setsid() escapers included (when the caller is a subreaper).
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

#define PULSE_ENV "CSP_HEARTBEAT_FD"
#define MIN_WAIT_MS 10  /* the shortest wait before a restart, whatever -b says: no spinning */

struct run {
	csp_proc proc;
	int out;                  /* our end of its stdout; -1 once at EOF */
	int64_t start;            /* when it started */
	int64_t last;             /* its last sign of life */
	csp_rd rd;                /* its output, until a record is whole */
};

/* Keep our own descriptors off fd n: that number is the ward's. */
static int
off(int *fd, int n)
{
	int moved;

	if (*fd != n)
		return 0;
	if ((moved = fcntl(*fd, F_DUPFD_CLOEXEC, n + 1)) == -1)
		return -1;
	close(*fd);
	*fd = moved;
	return 0;
}

/* "300ms", "2s", "5m": a duration as the user would have written it. */
static void
say_ms(char *buf, size_t size, int64_t ms)
{
	if (ms % 3600000 == 0)
		snprintf(buf, size, "%lldh", (long long)(ms / 3600000));
	else if (ms % 60000 == 0)
		snprintf(buf, size, "%lldm", (long long)(ms / 60000));
	else if (ms % 1000 == 0)
		snprintf(buf, size, "%llds", (long long)(ms / 1000));
	else
		snprintf(buf, size, "%lldms", (long long)ms);
}

static void
ended(csp_ward *w, int why, int status)
{
	char d[32];

	w->why = why;
	w->status = status;
	switch (why) {
	case CSP_WARD_OK:
		snprintf(w->reason, sizeof(w->reason), "exited with status 0");
		break;
	case CSP_WARD_EXIT:
		snprintf(w->reason, sizeof(w->reason), "exited with status %d", status);
		break;
	case CSP_WARD_SIGNAL:
		snprintf(w->reason, sizeof(w->reason), "killed by signal %d", status - 128);
		break;
	default:
		say_ms(d, sizeof(d), w->timeout);
		snprintf(w->reason, sizeof(w->reason), "no %s for %s",
		    why == CSP_WARD_SILENT ? "output" : "heartbeat", d);
		break;
	}
}

/*
 * Start a run: its stdout a pipe to us, and with a pulse pipe, its write
 * end at the ward's fd pulse_fd. Whatever we have at that number steps
 * aside while the ward is made, signals held off, and comes back after.
 */
static int
start(csp_ward *w, struct run *r, int pulse_w)
{
	int p[2], fds[3] = { -1, -1, -1 }, n = w->pulse_fd, saved = -1, fdfl, e, ret = -1;
	int flags = CSP_SPAWN_PGROUP | CSP_SPAWN_INHERIT;
	sigset_t all, old;

	if (csp__pipe(p, 0) == -1)
		return -1;
	fds[1] = p[1];
	if (n == -1) {
		ret = csp_spawn(&r->proc, w->argv, fds, flags);
	} else if (off(&p[0], n) == 0 && off(&p[1], n) == 0) {
		fds[1] = p[1];
		/* A signal handler must not close fd n while it is not what it seems. */
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, &old);
		fdfl = fcntl(n, F_GETFD);
		if ((fdfl == -1 || (saved = fcntl(n, F_DUPFD_CLOEXEC, 3)) != -1) &&
		    dup2(pulse_w, n) != -1) {
			ret = csp_spawn(&r->proc, w->argv, fds, flags);
			e = errno;
			if (saved != -1)
				dup3(saved, n, (fdfl & FD_CLOEXEC) ? O_CLOEXEC : 0);
			else
				close(n);
			errno = e;
		}
		e = errno;
		if (saved != -1)
			close(saved);
		sigprocmask(SIG_SETMASK, &old, NULL);
		errno = e;
	}
	e = errno;
	close(p[1]);
	if (ret == -1) {
		close(p[0]);
		errno = e;
		return -1;
	}
	r->proc.pidfd = csp__pidfd(r->proc.pid);  /* -1 without: then we look now and then */
	r->out = p[0];
	r->rd.fd = p[0];
	r->rd.head = r->rd.tail = r->rd.scan = 0;
	r->rd.eof = 0;
	r->start = r->last = csp_now();
	return 0;
}

/* Pass on the whole records it has written; with final, the rest too, terminated. */
static int
emit(struct run *r, csp_wr *out, int final, const csp_done *done)
{
	csp_rd *rd = &r->rd;
	char *cut = memrchr(rd->buf + rd->scan, rd->delim, rd->tail - rd->scan);

	rd->scan = rd->tail;
	if (cut != NULL) {
		if (csp_wr_put(out, rd->buf + rd->head, (size_t)(cut + 1 - (rd->buf + rd->head)),
		    done) == -1)
			return -1;
		rd->head = (size_t)(cut + 1 - rd->buf);
	}
	if (final && rd->head < rd->tail) {
		if (csp_wr_rec(out, rd->buf + rd->head, rd->tail - rd->head, rd->delim, done) == -1)
			return -1;
		rd->head = rd->scan = rd->tail;
	}
	return 0;
}

/* What it wrote (poll said there is something, or EOF). Returns bytes read. */
static ssize_t
drain(struct run *r, csp_wr *out, const csp_done *done)
{
	ssize_t n = csp_rd_fill(&r->rd, NULL);

	if (n == -1)
		return -1;
	if (n == 0)
		csp__close(&r->out);
	if (emit(r, out, 0, done) == -1)
		return -1;
	return n;
}

/* Throw away the pulses that are there: stale ones must not vouch for a new run. */
static void
forget_pulses(int fd)
{
	char buf[512];

	while (fd != -1 && read(fd, buf, sizeof(buf)) > 0)
		;
}

/* Exited yet? The status, without reaping (the group id stays ours): 0 no, 1 yes. */
static int
peek(struct run *r, int *why, int *status)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, r->proc.pid, &si, WEXITED | WNOHANG | WNOWAIT) == -1)
		return errno == EINTR ? 0 : -1;
	if (si.si_pid != r->proc.pid)
		return 0;
	if (si.si_code == CLD_EXITED) {
		*why = si.si_status == 0 ? CSP_WARD_OK : CSP_WARD_EXIT;
		*status = si.si_status;
	} else {
		*why = CSP_WARD_SIGNAL;
		*status = 128 + si.si_status;
	}
	return 1;
}

/*
 * Watch a run until it exits or misses its heartbeat: 0 with w->why set
 * (the run may still be running), -1 with errno (ECANCELED: done).
 */
static int
watch(csp_ward *w, struct run *r, int pulse_r, csp_wr *out, const csp_done *done)
{
	struct pollfd pfd[4 + CSP_DONE_DEPTH];
	int k, why, status;
	int64_t until, now;
	ssize_t n;
	char buf[512];

	for (;;) {
		if (out->len > 0 && csp_wr_flush(out, done) == -1)
			return -1;
		pfd[0].fd = r->out;
		pfd[1].fd = pulse_r;
		pfd[2].fd = r->proc.pidfd;
		for (k = 0; k < 3; k++)
			pfd[k].events = POLLIN;
		pfd[3].fd = out->fd;
		pfd[3].events = 0;  /* errors only: a pipe whose reader went away */
		until = w->timeout >= 0 ? r->last + w->timeout : CSP_FOREVER;
		if (r->proc.pidfd == -1)
			until = csp__min_deadline(until, csp_after(50));
		if (csp__react(pfd, 4, done, until, 0) == -1)
			return -1;
		if (pfd[3].revents & (POLLERR | POLLHUP)) {
			errno = EPIPE;
			return -1;
		}
		now = csp_now();
		if (pfd[0].revents != 0) {
			if ((n = drain(r, out, done)) == -1)
				return -1;
			if (n > 0 && w->pulse_fd == -1)
				r->last = now;
		}
		if (pfd[1].revents != 0) {
			while ((n = read(pulse_r, buf, sizeof(buf))) > 0)
				r->last = now;
		}
		k = r->proc.pidfd == -1 || pfd[2].revents != 0 ? peek(r, &why, &status) : 0;
		if (k == -1)
			return -1;
		if (k == 1) {
			csp_proc_wait(&r->proc, NULL, CSP_FOREVER);  /* reap it */
			ended(w, why, status);
			return 0;
		}
		if (w->timeout >= 0 && now >= r->last + w->timeout) {
			ended(w, w->pulse_fd == -1 ? CSP_WARD_SILENT : CSP_WARD_NOPULSE, -1);
			return 0;
		}
	}
}

/*
 * End a run: the ward and whatever of its tree is left, stopped together
 * (TERM, one grace, KILL), then its output to the end, all written by now.
 */
static int
finish(csp_ward *w, struct run *r, csp_wr *out, const csp_done *done, int pass)
{
	struct pollfd pfd[1 + CSP_DONE_DEPTH];
	int e = errno;

	if (csp__stop(&r->proc, 0, 1, SIGTERM, w->grace, CSP__STOP_TREE) == -1 && pass)
		return -1;
	if (!pass) {
		csp__close(&r->out);
		errno = e;
		return 0;
	}
	pfd[0].fd = r->out;
	pfd[0].events = POLLIN;
	/* Nobody else holds its write end now: what is there is all there is. */
	while (r->out != -1 && csp__react(pfd, 1, NULL, 0, 0) > 0)
		if (drain(r, out, done) == -1)
			return -1;
	csp__close(&r->out);
	return emit(r, out, 1, done);
}

/* The pulse pipe, and the environment variable that names its fd in the ward. */
struct pulse {
	int r, w;                 /* our ends; the write end only ever written by wards */
	int env_set;              /* CSP_HEARTBEAT_FD is ours until we put old back */
	char *old;                /* its value before, or NULL */
};

static int
pulse_open(struct pulse *p, int fd)
{
	char num[16];
	const char *old = getenv(PULSE_ENV);
	int fds[2];

	memset(p, 0, sizeof(*p));
	p->r = p->w = -1;
	if (fd == -1)
		return 0;
	if (fd < 3) {
		errno = EINVAL;
		return -1;
	}
	if (csp__pipe(fds, 0) == -1)
		return -1;
	p->r = fds[0];
	p->w = fds[1];
	/* Off the ward's number, so it is never ours to lend out. */
	if (off(&p->r, fd) == -1 || off(&p->w, fd) == -1 ||
	    fcntl(p->r, F_SETFL, O_NONBLOCK) == -1)
		return -1;
	if (old != NULL && (p->old = strdup(old)) == NULL)
		return -1;
	snprintf(num, sizeof(num), "%d", fd);
	if (setenv(PULSE_ENV, num, 1) == -1)
		return -1;
	p->env_set = 1;
	return 0;
}

static void
pulse_close(struct pulse *p)
{
	int e = errno;

	csp__close(&p->r);
	csp__close(&p->w);
	if (p->env_set && p->old != NULL)
		setenv(PULSE_ENV, p->old, 1);
	else if (p->env_set)
		unsetenv(PULSE_ENV);
	free(p->old);
	p->old = NULL;
	p->env_set = 0;
	errno = e;
}

/*
 * Run w->argv, and run it again each time it fails (a non-zero exit, a
 * death by signal, or no sign of life for w->timeout), after a backoff that
 * starts at w->backoff and doubles up to w->max_backoff; a run that lasted
 * max_backoff starts the backoff over. Returns 0 once a run exits 0, or
 * once it failed with max_restarts spent (w->why says which, w->reason
 * why); -1 with errno: ECANCELED (done), EPIPE (out's reader went away),
 * or why the ward could not be started. On return nothing it started runs.
 */
int
csp_supervise(csp_ward *w, csp_wr *out, const csp_done *done)
{
	struct run r;
	struct pulse pulse;
	int ret = -1, e, fl;
	int64_t backoff = w->backoff < w->max_backoff ? w->backoff : w->max_backoff, ran;

	memset(&r, 0, sizeof(r));
	r.out = -1;
	r.proc.pid = -1;
	w->restarts = 0;
	w->status = 0;
	w->why = CSP_WARD_OK;
	w->reason[0] = '\0';
	/* Output that could only fail: say so now, not after the ward ran (and over and over). */
	if ((fl = fcntl(out->fd, F_GETFL)) == -1 || (fl & O_ACCMODE) == O_RDONLY) {
		errno = EBADF;
		return -1;
	}
	csp__nosigpipe();
	if (csp_rd_init(&r.rd, -1, w->delim) == -1)
		return -1;
	if (pulse_open(&pulse, w->pulse_fd) == -1)
		goto out;
	for (;;) {
		forget_pulses(pulse.r);
		if (start(w, &r, pulse.w) == -1)
			goto out;
		if (watch(w, &r, pulse.r, out, done) == -1) {
			finish(w, &r, out, done, 0);
			goto out;
		}
		ran = csp_now() - r.start;
		if (finish(w, &r, out, done, 1) == -1 || csp_wr_flush(out, done) == -1)
			goto out;
		if (w->why == CSP_WARD_OK ||
		    (w->max_restarts >= 0 && w->restarts >= w->max_restarts))
			break;
		w->restarts++;
		if (w->on_restart != NULL)
			w->on_restart(w, w->arg);
		if (ran >= w->max_backoff)  /* it stayed up a good while: start over */
			backoff = w->backoff < w->max_backoff ? w->backoff : w->max_backoff;
		if (backoff < MIN_WAIT_MS)
			backoff = MIN_WAIT_MS;
		if (csp_wait_fd(-1, 0, done, csp_after(backoff)) == -1 && errno != ETIMEDOUT)
			goto out;
		backoff = backoff > w->max_backoff / 2 ? w->max_backoff : backoff * 2;
	}
	ret = 0;
out:
	e = errno;
	pulse_close(&pulse);
	csp__close(&r.out);
	csp_rd_free(&r.rd);
	errno = e;
	return ret;
}
