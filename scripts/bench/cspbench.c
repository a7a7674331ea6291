/*
 * cspbench: what each cspipe operation costs beside its raw Unix reference.
 *
 * Every case runs the cspipe operation and the raw system calls it is built
 * on in the same process, in alternating rounds (the order flips each round),
 * after one warm-up round of each that is not counted. The figure of a side
 * is the median of its rounds; the ratio is cspipe's median over the raw one.
 * Rates (per second) want a ratio at or above the target; times (us, ms)
 * want it at or below.
 *
 * usage: cspbench [-q] [-v] [-r rounds] [-t seconds] [case ...]
 *        cspbench -p jobs command [arg ...] < records
 * cases: chan chan0 stream spawn exec cancel select (select2 select16 select256),
 * all by default. -q is the quick mode (fewer, shorter rounds); -v prints every
 * round on stderr. -p is the per-job floor for scripts/bench/commands: it runs
 * "command arg... RECORD" for each line read, jobs at a time, with vfork,
 * execve and waitpid and nothing else, the least any per-record tool can spend.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bsd/stdlib.h>

#include "cspipe.h"

#define VAL 8                   /* every channel value: 8 bytes */
#define CHAN_CAP 1024           /* case 1 and select */
#define STREAM_CAP 65536        /* case 2: a 512 KiB data pipe */
#define STREAM_BATCH 8192       /* values per send_many/recv_many: 64 KiB */
#define SELECT_BATCH 64         /* values the select feeders send per call */
#define NCANCEL 1000            /* case 4 */
#define GROUP (CSP_KEEP_MAX / 2) /* send ends one goroutine process can keep */
#define MAXSEL 256

extern char **environ;

static double dur = 0.2;        /* seconds per round of a rate case */
static int nspawn = 1000;       /* spawns per round of case 3 */
static int verbose;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
reap(pid_t pid)
{
	int ws;

	while (waitpid(pid, &ws, 0) == -1)
		if (errno != EINTR)
			err(1, "waitpid %d", (int)pid);
}

static pid_t
xfork(void)
{
	pid_t pid = fork();

	if (pid == -1)
		err(1, "fork");
	return pid;
}

static void
xpipe(int fds[2], int flags)
{
	if (pipe2(fds, O_CLOEXEC | flags) == -1)
		err(1, "pipe");
}

static void
readall(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t r;

	while (len > 0) {
		r = read(fd, p, len);
		if (r > 0) {
			p += r;
			len -= (size_t)r;
		} else if (r == 0 || errno != EINTR) {
			err(1, "read");
		}
	}
}

static void
wait_go(csp_proc *p)
{
	if (csp_proc_wait(p, NULL, CSP_FOREVER) == -1)
		err(1, "csp_proc_wait");
}

/* ---- 1: one 8-byte value per call, capacity 1024 ---------------------- */

static void
chan_sender(void *arg)
{
	csp_chan *c = arg;
	uint64_t v;

	for (v = 0; csp_chan_send(c, &v, NULL) == 0; v++)
		;
}

/* Messages per second at capacity cap, timed from the first value the receiver has;
 * the clock is read every mask+1 values. */
static double
chan_rate(size_t cap, long mask, const char *what)
{
	csp_chan c;
	csp_keep k;
	csp_proc p;
	uint64_t v, want;
	long n = 0;
	int ok;
	double t0, t1;

	if (csp_chan_make(&c, VAL, cap) == -1)
		err(1, "csp_chan_make");
	csp_keep_init(&k);
	csp_keep_send(&k, &c);
	if (csp_go(&p, "bench-send", &k, chan_sender, &c) == -1)
		err(1, "csp_go");
	csp_chan_close(&c);
	if (csp_chan_recv(&c, &v, &ok, NULL) == -1 || !ok)
		err(1, "csp_chan_recv");
	t0 = now();
	for (want = 1;; want++) {
		if (csp_chan_recv(&c, &v, &ok, NULL) == -1 || !ok)
			err(1, "csp_chan_recv");
		if (v != want)
			errx(1, "%s: got %llu, want %llu", what, (unsigned long long)v,
			    (unsigned long long)want);
		if ((++n & mask) == 0 && (t1 = now()) - t0 >= dur)
			break;
	}
	csp_chan_close_recv(&c);
	wait_go(&p);
	csp_chan_free(&c);
	return (double)n / (t1 - t0) / 1e3;
}

