/*
 * spawn.c: an exec'd child, for programs that cannot poll a done. A failed
 * exec reports its errno over a close-on-exec pipe, so the parent never
 * mistakes it for a running child.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/impl.h"

static void
child(pid_t parent, char *const argv[], const int fds[3], int flags, int errfd)
{
	int keep[1] = { errfd }, i, e;

	if (flags & CSP_SPAWN_SETSID)
		setsid();
	else if (flags & CSP_SPAWN_PGROUP)
		setpgid(0, 0);
	int high[3] = { -1, -1, -1 };

	/* Out of the way first, so a set that swaps 0, 1 and 2 comes out right. */
	for (i = 0; fds != NULL && i < 3; i++)
		if (fds[i] >= 0 && fds[i] != i &&
		    (high[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3)) == -1)
			goto fail;
	for (i = 0; i < 3; i++)
		if (high[i] >= 0 && dup2(high[i], i) == -1)
			goto fail;
	/* Handlers reset, the library's SIG_IGN (SIGPIPE) undone; others' kept. */
	csp__child_start(parent, -1, keep, 1, NULL,
	    CSP__EXEC | (flags & CSP_SPAWN_INHERIT ? 0 : CSP__CLOSE) |
	    (flags & (CSP_SPAWN_PGROUP | CSP_SPAWN_SETSID) ? CSP__ALONE : 0));
	for (i = 1; i <= 64 && csp__ign != 0; i++)
		if (CSP__IGNORED(i))
			signal(i, SIG_IGN);  /* the command's parent's SIG_IGN: jobs keep it */
	execvp(argv[0], argv);
fail:
	e = errno;
	if (write(errfd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(e == ENOENT ? 127 : 126);
}

int
csp_spawn(csp_proc *p, char *const argv[], const int fds[3], int flags)
{
	pid_t parent = getpid(), pid;
	sigset_t all, old;
	int errp[2], e;
	ssize_t r;

	csp__proc_init(p, 0, flags);  /* no child yet: inert */
	if (csp__children_lost()) {
		errno = ECHILD;  /* SIGCHLD ignored: the child could never be waited for */
		return -1;
	}
	if (csp__pipe(errp, 0) == -1)
		return -1;
	fflush(NULL);
	/* Blocked until the child has dropped the parent's handlers. */
	sigfillset(&all);
	if (sigprocmask(SIG_SETMASK, &all, &old) == -1) {
		pid = -1;
		e = errno;
	} else {
		pid = fork();
		e = errno;
		if (pid == 0)
			child(parent, argv, fds, flags, errp[1]);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	if (pid == -1) {
		close(errp[0]);
		close(errp[1]);
		errno = e;
		return -1;
	}
	close(errp[1]);
	if ((flags & CSP_SPAWN_PGROUP) && !(flags & CSP_SPAWN_SETSID))
		setpgid(pid, pid);  /* both sides, so no signal finds it in ours */
	do
		r = read(errp[0], &e, sizeof(e));
	while (r == -1 && errno == EINTR);
	close(errp[0]);
	if (r == (ssize_t)sizeof(e)) {
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
		p->pid = -1;  /* inert still: -1 says a child ran and its exec failed */
		errno = e;
		return -1;
	}
	csp__proc_init(p, pid, flags);
	return 0;
}
