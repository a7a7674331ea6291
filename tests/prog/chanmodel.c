/*
 * chanmodel: random schedules of sends, receives, closes and cancels, run
 * by goroutine processes on one channel, each step checked against what a
 * plain in-memory model of Go's channel says the same step must do.
 *
 * usage: chanmodel [schedules [seed]]   (2000 schedules; seed from the clock)
 *
 * Each sender and receiver is a process that performs one command at a time
 * and reports the outcome. The controller issues a step, collects exactly the
 * outcomes the model predicts (which of several blocked processes completes
 * is the one choice left to the channel, and the model follows it), then
 * waits until every process the model says is blocked sleeps in poll(2), so
 * nothing is in flight when the next step comes. A step "try" is a call
 * whose done has fired already: it must complete exactly when the model
 * says it can without waiting, and else return ECANCELED. On a failure it
 * prints the seed, the schedule and its steps, and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cspipe.h"

#ifdef SYS_poll
#define POLL_NR SYS_poll
#else
#define POLL_NR SYS_ppoll  /* no poll(2) system call here: glibc calls ppoll */
#endif

#define MAXA 6       /* actors: up to 3 senders and 3 receivers */
#define STEPS 24
#define MAXV 64

enum { SEND, TRYSEND, RECV, TRYRECV, CLOSE, CLOSERECV, CANCEL, NOP };
static const char *opname[] = { "send", "trysend", "recv", "tryrecv", "close",
	"closerecv", "cancel" };

enum { RES_OK, RES_VAL, RES_END, RES_CANCELED, RES_EPIPE, RES_ERR };
static const char *resname[] = { "ok", "value", "end", "ECANCELED", "EPIPE", "error" };

struct cmd { int op; long v; };
struct rep { int actor, res; long v; int err; };

static csp_chan ch;
static csp_done *cur;            /* an actor's done for the call under way */
static int cmdfd, repfd, me;

static uint64_t rng;
static unsigned long long seed;
static long schedule;
static char steplog[STEPS * 2 + 8][64];
static int nlog;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static void
fail(const char *fmt, ...)
{
	va_list ap;
	int i;

	fprintf(stderr, "chanmodel: seed %llu, schedule %ld: ", seed, schedule);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	for (i = 0; i < nlog; i++)
		fprintf(stderr, "  %s\n", steplog[i]);
	fprintf(stderr, "rerun: chanmodel %ld %llu\n", schedule + 1, seed);
	exit(1);
}

static void
on_cancel(int sig)
{
	(void)sig;
	if (cur != NULL)
		csp_cancel(cur);
}

/* One process of the schedule: a command, its call, its outcome; until EOF. */
static void
actor(void *arg)
{
	struct cmd c;
	struct rep r;
	csp_done d;
	int ok;

	(void)arg;
	signal(SIGUSR1, on_cancel);
	memset(&r, 0, sizeof(r));
	r.actor = me;
	if (write(repfd, &r, sizeof(r)) != sizeof(r))  /* ready: it holds only its own ends */
		_exit(3);
	while (read(cmdfd, &c, sizeof(c)) == sizeof(c)) {
		memset(&r, 0, sizeof(r));
		r.actor = me;
		if (csp_done_make(&d, NULL) == -1)
			_exit(3);
		if (c.op == TRYSEND || c.op == TRYRECV)
			csp_cancel(&d);
		cur = &d;
		switch (c.op) {
		case SEND:
		case TRYSEND:
			r.v = c.v;
			r.res = csp_chan_send(&ch, &c.v, &d) == 0 ? RES_OK : RES_ERR;
			break;
		case RECV:
		case TRYRECV:
			r.res = csp_chan_recv(&ch, &r.v, &ok, &d) == 0 ? (ok ? RES_VAL : RES_END) : RES_ERR;
			break;
		case CLOSE:
			r.res = csp_chan_close(&ch) == 0 ? RES_OK : RES_ERR;
			break;
		case CLOSERECV:
			r.res = csp_chan_close_recv(&ch) == 0 ? RES_OK : RES_ERR;
			break;
		}
		cur = NULL;
		if (r.res == RES_ERR) {
			r.err = errno;
			r.res = errno == ECANCELED ? RES_CANCELED : errno == EPIPE ? RES_EPIPE : RES_ERR;
		}
		csp_done_free(&d);
		if (write(repfd, &r, sizeof(r)) != sizeof(r))
			_exit(3);
	}
}

