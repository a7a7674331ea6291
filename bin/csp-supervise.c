/* csp-supervise: run a command, and restart it when it fails or goes quiet. */
#include <err.h>
#include <getopt.h>
#include <limits.h>
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

static void
on_restart(const csp_ward *w, void *arg)
{
	(void)arg;
	warnx("restart %lld: %s", w->restarts, w->reason);
}

int
main(int argc, char *argv[])
{
	csp_ward w = {
		.delim = '\n', .timeout = -1, .pulse_fd = -1, .backoff = 100,
		.max_backoff = 10000, .grace = 500, .max_restarts = -1,
		.on_restart = on_restart,
	};
	csp_cmd c;
	long long v;
	int ch, r, status = 0;

	csp_cmd_init(&c, &use, argc, argv);
	while ((ch = csp_cmd_opt(&c, argc, argv)) != -1) {
		switch (ch) {
		case 't':
			if ((w.timeout = csp_cmd_duration(&c, "-t", optarg)) == 0)
				errx(CSP_EXIT_USAGE, "-t: must be above zero: %s", csp_quote(optarg));
			break;
		case OPT_PULSE:
			if (csp_parse_count(optarg, 3, INT_MAX, &v) == -1)
				errx(CSP_EXIT_USAGE, "--heartbeat-fd: invalid descriptor: %s "
				    "(3 or more)", csp_quote(optarg));
			w.pulse_fd = (int)v;
			break;
		case 'b':
			w.backoff = csp_cmd_duration(&c, "-b", optarg);
			break;
		case OPT_MAXBACKOFF:
			w.max_backoff = csp_cmd_duration(&c, "--max-backoff", optarg);
			break;
		case OPT_MAXRESTARTS:
			if (csp_parse_count(optarg, 0, LLONG_MAX, &w.max_restarts) == -1)
				errx(CSP_EXIT_USAGE, "--max-restarts: invalid count: %s", csp_quote(optarg));
			break;
		case 'g':
			w.grace = csp_cmd_duration(&c, "-g", optarg);
			break;
		default:
			csp_cmd_usage(&c);
		}
	}
	if (optind == argc)
		errx(CSP_EXIT_USAGE, "a command to supervise is needed (after --)");
	if (w.pulse_fd != -1 && w.timeout == -1)
		errx(CSP_EXIT_USAGE, "--heartbeat-fd: needs -t, the time a pulse may take");
	if (w.pulse_fd != -1 && w.pulse_fd >= sysconf(_SC_OPEN_MAX))
		errx(CSP_EXIT_USAGE, "--heartbeat-fd: %d: above the descriptor limit", w.pulse_fd);
	w.argv = argv + optind;
	w.delim = c.delim;
	c.grace = w.grace;

	csp_cmd_start(&c, CSP_CMD_PROCS | CSP_CMD_WR);
	r = csp_supervise(&w, &c.out, &c.done);
	if (r == 0 && w.why != CSP_WARD_OK) {
		warnx("giving up after %lld restart%s: %s", w.restarts,
		    w.restarts == 1 ? "" : "s", w.reason);
		status = CSP_EXIT_FAIL;
	}
	return csp_cmd_exit(&c, r, status, csp_quote(w.argv[0]));
}
