/*
 * libtest: the library's behaviours, one subcommand each. A subcommand
 * exits 0 when the behaviour holds and prints what it saw; on a failure it
 * names what was wrong and exits 1. tests/lib.bats runs each under leakfree.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bsd/stdlib.h>

#include "cspipe.h"

#define CHECK(cond, ...) do { if (!(cond)) { \
	fprintf(stderr, "libtest: line %d: ", __LINE__); \
	fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); exit(1); } } while (0)

static csp_chan ch, ch2;
static csp_done done;

/* Bytes readable on fd within ms: how many (each a progress tick). */
static int
ticks(int fd, int ms)
{
	char buf[4096];
	int n = 0;
	ssize_t r;
	struct pollfd p = { fd, POLLIN, 0 };

	while (poll(&p, 1, ms) > 0 && (r = read(fd, buf, sizeof(buf))) > 0) {
		n += (int)r;
		ms = 50;
	}
	return n;
}

static void
send_forever(void *arg)
{
	long i;
	int fd = *(int *)arg;

	for (i = 0;; i++) {
		if (csp_chan_send(&ch, &i, NULL) == -1)
			_exit(errno == EPIPE ? 0 : 1);
		if (write(fd, "x", 1) != 1)
			_exit(1);
	}
}

/* A sender completes exactly cap sends while nobody receives, then one per receive. */
static int
t_capacity(int cap)
{
	int tick[2], n, i, ok;
	long v;
	csp_proc p;
	csp_keep k;

	CHECK(csp_chan_make(&ch, sizeof(long), (size_t)cap) == 0, "make: %s", strerror(errno));
	CHECK(pipe(tick) == 0, "pipe");
	csp_keep_init(&k);
	csp_keep_send(&k, &ch);
	csp_keep_fd(&k, tick[1]);
	CHECK(csp_go(&p, "sender", &k, send_forever, &tick[1]) == 0, "go");
	close(tick[1]);
	csp_chan_close(&ch);
	n = ticks(tick[0], 300);
	CHECK(n == cap, "cap %d: %d sends completed with no receiver", cap, n);
	for (i = 0; i < 3; i++) {
		CHECK(csp_chan_recv(&ch, &v, &ok, NULL) == 0 && ok, "recv");
		CHECK(v == i, "value %ld, want %d", v, i);
		n = ticks(tick[0], 300);
		CHECK(n == 1, "cap %d: %d sends completed after one receive", cap, n);
	}
	csp_chan_close_recv(&ch);
	CHECK(csp_proc_wait(&p, NULL, CSP_FOREVER) == 0, "sender did not end with EPIPE");
	printf("cap %d: %d sends before a receive, one per receive after\n", cap, cap);
	return 0;
}

/* close(ch): the receiver drains what is buffered, then sees ok=0, again and again. */
static int
t_drain(void)
{
	long v;
	int ok, i;

	CHECK(csp_chan_make(&ch, sizeof(long), 4) == 0, "make");
	for (v = 10; v < 13; v++)
		CHECK(csp_chan_send(&ch, &v, NULL) == 0, "send");
	CHECK(csp_chan_close(&ch) == 0, "close");
	CHECK(csp_chan_close(&ch) == -1 && errno == EBADF, "a second close is not EBADF");
	for (i = 10; i < 13; i++) {
		CHECK(csp_chan_recv(&ch, &v, &ok, NULL) == 0 && ok && v == i, "drained %ld", v);
	}
	for (i = 0; i < 2; i++)
		CHECK(csp_chan_recv(&ch, &v, &ok, NULL) == 0 && !ok, "receive after close");
	CHECK(csp_chan_send(&ch, &v, NULL) == -1 && errno == EBADF, "send after close");
	printf("drained 3, then closed\n");
	return 0;
}

/* No receiver left: send is -1/EPIPE, and the process lives. */
static int
t_epipe(int cap)
{
	long v = 1;

	CHECK(csp_chan_make(&ch, sizeof(long), (size_t)cap) == 0, "make");
	csp_chan_close_recv(&ch);
	CHECK(csp_chan_send(&ch, &v, NULL) == -1 && errno == EPIPE,
	    "send: %s", strerror(errno));
	CHECK(csp_chan_send_many(&ch, &v, 1, NULL) == -1 && errno == EPIPE, "send_many");
	printf("EPIPE, alive\n");
	return 0;
}

