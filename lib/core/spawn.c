/*
 * spawn.c: the one start of an exec'd program, vfork-style as posix_spawn:
 * the child borrows the parent's memory until the exec instead of copying
 * its page tables, so a start costs the same however large the parent is.
 * The child is set up as a goroutine is (csp__child_start in go.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/impl.h"

extern char **environ;

/*
 * The child shares the parent's memory until it execs: it writes nothing
 * but *err, calls nothing that allocates or locks, and runs no handler of
 * the parent's (they would run on the parent's data): every signal is
 * blocked from before the vfork, and csp__child_start resets every caught
 * one that could still come before it empties the mask.
 */
static void __attribute__((noinline))
child(pid_t parent, const char *path, char *const argv[], const int fds[3],
      int flags, volatile int *err)
{
	int i, high[3] = { -1, -1, -1 };

	if (flags & CSP_SPAWN_SETSID)
		setsid();
	else if (flags & CSP_SPAWN_PGROUP)
		setpgid(0, 0);
	/* 0, 1 and 2 out of the way first, so a set that swaps them comes out right. */
	for (i = 0; fds != NULL && i < 3; i++)
		if (fds[i] >= 0 && fds[i] != i &&
		    (high[i] = fds[i] > 2 ? fds[i] : fcntl(fds[i], F_DUPFD_CLOEXEC, 3)) == -1)
			goto fail;
	for (i = 0; i < 3; i++)
		if (high[i] >= 0 && dup2(high[i], i) == -1)
			goto fail;
	/* Alone in a group or session: only a signal to this new pid can come. */
	csp__child_start(parent, -1, NULL, 0, NULL,
	    CSP__EXEC | (flags & CSP_SPAWN_INHERIT ? 0 : CSP__CLOSE) |
	    (flags & (CSP_SPAWN_PGROUP | CSP_SPAWN_SETSID) ? CSP__ALONE : 0));
	if (path != NULL)
		execve(path, argv, environ);
	else
		execvp(argv[0], argv);
fail:
	*err = errno;
	_exit(*err == ENOENT ? 127 : 126);
}

/*
 * Start argv as a program: path is the file to execute; NULL searches PATH
 * for argv[0], as execvp does. Returns once the exec succeeded or failed:
 * a failed one is -1 and its errno, the child reaped, p inert (pid -1).
 */
int
csp_vspawn(csp_proc *p, const char *path, char *const argv[], const int fds[3], int flags)
{
	pid_t parent = getpid(), pid;
	volatile int err = 0;
	sigset_t all, old;
	int e;

	csp__proc_init(p, 0, flags);  /* no child yet: inert */
	if (csp__children_lost()) {
		errno = ECHILD;  /* SIGCHLD ignored: the child could never be waited for */
		return -1;
	}
	sigfillset(&all);
	if (sigprocmask(SIG_SETMASK, &all, &old) == -1)
		return -1;
	pid = vfork();
	if (pid == 0)
		child(parent, path, argv, fds, flags, &err);
	e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid == -1) {
		errno = e;
		return -1;
	}
	if (err != 0) {
		/* The child has exited already: this wait does not block. */
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
		p->pid = -1;  /* inert still: -1 says a child ran and its exec failed */
		errno = err;
		return -1;
	}
	csp__proc_init(p, pid, flags);
	return 0;
}

/* The same start, by PATH, after a flush: what the caller printed comes first. */
int
csp_spawn(csp_proc *p, char *const argv[], const int fds[3], int flags)
{
	fflush(NULL);
	return csp_vspawn(p, NULL, argv, fds, flags);
}

/*
 * Where execvp would find name: the first executable regular file of that
 * name in PATH, copied to buf. A name with a slash is itself. -1 and
 * ENOENT (or EACCES, if one was found but was not executable) otherwise.
 */
int
csp_lookpath(const char *name, char *buf, size_t size)
{
	const char *path = getenv("PATH"), *p, *end;
	struct stat st;
	size_t dl, nl = strlen(name);
	int found = 0;

	if (nl == 0) {
		errno = ENOENT;
		return -1;
	}
	if (strchr(name, '/') != NULL) {
		if (nl + 1 > size) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(buf, name, nl + 1);
		return 0;
	}
	if (path == NULL)
		path = "/bin:/usr/bin";
	for (p = path;; p = end + 1) {
		end = strchrnul(p, ':');
		dl = (size_t)(end - p);
		if (dl + nl + 2 <= size) {
			if (dl == 0)
				buf[0] = '.';  /* an empty entry is the current directory */
			else
				memcpy(buf, p, dl);
			dl += dl == 0;
			buf[dl] = '/';
			memcpy(buf + dl + 1, name, nl + 1);
			if (stat(buf, &st) == 0 && S_ISREG(st.st_mode)) {
				if (access(buf, X_OK) == 0)
					return 0;
				found = 1;
			}
		}
		if (*end == '\0')
			break;
	}
	errno = found ? EACCES : ENOENT;
	return -1;
}