static double
chan_ours(int arg)
{
	(void)arg;
	return chan_rate(CHAN_CAP, 1023, "chan");
}

static double
chan_raw(int arg)
{
	int fds[2];
	pid_t pid;
	uint64_t v, want;
	long n = 0;
	double t0, t1;

	(void)arg;
	xpipe(fds, 0);
	if ((pid = xfork()) == 0) {
		close(fds[0]);
		for (v = 0; write(fds[1], &v, VAL) == VAL; v++)
			;
		_exit(0);
	}
	close(fds[1]);
	readall(fds[0], &v, VAL);
	t0 = now();
	for (want = 1;; want++) {
		if (read(fds[0], &v, VAL) != VAL)
			err(1, "read");
		if (v != want)
			errx(1, "raw chan: got %llu, want %llu", (unsigned long long)v,
			    (unsigned long long)want);
		if ((++n & 1023) == 0 && (t1 = now()) - t0 >= dur)
			break;
	}
	close(fds[0]);
	reap(pid);
	return (double)n / (t1 - t0) / 1e3;
}

/* ---- 1b: capacity 0, a rendezvous per value --------------------------- */

static double
chan0_ours(int arg)
{
	(void)arg;
	return chan_rate(0, 255, "chan0");
}

/* A round trip per value: the writer waits for the reader's byte before the next. */
static double
chan0_raw(int arg)
{
	int val[2], ack[2];
	pid_t pid;
	uint64_t v, want;
	long n = 0;
	char b = 0;
	double t0, t1;

	(void)arg;
	xpipe(val, 0);
	xpipe(ack, 0);
	if ((pid = xfork()) == 0) {
		close(val[0]);
		close(ack[1]);
		for (v = 0; write(val[1], &v, VAL) == VAL && read(ack[0], &b, 1) == 1; v++)
			;
		_exit(0);
	}
	close(val[1]);
	close(ack[0]);
	readall(val[0], &v, VAL);
	if (write(ack[1], &b, 1) != 1)
		err(1, "write");
	t0 = now();
	for (want = 1;; want++) {
		readall(val[0], &v, VAL);
		if (v != want)
			errx(1, "raw chan0: got %llu, want %llu", (unsigned long long)v,
			    (unsigned long long)want);
		if (write(ack[1], &b, 1) != 1)
			err(1, "write");
		if ((++n & 255) == 0 && (t1 = now()) - t0 >= dur)
			break;
	}
	close(val[0]);
	close(ack[1]);
	reap(pid);
	return (double)n / (t1 - t0) / 1e3;
}

/* ---- 2: streaming, send_many/recv_many against bulk write/read --------- */

static uint64_t stream_buf[STREAM_BATCH];
static int stream_pipe_size;  /* the channel's data pipe: the raw pipe gets the same */

static void
stream_sender(void *arg)
{
	csp_chan *c = arg;

	while (csp_chan_send_many(c, stream_buf, STREAM_BATCH, NULL) > 0)
		;
}

/* MB/s (1e6 bytes), timed from the first batch the receiver has. */
static double
stream_ours(int arg)
{
	csp_chan c;
	csp_keep k;
	csp_proc p;
	ssize_t r;
	double bytes = 0, t0, t1;

	(void)arg;
	if (csp_chan_make(&c, VAL, STREAM_CAP) == -1)
		err(1, "csp_chan_make cap %d", STREAM_CAP);
	stream_pipe_size = fcntl(c.rfd, F_GETPIPE_SZ);
	csp_keep_init(&k);
	csp_keep_send(&k, &c);
	if (csp_go(&p, "bench-stream", &k, stream_sender, &c) == -1)
		err(1, "csp_go");
	csp_chan_close(&c);
	if (csp_chan_recv_many(&c, stream_buf, STREAM_BATCH, NULL) <= 0)
		err(1, "csp_chan_recv_many");
	t0 = now();
	do {
		if ((r = csp_chan_recv_many(&c, stream_buf, STREAM_BATCH, NULL)) <= 0)
			err(1, "csp_chan_recv_many");
		bytes += (double)r * VAL;
	} while ((t1 = now()) - t0 < dur);
	csp_chan_close_recv(&c);
	wait_go(&p);
	csp_chan_free(&c);
	return bytes / (t1 - t0) / 1e6;
}

