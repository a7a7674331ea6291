/*
 * guest: a program of its own that links the shared libcspipe and uses it,
 * checking the library leaves the program's things alone: its children,
 * its argv and environ, its signal handlers and mask, its subreaper state,
 * and its other processes when a start fails. One subcommand each; exits 0
 * when the behaviour holds, names what was wrong and exits 1 otherwise.
 * tests/guest.bats runs each under leakfree.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cspipe.h"

#define CHECK(cond, ...) do { if (!(cond)) { \
	fprintf(stderr, "guest: line %d: ", __LINE__); \
	fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); exit(1); } } while (0)

extern char **environ;

static void
nothing(void *arg)
{
	(void)arg;
}

static void
sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
}

/* A child of the program's own, by plain fork: it exits with code at once. */
static pid_t
own_child(int code)
{
	pid_t pid = fork();

	CHECK(pid != -1, "fork: %s", strerror(errno));
	if (pid == 0)
		_exit(code);
	usleep(50000);  /* a zombie by now: any wait for "any child" would take it */
	return pid;
}

static int
mask_has_only(int sig)
{
	sigset_t m;
	int i;

	sigprocmask(SIG_SETMASK, NULL, &m);
	for (i = 1; i < NSIG; i++)
		if (i != 32 && i != 33 && sigismember(&m, i) != (i == sig))
			return 0;
	return 1;
}

/* What the library does with the program's own things, start to end. */
static int
t_children(void)
{
	char **env = environ, cmdline[4096], now[4096];
	char *tru[] = { "true", NULL }, *nope[] = { "/nonexistent/guest", NULL };
	char *slp[] = { "sleep", "7313", NULL };
	int sub = -1, ws, fd, v;
	ssize_t clen, nlen;
	pid_t a, b;
	csp_proc p;
	csp_chan c;
	csp_case k[1];
	sigset_t usr1;

	CHECK((fd = open("/proc/self/cmdline", O_RDONLY)) != -1, "cmdline");
	clen = read(fd, cmdline, sizeof(cmdline));
	close(fd);
	/* A mask of the program's own, to be found as it was after every call. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_SETMASK, &usr1, NULL);

	a = own_child(7);
	CHECK(csp_go(&p, "guest-go", NULL, nothing, NULL) == 0, "go");
	CHECK(csp_proc_wait(&p, NULL, CSP_FOREVER) == 0, "go status");
	CHECK(csp_spawn(&p, tru, NULL, 0) == 0, "spawn");
	CHECK(csp_proc_wait(&p, NULL, csp_after(5000)) == 0, "spawn status");
	CHECK(csp_vspawn(&p, NULL, tru, NULL, CSP_SPAWN_PGROUP) == 0, "vspawn");
	CHECK(csp_proc_wait(&p, NULL, CSP_FOREVER) == 0, "vspawn status");
	CHECK(csp_spawn(&p, nope, NULL, 0) == -1 && errno == ENOENT, "spawn of nothing");
	CHECK(csp_vspawn(&p, NULL, slp, NULL, 0) == 0, "vspawn sleep");
	CHECK(csp_proc_stop(&p, SIGTERM, 1000) == 128 + SIGTERM, "stop");
	CHECK(mask_has_only(SIGUSR1), "the program's signal mask changed");

	b = own_child(9);
	CHECK(csp_chan_make(&c, sizeof(int), 1) == 0, "chan");
	v = 5;
	CHECK(csp_chan_send(&c, &v, NULL) == 0, "send");
	k[0] = (csp_case){ .op = CSP_RECV, .ch = &c, .val = &v };
	CHECK(csp_select(k, 1, 0, CSP_FOREVER) == 0 && k[0].ok, "select");
	CHECK(csp_go(&p, "guest-go2", NULL, sleeper, NULL) == 0, "go");
	CHECK(csp_proc_wait(&p, NULL, csp_after(50)) == -1 && errno == ETIMEDOUT, "wait");
	CHECK(csp_proc_stop(&p, SIGTERM, 1000) == 128 + SIGTERM, "stop go");
	csp_chan_free(&c);
	CHECK(mask_has_only(SIGUSR1), "the program's signal mask changed");

	/* Both of the program's children are still its own to reap. */
	CHECK(waitpid(a, &ws, 0) == a && WIFEXITED(ws) && WEXITSTATUS(ws) == 7,
	    "the child started before was taken: %s", strerror(errno));
	CHECK(waitpid(b, &ws, 0) == b && WIFEXITED(ws) && WEXITSTATUS(ws) == 9,
	    "the child started after was taken: %s", strerror(errno));
	CHECK(prctl(PR_GET_CHILD_SUBREAPER, &sub) == 0 && sub == 0, "made a subreaper: %d", sub);

	/* argv and environ: the same pointers, the same bytes. */
	CHECK(environ == env, "environ moved");
	CHECK((fd = open("/proc/self/cmdline", O_RDONLY)) != -1, "cmdline");
	nlen = read(fd, now, sizeof(now));
	close(fd);
	CHECK(nlen == clen && memcmp(now, cmdline, (size_t)clen) == 0,
	    "the command line changed: %.*s", (int)nlen, now);
	printf("own children 7 and 9 reaped by the program; not a subreaper; "
	    "mask and command line kept\n");
	return 0;
}

