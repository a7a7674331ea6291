/* csp-group: run commands as a group; the first failure stops the rest (Go's errgroup). */
#include <err.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cspipe.h"

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

/* The status of the command that failed first, and a line naming it; 0 if none did. */
static int
failure(const csp_group_cmd *c)
{
	if (c == NULL)
		return 0;
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
	csp_group_cmd *cmds;
	csp_cmd c;
	long long jobs = 0;
	int ch, i, n, r, failed, status;

	csp_cmd_init(&c, &use, argc, argv);
	/* '+': options end at the first command, so a command may start with '-'. */
	while ((ch = csp_cmd_opt(&c, argc, argv)) != -1) {
		switch (ch) {
		case 'j':
			if (csp_parse_count(optarg, 0, INT_MAX, &jobs) == -1)
				errx(CSP_EXIT_USAGE, "-j: invalid job count: %s", csp_quote(optarg));
			break;
		case 'g':
			c.grace = csp_cmd_duration(&c, "-g", optarg);
			break;
		default:
			csp_cmd_usage(&c);
		}
	}
	if ((n = argc - optind) == 0)
		errx(CSP_EXIT_USAGE, "a command is needed");
	if ((cmds = calloc((size_t)n, sizeof(*cmds))) == NULL)
		err(CSP_EXIT_SYS, "setting up");
	for (i = 0; i < n; i++)
		cmds[i].cmd = argv[optind + i];

	/* What a command leaves behind, setsid() or not, comes to us and is stopped at the end. */
	csp_cmd_start(&c, CSP_CMD_PROCS);
	r = csp_group(cmds, n, (int)jobs, c.grace, &failed, &c.done);
	status = r == 0 ? failure(failed >= 0 ? &cmds[failed] : NULL) : 0;
	free(cmds);
	return csp_cmd_exit(&c, r, status, NULL);
}
