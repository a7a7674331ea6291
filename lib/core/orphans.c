/* orphans.c: the zombies a subreaper adopts, reaped so they do not pile up. */
#define _GNU_SOURCE
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/impl.h"

/*
 * If the caller made itself a subreaper with csp_subreaper(), reap every
 * child that has exited and is not one of mine[0..n). It stops at the first
 * of mine it finds exited: that one is the caller's to reap, and it hides the
 * ones behind it until then. In any other process a child the library did not
 * start is the program's own, and is left alone.
 */
void
csp__reap_orphans(const pid_t *mine, int n)
{
	siginfo_t si;
	int sub = 0, i;

	if (csp__reaper == 0 || csp__reaper != getpid())
		return;  /* not declared (or a forked copy): every other child is the program's */
	if (prctl(PR_GET_CHILD_SUBREAPER, &sub) == -1 || !sub)
		return;  /* orphans go elsewhere: every child here is someone's */
	for (;;) {
		si.si_pid = 0;
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == -1 || si.si_pid == 0)
			return;
		for (i = 0; i < n && mine[i] != si.si_pid; i++)
			;
		if (i < n)
			return;
		waitpid(si.si_pid, NULL, 0);
	}
}
