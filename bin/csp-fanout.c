/* csp-fanout: run a command for every record, N at once; their outputs fanned back in. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cspipe.h"

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: csp-fanout [-0k] [-j jobs] [-a file] [--tag] [--line-buffer] [--bar]\n"
	    "                  [--halt when,why=n[%%]] [--timeout duration] [--retries n]\n"
	    "                  [--joblog file] [--grace duration] [--arg-sep sep] [--done fd|fifo]\n"
	    "                  [--] command [arg ...] [::: record ...]\n"
	    "       csp-fanout --pipe [-0k] [-j jobs] [--block size] [options] [--] command [arg ...]\n");
	exit(status);
}

/* --halt: never, or when,why=n or when,why=n% (GNU parallel's); 0, 1, 2, -1, -2 too. */
static int
parse_halt(const char *s, csp_fanout_opt *o)
{
	static const struct { const char *s; int when, why; } old[] = {
		{ "1", CSP_HALT_SOON, CSP_HALT_FAIL }, { "2", CSP_HALT_NOW, CSP_HALT_FAIL },
		{ "-1", CSP_HALT_SOON, CSP_HALT_SUCCESS }, { "-2", CSP_HALT_NOW, CSP_HALT_SUCCESS },
	};
	const char *why, *num;
	char n[32];
	size_t len, i;
	long long v;

	o->halt_when = CSP_HALT_NEVER;
	if (strcmp(s, "never") == 0 || strcmp(s, "0") == 0)
		return 0;
	for (i = 0; i < sizeof(old) / sizeof(old[0]); i++) {
		if (strcmp(s, old[i].s) == 0) {
			o->halt_when = old[i].when;
			o->halt_why = old[i].why;
			o->halt_n = 1;
			return 0;
		}
	}
	if (strncmp(s, "now,", 4) == 0)
		o->halt_when = CSP_HALT_NOW;
	else if (strncmp(s, "soon,", 5) == 0)
		o->halt_when = CSP_HALT_SOON;
	else
		return -1;
	why = strchr(s, ',') + 1;
	if (strncmp(why, "fail=", 5) == 0)
		o->halt_why = CSP_HALT_FAIL;
	else if (strncmp(why, "success=", 8) == 0)
		o->halt_why = CSP_HALT_SUCCESS;
	else if (strncmp(why, "done=", 5) == 0)
		o->halt_why = CSP_HALT_DONE;
	else
		return -1;
	num = strchr(why, '=') + 1;
	len = strlen(num);
	if (len == 0 || len >= sizeof(n))
		return -1;
	memcpy(n, num, len + 1);
	if (n[len - 1] == '%') {
		n[len - 1] = '\0';
		if (csp_parse_count(n, 1, 100, &v) == -1)
			return -1;
		o->halt_pct = (int)v;
		return 0;
	}
	if (csp_parse_count(n, 1, LLONG_MAX, &v) == -1)
		return -1;
	o->halt_n = v;
	return 0;
}

/* What the run tells the user, each at most once a name: a command that cannot run, a halt. */
struct report {
	char *seen[16];
	int nseen;
	csp_wr *err;              /* the jobs' stderr, flushed first: messages come after */
};

/* The job's command as one line, for a message: its words with spaces between, cut short. */
static const char *
cmdline(const csp_fanout_job *job, char *buf, size_t size)
{
	size_t n = 0, k;
	int i;

	buf[0] = '\0';
	for (i = 0; job->argv[i] != NULL && n + 1 < size; i++) {
		k = (size_t)snprintf(buf + n, size - n, "%s%s", i > 0 ? " " : "", job->argv[i]);
		n += k < size - n ? k : size - n - 1;
	}
	return buf;
}

static void
ended(const csp_fanout_job *job, void *arg)
{
	struct report *r = arg;
	char line[256];
	int i;

	if ((job->err != 0 || job->timedout || job->halts) && r->err != NULL)
		csp_wr_flush(r->err, NULL);
	if (job->err != 0) {
		for (i = 0; i < r->nseen; i++)
			if (strcmp(r->seen[i], job->argv[0]) == 0)
				break;
		if (i == r->nseen) {
			if (job->status == CSP_EXIT_NOTFOUND)
				warnx("%s: command not found", job->argv[0]);
			else
				warnx("%s: cannot execute: %s", job->argv[0], strerror(job->err));
			if (r->nseen < 16 && (r->seen[r->nseen] = strdup(job->argv[0])) != NULL)
				r->nseen++;
		}
	}
	if (job->timedout)
		warnx("job %lld timed out: %s", job->seq, cmdline(job, line, sizeof(line)));
	if (job->halts)
		warnx("halting: job %lld %s with status %d: %s", job->seq,
		      job->status == 0 ? "succeeded" : "failed", job->status,
		      cmdline(job, line, sizeof(line)));
}

