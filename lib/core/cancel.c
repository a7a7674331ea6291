/*
 * cancel.c: signals as cancellation. Every signal whose default is to end
 * the process cancels a done instead; the first one is remembered, so the
 * command can end by it once everything it started is stopped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "core/impl.h"

static csp_done *sig_done;
static volatile sig_atomic_t sig_seen;
static int ign_recorded;

/* Which of them our parent left ignored: once, before any handler of ours hides it. */
void
csp__record_ignored(void)
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

	csp__record_ignored();
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

/* The first of those signals that came, or 0. */
int
csp_signalled(void)
{
	return sig_seen;
}
