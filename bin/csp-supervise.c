/* csp-supervise: run a command, and restart it when it fails or goes quiet. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cspipe.h"

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: csp-supervise [-0] [-t timeout [--heartbeat-fd n]] [-b backoff] "
	    "[--max-backoff max]\n"
	    "                     [--max-restarts n] [-g grace] [--done fd|fifo] "
	    "-- command [arg ...]\n");
	exit(status);
}

static int64_t
duration(const char *opt, const char *s)
{
	int64_t ms;

	if (csp_parse_duration(s, &ms) == -1)
		errx(CSP_EXIT_USAGE, "%s: invalid duration: %s", opt, s);
	return ms;
}

static void
on_restart(const csp_ward *w, void *arg)
{
	(void)arg;
	warnx("restart %lld: %s", w->restarts, w->reason);
}

int
main(int argc, char *argv[])
{
	enum { OPT_PULSE = 256, OPT_MAXBACKOFF, OPT_MAXRESTARTS };
	static const struct option longopts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "heartbeat-fd", required_argument, NULL, OPT_PULSE },
		{ "backoff", required_argument, NULL, 'b' },
		{ "max-backoff", required_argument, NULL, OPT_MAXBACKOFF },
		{ "max-restarts", required_argument, NULL, OPT_MAXRESTARTS },
		{ "grace", required_argument, NULL, 'g' },
		{ "null", no_argument, NULL, '0' },
		{ "done", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	csp_ward w = {
		.delim = '\n', .timeout = -1, .pulse_fd = -1, .backoff = 100,
		.max_backoff = 10000, .grace = 500, .max_restarts = -1,
		.on_restart = on_restart,
	};
	csp_done ext, done;
	const csp_done *parent = NULL;
	long long v;
	int ch, r, e, status = 0;
	csp_wr out;

	while ((ch = getopt_long(argc, argv, "+0b:d:g:ht:V", longopts, NULL)) != -1) {
		switch (ch) {
		case '0':
			w.delim = '\0';
			break;
		case 't':
			if ((w.timeout = duration("-t", optarg)) == 0)
				errx(CSP_EXIT_USAGE, "-t: must be above zero: %s", optarg);
			break;
		case OPT_PULSE:
			if (csp_parse_count(optarg, 3, INT_MAX, &v) == -1)
				errx(CSP_EXIT_USAGE, "--heartbeat-fd: invalid descriptor: %s "
				    "(3 or more)", optarg);
			w.pulse_fd = (int)v;
			break;
		case 'b':
			w.backoff = duration("-b", optarg);
			break;
		case OPT_MAXBACKOFF:
			w.max_backoff = duration("--max-backoff", optarg);
			break;
		case OPT_MAXRESTARTS:
			if (csp_parse_count(optarg, 0, LLONG_MAX, &w.max_restarts) == -1)
				errx(CSP_EXIT_USAGE, "--max-restarts: invalid count: %s", optarg);
			break;
		case 'g':
			w.grace = duration("-g", optarg);
			break;
		case 'd':
			if (csp_done_open(&ext, optarg) == -1)
				err(CSP_EXIT_USAGE, "--done: %s", optarg);
			parent = &ext;
			break;
		case 'h':
			usage(0);
		case 'V':
			printf("csp-supervise %s\n", CSP_VERSION);
			return 0;
		default:
			usage(CSP_EXIT_USAGE);
		}
	}
	if (optind == argc)
		errx(CSP_EXIT_USAGE, "a command to supervise is needed (after --)");
	if (w.pulse_fd != -1 && w.timeout == -1)
		errx(CSP_EXIT_USAGE, "--heartbeat-fd: needs -t, the time a pulse may take");
	if (w.pulse_fd != -1 && w.pulse_fd >= sysconf(_SC_OPEN_MAX))
		errx(CSP_EXIT_USAGE, "--heartbeat-fd: %d: above the descriptor limit", w.pulse_fd);
	w.argv = argv + optind;

	/* The guardian, the subreaper, SIGCHLD, every ending signal: what every command does. */
	if (csp_command_start(&done, parent) == -1 || csp_wr_init(&out, STDOUT_FILENO) == -1)
		err(CSP_EXIT_SYS, "setting up");
	r = csp_supervise(&w, &out, &done);
	e = errno;
	if (csp_stop_tree(SIGTERM, w.grace) == -1)
		warn("stopping what the command left behind");
	errno = e;
	if (csp_signalled()) {
		csp_reraise(csp_signalled());  /* so a shell loop stops on Ctrl-C */
	} else if (r == -1 && (errno == ECANCELED || errno == EPIPE)) {
		status = 0;  /* --done: a clean stop; or our reader went away: stop quietly */
	} else if (r == -1) {
		status = csp_exec_status(errno);
		warn("%s", status == CSP_EXIT_SYS ? "supervise" : w.argv[0]);
	} else if (w.why != CSP_WARD_OK) {
		warnx("giving up after %lld restart%s: %s", w.restarts,
		    w.restarts == 1 ? "" : "s", w.reason);
		status = CSP_EXIT_FAIL;
	}
	csp_wr_free(&out);
	csp_done_free(&done);
	return status;
}
