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
#include <bsd/stdlib.h>

#include "cspipe.h"

/* The help's table (the parsing below keeps its own getopt_long). */
static const csp_opt help_opts[] = {
	{ 'j', "jobs", "jobs", "at most this many jobs at once; 0 no limit (-P too)" },
	{ 'k', "keep-order", NULL, "output in input order, not as jobs finish" },
	CSP_OPT_NULL_ROW,
	{ 'a', "arg-file", "file", "read the records from file, not standard input" },
	{ 256, "arg-sep", "sep", "what ends the command before its records (:::)" },
	{ 257, "tag", NULL, "start each output line with its record and a tab" },
	{ 258, "line-buffer", NULL, "whole lines as they come, jobs mixed (--lb)" },
	{ 259, "bar", NULL, "progress on standard error" },
	{ 260, "halt", "when,why=n[%]", "soon|now, after n (n%) jobs fail|succeed|are done (--halt-on-error)" },
	{ 261, "timeout", "duration|N%", "stop a job that runs longer than this (N% of the median)" },
	{ 262, "retries", "n", "run a failing job up to n times" },
	{ 263, "joblog", "file", "a line per job to file, as GNU parallel writes it (--jl)" },
	{ 264, "grace", "duration", "between SIGTERM and SIGKILL when stopping jobs" },
	{ 265, "pipe", NULL, "records go to the jobs' standard input, in blocks" },
	{ 266, "block", "size", "--pipe: bytes a block, 1M by default (--block-size)" },
	{ 'd', "delimiter", "delim", "records end in this character, not a newline" },
	{ 'C', "colsep", "sep", "split each record into columns {1} {2} ... at sep" },
	{ 'n', "max-args", "n", "up to n records to one job" },
	{ 'N', "max-replace-args", "n", "exactly n records to one job, as {1}..{n}; --pipe: n a block" },
	{ 'X', NULL, NULL, "as many records to a job as fit, context kept around {}" },
	{ 'm', NULL, NULL, "as many records to a job as fit, one {} for all" },
	{ 267, "xargs", NULL, "as many records to a job as fit, appended" },
	{ 'I', NULL, "str", "str, not {}, stands for the record" },
	{ 'i', "replace", "str", "the same as -I str; -i alone is -I {}" },
	{ 'v', NULL, NULL, "print each job's command line before its output" },
	{ 't', "verbose", NULL, "print each job's command line on standard error" },
	{ 268, "dry-run", NULL, "print the jobs' command lines, run none" },
	{ 'r', "no-run-if-empty", NULL, "an empty record runs no job" },
	{ 269, "trim", "n|l|r|lr", "trim blanks from the records' ends" },
	{ 'q', "quote", NULL, "quote the whole command line as data" },
	{ 270, "tagstring", "str", "start each output line with str (replacements too)" },
	{ 'u', "ungroup", NULL, "outputs as they come, not whole per job" },
	{ 271, "delay", "duration", "wait this long between job starts" },
	{ 272, "shuf", NULL, "run the jobs in random order" },
	{ 273, "nice", "n", "run the jobs at this niceness" },
	{ 274, "env", "var", "GNU parallel's; the environment is passed whole anyway" },
	{ 275, "cat", NULL, "--pipe: each block in a file named {}" },
	{ 284, "fifo", NULL, "--pipe: the same as --cat, here" },
	{ 276, "round-robin", NULL, "--pipe: blocks dealt to -j long-lived jobs (--round)" },
	{ 'E', "eof", "str", "records end at the first record str" },
	{ 277, "header", "str", "the first record names the columns ({name}); : for --colsep's" },
	{ 278, "resume", NULL, "skip the jobs the --joblog says ran" },
	{ 279, "resume-failed", NULL, "skip the jobs that succeeded; run the failed again" },
	{ 280, "retry-failed", NULL, "run again only the failed jobs of the --joblog" },
	{ 281, "results", "dir", "each job's output in dir, GNU parallel's layout (--res)" },
	{ 282, "will-cite", NULL, "accepted and ignored" },
	{ 285, "no-notice", NULL, "accepted and ignored" },
	{ 283, "eta", NULL, "the same as --bar" },
	{ 286, "progress", NULL, "the same as --bar" },
	{ 287, "pipepart", NULL, "--pipe from the -a file, cut where it lies, never read by us" },
	{ 288, "recstart", "str", "--pipe: records start with str" },
	{ 289, "recend", "str", "--pipe: records end with str (\\n)" },
	{ 290, "group-by", "column", "--pipe: lines with one value in this column (of --colsep's) together" },
	{ 291, "files", NULL, "each job's output in a file; the files' names are the output" },
	{ 292, "tmpdir", "dir", "--files: the files go in dir, not $TMPDIR or /tmp (--tempdir)" },
	{ 293, "plus", NULL, "more replacement strings: {+/} {+.} {..} {/..} {##} {0#} ..." },
	{ 294, "ctag", NULL, "--tag, each job's lines in a colour of its own" },
	{ 295, "ctagstring", "str", "--tagstring str, each job's lines in a colour of its own" },
	{ 296, "color", NULL, "with --tag or --tagstring: the same as --ctag" },
	{ 297, "load", "n|+n|-n|n%", "start a job only while fewer processes run (cores+n, ...)" },
	{ 298, "memfree", "size", "start a job only while this much memory is free" },
	{ 'S', "sshlogin", "[n/]host[,...]", "run jobs there over ssh, n at once; : is here" },
	{ 400, "sshloginfile", "file", "the -S logins, one a line, re-read when changed (--slf)" },
	{ 401, "ssh", "command", "the ssh command to use (ssh)" },
	{ 402, "transferfile", "name", "-S: send this file before the job (--tf)" },
	{ 403, "return", "name", "-S: fetch this file back after the job" },
	{ 404, "cleanup", NULL, "-S: remove there what was sent and fetched" },
	{ 405, "trc", "name", "-S: --transferfile {} --return name --cleanup" },
	{ 406, "basefile", "file", "-S: send this file to each host once (--bf)" },
	{ 407, "workdir", "dir", "-S: run the jobs in this directory there (--wd)" },
	{ 408, "filter-hosts", NULL, "-S: leave out the hosts that cannot be reached" },
	{ 299, "remove-rec-sep", NULL, "--pipe: --recend and --recstart out of the blocks (--rrs)" },
	CSP_OPT_DONE_ROW,
	{ 0, NULL, NULL, NULL },
};
static const csp_usage use = {
	"csp-fanout",
	"csp-fanout [-0k] [-j jobs] [-a file] [--tag] [--line-buffer] [--bar]\n"
	"                  [--halt when,why=n[%]] [--timeout duration] [--retries n]\n"
	"                  [--joblog file] [--grace duration] [--arg-sep sep] [--done fd|fifo]\n"
	"                  [parallel options: -d -C -n -N -X -m -I -v -t -r -q -u ...]\n"
	"                  [--] command [arg ...] [:::[+] record ... | ::::[+] file ...] ...\n"
	"       csp-fanout --pipe [-0k] [-j jobs] [--block size] [options] [--] command [arg ...]",
	"Run a command for every record, N at once; their outputs fanned back in.",
	"+", help_opts,
};