int
main(int argc, char *argv[])
{
	enum { O_TAG = 256, O_LB, O_BAR, O_HALT, O_TIMEOUT, O_RETRIES, O_JOBLOG, O_GRACE,
	       O_DONE, O_PIPE, O_BLOCK, O_ARGSEP };
	static const struct option longopts[] = {
		{ "null", no_argument, NULL, '0' },
		{ "arg-file", required_argument, NULL, 'a' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "max-procs", required_argument, NULL, 'P' },
		{ "keep-order", no_argument, NULL, 'k' },
		{ "tag", no_argument, NULL, O_TAG },
		{ "line-buffer", no_argument, NULL, O_LB },
		{ "lb", no_argument, NULL, O_LB },
		{ "bar", no_argument, NULL, O_BAR },
		{ "halt", required_argument, NULL, O_HALT },
		{ "halt-on-error", required_argument, NULL, O_HALT },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "retries", required_argument, NULL, O_RETRIES },
		{ "joblog", required_argument, NULL, O_JOBLOG },
		{ "jl", required_argument, NULL, O_JOBLOG },
		{ "grace", required_argument, NULL, O_GRACE },
		{ "done", required_argument, NULL, O_DONE },
		{ "pipe", no_argument, NULL, O_PIPE },
		{ "block", required_argument, NULL, O_BLOCK },
		{ "block-size", required_argument, NULL, O_BLOCK },
		{ "arg-sep", required_argument, NULL, O_ARGSEP },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	csp_done ext, done;
	const csp_done *parent = NULL;
	csp_fanout_opt o;
	struct report rep = { { NULL }, 0, NULL };
	struct rlimit rl;
	const char *argfile = NULL, *sep = ":::";
	char **cmd, **args = NULL;
	long long v;
	unsigned long long size;
	int ch, i, delim = '\n', bar = 0, infd = STDIN_FILENO, r, e, ncmd;
	csp_rd in;
	csp_wr out, errw;

	csp_fanout_init(&o, NULL);
	while ((ch = getopt_long(argc, argv, "+0a:j:P:khV", longopts, NULL)) != -1) {
		switch (ch) {
		case '0':
			delim = '\0';
			break;
		case 'a':
			argfile = optarg;
			break;
		case 'j':
		case 'P':
			if (csp_parse_count(optarg, 0, INT_MAX, &v) == -1)
				errx(CSP_EXIT_USAGE, "-%c: not a number of jobs (0 or more): %s", ch, optarg);
			o.jobs = (long)v;
			break;
		case 'k':
			o.flags |= CSP_FANOUT_KEEP;
			break;
		case O_TAG:
			o.flags |= CSP_FANOUT_TAG;
			break;
		case O_LB:
			o.flags |= CSP_FANOUT_LINEBUF;
			break;
		case O_BAR:
			bar = 1;
			break;
		case O_HALT:
			if (parse_halt(optarg, &o) == -1)
				errx(CSP_EXIT_USAGE, "--halt: not never, or now|soon,fail|success|done=N[%%]: %s", optarg);
			break;
		case O_TIMEOUT:
			if (csp_parse_duration(optarg, &o.timeout_ms) == -1 || o.timeout_ms <= 0)
				errx(CSP_EXIT_USAGE, "--timeout: not a duration: %s", optarg);
			break;
		case O_RETRIES:
			if (csp_parse_count(optarg, 0, INT_MAX, &o.retries) == -1)
				errx(CSP_EXIT_USAGE, "--retries: not a count: %s", optarg);
			break;
		case O_JOBLOG:
			if ((o.joblog_fd = csp_joblog_open(optarg)) == -1)
				err(CSP_EXIT_USAGE, "--joblog: %s", optarg);
			break;
		case O_GRACE:
			if (csp_parse_duration(optarg, &o.grace_ms) == -1)
				errx(CSP_EXIT_USAGE, "--grace: not a duration: %s", optarg);
			break;
		case O_DONE:
			if (csp_done_open(&ext, optarg) == -1)
				err(CSP_EXIT_USAGE, "--done: %s", optarg);
			parent = &ext;
			break;
		case O_PIPE:
			o.flags |= CSP_FANOUT_PIPE;
			break;
		case O_BLOCK:
			if (csp_parse_size(optarg, 1, 1ULL << 40, &size) == -1)
				errx(CSP_EXIT_USAGE, "--block: not a size (1M, 512k, ...): %s", optarg);
			o.block = (size_t)size;
			break;
		case O_ARGSEP:
			if (*optarg == '\0')
				errx(CSP_EXIT_USAGE, "--arg-sep: empty");
			sep = optarg;
			break;
		case 'h':
			usage(0);
		case 'V':
			printf("csp-fanout %s\n", CSP_VERSION);
			return 0;
		default:
			usage(CSP_EXIT_USAGE);
		}
	}
	/* COMMAND [ARG...] [::: RECORD...] */
	cmd = argv + optind;
	for (ncmd = 0; cmd[ncmd] != NULL && strcmp(cmd[ncmd], sep) != 0; ncmd++)
		;
	if (cmd[ncmd] != NULL) {
		args = cmd + ncmd + 1;
		for (i = 0; args[i] != NULL; i++)
			if (strcmp(args[i], sep) == 0)
				errx(CSP_EXIT_USAGE, "%s may come once: records from one list only", sep);
	}
	if (ncmd == 0)
		usage(CSP_EXIT_USAGE);
	if (args != NULL && argfile != NULL)
		errx(CSP_EXIT_USAGE, "-a: records from a file or from :::, not both");
	if ((o.flags & CSP_FANOUT_PIPE) && args != NULL)
		errx(CSP_EXIT_USAGE, "--pipe: the records come from the input, not from :::");
	if ((o.flags & CSP_FANOUT_PIPE) && (o.flags & CSP_FANOUT_TAG))
		errx(CSP_EXIT_USAGE, "--tag: not with --pipe");
	/* The command alone, NULL-terminated: argv itself stays as it is (ps shows it). */
	if ((o.argv = calloc((size_t)ncmd + 1, sizeof(char *))) == NULL)
		err(CSP_EXIT_SYS, "setting up");
	memcpy((char **)o.argv, cmd, (size_t)ncmd * sizeof(char *));
	o.args = args;
	if (argfile != NULL && strcmp(argfile, "-") != 0 &&
	    (infd = open(argfile, O_RDONLY | O_CLOEXEC)) == -1)
		err(CSP_EXIT_USAGE, "-a: %s", argfile);
	/* -j 0 is as many as descriptors allow: let them allow what they can. */
	if (o.jobs == 0 && getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* A bar when asked, or on a terminal when the total is known before the start. */
	if (bar || (isatty(STDERR_FILENO) && !(o.flags & CSP_FANOUT_PIPE) &&
	            (args != NULL || o.halt_pct > 0)))
		o.bar_fd = STDERR_FILENO;
	o.ended = ended;
	o.arg = &rep;

	if (args == NULL && infd == STDIN_FILENO && parent == &ext && ext.rfd == STDIN_FILENO)
		errx(CSP_EXIT_USAGE, "--done: 0 is where the records come from, not a done");
	/* The guardian, the subreaper, SIGCHLD, every ending signal: what every command does. */
	if (csp_command_start(&done, parent) == -1 ||
	    csp_rd_init(&in, infd, delim) == -1 || csp_wr_init(&out, STDOUT_FILENO) == -1 ||
	    csp_wr_init(&errw, STDERR_FILENO) == -1)
		err(CSP_EXIT_SYS, "setting up");
	o.err = rep.err = &errw;
	r = csp_fanout(args != NULL ? NULL : &in, &out, &o, &done);
	e = errno;
	/* What the jobs left, setsid() escapers included, came to us: it goes too. */
	if (csp_stop_tree(SIGTERM, o.grace_ms) == -1)
		warn("stopping what the jobs left behind");
	csp_rd_free(&in);
	csp_wr_free(&out);
	csp_wr_free(&errw);
	for (i = 0; i < rep.nseen; i++)
		free(rep.seen[i]);
	free((char **)o.argv);
	errno = e;
	if (csp_clean_exit(r) != -1)
		return 0;  /* --done, or our reader went away: a clean stop; a signal: raised again */
	if (r == -1) {
		errno = e;
		err(CSP_EXIT_SYS, "running the jobs");
	}
	return o.exitval;
}
