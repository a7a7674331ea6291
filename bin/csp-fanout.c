/* csp-fanout: run a command for every record, N at once; their outputs fanned back in. */
#define _GNU_SOURCE
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
#include <sys/stat.h>
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

/* Usage and internal errors: apart from 1-101 (failed jobs) and 128+N, as parallel's. */
#define EXIT_ERR 255

/* -j: N (0 no limit), +N or -N (cores plus or minus N), N% of the cores; parallel's. */
static int
parse_jobs(const char *s, long *jobs)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	long long v;
	char *end;
	double pct;

	if (cores < 1)
		cores = 1;
	if ((s[0] == '+' || s[0] == '-') && s[1] >= '0' && s[1] <= '9') {
		if (csp_parse_count(s + 1, 0, INT_MAX, &v) == -1)
			return -1;
		v = s[0] == '+' ? cores + v : cores - v;
		*jobs = v < 1 ? 1 : v > INT_MAX ? INT_MAX : (long)v;
		return 0;
	}
	if (s[0] >= '0' && s[0] <= '9' && s[strlen(s) - 1] == '%') {
		errno = 0;
		pct = strtod(s, &end);
		if (errno != 0 || *end != '%' || end[1] != '\0' || pct > 1e6)
			return -1;
		v = (long long)(cores * pct / 100);
		v += (double)v < cores * pct / 100;  /* rounded up, as parallel does */
		*jobs = v < 1 ? 1 : (long)v;
		return 0;
	}
	if (csp_parse_count(s, 0, INT_MAX, &v) == -1)
		return -1;
	*jobs = (long)v;
	return 0;
}

/*
 * -a FILE, opened without waiting: a FIFO with no writer yet is waited for
 * in poll, as records are, so --done and signals still end the wait.
 */
static int
open_argfile(const char *path)
{
	struct stat st;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		err(EXIT_ERR, "-a: %s", path);
	if (fstat(fd, &st) == -1)
		err(EXIT_ERR, "-a: %s", path);
	if (S_ISDIR(st.st_mode))
		errx(EXIT_ERR, "-a: %s: %s", path, strerror(EISDIR));
	if (!S_ISFIFO(st.st_mode) && fcntl(fd, F_SETFL, 0) == -1)
		err(EXIT_ERR, "-a: %s", path);
	return fd;
}

/* What makes one word a shell command line rather than a program's name. */
#define SHELL_SYNTAX " \t\n;&|<>()$`\\\"'*?[]~"