static double
stream_raw(int arg)
{
	int fds[2];
	pid_t pid;
	ssize_t r;
	double bytes = 0, t0, t1;

	(void)arg;
	xpipe(fds, 0);
	if (stream_pipe_size > 0 && fcntl(fds[1], F_SETPIPE_SZ, stream_pipe_size) == -1)
		err(1, "F_SETPIPE_SZ");
	if ((pid = xfork()) == 0) {
		close(fds[0]);
		while (write(fds[1], stream_buf, sizeof(stream_buf)) > 0)
			;
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], stream_buf, sizeof(stream_buf)) <= 0)
		err(1, "read");
	t0 = now();
	do {
		if ((r = read(fds[0], stream_buf, sizeof(stream_buf))) <= 0)
			err(1, "read");
		bytes += (double)r;
	} while ((t1 = now()) - t0 < dur);
	close(fds[0]);
	reap(pid);
	return bytes / (t1 - t0) / 1e6;
}

/* ---- 3: spawn, exit, reap ---------------------------------------------- */

static void
nothing(void *arg)
{
	(void)arg;
}

/* Microseconds per goroutine process, one at a time. */
static double
spawn_ours(int arg)
{
	csp_proc p;
	double t0;
	int i;

	(void)arg;
	t0 = now();
	for (i = 0; i < nspawn; i++) {
		if (csp_go(&p, "bench-spawn", NULL, nothing, NULL) == -1)
			err(1, "csp_go");
		wait_go(&p);
	}
	return (now() - t0) / nspawn * 1e6;
}

static double
spawn_raw(int arg)
{
	double t0;
	int i;

	(void)arg;
	t0 = now();
	for (i = 0; i < nspawn; i++) {
		if (xfork() == 0)
			_exit(0);
		reap(-1);
	}
	return (now() - t0) / nspawn * 1e6;
}

/* ---- 3b: spawn of a program, exec, exit, reap ---------------------------- */

static char *true_argv[] = { "/bin/true", NULL };

/* Microseconds per /bin/true run to its end, one at a time; a quarter of nspawn. */
static double
exec_ours(int arg)
{
	csp_proc p;
	double t0;
	int i, n = nspawn / 4;

	(void)arg;
	t0 = now();
	for (i = 0; i < n; i++) {
		if (csp_spawn(&p, true_argv, NULL, 0) == -1)
			err(1, "csp_spawn %s", true_argv[0]);
		wait_go(&p);
	}
	return (now() - t0) / n * 1e6;
}


/* vfork and execve only: glibc's posix_spawn also sets every signal's action in the child. */
static pid_t __attribute__((noinline))
floor_spawn(const char *path, char **argv)
{
	pid_t pid = vfork();

	if (pid == 0) {
		execve(path, argv, environ);
		_exit(127);
	}
	return pid;
}

/* fork (or vfork), execve, waitpid of true, n times: microseconds each. */
static double
exec_loop(int use_vfork)
{
	double t0;
	int i, n = nspawn / 4;
	pid_t pid;

	t0 = now();
	for (i = 0; i < n; i++) {
		if (use_vfork) {
			pid = floor_spawn(true_argv[0], true_argv);
		} else if ((pid = xfork()) == 0) {
			execve(true_argv[0], true_argv, environ);
			_exit(127);
		}
		if (pid == -1)
			err(1, "vfork");
		reap(-1);
	}
	return (now() - t0) / n * 1e6;
}

static double
exec_raw(int arg)
{
	(void)arg;
	return exec_loop(0);
}

/* The same against the least a start can be: vfork, execve, waitpid. */
static double
exec_vfork(int arg)
{
	(void)arg;
	return exec_loop(1);
}

/* ---- 4: cancel 1000 blocked processes, until every one is reaped -------- */

static int ready_wfd;
static csp_proc procs[NCANCEL];
static pid_t pids[NCANCEL];

