/* csp-bridge: a stream of streams: each input record names one; out they come, in order. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cspipe.h"

#define JOBS_MAX 1024
#define GRACE_MS 1000             /* for what the commands left: SIGTERM, this, SIGKILL */

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

/* A stream that failed: why, on one line. */
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
	csp_done ext, done;
	const csp_done *parent = NULL;
	long long jobs = 1;
	int ch, delim = '\n', flags = 0, r, e;
	csp_rd names;
	csp_wr out;

	while ((ch = csp_getopt(argc, argv, &use)) != -1) {
		switch (ch) {
		case '0':
			delim = '\0';
			break;
		case 'c':
			flags |= CSP_SRC_CMD;
			break;
		case 'j':
			if (csp_parse_count(optarg, 1, JOBS_MAX, &jobs) == -1)
				errx(CSP_EXIT_USAGE, "-j: invalid: %s (from 1 to %d)",
				    csp_quote(optarg), JOBS_MAX);
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
	if (optind != argc)
		csp_usage_exit(&use, CSP_EXIT_USAGE);
	if (parent == &ext && ext.rfd == STDIN_FILENO)
		errx(CSP_EXIT_USAGE, "--done: 0 is where the input comes from, not a done");

	/* With commands: the guardian, the subreaper, SIGCHLD; either way every ending signal. */
	if (((flags & CSP_SRC_CMD) ? csp_command_start(&done, parent) == -1 :
	     csp_done_make(&done, parent) == -1 || csp_cancel_on_signals(&done) == -1) ||
	    csp_rd_init(&names, STDIN_FILENO, delim) == -1 ||
	    csp_wr_init(&out, STDOUT_FILENO) == -1)
		err(CSP_EXIT_SYS, "setting up");
	r = csp_bridge(&names, &out, flags, (int)jobs, report, NULL, &done);
	e = errno;
	/* What the commands left, setsid() escapers included, came to us: it goes too. */
	if ((flags & CSP_SRC_CMD) && csp_stop_tree(SIGTERM, GRACE_MS) == -1)
		warn("stopping what the commands left behind");
	csp_rd_free(&names);
	csp_wr_free(&out);
	errno = e;
	if (csp_clean_exit(r) != -1)
		return csp_clean_exit(r);  /* a signal, --done, or our reader went away */
	if (r == -1)
		err(CSP_EXIT_SYS, "bridge");
	return r > 0 ? CSP_EXIT_FAIL : 0;
}
