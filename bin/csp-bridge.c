/* csp-bridge: a stream of streams: each input record names one; out they come, in order. */
#include <err.h>
#include <getopt.h>

#include "cspipe.h"

#define JOBS_MAX 1024

static const csp_opt opts[] = {
	CSP_OPT_NULL_ROW,
	{ 'c', "command", NULL, "each record is a command (sh -c) whose output to pass, not a file" },
	{ 'j', "jobs", "jobs", "open this many streams ahead, 1 to 1024 (1)" },
	CSP_OPT_DONE_ROW,
	{ 0, NULL, NULL, NULL },
};
static const csp_usage use = {
	"csp-bridge", "csp-bridge [-0c] [-j jobs] [--done fd|fifo]",
	"Each input record names a file or command; their contents come out, one whole stream after another, in order.",
	"", opts,
};

int
main(int argc, char *argv[])
{
	csp_cmd c;
	long long jobs = 1;
	int ch, flags = 0, r;

	csp_cmd_init(&c, &use, argc, argv);
	while ((ch = csp_cmd_opt(&c, argc, argv)) != -1) {
		switch (ch) {
		case 'c':
			flags |= CSP_SRC_CMD;
			break;
		case 'j':
			if (csp_parse_count(optarg, 1, JOBS_MAX, &jobs) == -1)
				errx(CSP_EXIT_USAGE, "-j: invalid: %s (from 1 to %d)",
				    csp_quote(optarg), JOBS_MAX);
			break;
		default:
			csp_cmd_usage(&c);
		}
	}
	if (optind != argc)
		csp_cmd_usage(&c);

	/* With commands: the guardian, the subreaper; what they leave is stopped at the end. */
	csp_cmd_start(&c, CSP_CMD_STDIN | CSP_CMD_RD | CSP_CMD_WR |
	    ((flags & CSP_SRC_CMD) ? CSP_CMD_PROCS : 0));
	r = csp_bridge(&c.in, &c.out, flags, (int)jobs, csp_cmd_src_failed, NULL, &c.done);
	return csp_cmd_exit(&c, r, r > 0 ? CSP_EXIT_FAIL : 0, NULL);
}
