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

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: csp-bridge [-0c] [-j jobs] [--done fd|fifo]\n");
	exit(status);
}

/* A stream that failed: why, on one line. */
static void
report(const csp_src *s, void *arg)
{
	(void)arg;
	if (s->err != 0)
		warnx("%s: %s", s->name, strerror(s->err));
	else
		warnx("%s: exit status %d", s->name, s->proc.status);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "null", no_argument, NULL, '0' },
		{ "command", no_argument, NULL, 'c' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "done", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	csp_done ext, done;
	const csp_done *parent = NULL;
	long long jobs = 1;
	int ch, delim = '\n', flags = 0, r, e;
	csp_rd names;
	csp_wr out;

	while ((ch = getopt_long(argc, argv, "0cj:hV", longopts, NULL)) != -1) {
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
				    optarg, JOBS_MAX);
			break;
		case 'd':
			if (csp_done_open(&ext, optarg) == -1)
				err(CSP_EXIT_USAGE, "--done: %s", optarg);
			parent = &ext;
			break;
		case 'h':
			usage(0);
		case 'V':
			printf("csp-bridge %s\n", CSP_VERSION);
			return 0;
		default:
			usage(CSP_EXIT_USAGE);
		}
	}
	if (optind != argc)
		usage(CSP_EXIT_USAGE);
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
