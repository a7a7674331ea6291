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

static const csp_opt opts[] = {
	{ 'c', "command", "command", "repeat the output of this command (sh -c), run again and again" },
	CSP_OPT_NULL_ROW,
	CSP_OPT_DONE_ROW,
	{ 0, NULL, NULL, NULL },
};
static const csp_usage use = {
	"csp-repeat", "csp-repeat [-0] [--done fd|fifo] [value ...]\n"
	    "       csp-repeat [-0] [--done fd|fifo] -c command",
	"The values, the input, or a command's output, as records, over and over.",
	"+", opts,
};

int
main(int argc, char *argv[])
{
	csp_title_init(argc, argv);
	csp_done ext, done;
	const csp_done *parent = NULL;
	char *command = NULL;
	int ch, delim = '\n', r, e;
	csp_rd in;
	csp_wr out;

	/* "+": the first value ends the options, so a value may start with '-'. */
	while ((ch = csp_getopt(argc, argv, &use)) != -1) {
		switch (ch) {
		case '0':
			delim = '\0';
			break;
		case 'c':
			command = optarg;
			break;
		case CSP_OPT_DONE:
			if (csp_done_open(&ext, optarg) == -1)
				err(CSP_EXIT_USAGE, "--done: %s", csp_quote(optarg));
			parent = &ext;
			break;
		default:
			csp_usage_exit(&use, CSP_EXIT_USAGE);
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
		err(CSP_EXIT_FAIL, "-c: %s: cannot run", csp_quote(command));
	if (r > 0)  /* 128+N: killed by signal N */
		errx(CSP_EXIT_FAIL, "-c: %s: failed with status %d", csp_quote(command), r);
	if (r == -1)
		err(CSP_EXIT_SYS, "repeating");
	return 0;
}
