/* csp-merge: fan-in: the records of many files and commands, as they come, as one stream. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cspipe.h"

#define GRACE_MS 1000             /* for what the commands left: SIGTERM, this, SIGKILL */

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

/* A source that failed: why, on one line. */
static void
report(const csp_src *s, void *arg)
{
	(void)arg;
	if (s->err == ETIMEDOUT && s->proc.pid == -1)
		warnx("%s: no writer came within %ds", csp_quote(s->name), CSP_SRC_WRITER_WAIT / 1000);
	else if (s->err != 0)
		warnx("%s: %s", csp_quote(s->name), strerror(s->err));
	else if (s->cut > 0)
		warnx("%s: exit status %d; its cut-off last %zu bytes dropped",
		    csp_quote(s->name), s->proc.status, s->cut);
	else
		warnx("%s: exit status %d", csp_quote(s->name), s->proc.status);
}

int
main(int argc, char *argv[])
{
	csp_title_init(argc, argv);
	struct { const char *name; int flags; } *arg;
	csp_done ext, done;
	const csp_done *parent = NULL;
	int ch, delim = '\n', flags = 0, n = 0, nsrc = 0, bad = 0, stdin_seen = 0, cmds = 0, i, r, e;
	csp_src *srcs;
	csp_wr out;

	if ((arg = calloc((size_t)argc + 1, sizeof(*arg))) == NULL)
		err(CSP_EXIT_SYS, "setting up");
	/* "-" first in optstring: operands come back in order, among the -c options. */
	while ((ch = csp_getopt(argc, argv, &use)) != -1) {
		switch (ch) {
		case 1:
			arg[n].name = optarg;
			arg[n++].flags = strcmp(optarg, "-") == 0 ? CSP_SRC_STDIN : 0;
			break;
		case 'c':
			arg[n].name = optarg;
			arg[n++].flags = CSP_SRC_CMD;
			break;
		case '0':
			delim = '\0';
			break;
		case 't':
			flags |= CSP_MERGE_TAG;
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
	for (; optind < argc; optind++) {  /* after "--" */
		arg[n].name = argv[optind];
		arg[n++].flags = strcmp(argv[optind], "-") == 0 ? CSP_SRC_STDIN : 0;
	}
	if (n == 0)
		errx(CSP_EXIT_USAGE, "no source: name a file, - or -c command");
	for (i = 0; i < n; i++)
		if (arg[i].flags == CSP_SRC_STDIN && stdin_seen++)
			errx(CSP_EXIT_USAGE, "-: standard input named twice");
	for (i = 0; i < n; i++)
		cmds += arg[i].flags == CSP_SRC_CMD;
	if (stdin_seen && parent == &ext && ext.rfd == STDIN_FILENO)
		errx(CSP_EXIT_USAGE, "--done: 0 is where the input comes from, not a done");

	/* With commands: the guardian, the subreaper, SIGCHLD; either way every ending signal. */
	if ((cmds > 0 ? csp_command_start(&done, parent) == -1 :
	     csp_done_make(&done, parent) == -1 || csp_cancel_on_signals(&done) == -1) ||
	    csp_wr_init(&out, STDOUT_FILENO) == -1 ||
	    (srcs = calloc((size_t)n, sizeof(*srcs))) == NULL)
		err(CSP_EXIT_SYS, "setting up");
	/* A source that cannot be opened is named and skipped; the rest are merged. */
	for (i = 0; i < n; i++) {
		if (csp_src_open(&srcs[nsrc], arg[i].name, arg[i].flags, delim) == -1) {
			report(&srcs[nsrc], NULL);
			bad++;
		} else {
			nsrc++;
		}
	}
	r = csp_merge(srcs, nsrc, &out, flags, report, NULL, &done);
	e = errno;
	/* What the commands left, setsid() escapers included, came to us: it goes too. */
	if (cmds > 0 && csp_stop_tree(SIGTERM, GRACE_MS) == -1)
		warn("stopping what the commands left behind");
	csp_wr_free(&out);
	free(srcs);
	free(arg);
	errno = e;
	if (csp_clean_exit(r) != -1)
		return csp_clean_exit(r);  /* a signal, --done, or our reader went away */
	if (r == -1)
		err(CSP_EXIT_SYS, "merge");
	return r + bad > 0 ? CSP_EXIT_FAIL : 0;
}