static void
waiter(void *arg)
{
	char b = 0;

	if (write(ready_wfd, &b, 1) != 1)
		_exit(1);
	csp_done_wait(arg, CSP_FOREVER);
}

/* Milliseconds from csp_cancel until the last csp_proc_wait returned. */
static double
cancel_ours(int arg)
{
	static char sink[NCANCEL];
	csp_done d;
	csp_keep k;
	int ready[2], i;
	double t0, t1;

	(void)arg;
	xpipe(ready, 0);
	ready_wfd = ready[1];
	if (csp_done_make(&d, NULL) == -1)
		err(1, "csp_done_make");
	for (i = 0; i < NCANCEL; i++) {
		csp_keep_init(&k);
		csp_keep_done(&k, &d);
		csp_keep_fd(&k, ready[1]);
		if (csp_go(&procs[i], "bench-wait", &k, waiter, &d) == -1)
			err(1, "csp_go %d", i);
	}
	readall(ready[0], sink, NCANCEL);  /* each is in csp_done_wait, or about to be */
	t0 = now();
	csp_cancel(&d);
	for (i = 0; i < NCANCEL; i++)
		if (csp_proc_wait(&procs[i], NULL, CSP_FOREVER) != 0)
			errx(1, "cancelled child %d: status %d", i, procs[i].status);
	t1 = now();
	csp_done_free(&d);
	close(ready[0]);
	close(ready[1]);
	return (t1 - t0) * 1e3;
}

static double
cancel_raw(int arg)
{
	static char sink[NCANCEL];
	int done[2], ready[2], i, ws;
	char b = 0;
	double t0, t1;

	(void)arg;
	xpipe(done, 0);
	xpipe(ready, 0);
	for (i = 0; i < NCANCEL; i++) {
		if ((pids[i] = xfork()) == 0) {
			close(done[1]);
			if (write(ready[1], &b, 1) != 1)
				_exit(1);
			while (read(done[0], &b, 1) == -1 && errno == EINTR)
				;
			_exit(0);
		}
	}
	readall(ready[0], sink, NCANCEL);
	t0 = now();
	close(done[1]);
	for (i = 0; i < NCANCEL; i++) {
		while (waitpid(pids[i], &ws, 0) == -1)
			if (errno != EINTR)
				err(1, "waitpid");
		if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
			errx(1, "raw child %d: status %#x", i, ws);
	}
	t1 = now();
	close(done[0]);
	close(ready[0]);
	close(ready[1]);
	return (t1 - t0) * 1e3;
}

/* ---- 5: select over n channels, fed by senders that keep them full ----- */

static csp_chan selch[MAXSEL];
static csp_case selcase[MAXSEL];
static int selr[MAXSEL], selw[MAXSEL];

struct feed {
	int lo, hi;  /* the channels (or pipes) this feeder keeps full */
};

/* Value v of channel i is i << 32 | v, so a mixed-up receive shows. */
static void
feed_ours(void *arg)
{
	const struct feed *f = arg;
	uint64_t batch[SELECT_BATCH], v = 0;
	int i, j;

	for (;; v++)
		for (i = f->lo; i < f->hi; i++) {
			for (j = 0; j < SELECT_BATCH; j++)
				batch[j] = (uint64_t)i << 32 | (v & 0xffffffff);
			if (csp_chan_send_many(&selch[i], batch, SELECT_BATCH, NULL) != SELECT_BATCH)
				return;
		}
}

static void
feed_raw(const struct feed *f, int n)
{
	uint64_t batch[SELECT_BATCH], v = 0;
	int i, j;

	for (i = 0; i < n; i++) {
		close(selr[i]);
		if (i < f->lo || i >= f->hi)
			close(selw[i]);
	}
	for (;; v++)
		for (i = f->lo; i < f->hi; i++) {
			for (j = 0; j < SELECT_BATCH; j++)
				batch[j] = (uint64_t)i << 32 | (v & 0xffffffff);
			if (write(selw[i], batch, sizeof(batch)) != (ssize_t)sizeof(batch))
				_exit(0);
		}
}

