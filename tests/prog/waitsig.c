/*
 * waitsig: run a command, send it a signal after a while, and say how it
 * ended as its parent sees it: "signal N" (WIFSIGNALED) or "exit N".
 *
 *   waitsig MS SIGNAL command [arg ...]     SIGNAL 0 sends none
 *   waitsig /FILE SIGNAL command [arg ...]  once FILE exists (up to 30 s)
 *
 * A shell's $? cannot tell a death by SIGINT from an exit(130); this can.
 */
#include <err.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	struct timespec ts;
	long ms;
	int sig, ws;
	pid_t pid;

	if (argc < 4)
		errx(2, "usage: waitsig ms signal command [arg ...]");
	ms = strtol(argv[1], NULL, 10);
	sig = (int)strtol(argv[2], NULL, 10);
	if ((pid = fork()) == -1)
		err(2, "fork");
	if (pid == 0) {
		/* As a terminal's foreground job has them, whatever our own parent left. */
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		execvp(argv[3], argv + 3);
		err(127, "%s", argv[3]);
	}
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = ms % 1000 * 1000000;
	if (argv[1][0] == '/') {
		ts.tv_sec = 0;
		ts.tv_nsec = 10 * 1000000;
		for (ms = 0; ms < 3000 && access(argv[1], F_OK) == -1; ms++)
			nanosleep(&ts, NULL);
	}
	if (sig != 0 && nanosleep(&ts, NULL) == 0)
		kill(pid, sig);
	while (waitpid(pid, &ws, 0) == -1)
		;
	if (WIFSIGNALED(ws))
		printf("signal %d\n", WTERMSIG(ws));
	else
		printf("exit %d\n", WEXITSTATUS(ws));
	return 0;
}
