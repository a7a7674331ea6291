/*
 * tree.c: a whole process tree kept in reach, setsid() escapers and double
 * forks included: a child subreaper inherits every orphan below it, and a
 * pid found in /proc is signalled only if it still names the process seen.
 * The stop itself is stop.c's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/impl.h"

pid_t csp__reaper;

/* The one way the library becomes a subreaper: asked to, and it remembers who asked. */
int
csp_subreaper(void)
{
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == -1)
		return -1;
	csp__reaper = getpid();
	return 0;
}

/*
 * A pid read from /proc may have been reused by the time it is signalled:
 * open a pidfd first, then check that the process it names started when the
 * one seen did. Without pidfds (before Linux 5.3) only an unreaped child of
 * ours is safe to signal by pid.
 */
void
csp__signal_seen(const struct csp__pid *d, int sig)
{
	unsigned long long start;
	int fd = csp__pidfd(d->pid);

	if (fd == -1) {
		if (errno == ENOSYS && d->ppid == getpid()) {
			kill(d->pid, sig);
			if (sig != SIGKILL)
				kill(d->pid, SIGCONT);
		}
		return;  /* ESRCH: gone already */
	}
#ifdef SYS_pidfd_send_signal
	if (csp__started(d->pid, &start) == 0 && start == d->start) {
		syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
		if (sig != SIGKILL)  /* a stopped process takes sig only when it runs */
			syscall(SYS_pidfd_send_signal, fd, SIGCONT, NULL, 0);
	}
#else
	(void)start;
	(void)sig;
#endif
	close(fd);
}