/* argv[0]'s bytes and every pointer, checked against a copy made before. */
static int
t_argv(int argc, char *argv[])
{
	char *copy[8], *ptr[8], **env = environ, *env0 = environ[0], comm[64], line[512];
	csp_proc p;
	FILE *f;
	int i, n = argc < 8 ? argc : 8;

	for (i = 0; i < n; i++) {
		copy[i] = strdup(argv[i]);
		ptr[i] = argv[i];
	}
	CHECK(csp_go(&p, "guest-named", NULL, sleeper, NULL) == 0, "go");
	/* Without csp_title_init the name is the short one only: comm, not cmdline. */
	snprintf(line, sizeof(line), "/proc/%d/comm", (int)p.pid);
	for (i = 0; i < 200; i++, usleep(10000)) {
		CHECK((f = fopen(line, "r")) != NULL && fgets(comm, sizeof(comm), f), "comm");
		fclose(f);
		if (strcmp(comm, "guest-named\n") == 0)
			break;
	}
	CHECK(strcmp(comm, "guest-named\n") == 0, "comm is %s", comm);
	snprintf(line, sizeof(line), "/proc/%d/cmdline", (int)p.pid);
	CHECK((f = fopen(line, "r")) != NULL && fgets(line, sizeof(line), f), "cmdline");
	fclose(f);
	CHECK(strcmp(line, argv[0]) == 0, "the child's cmdline was rewritten: %s", line);
	CHECK(csp_proc_stop(&p, SIGKILL, 0) == 128 + SIGKILL, "stop");
	for (i = 0; i < n; i++) {
		CHECK(argv[i] == ptr[i], "argv[%d] moved", i);
		CHECK(strcmp(argv[i], copy[i]) == 0, "argv[%d] is now %s", i, argv[i]);
		free(copy[i]);
	}
	CHECK(environ == env && environ[0] == env0, "environ moved");
	printf("argv and environ untouched; the goroutine is guest-named in comm only\n");
	return 0;
}

static int
alive(pid_t pid)
{
	return waitpid(pid, NULL, WNOHANG) == 0 && kill(pid, 0) == 0;
}

static pid_t same, other;

/* call fails with ECHILD, and both siblings outlive it. */
#define HARMLESS(call, what) do { int r_ = (call), e_ = errno; usleep(20000); \
	CHECK(alive(same), "%s killed the sibling in our process group", what); \
	CHECK(alive(other), "%s killed the sibling in another process group", what); \
	CHECK(r_ == -1 && e_ == ECHILD, "%s: %d, %s", what, r_, strerror(e_)); } while (0)

/*
 * Handles of starts that failed, and one never filled: waiting and stopping
 * them must fail and signal nothing. Run in a pid namespace: a kill(-1) must
 * not reach the machine's other processes if this ever breaks.
 */
