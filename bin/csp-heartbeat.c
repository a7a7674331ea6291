/* csp-heartbeat: run a command, pass its output on, pulse beside it; no progress is unhealthy. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "cspipe.h"

enum { OPT_FD = 256, OPT_PER_RECORD };  /* long only */

static const csp_opt opts[] = {
	{ 'i', "interval", "interval", "a pulse this often" },
	{ 't', "timeout", "timeout", "no record for this long is unhealthy: stop, exit 124" },
	{ 'g', "grace", "duration", "between SIGTERM and SIGKILL when stopping it (1s)" },
	{ OPT_FD, "fd", "n", "write the pulses to descriptor n (2, or CSP_HEARTBEAT_FD)" },
	{ OPT_PER_RECORD, "per-record", NULL, "a pulse for every record, too" },
	CSP_OPT_NULL_ROW,
	CSP_OPT_DONE_ROW,
	{ 0, NULL, NULL, NULL },
};
static const csp_usage use = {
	"csp-heartbeat", "csp-heartbeat -i interval [-t timeout] [-g grace] [--fd n] [--per-record]\n"
	    "                     [-0] [--done fd|fifo] [--] command [arg ...]",
	"Run a command, pass its output on, and pulse beside it; no progress is unhealthy.",
	"+", opts,
};

static int64_t
positive(const csp_cmd *c, const char *opt, const char *s)
{
	int64_t ms = csp_cmd_duration(c, opt, s);

	if (ms <= 0)
		errx(CSP_EXIT_USAGE, "%s: must be at least 1ms: %s", opt, csp_quote(s));
	return ms;
}

int
main(int argc, char *argv[])
{
	csp_heartbeat_cmd hb = { 0 };
	csp_cmd c;
	const char *timeout = NULL;
	long long fd = -1;
	const char *fdname = "--fd", *env;
	int ch, r, flags;

	csp_cmd_init(&c, &use, argc, argv);
	/* '+': options end at the command, whose own options are its own. */
	while ((ch = csp_cmd_opt(&c, argc, argv)) != -1) {
		switch (ch) {
		case 'i':
			hb.interval_ms = positive(&c, "-i", optarg);
			break;
		case 't':
			hb.timeout_ms = positive(&c, "-t", optarg);
			timeout = optarg;
			break;
		case 'g':
			c.grace = csp_cmd_duration(&c, "-g", optarg);
			break;
		case OPT_FD:
			if (csp_parse_count(optarg, 0, INT_MAX, &fd) == -1)
				errx(CSP_EXIT_USAGE, "--fd: invalid descriptor: %s", csp_quote(optarg));
			break;
		case OPT_PER_RECORD:
			hb.flags |= CSP_HEARTBEAT_PER_RECORD;
			break;
		default:
			csp_cmd_usage(&c);
		}
	}
	if (hb.interval_ms == 0 && !(hb.flags & CSP_HEARTBEAT_PER_RECORD))
		errx(CSP_EXIT_USAGE, "-i: an interval is needed (or --per-record)");
	if (optind == argc)
		errx(CSP_EXIT_USAGE, "a command is needed");
	/* Under csp-supervise --heartbeat-fd, the pulses go where the steward listens. */
	if (fd == -1 && (env = getenv("CSP_HEARTBEAT_FD")) != NULL && *env != '\0') {
		fdname = "CSP_HEARTBEAT_FD";
		if (csp_parse_count(env, 0, INT_MAX, &fd) == -1)
			errx(CSP_EXIT_USAGE, "%s: invalid descriptor: %s", fdname, csp_quote(env));
	}
	if (fd == -1)
		fd = STDERR_FILENO;
	if ((flags = fcntl((int)fd, F_GETFL)) == -1 || (flags & O_ACCMODE) == O_RDONLY)
		errx(CSP_EXIT_USAGE, "%s: %lld: not open for writing", fdname, fd);
	if (fd == STDOUT_FILENO)
		errx(CSP_EXIT_USAGE, "%s: 1 is where the command's output goes", fdname);
	hb.fd = (int)fd;
	hb.argv = argv + optind;
	hb.grace_ms = c.grace;

	/* What the command leaves behind comes to us, and is stopped at the end. */
	csp_cmd_start(&c, CSP_CMD_PROCS | CSP_CMD_WR);
	r = csp_heartbeat(&hb, &c.out, c.delim, &c.done);
	if (r == -1 && errno == ETIMEDOUT && !csp_signalled()) {
		warnx("unhealthy: no record in %s; stopped: %s", csp_quote(timeout), csp_quote(hb.argv[0]));
		r = 0;
		hb.status = CSP_EXIT_TIMEOUT;
	}
	return csp_cmd_exit(&c, r, hb.status, csp_quote(hb.argv[0]));
}
