/* csp-heartbeat: run a command, pass its output on, pulse beside it; no progress is unhealthy. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cspipe.h"

#define GRACE_MS 1000             /* between SIGTERM and SIGKILL, unless -g says */

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
duration(const char *opt, const char *s)
{
	int64_t ms;

	if (csp_parse_duration(s, &ms) == -1)
		errx(CSP_EXIT_USAGE, "%s: invalid duration: %s", opt, csp_quote(s));
	return ms;
}

static int64_t
positive(const char *opt, const char *s)
{
	int64_t ms = duration(opt, csp_quote(s));

	if (ms <= 0)
		errx(CSP_EXIT_USAGE, "%s: must be at least 1ms: %s", opt, csp_quote(s));
	return ms;
}

/* The exit status, and a line when it was unhealthy or could not start. */
static int
finish(int r, const csp_heartbeat_cmd *hb, const char *timeout)
{
	if (csp_signalled())
		csp_reraise(csp_signalled());  /* so a shell loop stops on Ctrl-C */
	if (r == 0)
		return hb->status;
	if (errno == ECANCELED)
		return 0;  /* --done: a clean stop */
	if (errno == EPIPE)
		return 0;  /* our reader went away: stop quietly */
	if (errno == ETIMEDOUT) {
		warnx("unhealthy: no record in %s; stopped: %s", csp_quote(timeout), csp_quote(hb->argv[0]));
		return CSP_EXIT_TIMEOUT;
	}
	if (csp_exec_status(errno) != CSP_EXIT_SYS)
		err(csp_exec_status(errno), "%s", csp_quote(hb->argv[0]));
	err(CSP_EXIT_SYS, "heartbeat");
}

int
main(int argc, char *argv[])
{
	csp_title_init(argc, argv);
	csp_heartbeat_cmd hb = { 0 };
	csp_done ext, done;
	const csp_done *parent = NULL;
	const char *timeout = NULL;
	long long fd = -1;
	const char *fdname = "--fd", *env;
	int ch, delim = '\n', r, e, flags;
	csp_wr out;

	hb.grace_ms = GRACE_MS;
	/* '+': options end at the command, whose own options are its own. */
	while ((ch = csp_getopt(argc, argv, &use)) != -1) {
		switch (ch) {
		case '0':
			delim = '\0';
			break;
		case 'i':
			hb.interval_ms = positive("-i", optarg);
			break;
		case 't':
			hb.timeout_ms = positive("-t", optarg);
			timeout = optarg;
			break;
		case 'g':
			hb.grace_ms = duration("-g", optarg);
			break;
		case OPT_FD:
			if (csp_parse_count(optarg, 0, INT_MAX, &fd) == -1)
				errx(CSP_EXIT_USAGE, "--fd: invalid descriptor: %s", csp_quote(optarg));
			break;
		case OPT_PER_RECORD:
			hb.flags |= CSP_HEARTBEAT_PER_RECORD;
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

	/* The guardian, the subreaper (what the command leaves behind comes to us), SIGCHLD, signals. */
	if (csp_command_start(&done, parent) == -1 || csp_wr_init(&out, STDOUT_FILENO) == -1)
		err(CSP_EXIT_SYS, "setting up");
	r = csp_heartbeat(&hb, &out, delim, &done);
	e = errno;
	if (csp_stop_tree(SIGTERM, hb.grace_ms) == -1)
		warn("stopping what the command left behind");
	csp_wr_free(&out);
	csp_done_free(&done);
	errno = e;
	return finish(r, &hb, timeout);
}