/* Operations (one value received) per second, over n channels. */
static double
select_ours(int n)
{
	csp_proc feeder[MAXSEL / GROUP];
	struct feed f;
	csp_keep k;
	uint64_t v;
	long ops = 0;
	int i, g, nfeed = 0;
	double t0, t1;

	for (i = 0; i < n; i++) {
		if (csp_chan_make(&selch[i], VAL, CHAN_CAP) == -1)
			err(1, "csp_chan_make");
		selcase[i] = (csp_case){ .op = CSP_RECV, .ch = &selch[i], .val = &v };
	}
	for (g = 0; g < n; g += GROUP, nfeed++) {
		f.lo = g;
		f.hi = g + GROUP < n ? g + GROUP : n;
		csp_keep_init(&k);
		for (i = f.lo; i < f.hi; i++)
			if (csp_keep_send(&k, &selch[i]) == -1)
				err(1, "csp_keep_send");
		if (csp_go(&feeder[nfeed], "bench-feed", &k, feed_ours, &f) == -1)
			err(1, "csp_go");
		for (i = f.lo; i < f.hi; i++)
			csp_chan_close(&selch[i]);
	}
	for (t0 = now();; ) {
		if ((i = csp_select(selcase, n, 0, CSP_FOREVER)) == -1)
			err(1, "csp_select");
		if (!selcase[i].ok || (int)(v >> 32) != i)
			errx(1, "select: case %d got %#llx", i, (unsigned long long)v);
		if ((++ops & 255) == 0 && (t1 = now()) - t0 >= dur)
			break;
	}
	for (i = 0; i < n; i++)
		csp_chan_close_recv(&selch[i]);
	for (g = 0; g < nfeed; g++)
		wait_go(&feeder[g]);
	for (i = 0; i < n; i++)
		csp_chan_free(&selch[i]);
	return (double)ops / (t1 - t0) / 1e3;
}

