/*
 * sig.c: the library's part in signal dispositions: what it ignores itself
 * (and its exec'd children put back) and what the program inherited; the
 * clean slate a new child starts from is in go.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "core/impl.h"

/* Set to SIG_IGN by the library, not by the program or its parent. */
sigset_t csp__sig_ours;

int
csp_sig_ignore(int sig)
{
	struct sigaction sa;

	if (sigaction(sig, NULL, &sa) == -1)
		return -1;
	if (sa.sa_handler != SIG_DFL || (sa.sa_flags & SA_SIGINFO))
		return 0;  /* ignored or caught already, by the program: theirs, kept */
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	if (sigaction(sig, &sa, NULL) == -1)
		return -1;
	sigaddset(&csp__sig_ours, sig);
	return 0;
}

/* A send to a pipe nobody reads must be EPIPE, not a death: ignore SIGPIPE once. */
void
csp__nosigpipe(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	csp_sig_ignore(SIGPIPE);
}

/* 1 if sig was ignored when this was first called (and not by the library), else 0. */
int
csp_sig_inherited(int sig)
{
	static sigset_t inherited;
	static int seen;
	struct sigaction sa;
	int i;

	if (sig <= 0 || sig >= NSIG) {
		errno = EINVAL;
		return -1;
	}
	if (!seen) {
		sigemptyset(&inherited);
		for (i = 1; i < NSIG; i++)
			if (!sigismember(&csp__sig_ours, i) && sigaction(i, NULL, &sa) == 0 &&
			    sa.sa_handler == SIG_IGN)
				sigaddset(&inherited, i);
		seen = 1;
	}
	return sigismember(&inherited, sig) == 1;
}

/* Children can never be waited for: SIG_IGN or SA_NOCLDWAIT reaps them unseen. */
int
csp__children_lost(void)
{
	struct sigaction sa;

	if (sigaction(SIGCHLD, NULL, &sa) == -1)
		return 0;
	return sa.sa_handler == SIG_IGN || (sa.sa_flags & SA_NOCLDWAIT);
}

/* Bit sig-1: ignored when the command started (cmd.c fills it); jobs keep it so. */
unsigned long long csp__ign;

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
