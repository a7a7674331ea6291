/* csp-repeat: the values, the input, or a command's output, as records, forever. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cspipe.h"

#define GRACE_MS 1000             /* for what the command left: SIGTERM, this, SIGKILL */

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: csp-repeat [-0] [--done fd|fifo] [value ...]\n"
	    "       csp-repeat [-0] [--done fd|fifo] -c command\n");
	exit(status);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "command", required_argument, NULL, 'c' },
		{ "null", no_argument, NULL, '0' },
		{ "done", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	csp_done ext, done;
	const csp_done *parent = NULL;
	char *command = NULL;
	int ch, delim = '\n', r, e;
	csp_rd in;
	csp_wr out;

	/* "+": the first value ends the options, so a value may start with '-'. */
	while ((ch = getopt_long(argc, argv, "+0c:d:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case '0':
			delim = '\0';
			break;
		case 'c':
			command = optarg;
			break;
		case 'd':
			if (csp_done_open(&ext, optarg) == -1)
				err(CSP_EXIT_USAGE, "--done: %s", optarg);
			parent = &ext;
			break;
		case 'h':
			usage(0);
		case 'V':
			printf("csp-repeat %s\n", CSP_VERSION);
			return 0;
		default:
			usage(CSP_EXIT_USAGE);
		}
	}
	if (command != NULL && optind < argc)
		errx(CSP_EXIT_USAGE, "-c: no values with a command");
	if (command == NULL && optind == argc && parent == &ext && ext.rfd == STDIN_FILENO)
		errx(CSP_EXIT_USAGE, "--done: 0 is where the input comes from, not a done");

	/* With a command: the guardian, the subreaper, SIGCHLD; either way every ending signal. */
	if ((command != NULL ? csp_command_start(&done, parent) == -1 :
	     csp_done_make(&done, parent) == -1 || csp_cancel_on_signals(&done) == -1) ||
	    csp_rd_init(&in, STDIN_FILENO, delim) == -1 || csp_wr_init(&out, STDOUT_FILENO) == -1)
		err(CSP_EXIT_SYS, "setting up");
	if (command != NULL)
		r = csp_repeat_fn(&out, (char *[]){ "sh", "-c", command, NULL }, delim, &done);
	else
		r = csp_repeat(&in, &out, argv + optind, (size_t)(argc - optind), &done);
	e = errno;
	/* What the command left, setsid() escapers included, came to us: it goes too. */
	if (command != NULL && csp_stop_tree(SIGTERM, GRACE_MS) == -1)
		warn("stopping what the command left behind");
	csp_rd_free(&in);
	csp_wr_free(&out);
	csp_done_free(&done);
	errno = e;
	if (csp_clean_exit(r) != -1)
		return csp_clean_exit(r);  /* a signal, --done, or our reader went away */
	if (r > 0 && errno != 0)
		err(CSP_EXIT_FAIL, "-c: %s: cannot run", command);
	if (r > 0)  /* 128+N: killed by signal N */
		errx(CSP_EXIT_FAIL, "-c: %s: failed with status %d", command, r);
	if (r == -1)
		err(CSP_EXIT_SYS, "repeating");
	return 0;
}
