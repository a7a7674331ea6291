/*
 * chantest: Go's channel contract, across processes. One subcommand each;
 * it exits 0 when the contract holds and prints what it saw, or names what
 * broke and exits 1. tests/lib.bats runs each under leakfree.
 *
 *   senders S CAP      exactly CAP values buffered, whoever of S sends them
 *   exact S R CAP      every value once, receivers that stop take nothing
 *   selexact S R CAP   the same with receivers that receive through csp_select
 *   rendezvous N       capacity 0: ECANCELED means not delivered, both ways
 *   select0 N          the same through csp_select, a done case against the other
 *   closed CAP         select: a case whose end is closed here is never ready
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bsd/stdlib.h>

#include "cspipe.h"

#define CHECK(cond, ...) do { if (!(cond)) { \
	fprintf(stderr, "chantest: line %d: ", __LINE__); \
	fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); exit(1); } } while (0)

static csp_chan ch;
static int tickfd, holdfd;

/* Exactly want bytes on fd within 10 s, then none more for 300 ms: how many came. */
static long
count(int fd, long want)
{
	char buf[4096];
	long n = 0;
	ssize_t r;
	struct pollfd p = { fd, POLLIN, 0 };

	while (n < want && poll(&p, 1, 10000) > 0 && (r = read(fd, buf,
	    (size_t)(want - n) < sizeof(buf) ? (size_t)(want - n) : sizeof(buf))) > 0)
		n += r;
	while (poll(&p, 1, 300) > 0 && (r = read(fd, buf, sizeof(buf))) > 0)
		n += r;
	return n;
}

/* Sender 0 sends one value, then keeps its end open, sending nothing, until told. */
static void
send_one_then_hold(void *arg)
{
	uint64_t v = 0;
	char b;

	(void)arg;
	if (csp_chan_send(&ch, &v, NULL) == -1 || write(tickfd, "x", 1) != 1)
		_exit(1);
	if (read(holdfd, &b, 1) == -1)  /* EOF: the test is done with holding */
		_exit(1);
}

static void
send_forever(void *arg)
{
	uint64_t id = (uint64_t)(uintptr_t)arg, i;

	for (i = 0;; i++) {
		uint64_t v = id << 32 | i;

		if (csp_chan_send(&ch, &v, NULL) == -1)
			_exit(errno == EPIPE ? 0 : 1);
		if (write(tickfd, "x", 1) != 1)
			_exit(1);
	}
}

/*
 * S senders, nobody receiving: exactly cap sends complete, though sender 0
 * stops after one and keeps its end open. When it exits the capacity is
 * whole: draining all lets exactly cap more in, and each value came once.
 */
static int
t_senders(int ns, int cap)
{
	int tick[2], hold[2], i, ok;
	long n, got;
	csp_proc p[64];
	csp_keep k;
	uint64_t v, next[64] = { 0 };

	CHECK(ns >= 2 && ns <= 64, "2 to 64 senders");
	CHECK(csp_chan_make(&ch, sizeof(uint64_t), (size_t)cap) == 0, "make: %s", strerror(errno));
	CHECK(pipe2(tick, O_CLOEXEC) == 0 && pipe2(hold, O_CLOEXEC) == 0, "pipe");
	tickfd = tick[1];
	holdfd = hold[0];
	for (i = 0; i < ns; i++) {
		csp_keep_init(&k);
		csp_keep_send(&k, &ch);
		csp_keep_fd(&k, tick[1]);
		csp_keep_fd(&k, hold[0]);
		CHECK(csp_go(&p[i], "sender", &k, i == 0 ? send_one_then_hold : send_forever,
		    (void *)(uintptr_t)i) == 0, "go");
		if (i == 0)  /* its one value first: then it holds on, sending nothing */
			CHECK(count(tick[0], 1) == 1, "sender 0 did not send");
	}
	close(tick[1]);
	close(hold[0]);
	csp_chan_close(&ch);
	n = 1 + count(tick[0], cap - 1);
	CHECK(n == cap, "%d senders, capacity %d: %ld sends completed with no receiver", ns, cap, n);
	close(hold[1]);  /* sender 0 exits, its end closed */
	CHECK(csp_proc_wait(&p[0], NULL, CSP_FOREVER) == 0, "sender 0");
	for (got = 0; got < cap; got++) {
		CHECK(csp_chan_recv(&ch, &v, &ok, NULL) == 0 && ok, "recv: %s", strerror(errno));
		CHECK((v >> 32) < (uint64_t)ns && (v & 0xffffffff) == next[v >> 32],
		    "value %#llx out of order or twice", (unsigned long long)v);
		next[v >> 32]++;
	}
	n = count(tick[0], cap);
	CHECK(n == cap, "after sender 0 left and %d were received: %ld sends completed, want %d",
	    cap, n, cap);
	csp_chan_close_recv(&ch);
	for (i = 1; i < ns; i++)
		CHECK(csp_proc_wait(&p[i], NULL, CSP_FOREVER) == 0, "sender %d", i);
	printf("%d senders, capacity %d: %d buffered, again %d after one left\n", ns, cap, cap, cap);
	return 0;
}

