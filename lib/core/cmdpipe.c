/* cmdpipe.c: a shell command as a filter: sh -c CMD in a group of its own, on pipes. */
#define _GNU_SOURCE
#include <unistd.h>

#include "core/impl.h"

/*
 * Start `sh -c cmd`, leading a process group of its own. With to, its stdin
 * is a pipe and *to our write end; with from, its stdout is a pipe and *from
 * our read end; a NULL leaves that one ours. Our ends are close-on-exec, and
 * the child's ends are closed here, so EOF and EPIPE arrive when they should.
 */
int
csp_cmdpipe(csp_proc *p, const char *cmd, int *to, int *from)
{
	char *argv[] = { "/bin/sh", "-c", (char *)cmd, NULL };
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, fds[3] = { -1, -1, -1 };

	if (to != NULL && csp__pipe(in, 0) == -1)
		return -1;
	if (from != NULL && csp__pipe(out, 0) == -1) {
		csp__close_pair(in);
		return -1;
	}
	fds[0] = in[0];
	fds[1] = out[1];
	if (csp_spawn(p, argv, fds, CSP_SPAWN_PGROUP) == -1) {
		csp__close_pair(in);
		csp__close_pair(out);
		return -1;
	}
	if (to != NULL) {
		close(in[0]);
		*to = in[1];
	}
	if (from != NULL) {
		close(out[1]);
		*from = out[0];
	}
	return 0;
}