static void
msg_writer(void *arg)
{
	int id = *(int *)arg, i;
	char buf[CSP_MSG_MAX];

	for (i = 0; i < 500; i++) {
		size_t len = (size_t)((i * 131 + id * 17) % CSP_MSG_MAX);

		memset(buf, 'a' + id, len);
		if (len > 0)
			buf[0] = (char)('0' + id);
		if (csp_chan_send_msg(&ch, buf, len, NULL) == -1)
			_exit(1);
	}
}

/* Framed messages from several writers arrive whole, none torn or lost. */
static int
t_messages(void)
{
	static int ids[4] = { 0, 1, 2, 3 };
	char buf[CSP_MSG_MAX + 1];
	int got[4] = { 0 }, want[4] = { 0 }, empty = 0, want_empty = 0, ok, i, m;
	ssize_t n, j;
	csp_proc p[4];
	csp_keep k;

	CHECK(csp_chan_make(&ch, 0, 8) == 0, "make");
	CHECK(csp_chan_send_msg(&ch, buf, CSP_MSG_MAX + 1, NULL) == -1 && errno == EMSGSIZE,
	    "an oversized message was accepted");
	for (i = 0; i < 4; i++) {
		csp_keep_init(&k);
		csp_keep_send(&k, &ch);
		CHECK(csp_go(&p[i], "writer", &k, msg_writer, &ids[i]) == 0, "go");
	}
	csp_chan_close(&ch);
	while ((n = csp_chan_recv_msg(&ch, buf, sizeof(buf), &ok, NULL)) >= 0 && ok) {
		int id = n > 0 ? buf[0] - '0' : -1;

		if (n == 0) {
			empty++;  /* an empty message names no writer: counted on its own */
			continue;
		}
		CHECK(id >= 0 && id < 4, "a message from nobody");
		for (j = 1; j < n; j++)
			CHECK(buf[j] == 'a' + id, "message from %d torn at %zd", id, j);
		got[id]++;
	}
	CHECK(n == 0, "recv_msg: %s", strerror(errno));
	for (i = 0; i < 4; i++)
		for (m = 0; m < 500; m++)
			if ((m * 131 + i * 17) % CSP_MSG_MAX == 0)
				want_empty++;
			else
				want[i]++;
	for (i = 0; i < 4; i++) {
		CHECK(csp_proc_wait(&p[i], NULL, CSP_FOREVER) == 0, "writer failed");
		CHECK(got[i] == want[i], "writer %d: %d messages, want %d", i, got[i], want[i]);
	}
	CHECK(empty == want_empty, "%d empty messages, want %d", empty, want_empty);
	printf("4 writers, every message whole, none lost: %d %d %d %d and %d empty\n",
	    got[0], got[1], got[2], got[3], empty);
	return 0;
}

static void
send_n(void *arg)
{
	long v, n = *(long *)arg;

	for (v = 0; v < n; v++)
		if (csp_chan_send(&ch, &v, NULL) == -1)
			_exit(1);
}

static void
reader(void *arg)
{
	int fd = *(int *)arg, ok;
	long v;

	while (csp_chan_recv(&ch, &v, &ok, NULL) == 0 && ok)
		if (write(fd, &v, sizeof(v)) != sizeof(v))
			_exit(1);
}

/* Several receivers of fixed-size values: each value to exactly one of them. */
static int
t_readers(void)
{
	enum { N = 30000, R = 3 };
	static char seen[N];
	int res[2], i;
	long v, n = N;
	csp_proc p[R], s;
	csp_keep k;
	FILE *f;

	CHECK(csp_chan_make(&ch, sizeof(long), 64) == 0, "make");
	CHECK(pipe2(res, O_CLOEXEC) == 0, "pipe");
	for (i = 0; i < R; i++) {
		csp_keep_init(&k);
		csp_keep_recv(&k, &ch);
		csp_keep_fd(&k, res[1]);
		CHECK(csp_go(&p[i], "reader", &k, reader, &res[1]) == 0, "go");
	}
	close(res[1]);
	csp_chan_close_recv(&ch);
	csp_keep_init(&k);
	csp_keep_send(&k, &ch);
	CHECK(csp_go(&s, "sender", &k, send_n, &n) == 0, "go");
	csp_chan_close(&ch);
	f = fdopen(res[0], "r");
	while (fread(&v, sizeof(v), 1, f) == 1) {
		CHECK(v >= 0 && v < N && !seen[v], "value %ld twice or out of range", v);
		seen[v] = 1;
	}
	for (i = 0; i < N; i++)
		CHECK(seen[i], "value %d lost", i);
	for (i = 0; i < R; i++)
		CHECK(csp_proc_wait(&p[i], NULL, CSP_FOREVER) == 0, "reader failed");
	CHECK(csp_proc_wait(&s, NULL, CSP_FOREVER) == 0, "sender failed");
	printf("%d values, %d readers, each value once\n", N, R);
	return 0;
}

