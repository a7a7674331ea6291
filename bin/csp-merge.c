/* csp-merge: fan-in: the records of many files and commands, as they come, as one stream. */
#include <err.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cspipe.h"

static const csp_opt opts[] = {
	CSP_OPT_NULL_ROW,
	{ 'c', "command", "command", "a command (sh -c) whose output is a source" },
	{ 't', "tag", NULL, "start each record with its source's name and a tab" },
	CSP_OPT_DONE_ROW,
	{ 0, NULL, NULL, NULL },
};
static const csp_usage use = {
	"csp-merge", "csp-merge [-0t] [--done fd|fifo] source ...\n"
	    "       source: file, - (standard input), or -c command",
	"Fan-in: the records of many files and commands, as they come, as one stream.",
	"-", opts,
};

int
main(int argc, char *argv[])
{
	struct { const char *name; int flags; } *arg;
	csp_cmd c;
	int ch, flags = 0, n = 0, nsrc = 0, bad = 0, start = CSP_CMD_WR, i, r;
	csp_src *srcs;

	csp_cmd_init(&c, &use, argc, argv);
	if ((arg = calloc((size_t)argc + 1, sizeof(*arg))) == NULL ||
	    (srcs = calloc((size_t)argc + 1, sizeof(*srcs))) == NULL)
		err(CSP_EXIT_SYS, "setting up");
	/* "-" first in optstring: operands come back in order, among the -c options. */
	while ((ch = csp_cmd_opt(&c, argc, argv)) != -1) {
		switch (ch) {
		case 1:
			arg[n].name = optarg;
			arg[n++].flags = strcmp(optarg, "-") == 0 ? CSP_SRC_STDIN : 0;
			break;
		case 'c':
			arg[n].name = optarg;
			arg[n++].flags = CSP_SRC_CMD;
			break;
		case 't':
			flags |= CSP_MERGE_TAG;
			break;
		default:
			csp_cmd_usage(&c);
		}
	}
	for (; optind < argc; optind++) {  /* after "--" */
		arg[n].name = argv[optind];
		arg[n++].flags = strcmp(argv[optind], "-") == 0 ? CSP_SRC_STDIN : 0;
	}
	if (n == 0)
		errx(CSP_EXIT_USAGE, "no source: name a file, - or -c command");
	for (i = 0; i < n; i++) {
		if (arg[i].flags == CSP_SRC_STDIN && (start & CSP_CMD_STDIN))
			errx(CSP_EXIT_USAGE, "-: standard input named twice");
		start |= arg[i].flags == CSP_SRC_STDIN ? CSP_CMD_STDIN : 0;
		start |= arg[i].flags == CSP_SRC_CMD ? CSP_CMD_PROCS : 0;
	}

	csp_cmd_start(&c, start);
	/* A source that cannot be opened is named and skipped; the rest are merged. */
	for (i = 0; i < n; i++) {
		if (csp_src_open(&srcs[nsrc], arg[i].name, arg[i].flags, c.delim) == -1) {
			csp_cmd_src_failed(&srcs[nsrc], NULL);
			bad++;
		} else {
			nsrc++;
		}
	}
	r = csp_merge(srcs, nsrc, &c.out, flags, csp_cmd_src_failed, NULL, &c.done);
	free(srcs);
	free(arg);
	return csp_cmd_exit(&c, r, r + bad > 0 ? CSP_EXIT_FAIL : 0, NULL);
}
