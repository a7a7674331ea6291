/*
 * csp-leakcheck: run a command as a child subreaper; whatever of its
 * descendants outlives it past a bound is a leak: reported, killed, reaped.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cspipe.h"

#define MAXLEAKS 4096
#define MAXIGNORE 32

static const char *ignore[MAXIGNORE];
static int nignore;
static csp_leak leaks[MAXLEAKS];

static const csp_opt opts[] = {
	{ 't', "bound", "duration", "how long descendants may outlive the command (1s)" },
	{ 'g', "grace", "duration", "between SIGTERM and SIGKILL for the leaks (500ms)" },
	{ 'i', "ignore", "pattern", "leave alone descendants whose command line matches (fnmatch)" },
	{ 'n', "no-kill", NULL, "report the leaks, leave them running" },
	{ 'o', "output", "file", "write the report to file, not standard error" },
	{ 0, NULL, NULL, NULL },
};
static const csp_usage use = {
	"csp-leakcheck", "csp-leakcheck [-n] [-g grace] [-i pattern] [-o file] [-t bound] command [arg ...]",
	"Run a command; whatever it leaves running past the bound is a leak: reported, killed, reaped (exit 99).",
	"+", opts,
};

/* Reap whatever has exited; notes the command's status when it goes. */
static void
reap(pid_t cmd, int *status)
{
	int ws;
	pid_t r;

	while ((r = waitpid(-1, &ws, WNOHANG)) > 0)
		if (r == cmd)
			*status = WIFEXITED(ws) ? WEXITSTATUS(ws) :
			    WIFSIGNALED(ws) ? CSP_EXIT_SIGNAL + WTERMSIG(ws) : 1;
}

static int
ignored(const csp_leak *l)
{
	int i;

	for (i = 0; i < nignore; i++)
		if (fnmatch(ignore[i], l->cmd, 0) == 0)
			return 1;
	return 0;
}

/* The descendants that count, with the ignored ones left out. */
static size_t
survivors(void)
{
	ssize_t n = csp_descendants(getpid(), leaks, MAXLEAKS), i, k = 0;

	if (n == -1)
		err(CSP_EXIT_SYS, "reading /proc");
	if (n > MAXLEAKS)
		n = MAXLEAKS;
	for (i = 0; i < n; i++)
		if (!ignored(&leaks[i]))
			leaks[k++] = leaks[i];
	return (size_t)k;
}

/*
 * Sleep on the signalfd: a child's exit or a signal ends the nap early.
 * Returns a signal to pass on: not one the terminal sent our whole group.
 */
static int
nap(int sfd, int64_t ms, int *sig)
{
	struct pollfd pfd = { sfd, POLLIN, 0 };
	struct signalfd_siginfo si;

	if (poll(&pfd, 1, (int)ms) <= 0 || read(sfd, &si, sizeof(si)) != sizeof(si) ||
	    si.ssi_signo == SIGCHLD)
		return 0;
	if (*sig == 0)
		*sig = (int)si.ssi_signo;
	return si.ssi_code == SI_KERNEL ? 0 : (int)si.ssi_signo;
}

/* Wait for the descendants to go, backing off exponentially, within bound. */
static size_t
settle(int sfd, pid_t cmd, int *status, int64_t bound, int *sig)
{
	int64_t until = csp_after(bound), step = 1, left;
	size_t n;

	for (;;) {
		reap(cmd, status);
		if ((n = survivors()) == 0 || *sig != 0)
			return n;
		left = until - csp_now();
		if (left <= 0)
			return n;
		nap(sfd, step < left ? step : left, sig);
		if (step < 100)
			step *= 2;
	}
}

static void
signal_all(size_t n, int sig)
{
	size_t i;

	for (i = 0; i < n; i++) {
		kill(leaks[i].pid, sig);
		if (sig == SIGTERM)
			kill(leaks[i].pid, SIGCONT);  /* a stopped process gets TERM only when it runs */
	}
}