/* Among ready cases the choice is uniform; a disabled case is never chosen. */
static int
t_select_random(void)
{
	long a = 1, b = 2, v, w;
	int hits[3] = { 0 }, i, r;
	csp_case c[3] = {
		{ .op = CSP_RECV, .ch = &ch, .val = &v },
		{ .op = CSP_RECV, .ch = &ch2, .val = &w },
		{ .op = CSP_OFF, .ch = &ch, .val = &v },
	};

	CHECK(csp_chan_make(&ch, sizeof(long), 64) == 0 && csp_chan_make(&ch2, sizeof(long), 64) == 0, "make");
	for (i = 0; i < 20000; i++) {
		while (csp_select(&(csp_case){ .op = CSP_SEND, .ch = &ch, .val = &a }, 1, CSP_DEFAULT, CSP_NOW) == 0)
			;
		while (csp_select(&(csp_case){ .op = CSP_SEND, .ch = &ch2, .val = &b }, 1, CSP_DEFAULT, CSP_NOW) == 0)
			;
		r = csp_select(c, 3, 0, CSP_FOREVER);
		CHECK(r >= 0 && r < 2, "select chose %d (%s)", r, strerror(errno));
		CHECK(c[r].ok && *(long *)c[r].val == (r == 0 ? 1 : 2), "wrong value");
		hits[r]++;
	}
	CHECK(hits[0] > 9400 && hits[1] > 9400, "choices %d/%d of 20000 are not uniform", hits[0], hits[1]);
	printf("choices %d/%d\n", hits[0], hits[1]);
	return 0;
}

/* default: nothing ready returns at once; a deadline waits that long and no more. */
static int
t_select_wait(void)
{
	long v;
	int64_t t0;
	csp_case c = { .op = CSP_RECV, .ch = &ch, .val = &v };

	CHECK(csp_chan_make(&ch, sizeof(long), 1) == 0, "make");
	t0 = csp_now();
	CHECK(csp_select(&c, 1, CSP_DEFAULT, CSP_FOREVER) == -1 && errno == EWOULDBLOCK, "default");
	CHECK(csp_now() - t0 < 50, "default blocked");
	t0 = csp_now();
	CHECK(csp_select(&c, 1, 0, csp_after(150)) == -1 && errno == ETIMEDOUT, "deadline");
	CHECK(csp_now() - t0 >= 150, "deadline came early: %lld ms", (long long)(csp_now() - t0));
	c.op = CSP_OFF;
	CHECK(csp_select(&c, 1, 0, csp_after(20)) == -1 && errno == ETIMEDOUT, "all disabled");
	printf("default and deadline hold\n");
	return 0;
}

static void
wait_done(void *arg)
{
	(void)arg;
	_exit(csp_done_wait(&done, CSP_FOREVER) == 0 && csp_done_err(&done) == ECANCELED ? 7 : 1);
}

/* Closing a done cancels every holder at once. */
static int
t_broadcast(void)
{
	csp_proc p[20];
	csp_keep k;
	int i;

	CHECK(csp_done_make(&done, NULL) == 0, "make");
	csp_keep_init(&k);
	csp_keep_done(&k, &done);
	for (i = 0; i < 20; i++)
		CHECK(csp_go(&p[i], "waiter", &k, wait_done, NULL) == 0, "go");
	usleep(100000);
	for (i = 0; i < 20; i++)
		CHECK(csp_proc_wait(&p[i], NULL, CSP_NOW) == -1 && errno == ETIMEDOUT, "ended early");
	csp_cancel(&done);
	for (i = 0; i < 20; i++)
		CHECK(csp_proc_wait(&p[i], NULL, csp_after(2000)) == 7, "waiter %d not cancelled", i);
	printf("20 holders cancelled by one close\n");
	return 0;
}

