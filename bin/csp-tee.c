/* csp-tee: every input record to every command, in lockstep; their outputs merged whole. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>

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

/* A line for each command that failed (early: stopped taking input); CSP_EXIT_FAIL if one did. */
static int
failures(int early, const csp_tee_cmd *cmds, int n)
{
	int i, failed = 0;

	for (i = 0; i < n; i++) {
		if (early && cmds[i].early) {
			warnx("%s: stopped taking input early; the others were stopped",
			    csp_quote(cmds[i].cmd));
			failed = 1;
		} else if (!early && cmds[i].status != 0) {
			warnx("%s: exited with status %d", csp_quote(cmds[i].cmd), cmds[i].status);
			failed = 1;
		}
	}
	return failed || early ? CSP_EXIT_FAIL : 0;
}

int
main(int argc, char *argv[])
{
	csp_tee_cmd *cmds;
	csp_cmd c;
	int ch, flags = 0, n = 0, r, early, status;

	csp_cmd_init(&c, &use, argc, argv);
	if ((cmds = calloc((size_t)argc, sizeof(*cmds))) == NULL)
		err(CSP_EXIT_SYS, "setting up");
	while ((ch = csp_cmd_opt(&c, argc, argv)) != -1) {
		switch (ch) {
		case 'c':
			cmds[n++].cmd = optarg;
			break;
		case 's':
			flags |= CSP_TEE_STRICT;
			break;
		case 't':
			flags |= CSP_TEE_TAG;
			break;
		default:
			csp_cmd_usage(&c);
		}
	}
	if (argc > optind)
		errx(CSP_EXIT_USAGE, "unexpected argument: %s (commands go after -c)", csp_quote(argv[optind]));
	if (n == 0)
		errx(CSP_EXIT_USAGE, "-c: at least one command is needed");

	c.grace = GRACE_MS;
	csp_cmd_start(&c, CSP_CMD_PROCS | CSP_CMD_STDIN | CSP_CMD_RD | CSP_CMD_WR);
	r = csp_tee(&c.in, &c.out, cmds, n, flags, &c.done);
	early = r == -1 && errno == ESHUTDOWN;  /* --strict: one stopped taking input early */
	status = r == 0 || early ? failures(early, cmds, n) : 0;
	free(cmds);
	return csp_cmd_exit(&c, early ? 0 : r, status, "sh");
}