static int
t_inert(void)
{
	char *nope[] = { "/nonexistent/guest", NULL };
	static const int flags[] = { 0, CSP_SPAWN_PGROUP, CSP_SPAWN_SETSID };
	pid_t pid;
	csp_proc p;
	size_t i;
	int ws;

	if (getpid() == 1) {
		/* pid 1 takes no default-action signal: be the parent of the one who can. */
		CHECK((pid = fork()) != -1, "fork");
		if (pid == 0)
			return t_inert();
		while (waitpid(pid, &ws, 0) == -1)
			CHECK(errno == EINTR, "waitpid");
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	}
	CHECK(setpgid(0, 0) == 0, "setpgid");
	/* A sibling in our group (kill(0)) and one in another group (kill(-1)). */
	CHECK((same = fork()) != -1, "fork");
	if (same == 0)
		for (;;)
			pause();
	CHECK((other = fork()) != -1, "fork");
	if (other == 0) {
		setpgid(0, 0);
		for (;;)
			pause();
	}
	usleep(20000);
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		CHECK(csp_spawn(&p, nope, NULL, flags[i]) == -1, "spawn");
		CHECK(p.pid == -1, "a failed spawn's pid is %d", (int)p.pid);
		HARMLESS(csp_proc_stop(&p, SIGTERM, 10), "stop of a failed spawn");
		HARMLESS(csp_proc_wait(&p, NULL, CSP_FOREVER), "wait for a failed spawn");
		HARMLESS(csp_proc_wait(&p, NULL, csp_after(10)), "wait for a failed spawn");
		CHECK(csp_vspawn(&p, NULL, nope, NULL, flags[i]) == -1, "vspawn");
		HARMLESS(csp_proc_stop(&p, SIGKILL, 0), "stop of a failed vspawn");
		HARMLESS(csp_proc_wait(&p, NULL, CSP_NOW), "wait for a failed vspawn");
	}
	/* Never filled: pid 0 is our own group to kill(). Status 0 reads as reaped. */
	memset(&p, 0, sizeof(p));
	p.flags = CSP_SPAWN_PGROUP;
	CHECK(csp_proc_stop(&p, SIGTERM, 10) == 0, "stop of a zeroed handle");
	p.status = -1;
	HARMLESS(csp_proc_stop(&p, SIGTERM, 10), "stop of pid 0");
	HARMLESS(csp_proc_wait(&p, NULL, CSP_FOREVER), "wait for pid 0");
	usleep(100000);
	CHECK(alive(same), "the sibling in our process group was killed");
	CHECK(alive(other), "the sibling in another process group was killed");
	kill(same, SIGKILL);
	kill(other, SIGKILL);
	waitpid(same, NULL, 0);
	waitpid(other, NULL, 0);
	printf("failed handles: ECHILD; siblings alive\n");
	return 0;
}

static int selfpipe[2] = { -1, -1 };

static void
handler(int sig)
{
	char c = (char)sig;

	if (write(selfpipe[1], &c, 1) < 0)
		_exit(3);
}

/* In the goroutine: no handler of the parent's, an empty mask, no self-pipe. */
static void
check_child(void *arg)
{
	struct sigaction sa;
	sigset_t m;
	int i;

	(void)arg;
	for (i = 1; i < NSIG; i++)
		if (sigaction(i, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL &&
		    sa.sa_handler != SIG_IGN)
			_exit(10);  /* a handler of the parent's is still there */
	sigaction(SIGUSR2, NULL, &sa);
	if (sa.sa_handler != SIG_IGN)
		_exit(11);  /* the program's own SIG_IGN is inherited, as by fork */
	sigprocmask(SIG_SETMASK, NULL, &m);
	for (i = 1; i < NSIG; i++)
		if (sigismember(&m, i) == 1)
			_exit(12);
	if (fcntl(selfpipe[0], F_GETFD) != -1 || fcntl(selfpipe[1], F_GETFD) != -1)
		_exit(13);  /* the parent's reactor fds are not the goroutine's */
	raise(SIGUSR1);  /* the default action: death, not the parent's handler */
	_exit(14);
}

static int
t_handlers(void)
{
	struct sigaction sa;
	csp_proc p;
	sigset_t m;
	char c;
	int st;

	CHECK(pipe2(selfpipe, O_CLOEXEC | O_NONBLOCK) == 0, "pipe");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGRTMIN + 1, &sa, NULL);
	signal(SIGUSR2, SIG_IGN);
	sigemptyset(&m);
	sigaddset(&m, SIGINT);
	sigaddset(&m, SIGHUP);
	sigprocmask(SIG_BLOCK, &m, NULL);
	CHECK(csp_go(&p, "guest-handlers", NULL, check_child, NULL) == 0, "go");
	st = csp_proc_wait(&p, NULL, CSP_FOREVER);
	CHECK(st == 128 + SIGUSR1, "the goroutine ended with %d (10 handler kept, "
	    "11 SIG_IGN lost, 12 mask kept, 13 self-pipe kept, 14 USR1 ignored)", st);
	CHECK(read(selfpipe[0], &c, 1) == -1 && errno == EAGAIN,
	    "a handler of the parent's ran for signal %d", c);
	printf("goroutine: default handlers, empty mask, no self-pipe\n");
	return 0;
}