/* A derived done fires with its parent, never its parent with it; the cause is kept. */
static int
t_tree(void)
{
	csp_done root, a, b, dl, dlc;

	CHECK(csp_done_make(&root, NULL) == 0 && csp_done_make(&a, &root) == 0 &&
	    csp_done_make(&b, &a) == 0, "make");
	csp_cancel(&b);
	CHECK(csp_done_err(&b) == ECANCELED, "b not cancelled");
	CHECK(csp_done_err(&a) == 0 && csp_done_err(&root) == 0, "cancel went upward");
	csp_cancel(&root);
	CHECK(csp_done_err(&a) == ECANCELED, "a did not fire with root");
	CHECK(csp_done_wait(&a, CSP_NOW) == 0, "wait on a fired done");
	CHECK(csp_done_deadline(&dl, NULL, csp_after(100)) == 0 && csp_done_make(&dlc, &dl) == 0, "make");
	CHECK(csp_done_err(&dlc) == 0, "fired before its deadline");
	CHECK(csp_done_wait(&dlc, csp_after(50)) == -1 && errno == ETIMEDOUT, "wait before deadline");
	CHECK(csp_done_wait(&dlc, csp_after(2000)) == 0, "deadline did not fire");
	CHECK(csp_done_err(&dlc) == ETIMEDOUT && csp_done_err(&dl) == ETIMEDOUT, "cause is not deadline exceeded");
	CHECK(csp_done_fds(&b, (int[4]){ 0 }, 4) == 3, "three levels, three fds");
	csp_done_free(&dlc);
	csp_done_free(&dl);
	csp_done_free(&b);
	csp_done_free(&a);
	csp_done_free(&root);
	printf("tree and causes hold\n");
	return 0;
}

static void
cancel_soon(void *arg)
{
	(void)arg;
	usleep(100000);
	csp_cancel(&done);
}

/* Every blocking call fails with ECANCELED when its done fires. */
static int
t_blocking_cancel(void)
{
	long v;
	int ok;
	csp_proc p;
	csp_keep k;

	CHECK(csp_chan_make(&ch, sizeof(long), 0) == 0 && csp_done_make(&done, NULL) == 0, "make");
	csp_keep_init(&k);
	csp_keep_cancel(&k, &done);
	CHECK(csp_go(&p, "canceller", &k, cancel_soon, NULL) == 0, "go");
	csp_done_release(&done);
	CHECK(csp_chan_recv(&ch, &v, &ok, &done) == -1 && errno == ECANCELED, "recv");
	CHECK(csp_chan_send(&ch, &v, &done) == -1 && errno == ECANCELED, "send");
	CHECK(csp_wait_fd(ch.rfd, POLLIN, &done, CSP_FOREVER) == -1 && errno == ECANCELED, "wait_fd");
	CHECK(csp_proc_wait(&p, &done, CSP_FOREVER) == -1 && errno == ECANCELED, "proc_wait");
	CHECK(csp_proc_wait(&p, NULL, CSP_FOREVER) == 0, "canceller");
	printf("recv, send, wait: ECANCELED\n");
	return 0;
}

static void
list_fds(void *arg)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	long n = 0;

	(void)arg;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d))
			n = n * 1000 + atoi(e->d_name) + 1;
	closedir(d);
	csp_chan_send(&ch, &n, NULL);
}

/* A goroutine keeps only 0, 1, 2 and what it was handed. */
static int
t_fds(void)
{
	int junk[2], ok;
	long n, want;
	csp_proc p;
	csp_keep k;

	CHECK(pipe(junk) == 0 && open("/dev/null", O_RDONLY) >= 0, "open");
	CHECK(csp_chan_make(&ch, sizeof(long), 1) == 0, "make");
	csp_keep_init(&k);
	csp_keep_send(&k, &ch);
	CHECK(csp_go(&p, "lister", &k, list_fds, NULL) == 0, "go");
	CHECK(csp_chan_recv(&ch, &n, &ok, NULL) == 0 && ok, "recv");
	/* 0 1 2, then the two send-side ends (wfd and crfd), each +1 in base 1000. */
	int a = ch.wfd < ch.crfd ? ch.wfd : ch.crfd, b = ch.wfd < ch.crfd ? ch.crfd : ch.wfd;
	want = ((((1L * 1000 + 2) * 1000 + 3) * 1000 + a + 1) * 1000) + b + 1;
	CHECK(n == want, "the child holds other fds: %ld, want %ld", n, want);
	CHECK(csp_proc_wait(&p, NULL, CSP_FOREVER) == 0, "lister");
	printf("child fds: 0 1 2 %d %d\n", a, b);
	return 0;
}