static double
select_raw(int n)
{
	struct pollfd pfd[MAXSEL];
	pid_t feeder[MAXSEL / GROUP];
	struct feed f;
	uint64_t v;
	long ops = 0;
	int i, g, nfeed = 0, nready, ready[MAXSEL];
	double t0, t1;

	for (i = 0; i < n; i++) {
		int fds[2];

		xpipe(fds, 0);
		selr[i] = fds[0];
		selw[i] = fds[1];
		pfd[i].fd = fds[0];
		pfd[i].events = POLLIN;
	}
	for (g = 0; g < n; g += GROUP, nfeed++) {
		f.lo = g;
		f.hi = g + GROUP < n ? g + GROUP : n;
		if ((feeder[nfeed] = xfork()) == 0)
			feed_raw(&f, n);
	}
	for (i = 0; i < n; i++)
		close(selw[i]);
	for (t0 = now();; ) {
		if (poll(pfd, n, -1) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		for (nready = 0, i = 0; i < n; i++)
			if (pfd[i].revents != 0)
				ready[nready++] = i;
		if (nready == 0)
			continue;
		i = ready[nready == 1 ? 0 : arc4random_uniform(nready)];
		if (read(pfd[i].fd, &v, VAL) != VAL)
			err(1, "read");
		if ((int)(v >> 32) != i)
			errx(1, "raw select: pipe %d got %#llx", i, (unsigned long long)v);
		if ((++ops & 255) == 0 && (t1 = now()) - t0 >= dur)
			break;
	}
	for (i = 0; i < n; i++)
		close(selr[i]);
	for (g = 0; g < nfeed; g++)
		reap(feeder[g]);
	return (double)ops / (t1 - t0) / 1e3;
}

/* ---- the table ---------------------------------------------------------- */

struct kase {
	const char *name;       /* one word: the run script finds rows by it */
	const char *group;      /* what selects it on the command line */
	const char *unit;
	int lower;              /* a time: the ratio must be at most target */
	double target;
	double (*ours)(int);
	double (*raw)(int);
	int arg;
	const char *note;
};

static const struct kase cases[] = {
	{ "chan-8B-cap1024", "chan", "kmsg/s", 0, 0.9, chan_ours, chan_raw, 0,
	  "chan: csp_chan_send/recv, one 8-byte value a call vs write/read of 8 bytes on a pipe" },
	{ "chan-8B-cap0", "chan0", "kmsg/s", 0, 0.5, chan0_ours, chan0_raw, 0,
	  "chan0: csp_chan_send/recv at capacity 0 (a rendezvous per value) vs a pipe round\n"
	  "#   trip: write of 8 bytes, then read of the reader's 1-byte answer" },
	{ "stream-8B-cap65536", "stream", "MB/s", 0, 0.5, stream_ours, stream_raw, 0,
	  "stream: send_many/recv_many of 8192 values vs write/read of 64 KiB, same pipe size" },
	{ "spawn-exit-reap", "spawn", "us/op", 1, 1.2, spawn_ours, spawn_raw, 0,
	  "spawn: csp_go(empty fn)+csp_proc_wait vs fork+_exit+waitpid" },
	{ "spawn-exec-reap", "exec", "us/op", 1, 1.2, exec_ours, exec_raw, 0,
	  "exec: csp_spawn of /bin/true+csp_proc_wait (a vfork start) vs fork+execve+waitpid" },
	{ "spawn-exec-vfork", "exec", "us/op", 1, 1.2, exec_ours, exec_vfork, 0,
	  "  spawn-exec-vfork: the same csp_spawn vs vfork+execve+waitpid, a child doing nothing else" },
	{ "cancel-1000", "cancel", "ms", 1, 1.2, cancel_ours, cancel_raw, 0,
	  "cancel: 1000 children blocked in csp_done_wait (raw: read of a pipe), timed from\n"
	  "#   csp_cancel (raw: close of the write end) until each is reaped; spawning is not timed" },
	{ "select-2", "select2", "kops/s", 0, 1 / 1.3, select_ours, select_raw, 2,
	  "select-N: csp_select over N CSP_RECV cases (cap 1024) vs poll over N pipes + read of\n"
	  "#   8 bytes from one ready pipe picked at random; feeders (32 channels each) keep all full" },
	{ "select-16", "select16", "kops/s", 0, 1 / 1.3, select_ours, select_raw, 16, NULL },
	{ "select-256", "select256", "kops/s", 0, 1 / 1.3, select_ours, select_raw, 256, NULL },
};
#define NCASE (int)(sizeof(cases) / sizeof(cases[0]))

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int
run(const struct kase *k, int rounds)
{
	double ours[64], raw[64], ratios[64], a, b, ratio;
	int r, pass;

	k->ours(k->arg);  /* warm-up, not counted */
	k->raw(k->arg);
	for (r = 0; r < rounds; r++) {
		if (r % 2 == 0) {
			ours[r] = k->ours(k->arg);
			raw[r] = k->raw(k->arg);
		} else {
			raw[r] = k->raw(k->arg);
			ours[r] = k->ours(k->arg);
		}
		ratios[r] = ours[r] / raw[r];
		if (verbose)
			fprintf(stderr, "%s round %d: cspipe %.3f raw %.3f %s\n", k->name, r,
			    ours[r], raw[r], k->unit);
	}
	/* Each round's pair ran back to back, under the same load: their ratio is steadier. */
	ratio = median(ratios, rounds);
	a = median(ours, rounds);
	b = median(raw, rounds);
	pass = k->lower ? ratio <= k->target : ratio >= k->target;
	printf("%-20s %12.3f %12.3f %-7s %7.3f %2s%-5.3f %s\n", k->name, a, b, k->unit,
	    ratio, k->lower ? "<=" : ">=", k->target, pass ? "PASS" : "MISS");
	fflush(stdout);
	return pass;
}

static int
selected(const struct kase *k, int argc, char **argv)
{
	int i;

	if (argc == 0)
		return 1;
	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], k->group) == 0 || strcmp(argv[i], k->name) == 0 ||
		    (strcmp(argv[i], "select") == 0 && strncmp(k->group, "select", 6) == 0))
			return 1;
	return 0;
}

/* A busy machine makes every figure noisy: say so up front. */
static void
loadavg(void)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double l1;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	if (f == NULL)
		return;
	if (fscanf(f, "%lf", &l1) == 1 && ncpu > 0 && l1 > 0.75 * (double)ncpu)
		printf("# load average %.2f on %ld CPUs: other work is running, the figures"
		    " will be noisy\n", l1, ncpu);
	fclose(f);
}