/* TERM, a grace period, KILL, and reap until nothing is left. */
static void
kill_all(int sfd, pid_t cmd, int *status, size_t n, int64_t grace)
{
	int ignore_sig = 0;

	signal_all(n, SIGTERM);
	n = settle(sfd, cmd, status, grace, &ignore_sig);
	while (n > 0) {
		signal_all(n, SIGKILL);
		n = settle(sfd, cmd, status, 1000, &ignore_sig);
	}
}

/* The report; -1 with errno if it could not all be written. */
static int
report(FILE *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(out, "csp-leakcheck: leak: pid %d ppid %d state %c age %lld.%03llds: %s\n",
		    (int)leaks[i].pid, (int)leaks[i].ppid, leaks[i].state,
		    (long long)(leaks[i].age_ms / 1000), (long long)(leaks[i].age_ms % 1000),
		    csp_quote(leaks[i].cmd));
	if (fflush(out) == EOF || ferror(out)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	int64_t bound = 1000, grace = 500;
	int ch, nokill = 0, status = -1, sig = 0, sfd, s, ret = CSP_EXIT_LEAK;
	const char *opath = NULL;
	FILE *out = stderr;
	sigset_t set;
	csp_proc cmd;
	size_t n;
	csp_cmd c;

	csp_cmd_init(&c, &use, argc, argv);
	while ((ch = csp_cmd_opt(&c, argc, argv)) != -1) {
		switch (ch) {
		case 't':
			bound = csp_cmd_duration(&c, "-t", optarg);
			break;
		case 'g':
			grace = csp_cmd_duration(&c, "-g", optarg);
			break;
		case 'i':
			if (nignore == MAXIGNORE)
				errx(CSP_EXIT_USAGE, "-i: at most %d patterns", MAXIGNORE);
			ignore[nignore++] = optarg;
			break;
		case 'n':
			nokill = 1;
			break;
		case 'o':
			if ((out = fopen(optarg, "we")) == NULL)
				err(CSP_EXIT_SYS, "-o: %s", optarg);
			opath = optarg;
			break;
		default:
			csp_cmd_usage(&c);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		csp_cmd_usage(&c);

	/*
	 * The guardian (SIGCHLD at its default first): a SIGKILL of ours leaves
	 * nothing either. Not with -n or -i: what they leave is left on purpose.
	 */
	if (!nokill && nignore == 0 && csp_guard() == -1)
		err(CSP_EXIT_SYS, "starting the guardian");
	else if (signal(SIGCHLD, SIG_DFL) == SIG_ERR)
		err(CSP_EXIT_SYS, "SIGCHLD");  /* ignored, the command would reap itself unseen */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == -1)
		err(CSP_EXIT_SYS, "becoming a subreaper");
	/* Every signal that would end us, but SIGPIPE: ours come from our own report's writes. */
	sigemptyset(&set);
	for (s = 1; s < NSIG; s++)
		if (s != SIGPIPE && csp_term_signal(s) == 1)
			sigaddset(&set, s);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
	    (sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		err(CSP_EXIT_SYS, "signalfd");
	if (csp_spawn(&cmd, argv, NULL, CSP_SPAWN_INHERIT) == -1) {
		int e = errno;

		warn("%s", csp_quote(argv[0]));
		return csp_exec_status(e);
	}

	/* While the command runs, pass signals on to it. */
	while (status == -1) {
		int pass = nap(sfd, -1, &sig);

		if (pass != 0)
			kill(cmd.pid, pass);
		reap(cmd.pid, &status);
	}
	if (cmd.pidfd != -1)
		close(cmd.pidfd);

	n = settle(sfd, cmd.pid, &status, sig ? 0 : bound, &sig);
	if (sig != 0) {
		/* Cancelled: nothing to report, everything to stop. */
		kill_all(sfd, cmd.pid, &status, n, grace);
		csp_reraise(sig);  /* so a shell loop stops on Ctrl-C */
	}
	if (n == 0)
		return status;
	errno = 0;
	if (report(out, n) == -1 && out != stderr) {
		/* A leak is never named nowhere: the report comes here, the status says why. */
		warnx("-o: %s: %s: the report follows here", opath, strerror(errno));
		report(stderr, n);
		ret = CSP_EXIT_SYS;
	}
	if (!nokill)
		kill_all(sfd, cmd.pid, &status, n, grace);
	return ret;
}