static void
sleeper(void *arg)
{
	(void)arg;
	pause();
}

static void
middle(void *arg)
{
	csp_proc p;
	int fd = *(int *)arg;

	if (csp_go(&p, "grandchild", NULL, sleeper, NULL) == -1)
		_exit(1);
	if (write(fd, &p.pid, sizeof(p.pid)) != sizeof(p.pid))
		_exit(1);
	pause();
}

/* A goroutine has its name in ps, and dies with its parent even by SIGKILL. */
static int
t_name_and_death(void)
{
	char path[64], comm[64];
	int fds[2];
	pid_t gc;
	csp_proc p;
	csp_keep k;
	FILE *f;
	int i;

	CHECK(pipe2(fds, O_CLOEXEC) == 0, "pipe");
	csp_keep_init(&k);
	csp_keep_fd(&k, fds[1]);
	CHECK(csp_go(&p, "middle", &k, middle, &fds[1]) == 0, "go");
	close(fds[1]);
	CHECK(read(fds[0], &gc, sizeof(gc)) == sizeof(gc), "read pid");
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)gc);
	for (i = 0; i < 100; i++, usleep(10000)) {
		CHECK((f = fopen(path, "r")) != NULL && fgets(comm, sizeof(comm), f) != NULL, "comm");
		fclose(f);
		if (strcmp(comm, "grandchild\n") == 0)
			break;
	}
	CHECK(strcmp(comm, "grandchild\n") == 0, "comm is %s", comm);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)gc);
	CHECK((f = fopen(path, "r")) != NULL && fgets(comm, sizeof(comm), f) != NULL, "cmdline");
	fclose(f);
	CHECK(strstr(comm, "grandchild") != NULL, "ps shows %s", comm);
	kill(p.pid, SIGKILL);
	CHECK(csp_proc_wait(&p, NULL, CSP_FOREVER) == 128 + SIGKILL, "status of a KILLed child");
	for (i = 0; i < 200 && kill(gc, 0) == 0; i++)
		usleep(10000);
	CHECK(kill(gc, 0) == -1, "grandchild outlived its parent");
	printf("named, and gone with its parent\n");
	return 0;
}

static void
nothing(void *arg)
{
	(void)arg;
}

static void
print_unflushed(void *arg)
{
	(void)arg;
	printf("from the child\n");  /* stdout is a pipe here: fully buffered */
}

/* What a goroutine prints and never flushes still comes out, once. */
static int
t_print(void)
{
	csp_proc p;

	setvbuf(stdout, NULL, _IOFBF, 0);
	printf("from the parent\n");  /* buffered before the fork: must not print twice */
	CHECK(csp_go(&p, "printer", NULL, print_unflushed, NULL) == 0, "go");
	CHECK(csp_proc_wait(&p, NULL, CSP_FOREVER) == 0, "printer");
	return 0;
}

static void
exit3(void *arg)
{
	(void)arg;
	exit(3);
}

/* Statuses: returning is 0, exit(3) is 3, death by signal N is 128+N; reap-all counts. */
static int
t_status(void)
{
	csp_proc a, b, c;

	CHECK(csp_go(&a, "exit3", NULL, exit3, NULL) == 0, "go");
	CHECK(csp_proc_wait(&a, NULL, CSP_FOREVER) == 3, "exit(3)");
	CHECK(csp_go(&b, "sleeper", NULL, sleeper, NULL) == 0, "go");
	kill(b.pid, SIGTERM);
	CHECK(csp_proc_wait(&b, NULL, CSP_FOREVER) == 128 + SIGTERM, "TERM");
	CHECK(csp_go(&c, "empty", NULL, nothing, NULL) == 0, "go");
	CHECK(csp_proc_wait(&c, NULL, CSP_FOREVER) == 0, "return is 0");
	for (int i = 0; i < 5; i++)
		CHECK(csp_go(&a, "n", NULL, exit3, NULL) == 0, "go");
	CHECK(csp_reap_all(NULL, CSP_FOREVER) == 5, "reap-all");
	for (int i = 0; i < 5; i++) {
		siginfo_t si;

		CHECK(csp_go(&a, "n", NULL, exit3, NULL) == 0, "go");
		/* Exited, not reaped: the reaping is reap-all's, however slow the machine. */
		CHECK(waitid(P_PID, (id_t)a.pid, &si, WEXITED | WNOWAIT) == 0, "waitid");
	}
	CHECK(csp_go(&a, "sleeper", NULL, sleeper, NULL) == 0, "go");
	CHECK(csp_reap_all(NULL, csp_after(100)) == -1 && errno == ETIMEDOUT, "reap-all deadline");
	kill(a.pid, SIGKILL);
	CHECK(csp_reap_all(NULL, CSP_FOREVER) == 1, "reap-all after the deadline: the 5 were reaped");
	printf("0, 3, 143; reaped 5\n");
	return 0;
}