/* ---- exact: every value once, with receivers that stop early ---------- */

#define PER_SENDER 3000
static int resfd;
static csp_done stop;
static int by_select;  /* receivers receive through csp_select */

struct rx {
	int id;
	long quit_after;    /* receive this many, then return; -1: to the end */
	int cancellable;    /* receives with stop as done */
};

static void
sender_n(void *arg)
{
	uint64_t id = (uint64_t)(uintptr_t)arg, i, batch[16];
	size_t k;

	for (i = 0; i < PER_SENDER; ) {
		/* Singles and batches both: send_many must not lose or repeat either. */
		if (id % 2 == 0 || i % 64 != 0) {
			uint64_t v = id << 32 | i;

			if (csp_chan_send(&ch, &v, NULL) == -1)
				_exit(1);
			i++;
			continue;
		}
		for (k = 0; k < 16 && i + k < PER_SENDER; k++)
			batch[k] = id << 32 | (i + k);
		ssize_t r = csp_chan_send_many(&ch, batch, k, NULL);
		if (r != (ssize_t)k)
			_exit(1);
		i += k;
	}
}

/* What it received goes to the parent, 8 bytes a value; ~0 says it saw the end. */
static void
receiver(void *arg)
{
	const struct rx *x = arg;
	uint64_t v, end = ~(uint64_t)0;
	long n = 0;
	int ok;

	for (;;) {
		if (x->quit_after >= 0 && n == x->quit_after)
			return;
		if (by_select) {
			csp_case k[2] = {
				{ .op = CSP_RECV, .ch = &ch, .val = &v },
				{ .op = x->cancellable ? CSP_DONE : CSP_OFF, .done = &stop },
			};
			int i = csp_select(k, 2, 0, CSP_FOREVER);

			if (i == -1)
				_exit(1);
			if (i == 1)
				_exit(0);  /* cancelled: nothing taken */
			ok = k[0].ok;
		} else if (csp_chan_recv(&ch, &v, &ok, x->cancellable ? &stop : NULL) == -1) {
			_exit(errno == ECANCELED ? 0 : 1);
		}
		if (!ok)
			break;
		if (write(resfd, &v, sizeof(v)) != sizeof(v))
			_exit(1);
		n++;
	}
	if (write(resfd, &end, sizeof(end)) != sizeof(end))
		_exit(1);
}

