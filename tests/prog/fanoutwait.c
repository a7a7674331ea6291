/*
 * fanoutwait: a program with a child of its own runs csp_fanout (list or
 * pipe mode); the library must reap only its jobs, so the program can still
 * wait for its child afterwards and get its status. Exits 0 and prints
 * "kept 7" when it could; 1 when the library took the child. "halt": one
 * job fails, so the stop ends the other, a sleep 7313 in its group too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cspipe.h"

int
main(int argc, char *argv[])
{
	char *cmd[] = { "true", NULL }, *args[] = { "1", "2", "3", NULL };
	char *hcmd[] = { "sh", "-c", "[ $1 = 1 ] && { sleep 1; exit 3; }; sleep 7313 & wait", "sh", NULL };
	int pipe_mode = argc > 1 && strcmp(argv[1], "pipe") == 0, p[2], ws;
	int halt = argc > 1 && strcmp(argv[1], "halt") == 0;
	csp_fanout_opt o;
	csp_done done;
	csp_rd in;
	csp_wr out;
	siginfo_t info;
	pid_t mine;

	if ((mine = fork()) == 0)
		_exit(7);
	/* It has exited before the jobs start: a zombie any wait(-1) would take. */
	memset(&info, 0, sizeof(info));
	if (waitid(P_PID, (id_t)mine, &info, WEXITED | WNOWAIT) == -1)
		return 1;
	if (pipe(p) == -1 || write(p[1], "a\nb\nc\n", 6) != 6)
		return 1;
	close(p[1]);
	csp_fanout_init(&o, halt ? hcmd : cmd);
	o.jobs = 2;
	if (halt) {
		args[2] = NULL;
		o.halt_when = CSP_HALT_NOW;
		o.halt_why = CSP_HALT_FAIL;
		o.halt_n = 1;
	}
	if (pipe_mode) {
		o.flags |= CSP_FANOUT_PIPE;
		o.block = 1;
	} else {
		o.args = args;
	}
	if (csp_done_make(&done, NULL) == -1 || csp_rd_init(&in, p[0], '\n') == -1 ||
	    csp_wr_init(&out, STDOUT_FILENO) == -1)
		return 1;
	if (csp_fanout(&in, &out, &o, &done) == -1) {
		perror("fanoutwait: csp_fanout");
		return 1;
	}
	if (waitpid(mine, &ws, WNOHANG) != mine) {
		fprintf(stderr, "fanoutwait: my child is gone: %s\n", strerror(errno));
		return 1;
	}
	printf("kept %d, %lld jobs\n", WEXITSTATUS(ws), o.total);
	csp_rd_free(&in);
	csp_wr_free(&out);
	return 0;
}