/* ---- the model -------------------------------------------------------- */

struct act {
	int sender;          /* else a receiver */
	int open;            /* its end of the channel */
	int busy;            /* a call under way, blocked */
	int op;
	long v;              /* the value it sends */
	pid_t pid;
	int cmd;             /* its command pipe */
};

static struct act a[MAXA];
static int na, cap, nsend, nrecv;
static long buf[MAXV + 8];
static int nbuf;
static int rep[2];

static int
senders_open(void)
{
	int i, n = 0;

	for (i = 0; i < na; i++)
		n += a[i].sender && a[i].open;
	return n;
}

static int
receivers_open(void)
{
	int i, n = 0;

	for (i = 0; i < na; i++)
		n += !a[i].sender && a[i].open;
	return n;
}

static int
blocked(int sender)
{
	int i, n = 0;

	for (i = 0; i < na; i++)
		n += a[i].busy && a[i].sender == sender;
	return n;
}

/* The next outcome, within 10 s (a model outcome that never comes is a hang). */
static struct rep
next_rep(void)
{
	struct pollfd p = { rep[0], POLLIN, 0 };
	struct rep r;
	int i;

	if (poll(&p, 1, 10000) != 1)
		fail("an outcome the model expects did not come");
	if (read(rep[0], &r, sizeof(r)) != sizeof(r))
		fail("read of an outcome");
	snprintf(steplog[nlog < STEPS * 2 + 7 ? nlog++ : nlog], 64, "  <- %d: %s %ld%s%s",
	    r.actor, resname[r.res], r.v, r.res == RES_ERR ? " " : "",
	    r.res == RES_ERR ? strerror(r.err) : "");
	for (i = 0; i < na && i != r.actor; i++)
		;
	if (i == na)
		fail("an outcome from nobody");
	return r;
}

/* Nothing may come that the model did not ask for. */
static void
no_rep(void)
{
	struct pollfd p = { rep[0], POLLIN, 0 };

	if (poll(&p, 1, 0) == 1) {
		next_rep();
		fail("an outcome the model does not allow");
	}
}

/* A process the model says is blocked sleeps in poll(2), with nothing to wake it. */
static void
settle(void)
{
	char path[64], line[256], *p;
	int i, tries;
	FILE *f;

	for (i = 0; i < na; i++) {
		if (!a[i].busy)
			continue;
		for (tries = 0;; tries++) {
			int state = 0;
			long nr = -1;

			if (tries > 100000)
				fail("actor %d never blocked in its %s", i, opname[a[i].op]);
			snprintf(path, sizeof(path), "/proc/%d/stat", (int)a[i].pid);
			if ((f = fopen(path, "r")) != NULL) {
				if (fgets(line, sizeof(line), f) != NULL &&
				    (p = strrchr(line, ')')) != NULL)
					state = p[2];
				fclose(f);
			}
			snprintf(path, sizeof(path), "/proc/%d/syscall", (int)a[i].pid);
			if (state == 'S' && (f = fopen(path, "r")) != NULL) {
				if (fscanf(f, "%ld", &nr) != 1)
					nr = -1;
				fclose(f);
			} else if (state == 'S' && errno == EACCES) {
				nr = SYS_ppoll;  /* not ours to read: asleep will do */
			}
			if (state == 'S' && (nr == SYS_ppoll || nr == POLL_NR))
				break;
			no_rep();  /* a wrong completion shows here first */
			if (tries > 20)
				usleep(tries > 200 ? 200 : 20);
		}
	}
	no_rep();
}

static void
issue(int i, int op, long v)
{
	struct cmd c;

	memset(&c, 0, sizeof(c));  /* its padding goes down the pipe too */
	c.op = op;
	c.v = v;

	snprintf(steplog[nlog < STEPS * 2 + 7 ? nlog++ : nlog], 64, "%d %s %s %ld (buffered %d)",
	    i, a[i].sender ? "sender" : "receiver", opname[op], v, nbuf);
	if (write(a[i].cmd, &c, sizeof(c)) != sizeof(c))
		fail("write of a command");
}

static void
expect(struct rep r, int actor, int res, long v)
{
	if (r.actor != actor || r.res != res || ((res == RES_VAL || res == RES_OK) && r.v != v))
		fail("actor %d: %s %ld, the model says actor %d: %s %ld", r.actor,
		    resname[r.res], r.v, actor, resname[res], v);
}