static int
t_exact_one(int ns, int nr, int cap)
{
	static struct rx rx[64];
	static char seen[64][PER_SENDER];
	csp_proc sp[64], rp[64];
	csp_keep k;
	int res[2], i, ends = 0, finishers = 0;
	uint64_t v;
	long total = 0;
	FILE *f;

	CHECK(ns <= 64 && nr <= 64, "at most 64 each");
	memset(seen, 0, sizeof(seen));
	CHECK(csp_chan_make(&ch, sizeof(uint64_t), (size_t)cap) == 0, "make: %s", strerror(errno));
	CHECK(csp_done_make(&stop, NULL) == 0 && pipe2(res, O_CLOEXEC) == 0, "make");
	resfd = res[1];
	for (i = 0; i < nr; i++) {
		/* The last receives to the end; of the others, some return, some are cancelled. */
		rx[i] = (struct rx){ i, -1, 0 };
		if (i < nr - 1 && i % 2 == 0)
			rx[i].quit_after = 1 + (long)arc4random_uniform(200);
		if (i < nr - 1 && i % 2 == 1)
			rx[i].cancellable = 1;
		finishers += rx[i].quit_after < 0 && !rx[i].cancellable;
		csp_keep_init(&k);
		csp_keep_recv(&k, &ch);
		csp_keep_fd(&k, res[1]);
		csp_keep_done(&k, &stop);
		CHECK(csp_go(&rp[i], "receiver", &k, receiver, &rx[i]) == 0, "go");
	}
	for (i = 0; i < ns; i++) {
		csp_keep_init(&k);
		csp_keep_send(&k, &ch);
		CHECK(csp_go(&sp[i], "sender", &k, sender_n, (void *)(uintptr_t)i) == 0, "go");
	}
	close(res[1]);
	csp_chan_close(&ch);
	csp_chan_close_recv(&ch);
	f = fdopen(res[0], "r");
	while (fread(&v, sizeof(v), 1, f) == 1) {
		if (v == ~(uint64_t)0) {
			ends++;
			continue;
		}
		CHECK((v >> 32) < (uint64_t)ns && (v & 0xffffffff) < PER_SENDER, "a value from nowhere: %#llx",
		    (unsigned long long)v);
		CHECK(!seen[v >> 32][v & 0xffffffff], "value %#llx received twice",
		    (unsigned long long)v);
		seen[v >> 32][v & 0xffffffff] = 1;
		/* Halfway, the cancellable receivers are cancelled. */
		if (++total == (long)ns * PER_SENDER / 2)
			csp_cancel(&stop);
	}
	fclose(f);
	for (i = 0; i < ns; i++)
		CHECK(csp_proc_wait(&sp[i], NULL, CSP_FOREVER) == 0, "sender %d failed", i);
	for (i = 0; i < nr; i++)
		CHECK(csp_proc_wait(&rp[i], NULL, CSP_FOREVER) == 0, "receiver %d failed", i);
	CHECK(total == (long)ns * PER_SENDER, "%d senders, %d receivers, capacity %d: %ld of %ld "
	    "values received", ns, nr, cap, total, (long)ns * PER_SENDER);
	CHECK(ends >= finishers, "only %d of %d receivers saw the end (ok=0)", ends, finishers);
	csp_done_free(&stop);
	csp_chan_free(&ch);
	return 0;
}

static int
t_exact(int ns, int nr, int cap)
{
	t_exact_one(ns, nr, cap);
	printf("%d senders, %d receivers%s, capacity %d: %ld values, each once\n", ns, nr,
	    by_select ? " (select)" : "", cap, (long)ns * PER_SENDER);
	return 0;
}

/* ---- rendezvous: a cancelled send or receive transferred nothing ------- */

static int rdvfd;

/* Receives with a deadline near the sender's, so both sides give up now and then. */
static void
rdv_receiver(void *arg)
{
	long n = *(long *)arg, i;
	uint64_t v;
	int ok;
	csp_done d;

	for (i = 0; i < n; i++) {
		if (csp_done_deadline(&d, NULL, csp_after(1)) == -1)
			_exit(1);
		if (arc4random_uniform(2))
			usleep(arc4random_uniform(1500));
		if (csp_chan_recv(&ch, &v, &ok, &d) == 0) {
			if (!ok)
				_exit(0);
			if (write(rdvfd, &v, sizeof(v)) != sizeof(v))
				_exit(1);
		} else if (errno != ECANCELED) {
			_exit(1);
		}
		csp_done_free(&d);
	}
	for (;;) {  /* then everything left, to the end */
		if (csp_chan_recv(&ch, &v, &ok, NULL) == -1)
			_exit(1);
		if (!ok)
			return;
		if (write(rdvfd, &v, sizeof(v)) != sizeof(v))
			_exit(1);
	}
}