/* argv as /bin/sh -c SCRIPT: the record appended (quoted) unless the script has a place for it. */
static int
shell_argv(char **av, const char *script, int append)
{
	static char *s;  /* kept to the end, as argv is */

	if (append && !csp_replace_has(script) && asprintf(&s, "%s {}", script) == -1)
		return -1;
	av[0] = "/bin/sh";
	av[1] = "-c";
	av[2] = s != NULL ? s : (char *)script;
	av[3] = NULL;
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
			if (parse_jobs(optarg, &o.jobs) == -1)
				errx(EXIT_ERR, "-%c: not a number of jobs (N, +N, -N or N%%): %s", ch, optarg);
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
			if (csp_parse_halt(optarg, &o) == -1)
				errx(EXIT_ERR, "--halt: not never, or now|soon,fail|success|done=N[%%]: %s", optarg);
			break;
		case O_TIMEOUT:
			if (csp_parse_duration(optarg, &o.timeout_ms) == -1 || o.timeout_ms <= 0)
				errx(EXIT_ERR, "--timeout: not a duration: %s", optarg);
			break;
		case O_RETRIES:
			if (csp_parse_count(optarg, 0, INT_MAX, &o.retries) == -1)
				errx(EXIT_ERR, "--retries: not a count: %s", optarg);
			break;
		case O_JOBLOG:
			if ((o.joblog_fd = csp_joblog_open(optarg)) == -1)
				err(EXIT_ERR, "--joblog: %s", optarg);
			break;
		case O_GRACE:
			if (csp_parse_duration(optarg, &o.grace_ms) == -1)
				errx(EXIT_ERR, "--grace: not a duration: %s", optarg);
			break;
		case O_DONE:
			if (csp_done_open(&ext, optarg) == -1)
				err(EXIT_ERR, "--done: %s", optarg);
			parent = &ext;
			break;
		case O_PIPE:
			o.flags |= CSP_FANOUT_PIPE;
			break;
		case O_BLOCK:
			if (csp_parse_size(optarg, 1, 1ULL << 40, &size) == -1)
				errx(EXIT_ERR, "--block: not a size (1M, 512k, ...): %s", optarg);
			o.block = (size_t)size;
			break;
		case O_ARGSEP:
			if (*optarg == '\0')
				errx(EXIT_ERR, "--arg-sep: empty");
			sep = optarg;
			break;
		case 'h':
			usage(0);
		case 'V':
			printf("csp-fanout %s\n", CSP_VERSION);
			return 0;
		default:
			usage(EXIT_ERR);
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
				errx(EXIT_ERR, "%s may come once: records from one list only", sep);
	}
	if (ncmd == 0)
		usage(EXIT_ERR);
	if (args != NULL && argfile != NULL)
		errx(EXIT_ERR, "-a: records from a file or from :::, not both");
	if ((o.flags & CSP_FANOUT_PIPE) && args != NULL)
		errx(EXIT_ERR, "--pipe: the records come from the input, not from :::");
	if ((o.flags & CSP_FANOUT_PIPE) && (o.flags & CSP_FANOUT_TAG))
		errx(EXIT_ERR, "--tag: not with --pipe");
	/* The command alone, NULL-terminated: argv itself stays as it is (ps shows it). */
	if ((o.argv = calloc((size_t)ncmd + 3, sizeof(char *))) == NULL)
		err(EXIT_ERR, "setting up");
	memcpy((char **)o.argv, cmd, (size_t)ncmd * sizeof(char *));
	/* One word of shell syntax is a script, as in parallel; its values are quoted. */
	if (ncmd == 1 && cmd[0][strcspn(cmd[0], SHELL_SYNTAX)] != '\0' &&
	    shell_argv((char **)o.argv, cmd[0], !(o.flags & CSP_FANOUT_PIPE)) == -1)
		err(EXIT_ERR, "setting up");
	o.args = args;
	if (argfile != NULL && strcmp(argfile, "-") != 0)
		infd = open_argfile(argfile);
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

	if (csp_subreaper() == -1)
		err(EXIT_ERR, "becoming a subreaper");
	if (csp_done_make(&done, parent) == -1 || csp_cancel_on_signals(&done) == -1 ||
	    csp_rd_init(&in, infd, delim) == -1 || csp_wr_init(&out, STDOUT_FILENO) == -1 ||
	    csp_wr_init(&errw, STDERR_FILENO) == -1)
		err(EXIT_ERR, "setting up");
	o.err = rep.err = &errw;
	r = csp_fanout(args != NULL ? NULL : &in, &out, &o, &done);
	e = errno;
	/* Stopped jobs may have left escapers (setsid) behind: we inherited them. */
	if (r == -1 || o.stopped)
		csp_stop_tree(SIGTERM, o.grace_ms);
	csp_rd_free(&in);
	csp_wr_free(&out);
	csp_wr_free(&errw);
	for (i = 0; i < rep.nseen; i++)
		free(rep.seen[i]);
	free((char **)o.argv);
	if (csp_signalled())
		return CSP_EXIT_SIGNAL + csp_signalled();
	if (r == -1 && (e == ECANCELED || e == EPIPE))
		return 0;  /* --done, or our reader went away: a clean stop */
	if (r == -1) {
		errno = e;
		err(EXIT_ERR, "running the jobs");
	}
	return o.exitval;
}
