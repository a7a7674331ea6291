/* csp-tee: every input record to every command, in lockstep; their outputs merged whole. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cspipe.h"

#define GRACE_MS 500              /* for what the commands left: SIGTERM, this, SIGKILL */

static const csp_opt opts[] = {
	{ 'c', "command", "command", "a command (sh -c) that gets every record; give one or more" },
	CSP_OPT_NULL_ROW,
	{ 's', "strict", NULL, "a command that stops taking input stops them all" },
	{ 't', "tag", NULL, "start each output record with its command and a tab" },
	CSP_OPT_DONE_ROW,
	{ 0, NULL, NULL, NULL },
};
static const csp_usage use = {
	"csp-tee", "csp-tee [-0] [--strict] [--tag] [--done fd|fifo] -c command [-c command ...]",
	"Every input record to every command, in lockstep; their outputs merged, records whole.",
	"", opts,
};

/* The exit status, and a line on stderr for each command that failed. */
static int
finish(int r, const csp_tee_cmd *cmds, int n)
{
	int i, failed = 0;

	if (csp_clean_exit(r) != -1)
		return csp_clean_exit(r);  /* a signal, --done, or our reader went away */
	if (r == -1 && errno == ESHUTDOWN) {
		for (i = 0; i < n; i++)
			if (cmds[i].early)
				warnx("%s: stopped taking input early; the others were stopped",
				    csp_quote(cmds[i].cmd));
		return CSP_EXIT_FAIL;
	}
	if (r == -1 && csp_exec_status(errno) != CSP_EXIT_SYS)
		err(csp_exec_status(errno), "sh");
	if (r == -1)
		err(CSP_EXIT_SYS, "tee");
	for (i = 0; i < n; i++) {
		if (cmds[i].status != 0) {
			warnx("%s: exited with status %d", csp_quote(cmds[i].cmd), cmds[i].status);
			failed = 1;
		}
	}
	return failed ? CSP_EXIT_FAIL : 0;
}

int
main(int argc, char *argv[])
{
	csp_title_init(argc, argv);
	csp_done ext, done;
	const csp_done *parent = NULL;
	csp_tee_cmd *cmds;
	int ch, delim = '\n', flags = 0, n = 0, r, e, status;
	csp_rd in;
	csp_wr out;

	if ((cmds = calloc((size_t)argc, sizeof(*cmds))) == NULL)
		err(CSP_EXIT_SYS, "setting up");
	while ((ch = csp_getopt(argc, argv, &use)) != -1) {
		switch (ch) {
		case '0':
			delim = '\0';
			break;
		case 'c':
			cmds[n++].cmd = optarg;
			break;
		case CSP_OPT_DONE:
			if (csp_done_open(&ext, optarg) == -1)
				err(CSP_EXIT_USAGE, "--done: %s", csp_quote(optarg));
			parent = &ext;
			break;
		case 's':
			flags |= CSP_TEE_STRICT;
			break;
		case 't':
			flags |= CSP_TEE_TAG;
			break;
		default:
			csp_usage_exit(&use, CSP_EXIT_USAGE);
		}
	}
	if (argc > optind)
		errx(CSP_EXIT_USAGE, "unexpected argument: %s (commands go after -c)", csp_quote(argv[optind]));
	if (n == 0)
		errx(CSP_EXIT_USAGE, "-c: at least one command is needed");
	if (parent == &ext && ext.rfd == STDIN_FILENO)
		errx(CSP_EXIT_USAGE, "--done: 0 is where the input comes from, not a done");

	/* The guardian, the subreaper, SIGCHLD, every ending signal: what every command does. */
	if (csp_command_start(&done, parent) == -1 ||
	    csp_rd_init(&in, STDIN_FILENO, delim) == -1 || csp_wr_init(&out, STDOUT_FILENO) == -1)
		err(CSP_EXIT_SYS, "setting up");
	r = csp_tee(&in, &out, cmds, n, flags, &done);
	e = errno;
	close(STDIN_FILENO);  /* upstream gets EPIPE and stops */
	/* What the commands left, setsid() escapers included, came to us: it goes too. */
	if (csp_stop_tree(SIGTERM, GRACE_MS) == -1)
		warn("stopping what the commands left behind");
	errno = e;
	status = finish(r, cmds, n);
	csp_rd_free(&in);
	csp_wr_free(&out);
	csp_done_free(&done);
	free(cmds);
	return status;
}