static int
t_rendezvous(long n)
{
	static char sent[100000], got[100000];
	csp_proc p;
	csp_keep k;
	csp_done d;
	int res[2];
	long i, nsent = 0, ncancel = 0;
	uint64_t v;
	ssize_t r;

	CHECK(n > 0 && n <= 100000, "1 to 100000 rounds");
	CHECK(csp_chan_make(&ch, sizeof(uint64_t), 0) == 0 && pipe2(res, O_CLOEXEC) == 0, "make");
	rdvfd = res[1];
	csp_keep_init(&k);
	csp_keep_recv(&k, &ch);
	csp_keep_fd(&k, res[1]);
	CHECK(csp_go(&p, "receiver", &k, rdv_receiver, &n) == 0, "go");
	close(res[1]);
	csp_chan_close_recv(&ch);
	for (i = 0; i < n; i++) {
		v = (uint64_t)i;
		CHECK(csp_done_deadline(&d, NULL, csp_after(1)) == 0, "done");
		if (arc4random_uniform(2))
			usleep(arc4random_uniform(1500));
		if (csp_chan_send(&ch, &v, &d) == 0) {
			sent[i] = 1;
			nsent++;
		} else {
			CHECK(errno == ECANCELED, "send: %s", strerror(errno));
			ncancel++;
		}
		csp_done_free(&d);
	}
	csp_chan_close(&ch);
	while ((r = read(res[0], &v, sizeof(v))) == sizeof(v)) {
		CHECK(v < (uint64_t)n && !got[v], "value %llu twice", (unsigned long long)v);
		got[v] = 1;
		CHECK(sent[v], "value %llu received, but its send returned ECANCELED",
		    (unsigned long long)v);
	}
	for (i = 0; i < n; i++)
		CHECK(!sent[i] || got[i], "value %ld sent (the send returned 0) but never received", i);
	CHECK(csp_proc_wait(&p, NULL, CSP_FOREVER) == 0, "receiver");
	CHECK(nsent > 0 && ncancel > 0, "%ld sent, %ld cancelled: the race was not run", nsent,
	    ncancel);
	printf("capacity 0: %ld delivered, %ld cancelled and never delivered\n", nsent, ncancel);
	return 0;
}

/* The same race through csp_select: a send or receive case against a done case. */
static void
sel_receiver(void *arg)
{
	long n = *(long *)arg, i;
	uint64_t v;
	csp_done d;
	int r;

	for (i = 0; i < n; i++) {
		if (csp_done_deadline(&d, NULL, csp_after(1)) == -1)
			_exit(1);
		csp_case k[2] = {
			{ .op = CSP_RECV, .ch = &ch, .val = &v },
			{ .op = CSP_DONE, .done = &d },
		};
		if (arc4random_uniform(2))
			usleep(arc4random_uniform(1500));
		if ((r = csp_select(k, 2, 0, CSP_FOREVER)) == -1)
			_exit(1);
		if (r == 0 && !k[0].ok)
			_exit(0);
		if (r == 0 && write(rdvfd, &v, sizeof(v)) != sizeof(v))
			_exit(1);
		csp_done_free(&d);
	}
	rdv_receiver(&(long){ 0 });
}

static int
t_select0(long n)
{
	static char sent[100000], got[100000];
	csp_proc p;
	csp_keep k;
	csp_done d;
	int res[2], r;
	long i, nsent = 0, ncancel = 0;
	uint64_t v;

	CHECK(n > 0 && n <= 100000, "1 to 100000 rounds");
	CHECK(csp_chan_make(&ch, sizeof(uint64_t), 0) == 0 && pipe2(res, O_CLOEXEC) == 0, "make");
	rdvfd = res[1];
	csp_keep_init(&k);
	csp_keep_recv(&k, &ch);
	csp_keep_fd(&k, res[1]);
	CHECK(csp_go(&p, "receiver", &k, sel_receiver, &n) == 0, "go");
	close(res[1]);
	csp_chan_close_recv(&ch);
	for (i = 0; i < n; i++) {
		v = (uint64_t)i;
		CHECK(csp_done_deadline(&d, NULL, csp_after(1)) == 0, "done");
		csp_case c[2] = {
			{ .op = CSP_DONE, .done = &d },
			{ .op = CSP_SEND, .ch = &ch, .val = &v },
		};
		if (arc4random_uniform(2))
			usleep(arc4random_uniform(1500));
		r = csp_select(c, 2, 0, CSP_FOREVER);
		CHECK(r == 0 || r == 1, "select: %s", strerror(errno));
		sent[i] = r == 1;
		nsent += r == 1;
		ncancel += r == 0;
		csp_done_free(&d);
	}
	csp_chan_close(&ch);
	while (read(res[0], &v, sizeof(v)) == sizeof(v)) {
		CHECK(v < (uint64_t)n && !got[v], "value %llu twice", (unsigned long long)v);
		got[v] = 1;
		CHECK(sent[v], "value %llu received, but select chose the done over its send",
		    (unsigned long long)v);
	}
	for (i = 0; i < n; i++)
		CHECK(!sent[i] || got[i], "value %ld sent (select chose the send) but never received",
		    i);
	CHECK(csp_proc_wait(&p, NULL, CSP_FOREVER) == 0, "receiver");
	CHECK(nsent > 0 && ncancel > 0, "%ld sent, %ld cancelled: the race was not run", nsent,
	    ncancel);
	printf("select at capacity 0: %ld delivered, %ld given up and never delivered\n", nsent,
	    ncancel);
	return 0;
}

