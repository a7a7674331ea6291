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

enum { OPT_PULSE = 256, OPT_MAXBACKOFF, OPT_MAXRESTARTS };  /* long only */

static const csp_opt opts[] = {
	{ 't', "timeout", "timeout", "no output (or pulse) for this long is hung: restart" },
	{ OPT_PULSE, "heartbeat-fd", "n", "the ward's pulses come on its descriptor n (3 or more)" },
	{ 'b', "backoff", "duration", "wait this long before the first restart, doubling (100ms)" },
	{ OPT_MAXBACKOFF, "max-backoff", "duration", "the longest wait between restarts (10s)" },
	{ OPT_MAXRESTARTS, "max-restarts", "n", "give up after n restarts (no limit)" },
	{ 'g', "grace", "duration", "between SIGTERM and SIGKILL when stopping the ward (500ms)" },
	CSP_OPT_NULL_ROW,
	CSP_OPT_DONE_ROW,
	{ 0, NULL, NULL, NULL },
};
static const csp_usage use = {
	"csp-supervise", "csp-supervise [-0] [-t timeout [--heartbeat-fd n]] [-b backoff] [--max-backoff max]\n"
	    "                     [--max-restarts n] [-g grace] [--done fd|fifo] -- command [arg ...]",
	"Run a command, and restart it when it fails or goes quiet.",
	"+", opts,
};

static int64_t
duration(const char *opt, const char *s)
{
	int64_t ms;

	if (csp_parse_duration(s, &ms) == -1)
		errx(CSP_EXIT_USAGE, "%s: invalid duration: %s", opt, csp_quote(s));
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
	csp_title_init(argc, argv);
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

	while ((ch = csp_getopt(argc, argv, &use)) != -1) {
		switch (ch) {
		case '0':
			w.delim = '\0';
			break;
		case 't':
			if ((w.timeout = duration("-t", optarg)) == 0)
				errx(CSP_EXIT_USAGE, "-t: must be above zero: %s", csp_quote(optarg));
			break;
		case OPT_PULSE:
			if (csp_parse_count(optarg, 3, INT_MAX, &v) == -1)
				errx(CSP_EXIT_USAGE, "--heartbeat-fd: invalid descriptor: %s "
				    "(3 or more)", csp_quote(optarg));
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
				errx(CSP_EXIT_USAGE, "--max-restarts: invalid count: %s", csp_quote(optarg));
			break;
		case 'g':
			w.grace = duration("-g", optarg);
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
		warn("%s", status == CSP_EXIT_SYS ? "supervise" : csp_quote(w.argv[0]));
	} else if (w.why != CSP_WARD_OK) {
		warnx("giving up after %lld restart%s: %s", w.restarts,
		    w.restarts == 1 ? "" : "s", w.reason);
		status = CSP_EXIT_FAIL;
	}
	csp_wr_free(&out);
	csp_done_free(&done);
	return status;
}
