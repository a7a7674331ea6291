/* csp-repeat: the values, the input, or a command's output, as records, forever. */
#include <err.h>
#include <errno.h>
#include <getopt.h>

#include "cspipe.h"

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
	csp_cmd c;
	char *command = NULL;
	int ch, r;

	csp_cmd_init(&c, &use, argc, argv);
	/* "+": the first value ends the options, so a value may start with '-'. */
	while ((ch = csp_cmd_opt(&c, argc, argv)) != -1) {
		switch (ch) {
		case 'c':
			command = optarg;
			break;
		default:
			csp_cmd_usage(&c);
		}
	}
	if (command != NULL && optind < argc)
		errx(CSP_EXIT_USAGE, "-c: no values with a command");

	/* A command: the guardian, the subreaper; no values: the input's records, repeated. */
	if (command != NULL) {
		csp_cmd_start(&c, CSP_CMD_PROCS | CSP_CMD_WR);
		r = csp_repeat_fn(&c.out, (char *[]){ "sh", "-c", command, NULL }, c.delim, &c.done);
	} else {
		csp_cmd_start(&c, (optind == argc ? CSP_CMD_STDIN : 0) | CSP_CMD_RD | CSP_CMD_WR);
		r = csp_repeat(&c.in, &c.out, argv + optind, (size_t)(argc - optind), &c.done);
	}
	/* 128+N: killed by signal N */
	if (r > 0 && errno != 0)
		warn("-c: %s: cannot run", csp_quote(command));
	else if (r > 0)
		warnx("-c: %s: failed with status %d", csp_quote(command), r);
	return csp_cmd_exit(&c, r, r > 0 ? CSP_EXIT_FAIL : 0, NULL);
}