/*
 * A receive whose end this process closed is never chosen, though its
 * channel holds a value; nor a send whose end it closed, though there is
 * room. A done case among them is.
 */
static int
t_closed(int cap)
{
	csp_chan out;
	csp_done d;
	uint64_t v = 7, w = 0;
	int i;

	CHECK(csp_chan_make(&ch, sizeof(v), (size_t)cap) == 0 &&
	    csp_chan_make(&out, sizeof(v), (size_t)cap) == 0 && csp_done_make(&d, NULL) == 0,
	    "make: %s", strerror(errno));
	if (cap > 0)
		CHECK(csp_chan_send(&ch, &v, NULL) == 0, "send: %s", strerror(errno));
	CHECK(csp_chan_close_recv(&ch) == 0 && csp_chan_close(&out) == 0, "close");
	{
		csp_case k[3] = {
			{ .op = CSP_RECV, .ch = &ch, .val = &w },
			{ .op = CSP_SEND, .ch = &out, .val = &v },
			{ .op = CSP_DONE, .done = &d },
		};

		for (i = 0; i < 2; i++) {
			errno = 0;
			CHECK(csp_select(&k[i], 1, CSP_DEFAULT, CSP_FOREVER) == -1 &&
			    errno == EWOULDBLOCK, "case %d closed here was chosen (%s)", i,
			    strerror(errno));
		}
		CHECK(csp_select(k, 2, 0, csp_after(50)) == -1 && errno == ETIMEDOUT,
		    "closed cases chosen before the deadline (%s)", strerror(errno));
		csp_cancel(&d);
		CHECK(csp_select(k, 3, 0, CSP_FOREVER) == 2, "the done was not chosen (%s)",
		    strerror(errno));
		CHECK(w == 0, "a value was received through a closed end");
	}
	csp_chan_free(&ch);
	csp_chan_free(&out);
	csp_done_free(&d);
	printf("capacity %d: closed ends never ready, the done chosen\n", cap);
	return 0;
}

int
main(int argc, char *argv[])
{
	const char *t = argc > 1 ? argv[1] : "";
	int a = argc > 2 ? atoi(argv[2]) : 0, b = argc > 3 ? atoi(argv[3]) : 0;
	int c = argc > 4 ? atoi(argv[4]) : 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(t, "senders") == 0 && argc == 4)
		return t_senders(a, b);
	if (strcmp(t, "exact") == 0 && argc == 5)
		return t_exact(a, b, c);
	if (strcmp(t, "selexact") == 0 && argc == 5) {
		by_select = 1;
		return t_exact(a, b, c);
	}
	if (strcmp(t, "rendezvous") == 0 && argc == 3)
		return t_rendezvous(a);
	if (strcmp(t, "select0") == 0 && argc == 3)
		return t_select0(a);
	if (strcmp(t, "closed") == 0 && argc == 3)
		return t_closed(a);
	fprintf(stderr, "usage: chantest senders S CAP | exact S R CAP | selexact S R CAP | "
	    "rendezvous N | select0 N | closed CAP\n");
	return 2;
}