/* SigIgn, SigCgt and SigBlk of an exec'd job: read by cat from its own status. */
static const char *kind_name[] = { "spawn", "vspawn", "spawn -g", "vspawn -g" };

static void
job_sigs(int kind, unsigned long long *ign, unsigned long long *blk)
{
	char *cat[] = { "cat", "/proc/self/status", NULL }, buf[8192], *s;
	int fds[2], io[3];
	csp_proc p;
	ssize_t n, r;

	CHECK(pipe2(fds, O_CLOEXEC) == 0, "pipe");
	io[0] = -1;
	io[1] = fds[1];
	io[2] = -1;
	if (kind & 1)
		CHECK(csp_vspawn(&p, NULL, cat, io, kind & 2 ? CSP_SPAWN_PGROUP : 0) == 0,
		    "vspawn cat: %s", strerror(errno));
	else
		CHECK(csp_spawn(&p, cat, io, kind & 2 ? CSP_SPAWN_PGROUP : 0) == 0,
		    "spawn cat: %s", strerror(errno));
	close(fds[1]);
	for (n = 0; (r = read(fds[0], buf + n, sizeof(buf) - 1 - (size_t)n)) > 0; n += r)
		;
	buf[n] = '\0';
	close(fds[0]);
	CHECK(csp_proc_wait(&p, NULL, CSP_FOREVER) == 0, "cat");
	CHECK((s = strstr(buf, "SigIgn:")) != NULL, "no SigIgn");
	*ign = strtoull(s + 7, NULL, 16);
	CHECK((s = strstr(buf, "SigBlk:")) != NULL, "no SigBlk");
	*blk = strtoull(s + 7, NULL, 16);
}

#define BIT(sig) (1ULL << ((sig) - 1))

/*
 * Exec'd jobs: ignored on entry (inherited) stays ignored, the library's own
 * SIG_IGN of SIGPIPE goes, the program's own SIG_IGN stays as exec keeps it.
 * want: "inherited" if started with PIPE and HUP ignored, "fresh" if not.
 */
