/* csp-race: run commands at once; the first to finish wins, the rest are stopped. */
#include <err.h>
#include <getopt.h>
#include <stdlib.h>

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

int
main(int argc, char *argv[])
{
	csp_race_cmd *cmds;
	csp_cmd c;
	long long replicas = 0;
	int ch, flags = 0, n, i, r, status;

	csp_cmd_init(&c, &use, argc, argv);
	c.grace = RACE_GRACE_MS;
	while ((ch = csp_cmd_opt(&c, argc, argv)) != -1) {
		switch (ch) {
		case 'g':
			c.grace = csp_cmd_duration(&c, "-g", optarg);
			break;
		case 'n':
			if (csp_parse_count(optarg, 1, RACE_MAX, &replicas) == -1)
				errx(CSP_EXIT_USAGE, "-n: invalid count (1 to %d): %s", RACE_MAX, csp_quote(optarg));
			break;
		case 's':
			flags |= CSP_RACE_SUCCESS;
			break;
		default:
			csp_cmd_usage(&c);
		}
	}
	n = argc - optind;
	if (n == 0)
		csp_cmd_usage(&c);
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

	csp_cmd_start(&c, CSP_CMD_PROCS | CSP_CMD_WR);
	r = csp_race(&c.out, cmds, n, flags, c.grace, &c.done);
	status = r >= 0 ? cmds[r].status : 0;  /* the winner's */
	free(cmds);
	return csp_cmd_exit(&c, r, status, "/bin/sh");
}
