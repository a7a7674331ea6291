/*
 * csp-timeout: timeout(1) whose deadline cancels the command's whole tree,
 * setsid() escapers included; nothing it started outlives it.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cspipe.h"

#define TIMEOUT_GRACE_MS 500      /* for what the command left, when -k is not given */

static const char *command;

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: csp-timeout [-v] [--preserve-status] "
	    "[--foreground] [-k duration] [-s signal] [--done fd|fifo] duration command [arg ...]\n");
	exit(status);
}

/* A duration as timeout(1) takes it, and 250ms; 0 or inf is no deadline at all. what: the option. */
static int64_t
duration(const char *what, const char *s)
{
	int64_t ms;

	if (strcasecmp(s, "inf") == 0 || strcasecmp(s, "infinity") == 0)
		return 0;
	if (csp_parse_duration(s, &ms) == -1) {
		if (what != NULL)
			warnx("%s: invalid duration: %s", what, s);
		else
			warnx("invalid duration: %s", s);
		usage(CSP_EXIT_SYS);
	}
	if (ms == 0 && strtod(s, NULL) > 0)
		ms = 1;  /* a tiny deadline is still a deadline, not none */
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
	warnx("-s: invalid signal: %s", s);
	usage(CSP_EXIT_SYS);
}

/* -v: a line for each signal sent to the command, as timeout -v writes. */
static void
tell(int sig, void *arg)
{
	const char *abbr = sigabbrev_np(sig);

	(void)arg;
	if (abbr != NULL)
		warnx("sending signal %s to command '%s'", abbr, command);
	else
		warnx("sending signal %d to command '%s'", sig, command);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "kill-after", required_argument, NULL, 'k' },
		{ "signal", required_argument, NULL, 's' },
		{ "preserve-status", no_argument, NULL, 'p' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "done", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	csp_timeout_cmd t = { .sig = SIGTERM };
	csp_done ext, done;
	const csp_done *parent = NULL;
	int ch, preserve = 0, e;
	int64_t ms;

	while ((ch = getopt_long(argc, argv, "+k:s:vhV", longopts, NULL)) != -1) {
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
		case 'd':
			if (csp_done_open(&ext, optarg) == -1)
				err(CSP_EXIT_SYS, "--done: %s", optarg);
			parent = &ext;
			break;
		case 'h':
			usage(0);
		case 'V':
			printf("csp-timeout %s\n", CSP_VERSION);
			return 0;
		default:
			usage(CSP_EXIT_SYS);  /* 125, as timeout(1): not to be taken for the command's */
		}
	}
	if (argc - optind < 2)
		usage(CSP_EXIT_SYS);
	ms = duration(NULL, argv[optind]);
	t.argv = argv + optind + 1;
	t.grace = t.kill_after > 0 ? t.kill_after : TIMEOUT_GRACE_MS;
	command = t.argv[0];

	/* The guardian, the subreaper, SIGCHLD, every ending signal: what every command does. */
	if (csp_command_start(&done, parent) == -1)
		err(CSP_EXIT_SYS, "setting up");
	if (csp_timeout(&t, ms > 0 ? csp_after(ms) : CSP_FOREVER, &done) == -1) {
		e = errno;
		if (t.status == -1 && t.cause == 0) {
			warn("%s", command);
			return csp_exec_status(e);
		}
		err(CSP_EXIT_SYS, "stopping what %s left running", command);
	}
	csp_done_free(&done);
	if (csp_signalled() != 0 && csp_signalled() != SIGALRM)
		csp_reraise(csp_signalled());  /* so a shell loop stops on Ctrl-C */
	if (t.cause == 0)
		return t.status;
	if (t.status == CSP_EXIT_SIGNAL + SIGKILL)
		return t.status;  /* killed, not just timed out: 137, as timeout(1) */
	return preserve ? t.status : CSP_EXIT_TIMEOUT;
}