static int
t_sigexec(const char *want, char *self)
{
	struct sigaction sa;
	unsigned long long ign, blk, want_ign;
	sigset_t m;
	int inherited = strcmp(want, "inherited") == 0, v;

	if (strcmp(want, "fresh") == 0) {
		/* Start again with PIPE and HUP at their defaults, whatever the shell did. */
		signal(SIGPIPE, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		execl(self, self, "sigexec", "fresh-started", (char *)NULL);
		CHECK(0, "exec %s: %s", self, strerror(errno));
	}
	CHECK(csp_sig_inherited(SIGPIPE) == inherited, "SIGPIPE inherited: %d",
	    csp_sig_inherited(SIGPIPE));
	CHECK(csp_sig_inherited(SIGHUP) == inherited, "SIGHUP inherited");
	CHECK(csp_sig_inherited(SIGUSR2) == 0 && csp_sig_inherited(SIGTERM) == 0,
	    "USR2/TERM inherited");
	CHECK(csp_sig_inherited(0) == -1 && errno == EINVAL, "signal 0 taken");

	/* The library ignores SIGPIPE for itself (a channel's EPIPE)... */
	csp_chan c;
	CHECK(csp_chan_make(&c, sizeof(int), 1) == 0, "chan");
	sigaction(SIGPIPE, NULL, &sa);
	CHECK(sa.sa_handler == SIG_IGN, "the library did not ignore SIGPIPE");
	/* ...the program ignores USR2 and catches TERM: exec keeps the one, resets the other. */
	signal(SIGUSR2, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&m);
	sigaddset(&m, SIGINT);
	sigprocmask(SIG_BLOCK, &m, NULL);
	want_ign = BIT(SIGUSR2) | (inherited ? BIT(SIGPIPE) | BIT(SIGHUP) : 0);
	for (v = 0; v < 4; v++) {
		job_sigs(v, &ign, &blk);
		CHECK((ign & (BIT(SIGPIPE) | BIT(SIGHUP) | BIT(SIGUSR2) | BIT(SIGTERM))) == want_ign,
		    "%s: the job ignores %llx, want %llx (PIPE %llx HUP %llx USR2 %llx)",
		    kind_name[v], ign, want_ign, BIT(SIGPIPE), BIT(SIGHUP), BIT(SIGUSR2));
		CHECK(blk == 0, "%s: the job's mask is %llx", kind_name[v], blk);
	}
	/* Ignored for the library itself still: its chan sends stay EPIPE. */
	sigaction(SIGPIPE, NULL, &sa);
	CHECK(sa.sa_handler == SIG_IGN, "the library's SIGPIPE was undone in the parent");
	csp_chan_free(&c);
	printf("jobs ignore %s\n", inherited ? "PIPE HUP USR2 (inherited, and the program's)" :
	    "USR2 only (the library's SIGPIPE undone)");
	return 0;
}

/* SIGCHLD ignored: every start fails with ECHILD, at once, and nothing hangs. */
static int
t_sigchld(const char *how)
{
	char *tru[] = { "true", NULL };
	struct sigaction sa;
	csp_proc p;

	if (strcmp(how, "nocldwait") == 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sa.sa_flags = SA_NOCLDWAIT;
		sigaction(SIGCHLD, &sa, NULL);
	} else if (strcmp(how, "ignore") == 0) {
		signal(SIGCHLD, SIG_IGN);
	} else {
		/* "inherited": the shell did it */
		CHECK(csp_sig_inherited(SIGCHLD) == 1, "SIGCHLD not ignored on entry");
	}
	CHECK(csp_go(&p, "guest", NULL, nothing, NULL) == -1 && errno == ECHILD,
	    "csp_go: %s", strerror(errno));
	CHECK(csp_proc_wait(&p, NULL, CSP_FOREVER) == -1 && errno == ECHILD, "wait");
	CHECK(csp_spawn(&p, tru, NULL, 0) == -1 && errno == ECHILD,
	    "csp_spawn: %s", strerror(errno));
	CHECK(csp_proc_stop(&p, SIGTERM, 10) == -1 && errno == ECHILD, "stop");
	CHECK(csp_vspawn(&p, NULL, tru, NULL, 0) == -1 && errno == ECHILD,
	    "csp_vspawn: %s", strerror(errno));
	CHECK(csp_proc_wait(&p, NULL, csp_after(100)) == -1 && errno == ECHILD, "wait");
	printf("SIGCHLD %s: %s\n", how, strerror(ECHILD));
	return 0;
}

struct starter {
	csp_proc p;
	int err;
};

static void *
start_and_end(void *arg)
{
	struct starter *s = arg;

	s->err = csp_go(&s->p, "guest-thread", NULL, sleeper, NULL) == -1 ? errno : 0;
	return NULL;  /* the thread ends at once: the goroutine must go with it */
}

/* csp_go(3)'s rule: the goroutine is killed when the thread that started it ends. */
static int
t_thread(int runs)
{
	struct starter s;
	pthread_t t;
	csp_proc mine;
	int i, st;

	CHECK(csp_go(&mine, "guest-main", NULL, sleeper, NULL) == 0, "go");
	for (i = 0; i < runs; i++) {
		CHECK(pthread_create(&t, NULL, start_and_end, &s) == 0, "pthread_create");
		CHECK(pthread_join(t, NULL) == 0, "join");
		CHECK(s.err == 0, "csp_go in a thread: %s", strerror(s.err));
		st = csp_proc_wait(&s.p, NULL, csp_after(5000));
		if (st == -1)
			csp_proc_stop(&s.p, SIGKILL, 0);
		CHECK(st == 128 + SIGKILL, "run %d: the goroutine outlived its thread (%d)", i, st);
	}
	/* ...and only that thread: the main thread's goroutine is still there. */
	CHECK(csp_proc_wait(&mine, NULL, CSP_NOW) == -1 && errno == ETIMEDOUT,
	    "the main thread's goroutine died with another thread");
	CHECK(csp_proc_stop(&mine, SIGTERM, 1000) == 128 + SIGTERM, "stop");
	printf("%d of %d goroutines ended with their thread\n", runs, runs);
	return 0;
}

static int64_t
cpu_us(const struct rusage *ru)
{
	return (int64_t)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000000 +
	    ru->ru_utime.tv_usec + ru->ru_stime.tv_usec;
}

static csp_chan idle_ch;
static int idle_fds[2];
static csp_proc idle_sleeper;

/* One blocking call that gives up after 300 ms; 0 if it did so as it should. */
static int
block(int which)
{
	csp_case k[2] = { { .op = CSP_OFF }, { .op = CSP_OFF } };
	int v, ok;

	switch (which) {
	case 0:
		return csp_select(k, 0, 0, csp_after(300)) == -1 && errno == ETIMEDOUT ? 0 : 1;
	case 1:
		return csp_select(k, 2, 0, csp_after(300)) == -1 && errno == ETIMEDOUT ? 0 : 1;
	case 2:
		k[0].op = CSP_RECV;
		k[0].ch = &idle_ch;
		k[0].val = &v;
		return csp_select(k, 2, 0, csp_after(300)) == -1 && errno == ETIMEDOUT ? 0 : 1;
	case 3:
		return csp_wait_fd(idle_fds[0], POLLIN, NULL, csp_after(300)) == -1 &&
		    errno == ETIMEDOUT ? 0 : 1;
	case 4:
		return csp_proc_wait(&idle_sleeper, NULL, csp_after(300)) == -1 &&
		    errno == ETIMEDOUT ? 0 : 1;
	case 5:
		(void)ok;
		return csp_chan_recv(&idle_ch, &v, &ok, NULL) == -1 ? 1 : 0;
	}
	return 1;
}

static const char *idle_name[] = {
	"csp_select, no cases", "csp_select, every case off", "csp_select, an empty channel",
	"csp_wait_fd", "csp_proc_wait"
};

/* Blocked calls sleep: a child's CPU time while blocked ~300 ms is far below it. */
static int
t_idle(void)
{
	struct rusage ru;
	int64_t t0, wall, cpu;
	int which, ws;
	pid_t pid;

	CHECK(csp_chan_make(&idle_ch, sizeof(int), 1) == 0, "chan");
	CHECK(pipe2(idle_fds, O_CLOEXEC) == 0, "pipe");
	for (which = 0; which < 5; which++) {
		t0 = csp_now();
		CHECK((pid = fork()) != -1, "fork");
		if (pid == 0) {
			/* The child's own child to wait for: it sleeps on past the deadline. */
			if (which == 4 && csp_go(&idle_sleeper, "guest-idle", NULL, sleeper,
			    NULL) == -1)
				_exit(2);
			_exit(block(which));
		}
		CHECK(wait4(pid, &ws, 0, &ru) == pid, "wait4");
		wall = (csp_now() - t0) * 1000;
		cpu = cpu_us(&ru);
		CHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "%s did not time out: %d",
		    idle_name[which], ws);
		CHECK(cpu * 10 < wall, "%s busy-waits: %lld us of CPU in %lld us",
		    idle_name[which], (long long)cpu, (long long)wall);
		printf("%s: %lld us of CPU in %lld us\n", idle_name[which], (long long)cpu,
		    (long long)wall);
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	const char *t = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(t, "children") == 0)
		return t_children();
	if (strcmp(t, "argv") == 0)
		return t_argv(argc, argv);
	if (strcmp(t, "inert") == 0)
		return t_inert();
	if (strcmp(t, "handlers") == 0)
		return t_handlers();
	if (strcmp(t, "sigexec") == 0 && argc > 2)
		return t_sigexec(argv[2], argv[0]);
	if (strcmp(t, "sigchld") == 0 && argc > 2)
		return t_sigchld(argv[2]);
	if (strcmp(t, "thread") == 0)
		return t_thread(argc > 2 ? atoi(argv[2]) : 100);
	if (strcmp(t, "idle") == 0)
		return t_idle();
	fprintf(stderr, "usage: guest children|argv|inert|handlers|sigexec MODE|"
	    "sigchld HOW|thread [RUNS]|idle\n");
	return 2;
}
