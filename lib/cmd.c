/* cmd.c: what every csp-* command shares: --done, signals as cancellation, counts. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bsd/stdlib.h>

#include "impl.h"

/*
 * The shell's done: an fd number already open, or the path of a FIFO. It
 * fires when it hangs up, reaches EOF, or has anything to read.
 */
int
csp_done_open(csp_done *d, const char *fd_or_fifo)
{
	const char *errstr;
	struct stat st;
	long long fd;

	fd = strtonum(fd_or_fifo, 0, INT32_MAX, &errstr);
	if (errstr == NULL) {
		if (fcntl((int)fd, F_GETFD) == -1)
			return -1;  /* EBADF: nothing open there */
	} else {
		/* Non-blocking, or the open would wait for a writer to come. */
		fd = open(fd_or_fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd == -1)
			return -1;
		if (fstat((int)fd, &st) == -1 || !S_ISFIFO(st.st_mode)) {
			close((int)fd);
			errno = ENOTSUP;
			return -1;
		}
	}
	memset(d, 0, sizeof(*d));
	d->rfd = (int)fd;
	d->wfd = -1;
	d->deadline = CSP_FOREVER;
	return 0;
}

static csp_done *sig_done;
static volatile sig_atomic_t sig_seen;
unsigned long long csp__ign;
static int ign_recorded;

/*
 * Every signal whose default is to end the process, but for the faults
 * (SEGV, BUS, ILL, FPE, ABRT, TRAP, SYS), which a handler would only loop on.
 */
void
csp__term_set(sigset_t *set)
{
	static const int sigs[] = {
		SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM,
		SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGPOLL,
#ifdef SIGSTKFLT
		SIGSTKFLT,
#endif
#ifdef SIGPWR
		SIGPWR,
#endif
	};
	size_t i;
	int s;

	sigemptyset(set);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(set, sigs[i]);
	for (s = SIGRTMIN; s <= SIGRTMAX; s++)
		sigaddset(set, s);
}

int
csp_term_signal(int sig)
{
	sigset_t set;

	if (sig <= 0 || sig >= NSIG) {
		errno = EINVAL;
		return -1;
	}
	csp__term_set(&set);
	return sigismember(&set, sig) == 1;
}

/* Which of them our parent left ignored: once, before any handler of ours hides it. */
static void
record_ignored(void)
{
	sigset_t set;
	int s;

	if (ign_recorded)
		return;
	ign_recorded = 1;
	csp__term_set(&set);
	/* csp_sig_inherited looks once, and leaves out what the library ignored itself. */
	for (s = 1; s <= 64 && s < NSIG; s++)
		if (sigismember(&set, s) == 1 && csp_sig_inherited(s) == 1)
			csp__ign |= 1ULL << (s - 1);
}

static void
on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	/* Our own write to a pipe nobody reads: EPIPE says so, it is no cancellation. */
	if (sig == SIGPIPE && si->si_code == SI_USER && si->si_pid == getpid())
		return;
	/* From the terminal or the kernel, and our parent ignored it: so do we. */
	if (si->si_code == SI_KERNEL && CSP__IGNORED(sig))
		return;
	if (sig_seen == 0)
		sig_seen = sig;
	if (sig_done != NULL)
		csp_cancel(sig_done);  /* a close(): async-signal-safe */
}

/*
 * Every signal whose default is to end us (HUP, INT, TERM, PIPE sent by
 * another process, ALRM, USR1, ...) cancels d: every blocking call then
 * returns ECANCELED. One the parent left ignored stays ignored when the
 * terminal sends it (nohup, a shell's background job), and for our jobs.
 */
int
csp_cancel_on_signals(csp_done *d)
{
	struct sigaction sa;
	sigset_t set;
	int s;

	record_ignored();
	sig_done = d;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	csp__term_set(&set);
	for (s = 1; s < NSIG; s++)
		if (sigismember(&set, s) == 1 && sigaction(s, &sa, NULL) == -1)
			return -1;
	/* A mask our parent left blocking them would hide them from us. */
	return sigprocmask(SIG_UNBLOCK, &set, NULL);
}

/*
 * The start of every command that starts processes: the ignored signals
 * noted; the guardian forked (csp_guard, which puts SIGCHLD back to its
 * default: ignored, children reap themselves), and we go on as the worker,
 * a child subreaper, done made from parent and cancelled by every ending
 * signal. Those stay blocked until their handlers are in: none is lost.
 */
int
csp_command_start(csp_done *done, const csp_done *parent)
{
	sigset_t set, old;
	int e;

	record_ignored();
	csp__term_set(&set);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, &old) == -1)
		return -1;
	if (csp_guard() == -1 || csp_subreaper() == -1 || csp_done_make(done, parent) == -1)
		goto fail;
	if (csp_cancel_on_signals(done) == -1) {
		csp_done_free(done);
		goto fail;
	}
	/* The handlers are in: unblock them all, what our parent blocked too. */
	sigprocmask(SIG_SETMASK, &old, NULL);
	return sigprocmask(SIG_UNBLOCK, &set, NULL);
fail:
	e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return -1;
}

/* The first of those signals that came, or 0. */
int
csp_signalled(void)
{
	return sig_seen;
}

/*
 * End the process by sig, as if it had never been caught: the parent sees
 * WIFSIGNALED, which is how a shell loop knows to stop on Ctrl-C. No core
 * file: nothing crashed. Exits 128+sig if sig does not end a process.
 */
void
csp_reraise(int sig)
{
	struct sigaction sa;
	struct rlimit rl;
	sigset_t set;

	fflush(NULL);
	if (getrlimit(RLIMIT_CORE, &rl) == 0 && rl.rlim_cur != 0) {
		rl.rlim_cur = 0;
		setrlimit(RLIMIT_CORE, &rl);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	kill(getpid(), sig);
	_exit(CSP_EXIT_SIGNAL + sig);
}

/*
 * How a command's call ended, as its exit status: 0 for a clean stop
 * (--done fired: ECANCELED; the reader went away: EPIPE); -1 for anything
 * else, with errno as it was, for the command to report. After one of the
 * signals it does not return: the signal is raised again (csp_reraise).
 */
int
csp_clean_exit(int r)
{
	if (sig_seen != 0)
		csp_reraise(sig_seen);
	if (r == -1 && (errno == ECANCELED || errno == EPIPE))
		return 0;
	return -1;
}

int
csp_parse_count(const char *s, long long min, long long max, long long *v)
{
	const char *errstr;
	long long n = strtonum(s, min, max, &errstr);

	if (errstr != NULL || s[*s == '-'] < '0' || s[*s == '-'] > '9') {  /* no " 5", "+5" */
		errno = EINVAL;
		return -1;
	}
	*v = n;
	return 0;
}
