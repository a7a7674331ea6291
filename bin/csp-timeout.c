/*
 * csp-timeout: timeout(1) whose deadline cancels the command's whole tree,
 * setsid() escapers included; nothing it started outlives it.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <string.h>
#include <strings.h>

#include "cspipe.h"

#define TIMEOUT_GRACE_MS 500      /* for what the command left, when -k is not given */

static const char *command;

static const csp_opt opts[] = {
	{ 'k', "kill-after", "duration", "then SIGKILL, this long after the first signal" },
	{ 's', "signal", "signal", "the signal to send at the deadline (TERM); 0 sends none" },
	{ 'p', "preserve-status", NULL, "exit with the command's status, even when timed out" },
	{ 'f', "foreground", NULL, "leave the command in our process group (a terminal)" },
	{ 'v', "verbose", NULL, "say on standard error each signal sent" },
	{ CSP_OPT_DONE, "done", "fd|fifo", "stop the command when this descriptor or FIFO fires" },
	{ 0, NULL, NULL, NULL },
};
static const csp_usage use = {
	"csp-timeout", "csp-timeout [-v] [--preserve-status] [--foreground] [-k duration] "
	    "[-s signal]\n                   [--done fd|fifo] duration command [arg ...]",
	"Run a command with a deadline; at it, stop the command and its whole tree.",
	"+", opts,
};

/*
 * A duration as timeout(1) takes it, and 250ms; 0, inf, or one too large to
 * represent is no deadline at all, as timeout(1) saturates. what: the option.
 */
static int64_t
duration(const char *what, const char *s)
{
	int64_t ms;

	if (strcasecmp(s, "inf") == 0 || strcasecmp(s, "infinity") == 0)
		return 0;
	if (csp_parse_duration(s, &ms) == -1) {
		if (errno == ERANGE)
			return 0;
		if (what != NULL)
			warnx("%s: invalid duration: %s", what, csp_quote(s));
		else
			warnx("invalid duration: %s", csp_quote(s));
		csp_usage_exit(&use, CSP_EXIT_SYS);
	}
	return ms;
}

/* HUP, SIGHUP, hup, 1, RTMIN+2: as kill -l lists them. */
static int
signal_number(const char *s)
{
	const char *name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s, *abbr;
	long long n;
	int i;

	if (csp_parse_count(s, 0, NSIG - 1, &n) == 0)
		return (int)n;
	if (strcasecmp(name, "EXIT") == 0 || strcmp(name, "0") == 0)
		return 0;  /* the shell's trap name for 0, as timeout(1) takes it */
	for (i = 1; i < NSIG; i++)
		if ((abbr = sigabbrev_np(i)) != NULL && strcasecmp(name, abbr) == 0)
			return i;
	if (strcasecmp(name, "RTMIN") == 0)
		return SIGRTMIN;
	if (strcasecmp(name, "RTMAX") == 0)
		return SIGRTMAX;
	if (strncasecmp(name, "RTMIN+", 6) == 0 &&
	    csp_parse_count(name + 6, 0, SIGRTMAX - SIGRTMIN, &n) == 0)
		return SIGRTMIN + (int)n;
	if (strncasecmp(name, "RTMAX-", 6) == 0 &&
	    csp_parse_count(name + 6, 0, SIGRTMAX - SIGRTMIN, &n) == 0)
		return SIGRTMAX - (int)n;
	warnx("-s: invalid signal: %s", csp_quote(s));
	csp_usage_exit(&use, CSP_EXIT_SYS);
}

/* -v: a line for each signal sent, as timeout -v writes; a reader gone from stderr ends nothing. */
static void
tell(int sig, void *arg)
{
	const char *abbr = sigabbrev_np(sig);

	(void)arg;
	if (abbr != NULL)
		csp_note("sending signal %s to command '%s'", abbr, csp_quote(command));
	else
		csp_note("sending signal %d to command '%s'", sig, csp_quote(command));
}

int
main(int argc, char *argv[])
{
	csp_timeout_cmd t = { .sig = SIGTERM };
	csp_cmd c;
	int ch, preserve = 0, e;
	int64_t ms;

	csp_cmd_init(&c, &use, argc, argv);
	c.usage_status = CSP_EXIT_SYS;  /* 125, as timeout(1): not the command's */
	while ((ch = csp_cmd_opt(&c, argc, argv)) != -1) {
		switch (ch) {
		case 'k':
			t.kill_after = duration("-k", optarg);
			break;
		case 's':
			t.sig = signal_number(optarg);
			break;
		case 'p':
			preserve = 1;
			break;
		case 'f':
			t.flags |= CSP_TIMEOUT_FOREGROUND;
			break;
		case 'v':
			t.notify = tell;
			break;
		default:
			csp_cmd_usage(&c);
		}
	}
	if (argc - optind < 2)
		csp_cmd_usage(&c);
	ms = duration(NULL, argv[optind]);
	t.argv = argv + optind + 1;
	t.grace = t.kill_after > 0 ? t.kill_after : TIMEOUT_GRACE_MS;
	command = t.argv[0];

	/* Its own end: csp_timeout stops the tree, and SIGALRM is not re-raised. */
	csp_cmd_start(&c, CSP_CMD_PROCS);
	if (csp_timeout(&t, ms > 0 ? csp_after(ms) : CSP_FOREVER, &c.done) == -1) {
		e = errno;
		if (t.status == -1 && t.cause == 0) {
			warn("%s", csp_quote(command));
			return csp_exec_status(e);
		}
		err(CSP_EXIT_SYS, "stopping what %s left running", csp_quote(command));
	}
	csp_done_free(&c.done);
	/* SIGALRM is timeout(1)'s "the deadline is now": an end like any other. */
	if (csp_signalled() != 0 && csp_signalled() != SIGALRM)
		csp_reraise(csp_signalled());  /* so a shell loop stops on Ctrl-C */
	if (t.cause == 0)
		return t.status;
	if (t.status == CSP_EXIT_SIGNAL + SIGKILL)
		return t.status;  /* killed, not just timed out: 137, as timeout(1) */
	return preserve ? t.status : CSP_EXIT_TIMEOUT;
}