/* A failed exec is an error from csp_spawn, not a running child. */
static int
t_spawn_errors(void)
{
	csp_proc p;
	char *nope[] = { "/nonexistent/prog", NULL };
	char *dir[] = { "/", NULL };

	CHECK(csp_spawn(&p, nope, NULL, 0) == -1 && errno == ENOENT, "missing: %s", strerror(errno));
	CHECK(csp_spawn(&p, dir, NULL, 0) == -1 && errno == EACCES, "directory: %s", strerror(errno));
	CHECK(csp_reap_all(NULL, CSP_FOREVER) == 0, "a child was left");
	printf("ENOENT, EACCES\n");
	return 0;
}

/* The child's place: a session or a group of its own, by the time csp_spawn returns. */
static int
t_spawn_alone(void)
{
	char *argv[] = { "cat", NULL };
	int in[2], fds[3] = { -1, -1, -1 };
	csp_proc p;

	CHECK(pipe2(in, O_CLOEXEC) == 0, "pipe");
	fds[0] = in[0];
	CHECK(csp_spawn(&p, argv, fds, CSP_SPAWN_SETSID) == 0, "spawn");
	CHECK(getsid(p.pid) == p.pid, "session %d, want its own %d", (int)getsid(p.pid), (int)p.pid);
	close(in[1]);
	CHECK(csp_proc_wait(&p, NULL, CSP_FOREVER) == 0, "setsid cat: status %d", p.status);
	CHECK(pipe2(in, O_CLOEXEC) == 0, "pipe");
	fds[0] = in[0];
	CHECK(csp_spawn(&p, argv, fds, CSP_SPAWN_PGROUP) == 0, "spawn");
	CHECK(getpgid(p.pid) == p.pid, "group %d, want its own", (int)getpgid(p.pid));
	CHECK(getsid(p.pid) == getsid(0), "a group of its own left our session");
	close(in[0]);
	close(in[1]);
	CHECK(csp_proc_wait(&p, NULL, CSP_FOREVER) == 0, "pgroup cat: status %d", p.status);
	printf("own session, own group\n");
	return 0;
}

/* fds may swap standard input and output: each entry lands where it was meant to. */
static int
t_spawn_swap(void)
{
	char *argv[] = { "cat", NULL };
	int in[2], out[2], fds[3] = { 1, 0, -1 };
	char buf[16] = "";
	csp_proc p;
	ssize_t n;

	CHECK(pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0, "pipe");
	/* Our 0 is where cat writes, our 1 where it reads: the swap puts them right. */
	CHECK(dup2(out[1], 0) == 0 && dup2(in[0], 1) == 1, "dup2");
	CHECK(csp_spawn(&p, argv, fds, 0) == 0, "spawn");
	close(0);
	close(1);
	close(in[0]);
	close(out[1]);
	CHECK(write(in[1], "swapped\n", 8) == 8, "write");
	close(in[1]);
	n = read(out[0], buf, sizeof(buf) - 1);
	CHECK(n == 8 && strcmp(buf, "swapped\n") == 0, "cat said %zd bytes: %s", n, buf);
	CHECK(csp_proc_wait(&p, NULL, CSP_FOREVER) == 0, "cat: status %d", p.status);
	fprintf(stderr, "swapped\n");
	return 0;
}

