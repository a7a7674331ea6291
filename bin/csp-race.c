/* csp-race: run commands at once; the first to finish wins, the rest are stopped. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cspipe.h"

#define RACE_GRACE_MS 500         /* between SIGTERM and SIGKILL for the losers */
#define RACE_MAX 1024             /* commands or replicas at most */

static const csp_opt opts[] = {
	{ 'n', "replicas", "count", "race count copies of one command (CSP_REPLICA: 0, 1, ...)" },
	{ 'g', "grace", "duration", "between SIGTERM and SIGKILL for the losers (500ms)" },
	{ 's', "success", NULL, "only a command that exits 0 wins" },
	CSP_OPT_DONE_ROW,
	{ 0, NULL, NULL, NULL },
};
static const csp_usage use = {
	"csp-race", "csp-race [--success] [-g grace] [--done fd|fifo] command ...\n"
	    "       csp-race [--success] [-g grace] [--done fd|fifo] -n count command",
	"Run commands (sh -c) at once; the first to finish wins, the rest are stopped.",
	"", opts,
};

/* The exit status: the winner's, or what stopped the race. */
static int
finish(int r, const csp_race_cmd *cmds)
{
	int e = errno;

	errno = e;
	if (csp_clean_exit(r) != -1)
		return 0;  /* --done, or our reader went away: a clean stop; a signal: raised again */
	if (r == -1 && csp_exec_status(e) != CSP_EXIT_SYS) {
		warn("/bin/sh");
		return csp_exec_status(e);
	}
	if (r == -1) {
		warn("race");
		return CSP_EXIT_SYS;
	}
	return cmds[r].status;
}

int
main(int argc, char *argv[])
{
	csp_title_init(argc, argv);
	csp_done ext, done;
	const csp_done *parent = NULL;
	csp_race_cmd *cmds;
	long long replicas = 0;
	int64_t grace = RACE_GRACE_MS;
	int ch, flags = 0, n, i, r, e, status;
	csp_wr out;

	while ((ch = csp_getopt(argc, argv, &use)) != -1) {
		switch (ch) {
		case 'g':
			if (csp_parse_duration(optarg, &grace) == -1)
				errx(CSP_EXIT_USAGE, "-g: invalid duration: %s", csp_quote(optarg));
			break;
		case 'n':
			if (csp_parse_count(optarg, 1, RACE_MAX, &replicas) == -1)
				errx(CSP_EXIT_USAGE, "-n: invalid count (1 to %d): %s", RACE_MAX, csp_quote(optarg));
			break;
		case 's':
			flags |= CSP_RACE_SUCCESS;
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
	n = argc - optind;
	if (n == 0)
		csp_usage_exit(&use, CSP_EXIT_USAGE);
	if (replicas > 0 && n != 1)
		errx(CSP_EXIT_USAGE, "-n: takes one command, not %d", n);
	if (n > RACE_MAX)
		errx(CSP_EXIT_USAGE, "at most %d commands", RACE_MAX);
	if (replicas > 0)
		n = (int)replicas;
	if ((cmds = calloc((size_t)n, sizeof(*cmds))) == NULL)
		err(CSP_EXIT_SYS, "setting up");
	for (i = 0; i < n; i++)
		cmds[i].cmd = argv[replicas > 0 ? optind : optind + i];

	/* The guardian, the subreaper, SIGCHLD, every ending signal: what every command does. */
	if (csp_command_start(&done, parent) == -1 || csp_wr_init(&out, STDOUT_FILENO) == -1)
		err(CSP_EXIT_SYS, "setting up");
	r = csp_race(&out, cmds, n, flags, grace, &done);
	e = errno;
	if (csp_stop_tree(SIGTERM, grace) == -1)
		warn("stopping what the commands left behind");
	errno = e;
	status = finish(r, cmds);
	csp_wr_free(&out);
	csp_done_free(&done);
	free(cmds);
	return status;
}