/* A blocked process of this kind completes: the one the channel chose. */
static int
one_blocked(struct rep r, int sender, int res)
{
	if (r.actor < 0 || r.actor >= na || !a[r.actor].busy || a[r.actor].sender != sender ||
	    r.res != res)
		fail("actor %d: %s, the model wants a blocked %s to end with %s", r.actor,
		    resname[r.res], sender ? "sender" : "receiver", resname[res]);
	a[r.actor].busy = 0;
	return r.actor;
}

static void
push(long v)
{
	buf[nbuf++] = v;
}

static long
pop(void)
{
	long v = buf[0];

	memmove(buf, buf + 1, (size_t)--nbuf * sizeof(*buf));
	return v;
}

static void
step_send(int i, int op, long v)
{
	struct rep r, q;

	issue(i, op, v);
	a[i].op = op;
	a[i].v = v;
	if (receivers_open() == 0) {
		expect(next_rep(), i, RES_EPIPE, 0);
		return;
	}
	if (cap == 0 && blocked(0) > 0) {
		/* Straight to one of the receivers that wait. */
		r = next_rep();
		q = next_rep();
		if (r.actor == i) {
			struct rep t = r;

			r = q;
			q = t;
		}
		expect(q, i, RES_OK, v);
		if (r.res != RES_VAL || r.v != v)
			fail("actor %d: %s %ld, a waiting receiver should get %ld", r.actor,
			    resname[r.res], r.v, v);
		one_blocked(r, 0, RES_VAL);
		return;
	}
	if (cap > 0 && nbuf < cap) {
		/* Its outcome and a waiting receiver's may come in either order. */
		push(v);
		if (blocked(0) > 0) {
			r = next_rep();
			q = next_rep();
			if (r.actor == i) {
				struct rep t = r;

				r = q;
				q = t;
			}
			expect(q, i, RES_OK, v);
			if (r.res != RES_VAL || r.v != buf[0])
				fail("actor %d: %s %ld, a waiting receiver should get %ld",
				    r.actor, resname[r.res], r.v, buf[0]);
			one_blocked(r, 0, RES_VAL);
			pop();
		} else {
			expect(next_rep(), i, RES_OK, v);
		}
		return;
	}
	if (op == TRYSEND) {
		expect(next_rep(), i, RES_CANCELED, 0);
		return;
	}
	a[i].busy = 1;
}

static void
step_recv(int i, int op)
{
	struct rep r, q;
	int s;

	issue(i, op, 0);
	a[i].op = op;
	if (nbuf > 0) {
		long v = buf[0];

		if (blocked(1) > 0) {
			/* A slot frees: one blocked sender fills it. */
			r = next_rep();
			q = next_rep();
			if (r.actor == i) {
				struct rep t = r;

				r = q;
				q = t;
			}
			expect(q, i, RES_VAL, v);
			pop();
			s = one_blocked(r, 1, RES_OK);
			push(a[s].v);
		} else {
			expect(next_rep(), i, RES_VAL, v);
			pop();
		}
		return;
	}
	if (cap == 0 && blocked(1) > 0) {
		/*
		 * A blocked sender hands its value over. A receive that cannot
		 * wait may also give up first: the sender has not been told yet.
		 */
		r = next_rep();
		if (r.actor == i && r.res == RES_CANCELED && op == TRYRECV)
			return;
		q = next_rep();
		if (r.actor == i) {
			struct rep t = r;

			r = q;
			q = t;
		}
		s = one_blocked(r, 1, RES_OK);
		expect(q, i, RES_VAL, a[s].v);
		return;
	}
	if (senders_open() == 0) {
		expect(next_rep(), i, RES_END, 0);
		return;
	}
	if (op == TRYRECV) {
		expect(next_rep(), i, RES_CANCELED, 0);
		return;
	}
	a[i].busy = 1;
}

static void
step_close(int i)
{
	struct rep r;
	int k, n = 0, mine = 0;

	issue(i, a[i].sender ? CLOSE : CLOSERECV, 0);
	a[i].open = 0;
	/* Its outcome and those of the calls the close ends come in any order. */
	if (a[i].sender && senders_open() == 0)
		n = blocked(0);
	if (!a[i].sender && receivers_open() == 0)
		n = blocked(1);
	for (k = 0; k <= n; k++) {
		r = next_rep();
		if (r.actor == i && !mine) {
			expect(r, i, RES_OK, 0);
			mine = 1;
		} else {
			one_blocked(r, !a[i].sender, a[i].sender ? RES_END : RES_EPIPE);
		}
	}
}