/* Stopping a group that ignores TERM: the grace passes, KILL takes it all. */
static int
t_stop_group(void)
{
	char *argv[] = { "sh", "-c", "trap '' TERM; sleep 30 & sleep 30; wait", NULL };
	csp_proc p;
	int64_t t0;
	int st;

	CHECK(csp_spawn(&p, argv, NULL, CSP_SPAWN_PGROUP) == 0, "spawn");
	usleep(100000);
	t0 = csp_now();
	st = csp_proc_stop(&p, SIGTERM, 300);
	CHECK(st == 128 + SIGKILL, "status %d", st);
	CHECK(csp_now() - t0 >= 300, "no grace");
	for (int i = 0; i < 100 && kill(-p.pid, 0) == 0; i++)
		usleep(10000);  /* its members are reaped by whoever inherits them */
	CHECK(kill(-p.pid, 0) == -1, "the group lives on");
	printf("group killed after grace\n");
	return 0;
}

/* A subreaper stops its whole tree: setsid() escapers, double forks, stopped ones. */
static int
t_stop_tree(void)
{
	char *argv[] = { "sh", "-c",
	    "setsid sleep 60 & (sleep 60 &) ; trap '' TERM; sleep 60 & kill -STOP $!; sleep 60", NULL };
	csp_proc p;
	ssize_t n;

	CHECK(csp_subreaper() == 0, "subreaper");
	CHECK(csp_spawn(&p, argv, NULL, 0) == 0, "spawn");
	usleep(300000);
	CHECK(csp_descendants(getpid(), NULL, 0) == 5, "%zd descendants, want 5",
	    csp_descendants(getpid(), NULL, 0));
	n = csp_stop_tree(SIGTERM, 200);
	CHECK(n == 5, "stopped %zd, want 5", n);
	CHECK(csp_descendants(getpid(), NULL, 0) == 0, "some are left");
	CHECK(csp_stop_tree(SIGTERM, 200) == 0, "nothing left to stop");
	printf("stopped 5, nothing left\n");
	return 0;
}

static int
t_duration(void)
{
	static const struct { const char *s; int64_t ms; } ok[] = {
		{ "250ms", 250 }, { "1.5s", 1500 }, { "2m", 120000 }, { "1h", 3600000 },
		{ "3", 3000 }, { "0", 0 }, { "0.001s", 1 },
	};
	static const char *bad[] = { "", "-1s", "1x", "s", "abc", "1.5.5s", "nan", " 1" };
	int64_t ms;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		CHECK(csp_parse_duration(ok[i].s, &ms) == 0 && ms == ok[i].ms, "%s", ok[i].s);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(csp_parse_duration(bad[i], &ms) == -1 && errno == EINVAL, "'%s' accepted", bad[i]);
	printf("durations parse\n");
	return 0;
}

int
main(int argc, char *argv[])
{
	csp_title_init(argc, argv);
	const char *t = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(t, "capacity") == 0)
		return t_capacity(argc > 2 ? atoi(argv[2]) : 2);
	if (strcmp(t, "drain") == 0)
		return t_drain();
	if (strcmp(t, "epipe") == 0)
		return t_epipe(argc > 2 ? atoi(argv[2]) : 1);
	if (strcmp(t, "messages") == 0)
		return t_messages();
	if (strcmp(t, "readers") == 0)
		return t_readers();
	if (strcmp(t, "select-random") == 0)
		return t_select_random();
	if (strcmp(t, "select-wait") == 0)
		return t_select_wait();
	if (strcmp(t, "broadcast") == 0)
		return t_broadcast();
	if (strcmp(t, "tree") == 0)
		return t_tree();
	if (strcmp(t, "blocking-cancel") == 0)
		return t_blocking_cancel();
	if (strcmp(t, "fds") == 0)
		return t_fds();
	if (strcmp(t, "name-and-death") == 0)
		return t_name_and_death();
	if (strcmp(t, "status") == 0)
		return t_status();
	if (strcmp(t, "spawn-errors") == 0)
		return t_spawn_errors();
	if (strcmp(t, "spawn-alone") == 0)
		return t_spawn_alone();
	if (strcmp(t, "spawn-swap") == 0)
		return t_spawn_swap();
	if (strcmp(t, "stop-group") == 0)
		return t_stop_group();
	if (strcmp(t, "stop-tree") == 0)
		return t_stop_tree();
	if (strcmp(t, "print") == 0)
		return t_print();
	if (strcmp(t, "duration") == 0)
		return t_duration();
	fprintf(stderr, "libtest: unknown test: %s\n", t);
	return 2;
}