static void __attribute__((noreturn))
usage(int status)
{
	csp_usage_exit(&use, status);
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

/* --load: N or N.N processes, +N or -N the cores plus or minus N, N% of the cores; parallel's. */
static int
parse_load(const char *s, double *load)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	long long v;
	char *end;

	if (cores < 1)
		cores = 1;
	if ((s[0] == '+' || s[0] == '-') && csp_parse_count(s + 1, 0, INT_MAX, &v) == 0) {
		*load = s[0] == '+' ? (double)(cores + v) : (double)(cores - v);
		return 0;
	}
	if (s[0] >= '0' && s[0] <= '9' && s[strlen(s) - 1] == '%') {
		char n[32];

		snprintf(n, sizeof(n), "%.*s", (int)strlen(s) - 1, s);
		if (csp_parse_count(n, 0, INT_MAX, &v) == -1)
			return -1;
		*load = (double)cores * (double)v / 100;
		return 0;
	}
	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	*load = strtod(s, &end);
	return errno != 0 || *end != '\0' || *load > 1e9 ? -1 : 0;
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

/* Every {name...} in the command and the tag string as {pos...} (--header). */
static void
name_column(csp_fanout_opt *o, const char *name, int pos)
{
	static char **kept;       /* to the end, as argv is */
	static size_t nkept;
	char **w, *p, *q, *t, num[16];
	size_t n = strlen(name), k;
	int i;

	k = (size_t)snprintf(num, sizeof(num), "%d", pos);
	for (i = 0; i == 0 || o->argv[i - 1] != NULL; i++) {
		w = o->argv[i] != NULL ? (char **)&o->argv[i] : (char **)&o->tagstr;
		if (*w == NULL)
			continue;
		for (p = *w; (p = strchr(p, '{')) != NULL; p++) {
			q = p + 1 + n;
			if (strncmp(p + 1, name, n) != 0 || (*q != '}' && *q != '.' && *q != '/'))
				continue;
			if ((kept = reallocarray(kept, nkept + 1, sizeof(*kept))) == NULL ||
			    asprintf(&t, "%.*s{%s%s", (int)(p - *w), *w, num, q) == -1)
				err(EXIT_ERR, "setting up");
			p = t + (p - *w) + k;
			*w = kept[nkept++] = t;
		}
	}
}

/* --header : with --colsep: the first record's columns name them. */
static void
name_columns(csp_fanout_opt *o, const char *hdr)
{
	const char *p = hdr, *q;
	size_t n = strlen(o->colsep);
	char *name;
	int pos = 1;

	for (;; p = q + n, pos++) {
		q = strstr(p, o->colsep);
		if ((name = strndup(p, q != NULL ? (size_t)(q - p) : strlen(p))) == NULL)
			err(EXIT_ERR, "setting up");
		if (*name != '\0')
			name_column(o, name, pos);
		free(name);
		if (q == NULL)
			break;
	}
}

/* --header : on a stream: its first record names the columns, and is no job. */
static int
read_header(csp_rd *in, csp_fanout_opt *o, const csp_done *done)
{
	char *rec, *h;
	ssize_t n;

	if ((n = csp_rd_next(in, &rec, done)) <= 0)
		return (int)n;
	if (rec[n - 1] == in->delim)
		n--;
	if ((h = strndup(rec, (size_t)n)) == NULL)
		return -1;
	name_columns(o, h);
	free(h);
	return 0;
}

/*
 * --pipe --header :: the first line starts every block; --group-by NAME is
 * the column of it so named. Returns -1 on a read error, else 0.
 */
static int
pipe_header(csp_rd *in, csp_fanout_opt *o, const char *group, const csp_done *done)
{
	const char *sep = o->colsep != NULL ? o->colsep : "\t", *p, *q;
	char *rec, *h;
	ssize_t n;
	int col = 1;

	if ((n = csp_rd_next(in, &rec, done)) <= 0)
		return (int)n;
	if ((h = strndup(rec, (size_t)n)) == NULL)
		return -1;
	o->header = h;  /* kept to the end, as argv is */
	n -= h[n - 1] == '\n';
	for (p = h; group != NULL; p = q + strlen(sep), col++) {
		q = memmem(p, (size_t)(h + n - p), sep, strlen(sep));
		if ((size_t)((q != NULL ? q : h + n) - p) == strlen(group) &&
		    strncmp(p, group, strlen(group)) == 0) {
			o->group_by = col;
			break;
		}
		if (q == NULL)
			errx(EXIT_ERR, "--group-by: no column %s in the header", csp_quote(group));
	}
	return 0;
}

/* ::: or :::+ (or --arg-sep's), :::: or ::::+: where an input source starts. */
static int
is_sep(const char *s, const char *sep, const char *sepplus)
{
	return strcmp(s, sep) == 0 || strcmp(s, sepplus) == 0 || strcmp(s, "::::") == 0 ||
	       strcmp(s, "::::+") == 0;
}

/* --plus: parallel's further replacement strings (and {N..} forms of the path ones). */
static const char *const plus_strs[] = {
	"{##}", "{0#}", "{0%}", "+/}", "+.}", "+..}", "+...}", "..}", "...}",
};
static int plus;

/* Does the word hold a replacement string ({} or -I's)? */
static int
has_rep(const char *s, const char *recstr)
{
	size_t i;

	const char *b;

	for (i = 0; plus && i < sizeof(plus_strs) / sizeof(plus_strs[0]); i++)
		if (strstr(s, plus_strs[i]) != NULL && strchr(s, '{') != NULL)
			return 1;
	/* {:-str} {:n} {:n:m}, {N:...} too */
	for (b = s; plus && (b = strchr(b, '{')) != NULL; b++)
		if (b[1 + strspn(b + 1, "-0123456789")] == ':' && strchr(b, '}') != NULL)
			return 1;
	return csp_replace_has(s) || (recstr != NULL && strstr(s, recstr) != NULL);
}

/* --plus: {##} and {0#} need the number of jobs before the first starts. */
static int
needs_total(char **cmd, int n)
{
	int i;

	for (i = 0; plus && i < n; i++)
		if (strstr(cmd[i], "{##}") != NULL || strstr(cmd[i], "{0#}") != NULL)
			return 1;
	return 0;
}

/* What makes one word a shell command line rather than a program's name. */
#define SHELL_SYNTAX " \t\n;&|<>()$`\\\"'*?[]~"

/* argv as /bin/sh -c SCRIPT: the record appended (quoted) unless the script has a place for it. */
static int
shell_argv(char **av, const char *script, int append, const char *recstr)
{
	static char *s;  /* kept to the end, as argv is */

	if (append && !has_rep(script, recstr) && asprintf(&s, "%s %s", script, recstr ? recstr : "{}") == -1)
		return -1;
	av[0] = "/bin/sh";
	av[1] = "-c";
	av[2] = s != NULL ? s : (char *)script;
	av[3] = NULL;
	return 0;
}

/* Input sources (:::, :::+, ::::, ::::+, -a): their values, and linked to the one before? */
struct source {
	char **v;
	size_t n;
	int link;
};
struct sources {
	struct source s[64];
	int n;
	char **all;               /* their combinations, kept to the end as argv is */
};

static void
add_source(struct sources *ss, char **v, size_t n, int link)
{
	if (ss->n == (int)(sizeof(ss->s) / sizeof(ss->s[0])))
		errx(EXIT_ERR, "too many input sources: at most %zu", sizeof(ss->s) / sizeof(ss->s[0]));
	ss->s[ss->n].v = v;
	ss->s[ss->n].n = n;
	ss->s[ss->n].link = link && ss->n > 0;
	ss->n++;
}

/* A whole file's records as a source: records end at delim, the last one may not. */
static void
read_source(struct sources *ss, int fd, const char *path, int delim, int link)
{
	char *buf = NULL, *p, *q, **v = NULL;
	size_t len = 0, cap = 0, n = 0;
	ssize_t k;

	if (fd == -1 && (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		err(EXIT_ERR, "%s", path);
	for (;;) {
		if (len + 65536 > cap && (buf = realloc(buf, cap = 2 * cap + 65536)) == NULL)
			err(EXIT_ERR, "reading %s", path);
		if ((k = read(fd, buf + len, cap - len - 1)) == 0)
			break;
		if (k == -1 && errno != EINTR && errno != EAGAIN)
			err(EXIT_ERR, "%s", path);
		len += k > 0 ? (size_t)k : 0;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	buf[len] = '\0';
	for (p = buf; p < buf + len; p = q + 1) {
		if ((q = memchr(p, delim, (size_t)(buf + len - p))) == NULL)
			q = buf + len;
		*q = '\0';
		if ((v = reallocarray(v, n + 2, sizeof(*v))) == NULL)
			err(EXIT_ERR, "reading %s", path);
		v[n++] = p;
	}
	add_source(ss, v, n, link);
}

/*
 * Every combination of the sources' values, as parallel makes them: the
 * last source varies fastest; a linked source goes along with the one
 * before, as far as the shorter goes. Flattened: a job's values one after another.
 */
static char **
product(struct sources *ss)
{
	size_t idx[64] = { 0 }, len[64], total = 1, i, at = 0;
	int g[64], ng = 0, k;
	char **list;

	for (k = 0; k < ss->n; k++) {
		if (!ss->s[k].link)
			len[ng++] = ss->s[k].n;
		g[k] = ng - 1;
		if (ss->s[k].n < len[ng - 1])
			len[ng - 1] = ss->s[k].n;
		if (ss->s[k].n == 0)
			total = 0;
	}
	for (k = 0; k < ng && total > 0; k++)
		if (__builtin_mul_overflow(total, len[k], &total) || total > (1 << 26))
			errx(EXIT_ERR, "too many combinations of the input sources");
	if ((ss->all = list = calloc(total * (size_t)ss->n + 1, sizeof(*list))) == NULL)
		err(EXIT_ERR, "setting up");
	for (i = 0; i < total; i++) {
		for (k = 0; k < ss->n; k++)
			list[at++] = ss->s[k].v[idx[g[k]] % ss->s[k].n];
		for (k = ng - 1; k >= 0; k--) {
			if (++idx[k] < len[k])
				break;
			idx[k] = 0;
		}
	}
	return list;
}

/* --shuf: the jobs (of per values each) in a random order. */
static void
shuffle(char **list, size_t per)
{
	size_t n, i, j, k;
	char *t;

	for (n = 0; list[n] != NULL; n++)
		;
	for (i = n / per; i > 1; i--) {
		j = arc4random_uniform((uint32_t)i);
		for (k = 0; k < per; k++) {
			t = list[(i - 1) * per + k];
			list[(i - 1) * per + k] = list[j * per + k];
			list[j * per + k] = t;
		}
	}
}

/* -d: one byte, or \n, \t, \r, \0, \\ */
static int
parse_delim(const char *s)
{
	static const char esc[] = "n\nt\tr\r0\0\\\\";
	const char *e;

	if (s[0] != '\0' && s[1] == '\0')
		return (unsigned char)s[0];
	if (s[0] == '\\' && s[1] != '\0' && s[2] == '\0')
		for (e = esc; e < esc + sizeof(esc) - 1; e += 2)
			if (e[0] == s[1])
				return (unsigned char)e[1];
	return -1;
}

/*
 * --pipepart: the file must be seekable; --block -N (or none: -10; with
 * --round-robin -1) means N parts a job slot, as parallel sizes them.
 */
static int
part_block(csp_fanout_opt *o, int fd, const char *path, int set, int neg)
{
	struct stat st;
	long long parts = set ? (long long)o->block : neg ? 1 : 10, slots = o->jobs > 0 ? o->jobs : 1;

	if (path == NULL || strcmp(path, "-") == 0 || fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		errno = ESPIPE;
		return -1;
	}
	if (!set || neg)
		o->block = (size_t)(1 + st.st_size / slots / parts);
	return 0;
}

/* --recstart, --recend: \n \t \r \\ \' \" as parallel reads them, in place; -1 for \0. */
static int
unescape(char *s)
{
	static const char esc[] = "n\nt\tr\r\\\\''\"\"";
	const char *e;
	char *d = s;

	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] == '0')
			return -1;
		for (e = esc; *s == '\\' && *e != '\0' && e[0] != s[1]; e += 2)
			;
		if (*s == '\\' && *e != '\0') {
			*d++ = e[1];
			s++;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
	return 0;
}

/* What the run tells the user, each at most once a name: a command that cannot run, a halt. */
struct report {
	char *seen[16];
	int nseen;
	csp_wr *err;              /* the jobs' stderr, flushed first: messages come after */
	int *logged;              /* --resume: each Seq's Exitval in the job log, or -1000 */
	char **logcmd;            /* --retry-failed: each Seq's Command */
	long long nlogged;
	int resume;               /* 1 --resume, 2 --resume-failed, 3 --retry-failed */
};

/* --resume: the job log's last Exitval of every Seq, before new lines are added. */
static void
read_joblog(struct report *r, const char *path)
{
	FILE *fp;
	char *line = NULL, *tab;
	size_t cap = 0;
	long long seq, i;
	int col, status;

	if (*path == '+')
		path++;
	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return;
		err(EXIT_ERR, "--joblog: %s", path);
	}
	while (getline(&line, &cap, fp) > 0) {
		seq = strtoll(line, &tab, 10);
		if (tab == line || *tab != '\t' || seq < 1 || seq > (1LL << 26))
			continue;  /* the header, or not a job's line */
		for (col = 2, status = 0; col < 7 && tab != NULL; col++)  /* on to Exitval's tab */
			tab = strchr(tab + 1, '\t');
		if (tab == NULL)
			continue;
		status = atoi(tab + 1);
		if (seq >= r->nlogged) {
			if ((r->logged = reallocarray(r->logged, (size_t)seq + 1, sizeof(int))) == NULL ||
			    (r->logcmd = reallocarray(r->logcmd, (size_t)seq + 1, sizeof(char *))) == NULL)
				err(EXIT_ERR, "--joblog: %s", path);
			for (i = r->nlogged; i <= seq; i++) {
				r->logged[i] = -1000;
				r->logcmd[i] = NULL;
			}
			r->nlogged = seq + 1;
		}
		r->logged[seq] = status;
		/* Signal's tab, then Command's, to the end of the line */
		if ((tab = strchr(tab + 1, '\t')) != NULL && (tab = strchr(tab + 1, '\t')) != NULL) {
			tab[strcspn(tab, "\n")] = '\0';
			free(r->logcmd[seq]);
			if ((r->logcmd[seq] = strdup(tab + 1)) == NULL)
				err(EXIT_ERR, "--joblog: %s", path);
		}
	}
	free(line);
	fclose(fp);
}

/* --resume skips what the log has; --resume-failed what it has as succeeded; --retry-failed both. */
static int
skip(long long seq, void *arg)
{
	const struct report *r = arg;

	if (seq >= r->nlogged || r->logged[seq] == -1000)
		return r->resume == 3;
	return r->resume == 1 || r->logged[seq] == 0;
}

static void
free_joblog(struct report *r)
{
	long long i;

	for (i = 0; i < r->nlogged; i++)
		free(r->logcmd[i]);
	free(r->logcmd);
	free(r->logged);
}

/* --retry-failed: the log's commands, each in its Seq's place, run by sh. */
static char **
retry_args(struct report *r, const char *joblog)
{
	static char empty[] = "";
	char **args;
	long long i;

	read_joblog(r, joblog);
	if ((args = calloc((size_t)(r->nlogged > 0 ? r->nlogged : 1), sizeof(*args))) == NULL)
		err(EXIT_ERR, "setting up");
	for (i = 1; i < r->nlogged; i++)
		args[i - 1] = r->logcmd[i] != NULL ? r->logcmd[i] : empty;
	return args;
}

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

	if ((job->err != 0 || job->timedout || job->halts || job->cut > 0 || job->lost) &&
	    r->err != NULL)
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
	if (job->cut > 0)
		warnx("job %lld killed by signal %d: its cut-off last %lld bytes dropped: %s",
		      job->seq, job->sig, job->cut, cmdline(job, line, sizeof(line)));
	if (job->timedout)
		warnx("job %lld timed out: %s", job->seq, cmdline(job, line, sizeof(line)));
	if (job->lost)
		warnx("job %lld failed: its host %s went down under it (run %d, not run again): %s",
		      job->seq, job->host, job->tries, cmdline(job, line, sizeof(line)));
	if (job->halts)
		warnx("halting: job %lld %s with status %d: %s", job->seq,
		      job->status == 0 ? "succeeded" : "failed", job->status,
		      cmdline(job, line, sizeof(line)));
}

/* -S and its company: gathered while parsing, one csp_hosts made once we run. */
enum { O_SLF = 400, O_SSH, O_TF, O_RETURN, O_CLEANUP, O_TRC, O_BF, O_WD, O_FILTER };
#define REMOTE_MAX 64
struct remote {
	csp_hosts_opt ho;
	const char *login[REMOTE_MAX], *slf[REMOTE_MAX];
	int nlogin, nslf, jobs_given;
	char *env[REMOTE_MAX + 1], *tf[REMOTE_MAX + 1], *ret[REMOTE_MAX + 1], *bf[REMOTE_MAX + 1];
	int nenv, ntf, nret, nbf;
};

static void
remote_add(char **v, int *n, const char *s, const char *opt)
{
	if (*n >= REMOTE_MAX)
		errx(EXIT_ERR, "%s: at most %d of them", opt, REMOTE_MAX);
	v[(*n)++] = (char *)s;
}

/* 1 if ch was one of ours; -j is noted and left to the rest. */
static int
remote_opt(struct remote *rm, int ch, const char *arg)
{
	switch (ch) {
	case 'j':
	case 'P':
		rm->jobs_given = 1;
		return 0;
	case 'S':
		remote_add((char **)rm->login, &rm->nlogin, arg, "--sshlogin");
		return 1;
	case O_SLF:
		remote_add((char **)rm->slf, &rm->nslf, arg, "--sshloginfile");
		return 1;
	case O_SSH:
		if (arg[strspn(arg, " \t")] == '\0')
			errx(EXIT_ERR, "--ssh: an empty command");
		rm->ho.ssh = arg;
		return 1;
	case O_TRC:
		/* parallel's: --transferfile {} --return FILE --cleanup */
		remote_add(rm->ret, &rm->nret, arg, "--trc");
		rm->ho.cleanup = 1;
		if (rm->ntf == 0 || strcmp(rm->tf[rm->ntf - 1], "{}") != 0)
			remote_add(rm->tf, &rm->ntf, "{}", "--trc");
		return 1;
	case O_TF:
		remote_add(rm->tf, &rm->ntf, arg, "--transferfile");
		return 1;
	case O_RETURN:
		remote_add(rm->ret, &rm->nret, arg, "--return");
		return 1;
	case O_CLEANUP:
		rm->ho.cleanup = 1;
		return 1;
	case O_BF:
		remote_add(rm->bf, &rm->nbf, arg, "--basefile");
		return 1;
	case O_WD:
		rm->ho.workdir = arg;
		return 1;
	case O_FILTER:
		return 1;  /* hosts that cannot be reached are always left out */
	}
	return 0;
}

static void
host_down(const char *host, const char *why, void *arg)
{
	(void)arg;
	warnx("host %s: %s: left out, no more jobs go there", host, why);
}

/* The hosts connected and the slots counted: o->hosts and o->jobs set. */
static void
remote_start(struct remote *rm, csp_fanout_opt *o, const csp_done *done)
{
	long slots;
	int i;

	if (rm->nlogin == 0 && rm->nslf == 0) {
		if (rm->ntf + rm->nret + rm->nbf > 0 || rm->ho.workdir != NULL)
			errx(EXIT_ERR, "--transferfile, --return, --basefile, --workdir: need -S");
		return;
	}
	rm->ho.env = rm->env;
	rm->ho.transfer = rm->ntf > 0 ? rm->tf : NULL;
	rm->ho.ret = rm->nret > 0 ? rm->ret : NULL;
	rm->ho.base = rm->nbf > 0 ? rm->bf : NULL;
	rm->ho.slots = rm->jobs_given ? o->jobs : 0;
	rm->ho.down = host_down;
	if ((o->hosts = csp_hosts_new(&rm->ho)) == NULL)
		err(EXIT_ERR, "--ssh: %s", rm->ho.ssh != NULL ? rm->ho.ssh : "ssh");
	for (i = 0; i < rm->nlogin; i++)
		if (csp_hosts_add(o->hosts, rm->login[i]) == -1)
			err(EXIT_ERR, "--sshlogin: %s", csp_quote(rm->login[i]));
	for (i = 0; i < rm->nslf; i++)
		if (csp_hosts_file(o->hosts, rm->slf[i]) == -1)
			err(EXIT_ERR, "--sshloginfile: %s", csp_quote(rm->slf[i]));
	if ((slots = csp_hosts_start(o->hosts, done)) == -1) {
		csp_hosts_free(o->hosts);  /* its sockets' directory too */
		if (errno == ECANCELED)
			exit(EXIT_ERR);
		err(EXIT_ERR, "-S: no host to run the jobs on");
	}
	o->jobs = slots;
}

int
main(int argc, char *argv[])
{
	enum { O_TAG = 256, O_LB, O_BAR, O_HALT, O_TIMEOUT, O_RETRIES, O_JOBLOG, O_GRACE,
	       O_DONE, O_PIPE, O_BLOCK, O_ARGSEP, O_IGNORE, O_DRYRUN, O_TRIM, O_TAGSTR, O_DELAY,
	       O_SHUF, O_NICE, O_XARGS, O_ENV, O_CAT, O_RR, O_HEADER, O_RESUME, O_RESUME_FAILED,
	       O_RETRY_FAILED, O_RESULTS, O_PIPEPART, O_RECSTART, O_RECEND, O_GROUPBY, O_FILES,
	       O_TMPDIR, O_PLUS, O_CTAG, O_CTAGSTR, O_COLOR, O_LOAD, O_MEMFREE,
	       O_RRS };
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
		{ "delimiter", required_argument, NULL, 'd' },
		{ "colsep", required_argument, NULL, 'C' },
		{ "max-args", required_argument, NULL, 'n' },
		{ "max-replace-args", required_argument, NULL, 'N' },
		{ "xargs", no_argument, NULL, O_XARGS },
		{ "replace", optional_argument, NULL, 'i' },
		{ "will-cite", no_argument, NULL, O_IGNORE },
		{ "no-notice", no_argument, NULL, O_IGNORE },
		{ "verbose", no_argument, NULL, 't' },
		{ "dry-run", no_argument, NULL, O_DRYRUN },
		{ "dryrun", no_argument, NULL, O_DRYRUN },
		{ "no-run-if-empty", no_argument, NULL, 'r' },
		{ "trim", required_argument, NULL, O_TRIM },
		{ "quote", no_argument, NULL, 'q' },
		{ "tagstring", required_argument, NULL, O_TAGSTR },
		{ "ungroup", no_argument, NULL, 'u' },
		{ "delay", required_argument, NULL, O_DELAY },
		{ "shuf", no_argument, NULL, O_SHUF },
		{ "nice", required_argument, NULL, O_NICE },
		{ "env", required_argument, NULL, O_ENV },
		{ "cat", no_argument, NULL, O_CAT },
		{ "fifo", no_argument, NULL, O_CAT },
		{ "round-robin", no_argument, NULL, O_RR },
		{ "eof", optional_argument, NULL, 'E' },
		{ "header", required_argument, NULL, O_HEADER },
		{ "resume", no_argument, NULL, O_RESUME },
		{ "resume-failed", no_argument, NULL, O_RESUME_FAILED },
		{ "retry-failed", no_argument, NULL, O_RETRY_FAILED },
		{ "results", required_argument, NULL, O_RESULTS },
		{ "res", required_argument, NULL, O_RESULTS },
		{ "eta", no_argument, NULL, O_BAR },
		{ "progress", no_argument, NULL, O_BAR },
		{ "round", no_argument, NULL, O_RR },
		{ "pipepart", no_argument, NULL, O_PIPEPART },
		{ "pipe-part", no_argument, NULL, O_PIPEPART },
		{ "recstart", required_argument, NULL, O_RECSTART },
		{ "recend", required_argument, NULL, O_RECEND },
		{ "group-by", required_argument, NULL, O_GROUPBY },
		{ "files", no_argument, NULL, O_FILES },
		{ "tmpdir", required_argument, NULL, O_TMPDIR },
		{ "tempdir", required_argument, NULL, O_TMPDIR },
		{ "plus", no_argument, NULL, O_PLUS },
		{ "ctag", no_argument, NULL, O_CTAG },
		{ "ctagstring", required_argument, NULL, O_CTAGSTR },
		{ "ctag-string", required_argument, NULL, O_CTAGSTR },
		{ "color", no_argument, NULL, O_COLOR },
		{ "load", required_argument, NULL, O_LOAD },
		{ "memfree", required_argument, NULL, O_MEMFREE },
		{ "remove-rec-sep", no_argument, NULL, O_RRS },
		{ "removerecsep", no_argument, NULL, O_RRS },
		{ "rrs", no_argument, NULL, O_RRS },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "sshlogin", required_argument, NULL, 'S' },
		{ "sshloginfile", required_argument, NULL, O_SLF },
		{ "slf", required_argument, NULL, O_SLF },
		{ "ssh", required_argument, NULL, O_SSH },
		{ "transferfile", required_argument, NULL, O_TF },
		{ "tf", required_argument, NULL, O_TF },
		{ "return", required_argument, NULL, O_RETURN },
		{ "cleanup", no_argument, NULL, O_CLEANUP },
		{ "trc", required_argument, NULL, O_TRC },
		{ "basefile", required_argument, NULL, O_BF },
		{ "bf", required_argument, NULL, O_BF },
		{ "workdir", required_argument, NULL, O_WD },
		{ "wd", required_argument, NULL, O_WD },
		{ "filter-hosts", no_argument, NULL, O_FILTER },
		{ NULL, 0, NULL, 0 },
	};
	csp_cmd c;
	csp_fanout_opt o;
	struct report rep = { { NULL }, 0, NULL, NULL, NULL, 0, 0 };
	struct rlimit rl;
	const char *argfile = NULL, *sep = ":::";
	char **cmd, **args = NULL, sepplus[64], **retry = NULL;
	unsigned long long size;
	long long v;
	int ch, i, delim = '\n', bar = 0, infd = STDIN_FILENO, r, e, ncmd, quote = 0, shuf = 0;
	int nfiles = 0, header = 0, resume = 0, blockneg = 0, blockset = 0, rr = 0;
	const char *joblog = NULL, *group = NULL;
	const char *hdr[64] = { NULL };
	const char *files[64];
	static struct sources src;
	csp_rd in;
	csp_wr out, errw;
	static struct remote rm;

	csp_cmd_init(&c, &use, argc, argv);
	c.usage_status = EXIT_ERR;
	csp_fanout_init(&o, NULL);
	argv[0] = (char *)csp_progname();  /* getopt's complaints: csp-fanout, not a path */
	while ((ch = getopt_long(argc, argv, "+0a:j:P:khVd:C:n:N:XmI:i::vtrquE:S:", longopts, NULL)) != -1) {
		if (remote_opt(&rm, ch, optarg))
			continue;
		switch (ch) {
		case '0':
			delim = '\0';
			break;
		case 'a':
			if (nfiles == (int)(sizeof(files) / sizeof(files[0])))
				errx(EXIT_ERR, "-a: too many files");
			argfile = files[nfiles++] = optarg;
			break;
		case 'd':
			if ((delim = parse_delim(optarg)) == -1)
				errx(EXIT_ERR, "-d: not one byte (or \\n, \\t, \\r, \\0, \\\\): %s", optarg);
			break;
		case 'C':
			if (*optarg == '\0')
				errx(EXIT_ERR, "--colsep: empty");
			o.colsep = optarg;
			break;
		case 'n':
		case 'N':
			if (csp_parse_count(optarg, ch == 'N' ? 0 : 1, INT_MAX, &v) == -1)
				errx(EXIT_ERR, "-%c: not a count of arguments: %s", ch, optarg);
			o.per_job = v == 0 ? -1 : (int)v;
			break;
		case 'X':
			o.flags |= CSP_FANOUT_FILL | CSP_FANOUT_SPREAD | CSP_FANOUT_CONTEXT;
			break;
		case 'm':
			o.flags |= CSP_FANOUT_FILL | CSP_FANOUT_SPREAD;
			break;
		case O_XARGS:
			o.flags |= CSP_FANOUT_FILL;
			break;
		case 'I':
		case 'i':
			if (optarg != NULL && *optarg == '\0')
				errx(EXIT_ERR, "-%c: empty", ch);
			o.recstr = optarg != NULL ? optarg : "{}";
			break;
		case O_IGNORE:
			break;
		case 'v':
			o.flags |= CSP_FANOUT_VERBOSE;
			break;
		case 't':
			o.flags |= CSP_FANOUT_TRACE;
			break;
		case O_DRYRUN:
			o.flags |= CSP_FANOUT_DRYRUN;
			break;
		case 'r':
			o.flags |= CSP_FANOUT_SKIPEMPTY;
			break;
		case O_TRIM:
			if (strcmp(optarg, "n") == 0)
				o.trim = 0;
			else if (strcmp(optarg, "l") == 0 || strcmp(optarg, "r") == 0)
				o.trim = *optarg == 'l' ? 1 : 2;
			else if (strcmp(optarg, "lr") == 0 || strcmp(optarg, "rl") == 0)
				o.trim = 3;
			else
				errx(EXIT_ERR, "--trim: not n, l, r or lr: %s", optarg);
			break;
		case 'q':
			quote = 1;
			break;
		case O_TAGSTR:
		case O_CTAGSTR:
			o.flags |= CSP_FANOUT_TAG | (ch == O_CTAGSTR ? CSP_FANOUT_COLOR : 0);
			o.tagstr = optarg;
			break;
		case O_CTAG:
			o.flags |= CSP_FANOUT_TAG | CSP_FANOUT_COLOR;
			break;
		case O_COLOR:
			o.flags |= CSP_FANOUT_COLOR;
			break;
		case O_LOAD:
			if (parse_load(optarg, &o.max_load) == -1)
				errx(EXIT_ERR, "--load: not a load (N, N.N, +N, -N or N%%): %s", optarg);
			break;
		case O_RRS:
			o.flags |= CSP_FANOUT_RRS;
			break;
		case O_MEMFREE:
			if (csp_parse_size(optarg, 0, 1ULL << 60, &size) == -1)
				errx(EXIT_ERR, "--memfree: not a size (1G, 512M, ...): %s", optarg);
			o.memfree = size;
			break;
		case 'u':
			o.flags |= CSP_FANOUT_UNGROUP;
			break;
		case O_DELAY:
			if (csp_parse_duration(optarg, &o.delay_ms) == -1)
				errx(EXIT_ERR, "--delay: not a duration: %s", optarg);
			break;
		case O_PLUS:
			plus = 1;
			o.flags |= CSP_FANOUT_PLUS;
			break;
		case O_SHUF:
			shuf = 1;
			break;
		case O_NICE:
			if (csp_parse_count(optarg, -20, 19, &v) == -1)
				errx(EXIT_ERR, "--nice: not a niceness (-20 to 19): %s", optarg);
			/* The jobs inherit it: ours too, which costs the few jobs-starting us nothing. */
			errno = 0;
			if (nice((int)v) == -1 && errno != 0)
				err(EXIT_ERR, "--nice");
			break;
		case O_ENV:
			/* Local jobs have our whole environment already; -S's take these. */
			remote_add(rm.env, &rm.nenv, optarg, "--env");
			break;
		case O_CAT:
			o.flags |= CSP_FANOUT_CAT;
			break;
		case 'E':
			o.eofstr = optarg;
			break;
		case O_RESULTS:
			if (*optarg == '\0')
				errx(EXIT_ERR, "--results: empty");
			o.results = optarg;
			break;
		case O_HEADER:
			if (strcmp(optarg, ":") != 0)
				errx(EXIT_ERR, "--header: only : (the first record names the columns): %s", optarg);
			header = 1;
			break;
		case O_RR:
			rr = 1;  /* --pipe without -k: long-lived workers take the blocks in turn already */
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
			/* N%: of the median runtime of the jobs that succeeded, as parallel's */
			if (*optarg != '\0' && optarg[strlen(optarg) - 1] == '%') {
				char *end;

				errno = 0;
				o.timeout_pct = strtod(optarg, &end);
				if (optarg[0] < '0' || optarg[0] > '9' || errno != 0 || *end != '%' ||
				    end[1] != '\0' || o.timeout_pct <= 0 || o.timeout_pct > 1e6)
					errx(EXIT_ERR, "--timeout: not a percentage: %s", optarg);
				o.timeout_ms = 0;
				break;
			}
			if (csp_parse_duration(optarg, &o.timeout_ms) == -1 || o.timeout_ms <= 0)
				errx(EXIT_ERR, "--timeout: not a duration (or N%%): %s", optarg);
			o.timeout_pct = 0;
			break;
		case O_RETRIES:
			if (csp_parse_count(optarg, 0, INT_MAX, &o.retries) == -1)
				errx(EXIT_ERR, "--retries: not a count: %s", optarg);
			break;
		case O_JOBLOG:
			joblog = optarg;  /* opened once --resume is known */
			break;
		case O_RESUME:
		case O_RESUME_FAILED:
		case O_RETRY_FAILED:
			resume = ch == O_RESUME ? 1 : ch == O_RESUME_FAILED ? 2 : 3;
			break;
		case O_GRACE:
			if (csp_parse_duration(optarg, &o.grace_ms) == -1)
				errx(EXIT_ERR, "--grace: not a duration: %s", optarg);
			break;
		case O_DONE:
			if (csp_done_open(&c.ext, optarg) == -1)
				err(EXIT_ERR, "--done: %s", csp_quote(optarg));
			c.parent = &c.ext;
			break;
		case O_PIPE:
			o.flags |= CSP_FANOUT_PIPE;
			break;
		case O_BLOCK:
			/* -N: --pipepart's file in N parts a job slot */
			if (csp_parse_size(optarg + (*optarg == '-'), 1, 1ULL << 40, &size) == -1)
				errx(EXIT_ERR, "--block: not a size (1M, 512k, ...): %s", optarg);
			o.block = (size_t)size;
			blockneg = *optarg == '-';
			blockset = 1;
			break;
		case O_PIPEPART:
			o.flags |= CSP_FANOUT_PIPE | CSP_FANOUT_PART;
			break;
		case O_RECSTART:
		case O_RECEND:
			if (unescape(optarg) == -1)
				errx(EXIT_ERR, "--%s: \\0 cannot be part of it: %s",
				     ch == O_RECSTART ? "recstart" : "recend", optarg);
			*(ch == O_RECSTART ? &o.recstart : &o.recend) = optarg;
			break;
		case O_GROUPBY:
			/* a name: the column so named in the first line, --header : implied */
			if (*optarg < '0' || *optarg > '9') {
				if (*optarg == '\0')
					errx(EXIT_ERR, "--group-by: empty");
				group = optarg;
				header = 1;
				break;
			}
			if (csp_parse_count(optarg, 1, INT_MAX, &v) == -1)
				errx(EXIT_ERR, "--group-by: not a column number: %s", optarg);
			o.group_by = (int)v;
			group = NULL;
			break;
		case O_FILES:
			o.flags |= CSP_FANOUT_FILES;
			break;
		case O_TMPDIR:
			o.tmpdir = optarg;
			break;
		case O_ARGSEP:
			if (*optarg == '\0')
				errx(EXIT_ERR, "--arg-sep: empty");
			sep = optarg;
			break;
		case 'h':
			usage(0);
		case 'V':
			/* A version that cannot be written is an error, as csp_getopt's --version. */
			printf("csp-fanout %s\n", CSP_VERSION);
			if (fflush(stdout) == EOF || ferror(stdout) || fclose(stdout) == EOF)
				err(CSP_EXIT_SYS, "standard output");
			return 0;
		default:
			usage(EXIT_ERR);
		}
	}
	/* COMMAND [ARG...] [::: RECORD... | :::+ RECORD... | :::: FILE... | ::::+ FILE...]... */
	snprintf(sepplus, sizeof(sepplus), "%s+", sep);
	cmd = argv + optind;
	if (resume == 3) {
		/* The command line is the log's: what is given here is ignored, as by parallel. */
		static char *sh[] = { "/bin/sh", "-c", NULL };

		if (joblog == NULL)
			errx(EXIT_ERR, "--retry-failed: needs --joblog");
		cmd = sh;
		args = retry = retry_args(&rep, joblog);
	}
	for (ncmd = 0; cmd[ncmd] != NULL && !is_sep(cmd[ncmd], sep, sepplus); ncmd++)
		;
	if (ncmd == 0)
		usage(EXIT_ERR);
	for (i = 0; i < nfiles && (nfiles > 1 || cmd[ncmd] != NULL || shuf); i++)
		read_source(&src, strcmp(files[i], "-") == 0 ? STDIN_FILENO : -1, files[i], delim, 0);
	for (i = ncmd; cmd[i] != NULL;) {
		const char *s0 = cmd[i++];
		int file = strncmp(s0, "::::", 4) == 0, link = s0[strlen(s0) - 1] == '+', k0 = i;

		for (; cmd[i] != NULL && !is_sep(cmd[i], sep, sepplus); i++)
			if (file)
				read_source(&src, strcmp(cmd[i], "-") == 0 ? STDIN_FILENO : -1, cmd[i],
				            delim, link && i == k0);
		if (!file)
			add_source(&src, cmd + k0, (size_t)(i - k0), link);
	}
	if (src.n == 0 && !(o.flags & CSP_FANOUT_PIPE) &&
	    (shuf || (header && argfile != NULL) || needs_total(cmd, ncmd)))
		read_source(&src, nfiles == 1 ? -1 : infd, nfiles == 1 ? files[0] : "standard input",
		            delim, 0);
	/* --header :: each source's first value names it, {name} its value. */
	for (i = 0; header && i < src.n; i++) {
		hdr[i] = src.s[i].n > 0 ? src.s[i].v[0] : NULL;
		if (src.s[i].n > 0) {
			src.s[i].v++;
			src.s[i].n--;
		}
	}
	if (header && group == NULL && src.n == 0 && o.colsep == NULL && !(o.flags & CSP_FANOUT_PIPE))
		errx(EXIT_ERR, "--header: with --colsep, --pipe, or with ::: or :::: sources");
	if (header && (o.flags & CSP_FANOUT_PIPE) && ((o.flags & CSP_FANOUT_PART) || delim != '\n'))
		errx(EXIT_ERR, "--header, --group-by NAME: not with --pipepart or -0 or -d");
	if ((o.flags & CSP_FANOUT_RRS) &&
	    (!(o.flags & CSP_FANOUT_PIPE) || (o.flags & CSP_FANOUT_PART) || delim != '\n'))
		errx(EXIT_ERR, "--rrs: with --pipe, not with --pipepart or -0 or -d");
	if ((o.flags & CSP_FANOUT_PIPE) && src.n > 0)
		errx(EXIT_ERR, "--pipe: the records come from the input, not from :::");
	if ((o.flags & CSP_FANOUT_PART) && (nfiles != 1 || src.n > 0))
		errx(EXIT_ERR, "--pipepart: needs one -a file, and no ::: sources");
	if ((o.flags & CSP_FANOUT_PART) && (o.per_job != 0 || o.group_by > 0))
		errx(EXIT_ERR, "--pipepart: not with -N or --group-by");
	if (!(o.flags & CSP_FANOUT_PIPE) && (o.recstart != NULL || o.recend != NULL || o.group_by > 0 ||
	                                     group != NULL))
		errx(EXIT_ERR, "--recstart, --recend, --group-by: with --pipe or --pipepart");
	if ((o.flags & CSP_FANOUT_FILES) && (o.flags & (CSP_FANOUT_UNGROUP | CSP_FANOUT_LINEBUF)))
		errx(EXIT_ERR, "--files: not with -u or --line-buffer");
	if ((o.flags & CSP_FANOUT_COLOR) && !(o.flags & CSP_FANOUT_TAG))
		errx(EXIT_ERR, "--color: with --tag or --tagstring (or --ctag)");
	if (blockneg && !(o.flags & CSP_FANOUT_PART))
		errx(EXIT_ERR, "--block: a negative size is for --pipepart");
	if (src.n > 1 && o.colsep != NULL)
		errx(EXIT_ERR, "--colsep: with one input source only");
	if (src.n > 0) {
		args = src.n == 1 ? src.s[0].v : product(&src);
		if (src.n == 1 && args != NULL)
			args[src.s[0].n] = NULL;
		if (src.n > 1)
			o.per_job = src.n;
		if (args == NULL && (args = calloc(1, sizeof(*args))) == NULL)
			err(EXIT_ERR, "setting up");
		if (shuf)
			shuffle(args, src.n > 1 ? (size_t)src.n : 1);
	}
	argfile = nfiles == 1 && src.n == 0 ? files[0] : NULL;
	/* The command alone, NULL-terminated: argv itself stays as it is (ps shows it). */
	if ((o.argv = calloc((size_t)ncmd + 3, sizeof(char *))) == NULL)
		err(EXIT_ERR, "setting up");
	memcpy((char **)o.argv, cmd, (size_t)ncmd * sizeof(char *));
	/* One word of shell syntax is a script, as in parallel; its values are quoted. */
	if (ncmd == 1 && !quote && cmd[0][strcspn(cmd[0], SHELL_SYNTAX)] != '\0' &&
	    shell_argv((char **)o.argv, cmd[0],
	               !(o.flags & CSP_FANOUT_PIPE) && !(header && strchr(cmd[0], '{') != NULL), o.recstr) == -1)
		err(EXIT_ERR, "setting up");
	for (i = 0; header && i < src.n; i++)
		if (hdr[i] != NULL && src.n == 1 && o.colsep != NULL)
			name_columns(&o, hdr[i]);
		else if (hdr[i] != NULL)
			name_column(&o, hdr[i], i + 1);
	o.args = args;
	if (argfile != NULL && strcmp(argfile, "-") != 0)
		infd = open_argfile(argfile);
	if ((o.flags & CSP_FANOUT_PART) && part_block(&o, infd, argfile, blockset && !rr, blockneg || rr) == -1)
		err(EXIT_ERR, "--pipepart: %s", argfile);
	/* -j 0 is as many as descriptors allow: let them allow what they can. */
	if (o.jobs == 0 && getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* A bar when asked, or on a terminal when the total is known before the start. */
	if (bar || (isatty(STDERR_FILENO) && !(o.flags & CSP_FANOUT_PIPE) &&
	            (args != NULL || o.halt_pct > 0)))
		o.bar_fd = STDERR_FILENO;
	if (resume && joblog == NULL)
		errx(EXIT_ERR, "--resume: needs --joblog");
	if (resume) {
		if (resume != 3)
			read_joblog(&rep, joblog);
		rep.resume = resume;
		o.skip = skip;
	}
	/* Resumed, the log goes on where it was. */
	if (joblog != NULL) {
		char *plus = NULL;

		if (resume && *joblog != '+' && asprintf(&plus, "+%s", joblog) == -1)
			err(EXIT_ERR, "setting up");
		if ((o.joblog_fd = csp_joblog_open(plus != NULL ? plus : joblog)) == -1)
			err(EXIT_ERR, "--joblog: %s", joblog);
		free(plus);
	}
	o.ended = ended;
	o.arg = &rep;

	if (args == NULL && infd == STDIN_FILENO && c.parent == &c.ext && c.ext.rfd == STDIN_FILENO)
		errx(EXIT_ERR, "--done: 0 is where the records come from, not a done");
	/*
	 * csp_cmd_start's start (guardian, subreaper, every ending signal) and
	 * csp_cmd_exit's end; by hand here, as a failed setup exits 255, not 125.
	 */
	if (csp_command_start(&c.done, c.parent) == -1 ||
	    csp_rd_init(&in, infd, delim) == -1 || csp_wr_init(&out, STDOUT_FILENO) == -1 ||
	    csp_wr_init(&errw, STDERR_FILENO) == -1)
		err(EXIT_ERR, "setting up");
	o.err = rep.err = &errw;
	c.flags = CSP_CMD_PROCS | (args == NULL && infd == STDIN_FILENO ? CSP_CMD_STDIN : 0);
	c.grace = o.grace_ms;
	if (header && (o.flags & CSP_FANOUT_PIPE) && pipe_header(&in, &o, group, &c.done) == -1)
		err(EXIT_ERR, "--header: reading the first line");
	else if (header && args == NULL && !(o.flags & CSP_FANOUT_PIPE) &&
	         read_header(&in, &o, &c.done) == -1)
		err(EXIT_ERR, "--header: reading the first record");
	remote_start(&rm, &o, &c.done);
	r = csp_fanout(args != NULL ? NULL : &in, &out, &o, &c.done);
	e = errno;
	csp_hosts_free(o.hosts);
	csp_rd_free(&in);
	csp_wr_free(&out);
	csp_wr_free(&errw);
	for (i = 0; i < rep.nseen; i++)
		free(rep.seen[i]);
	free_joblog(&rep);
	free(retry);
	free((char **)o.argv);
	free((char *)o.header);
	errno = e;
	/* What the jobs left stopped; --done, a gone reader: 0; a signal: raised again. */
	e = csp_cmd_exit(&c, r, o.exitval, NULL);
	return r == -1 && e == CSP_EXIT_SYS ? EXIT_ERR : e;  /* 255: not 125 failed jobs */
}