static void
step_cancel(int i)
{
	snprintf(steplog[nlog < STEPS * 2 + 7 ? nlog++ : nlog], 64, "%d cancel its %s", i,
	    opname[a[i].op]);
	if (kill(a[i].pid, SIGUSR1) == -1)
		fail("kill");
	expect(next_rep(), i, RES_CANCELED, 0);
	a[i].busy = 0;
}

static void
run_schedule(void)
{
	csp_proc p[MAXA];
	csp_keep k;
	int i, cmd[2], s, nv = 0;

	cap = (int)rnd(4);
	nsend = 1 + (int)rnd(3);
	nrecv = 1 + (int)rnd(3);
	na = nsend + nrecv;
	nbuf = 0;
	nlog = 0;
	snprintf(steplog[nlog++], 64, "cap %d, %d senders (0..%d), %d receivers", cap, nsend,
	    nsend - 1, nrecv);
	if (csp_chan_make(&ch, sizeof(long), (size_t)cap) == -1)
		fail("csp_chan_make: %s", strerror(errno));
	for (i = 0; i < na; i++) {
		a[i] = (struct act){ .sender = i < nsend, .open = 1 };
		if (pipe2(cmd, O_CLOEXEC) == -1)
			fail("pipe");
		csp_keep_init(&k);
		if (a[i].sender)
			csp_keep_send(&k, &ch);
		else
			csp_keep_recv(&k, &ch);
		csp_keep_fd(&k, cmd[0]);
		csp_keep_fd(&k, rep[1]);
		cmdfd = cmd[0];
		repfd = rep[1];
		me = i;
		if (csp_go(&p[i], "chanmodel-actor", &k, actor, NULL) == -1)
			fail("csp_go: %s", strerror(errno));
		close(cmd[0]);
		a[i].cmd = cmd[1];
		a[i].pid = p[i].pid;
	}
	csp_chan_close(&ch);
	csp_chan_close_recv(&ch);
	for (i = 0; i < na; i++)
		if (next_rep().res != RES_OK)
			fail("an actor did not start");
	nlog = 1;
	for (s = 0; s < STEPS; s++) {
		int op, idle[MAXA], n = 0;

		for (i = 0; i < na; i++)
			if (a[i].open || a[i].busy)
				idle[n++] = i;
		if (n == 0)
			break;
		i = idle[rnd((unsigned)n)];
		if (a[i].busy)
			op = rnd(4) == 0 ? CANCEL : NOP;
		else if (a[i].sender)
			op = (int[]){ SEND, SEND, SEND, SEND, SEND, TRYSEND, TRYSEND, TRYSEND,
			    CLOSE, SEND }[rnd(10)];
		else
			op = (int[]){ RECV, RECV, RECV, RECV, RECV, TRYRECV, TRYRECV, TRYRECV,
			    CLOSERECV, RECV }[rnd(10)];
		switch (op) {
		case SEND:
		case TRYSEND:
			step_send(i, op, ++nv);
			break;
		case RECV:
		case TRYRECV:
			step_recv(i, op);
			break;
		case CLOSE:
		case CLOSERECV:
			step_close(i);
			break;
		case CANCEL:
			step_cancel(i);
			break;
		default:
			continue;
		}
		settle();
	}
	/* The end: what still waits is cancelled, and says so. */
	for (i = 0; i < na; i++)
		if (a[i].busy) {
			step_cancel(i);
			settle();
		}
	for (i = 0; i < na; i++)
		close(a[i].cmd);
	for (i = 0; i < na; i++)
		if (csp_proc_wait(&p[i], NULL, CSP_FOREVER) != 0)
			fail("actor %d exited with %d", i, p[i].status);
	no_rep();
	csp_chan_free(&ch);
}

int
main(int argc, char *argv[])
{
	long n = argc > 1 ? atol(argv[1]) : 2000;

	seed = argc > 2 ? strtoull(argv[2], NULL, 10) : (unsigned long long)time(NULL);
	rng = seed * 2654435761u + 1;
	if (pipe2(rep, O_CLOEXEC) == -1)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	for (schedule = 0; schedule < n; schedule++)
		run_schedule();
	printf("%ld schedules (seed %llu) agree with the model\n", n, seed);
	return 0;
}