/*
 * The per-job floor: "cmd... RECORD" for each line of stdin, par at a time,
 * a vfork start of the path found once, and waitpid; no fd, signal or output
 * handling at all. Exits 1 if a job failed.
 */
static int
floor_jobs(int par, char **cmd, int ncmd)
{
	char path[4096], *line = NULL, **argv;
	size_t cap = 0;
	ssize_t len;
	pid_t pid;
	int running = 0, ws, failed = 0;

	if (csp_lookpath(cmd[0], path, sizeof(path)) == -1)
		err(127, "%s", cmd[0]);
	if ((argv = calloc((size_t)ncmd + 2, sizeof(*argv))) == NULL)
		err(1, "calloc");
	memcpy(argv, cmd, (size_t)ncmd * sizeof(*argv));
	for (;;) {
		if (running == par || ((len = getline(&line, &cap, stdin)) == -1 && running > 0)) {
			if (wait(&ws) == -1)
				err(1, "wait");
			failed |= !WIFEXITED(ws) || WEXITSTATUS(ws) != 0;
			running--;
			continue;
		}
		if (len == -1)
			break;
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		argv[ncmd] = line;
		if ((pid = floor_spawn(path, argv)) == -1)
			err(1, "vfork");
		running++;
	}
	if (ferror(stdin))
		err(1, "stdin");
	free(argv);
	free(line);
	return failed;
}

static void
usage(void)
{
	int i;

	fprintf(stderr, "usage: cspbench [-q] [-v] [-r rounds] [-t seconds] [case ...]\n"
	    "       cspbench -p jobs command [arg ...] < records\ncases:");
	for (i = 0; i < NCASE; i++)
		fprintf(stderr, " %s", cases[i].group);
	fprintf(stderr, " select\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct rlimit rl;
	const char *errstr;
	int c, i, j, rounds = 7, nrun = 0, npass = 0, par = 0;

	while ((c = getopt(argc, argv, "+p:qr:t:v")) != -1) {
		switch (c) {
		case 'p':
			par = (int)strtonum(optarg, 1, 1024, &errstr);
			if (errstr != NULL)
				errx(2, "jobs %s: %s", optarg, errstr);
			break;
		case 'q':
			rounds = 3;
			dur = 0.08;
			nspawn = 300;
			break;
		case 'r':
			rounds = (int)strtonum(optarg, 1, 63, &errstr);
			if (errstr != NULL)
				errx(2, "rounds %s: %s", optarg, errstr);
			break;
		case 't':
			dur = strtod(optarg, NULL);
			if (!(dur > 0 && dur < 60))
				errx(2, "seconds %s: out of range", optarg);
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (par > 0) {
		if (argc == 0)
			usage();
		return floor_jobs(par, argv, argc);
	}
	for (i = 0; i < argc; i++) {
		for (j = 0; j < NCASE; j++)
			if (selected(&cases[j], 1, &argv[i]))
				break;
		if (j == NCASE)
			usage();
	}
	/* 256 channels are 1024 fds, and 1000 children 1000 pidfds. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	loadavg();
	printf("# cspbench: median of %d alternating rounds (%.2fs each for rates, %d spawns"
	    " for spawn)\n", rounds, dur, nspawn);
	printf("%-20s %12s %12s %-7s %7s %-7s %s\n", "case", "cspipe", "reference", "unit",
	    "ratio", "target", "result");
	fflush(stdout);
	for (i = 0; i < NCASE; i++) {
		if (!selected(&cases[i], argc, argv))
			continue;
		nrun++;
		npass += run(&cases[i], rounds);
	}
	printf("# cspipe, reference: medians of the rounds; ratio: the median of the rounds'"
	    " cspipe/reference\n# rates (/s) want ratio >= target, times (us, ms) <= target;"
	    " select's >= 0.769 of raw ops/s\n# is <= 1.3x raw time per operation.\n");
	for (i = 0; i < NCASE; i++)
		if (cases[i].note != NULL && selected(&cases[i], argc, argv))
			printf("# %s\n", cases[i].note);
	printf("# %d of %d cases reached their target\n", npass, nrun);
	return 0;
}
