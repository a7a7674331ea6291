/* csp-group: run commands as a group; the first failure stops the rest (Go's errgroup). */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cspipe.h"

#define GRACE_MS 1000             /* between SIGTERM and SIGKILL, unless -g says */

static const csp_opt opts[] = {
	{ 'j', "jobs", "jobs", "at most this many commands at once; 0: all (0)" },
	{ 'g', "grace", "duration", "between SIGTERM and SIGKILL when stopping the rest (1s)" },
	CSP_OPT_DONE_ROW,
	{ 0, NULL, NULL, NULL },
};
static const csp_usage use = {
	"csp-group", "csp-group [-j jobs] [-g grace] [--done fd|fifo] command ...",
	"Run commands (sh -c) as a group; the first failure stops the rest, as Go's errgroup.",
	"+", opts,
};

/* Our own standard output's reader is gone: a pipe with no reader polls as an error. */
static int
stdout_gone(void)
{
	struct pollfd pfd = { STDOUT_FILENO, POLLOUT, 0 };

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLERR);
}

/* The exit status, and a line naming the command that failed first. */
static int
finish(int r, const csp_group_cmd *cmds, int failed)
{
	const csp_group_cmd *c;

	if (csp_signalled())
		csp_reraise(csp_signalled());  /* so a shell loop stops on Ctrl-C */
	if (r == -1 && errno == ECANCELED)
		return 0;  /* --done: a clean stop */
	if (r == -1)
		err(CSP_EXIT_SYS, "group");
	if (failed == -1)
		return 0;
	c = &cmds[failed];
	if (c->err != 0) {
		warnx("cannot start: %s: %s", csp_quote(c->cmd), strerror(c->err));
		return c->status;
	}
	if (c->status == CSP_EXIT_SIGNAL + SIGPIPE && stdout_gone())
		return 0;  /* our reader went away: stop quietly */
	warnx("failed (status %d): %s", c->status, csp_quote(c->cmd));
	return c->status;
}

int
main(int argc, char *argv[])
{
	csp_title_init(argc, argv);
	csp_done ext, done;
	const csp_done *parent = NULL;
	csp_group_cmd *cmds;
	long long jobs = 0;
	int64_t grace = GRACE_MS;
	int ch, i, n, r, e, failed, status;

	/* '+': options end at the first command, so a command may start with '-'. */
	while ((ch = csp_getopt(argc, argv, &use)) != -1) {
		switch (ch) {
		case 'j':
			if (csp_parse_count(optarg, 0, INT_MAX, &jobs) == -1)
				errx(CSP_EXIT_USAGE, "-j: invalid job count: %s", csp_quote(optarg));
			break;
		case 'g':
			if (csp_parse_duration(optarg, &grace) == -1)
				errx(CSP_EXIT_USAGE, "-g: invalid duration: %s", csp_quote(optarg));
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
	if ((n = argc - optind) == 0)
		errx(CSP_EXIT_USAGE, "a command is needed");
	if ((cmds = calloc((size_t)n, sizeof(*cmds))) == NULL)
		err(CSP_EXIT_SYS, "setting up");
	for (i = 0; i < n; i++)
		cmds[i].cmd = argv[optind + i];

	/* The guardian, the subreaper (what a command leaves behind, setsid() or not, comes to us), SIGCHLD, every ending signal. */
	if (csp_command_start(&done, parent) == -1)
		err(CSP_EXIT_SYS, "setting up");
	r = csp_group(cmds, n, (int)jobs, grace, &failed, &done);
	e = errno;
	if (csp_stop_tree(SIGTERM, grace) == -1)
		warn("stopping what the commands left behind");
	errno = e;
	status = finish(r, cmds, failed);
	csp_done_free(&done);
	free(cmds);
	return status;
}
