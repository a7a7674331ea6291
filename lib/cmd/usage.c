/*
 * usage.c: the command layer's words. A command's options are one table;
 * getopt's strings, the complaints about bad options, the usage lines and
 * --help all come from it. Unlike the rest of the library these print and
 * exit: they are for the csp-* commands' main().
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/impl.h"

#define OPTS_MAX 64               /* options a command may have, --help and --version too */
#define QUOTE_MAX 96              /* bytes of a name shown before it is cut with "..." */
#define HELP_COLUMN 28            /* where the options' help lines start */

static const csp_opt builtin[] = {
	{ 'h', "help", NULL, "print this help and exit" },
	{ 'V', "version", NULL, "print the version and exit" },
	{ 0, NULL, NULL, NULL },
};

static const csp_usage *built;    /* the table the strings below were made from */
static char optstring[3 * OPTS_MAX + 4];
static struct option longopts[OPTS_MAX + 1];
static int failed;                /* what the last csp_getopt saw: '?' or ':', else 0 */
static char **args;               /* its argv, to name the option it stopped at */

static void
build(const csp_usage *u)
{
	const csp_opt *o;
	size_t n = 0, k = 0;
	int pass;

	n = (size_t)snprintf(optstring, sizeof(optstring), "%s:", u->order ? u->order : "");
	for (pass = 0; pass < 2; pass++) {
		for (o = pass ? builtin : u->opts; o->ch != 0; o++) {
			if (o->ch < 256 && n + 3 < sizeof(optstring)) {
				optstring[n++] = (char)o->ch;
				if (o->arg != NULL)
					optstring[n++] = ':';
			}
			if (o->name != NULL && k < OPTS_MAX) {
				longopts[k].name = o->name;
				longopts[k].has_arg = o->arg != NULL ? required_argument : no_argument;
				longopts[k].flag = NULL;
				longopts[k++].val = o->ch;
			}
		}
	}
	optstring[n] = '\0';
	memset(&longopts[k], 0, sizeof(longopts[k]));
	built = u;
}

/* Writes what went to stdout, or says why it could not and exits. */
static void __attribute__((noreturn))
flush_exit(void)
{
	if (fflush(stdout) == EOF || ferror(stdout) || fclose(stdout) == EOF)
		err(CSP_EXIT_SYS, "standard output");
	exit(0);
}

/*
 * getopt_long over u's table, with --help and --version answered here.
 * Returns the option's ch, 1 for an operand when u->order is "-", -1 at the
 * end of the options, '?' for a bad one: csp_usage_exit then names it.
 */
int
csp_getopt(int argc, char *argv[], const csp_usage *u)
{
	int ch;

	if (built != u)
		build(u);
	opterr = 0;  /* its complaints start with argv[0], a path: ours are said our way */
	ch = getopt_long(argc, argv, optstring, longopts, NULL);
	failed = 0;
	args = argv;
	switch (ch) {
	case 'h':
		csp_usage_exit(u, 0);
	case 'V':
		printf("%s %s\n", u->name, CSP_VERSION);
		flush_exit();
	case ':':
	case '?':
		failed = ch;
		return '?';
	}
	return ch;
}

/*
 * The option getopt stopped at, as the user wrote it: -k, or --name without
 * =value. A long one is the argument before optind, and optopt is 0 or its
 * value; else that argument is whatever came before a cluster like -0Q.
 */
static const char *
spelled(char *argv[], char *buf, size_t size)
{
	const char *a = optind > 0 ? argv[optind - 1] : NULL;
	const struct option *lo;
	size_t len;

	if (a != NULL && strncmp(a, "--", 2) == 0 && a[2] != '\0') {
		len = strcspn(a + 2, "=");
		for (lo = longopts; optopt != 0 && lo->name != NULL; lo++)
			if (lo->val == optopt && strncmp(lo->name, a + 2, len) == 0)
				break;
		if (optopt == 0 || lo->name != NULL) {
			snprintf(buf, size, "--%.*s", (int)len, a + 2);
			return buf;
		}
	}
	if (optopt >= 256) {
		for (lo = longopts; lo->name != NULL; lo++)
			if (lo->val == optopt)
				break;
		snprintf(buf, size, "--%s", lo->name != NULL ? lo->name : "?");
		return buf;
	}
	snprintf(buf, size, "-%c", optopt);
	return buf;
}

/* Why getopt refused what it stopped at, in our words. */
static void
complain(const csp_usage *u, char *argv[])
{
	const struct option *lo;
	const csp_opt *o;
	char buf[64];
	const char *what = csp_quote(spelled(argv, buf, sizeof(buf)));
	size_t len;
	int matches = 0;

	if (failed == ':') {
		for (o = u->opts; o->ch != 0 && o->ch != optopt; o++)
			;
		warnx("%s: needs an argument (%s)", what, o->arg != NULL ? o->arg : "a value");
		return;
	}
	if (optopt != 0 && strncmp(buf, "--", 2) == 0) {
		warnx("%s: takes no argument", what);
		return;
	}
	if (optopt == 0 && strncmp(buf, "--", 2) == 0) {
		len = strlen(buf + 2);
		for (lo = longopts; lo->name != NULL; lo++)
			matches += strncmp(lo->name, buf + 2, len) == 0;
		if (matches > 1) {
			warnx("%s: ambiguous option: say more of its name", what);
			return;
		}
	}
	warnx("%s: unrecognized option", what);
}

static void
option_line(FILE *f, const csp_opt *o)
{
	char left[128];
	int n;

	if (o->ch < 256 && o->name != NULL)
		n = snprintf(left, sizeof(left), "  -%c, --%s%s%s", o->ch, o->name,
		    o->arg ? "=" : "", o->arg ? o->arg : "");
	else if (o->ch < 256)
		n = snprintf(left, sizeof(left), "  -%c%s%s", o->ch,
		    o->arg ? " " : "", o->arg ? o->arg : "");
	else
		n = snprintf(left, sizeof(left), "      --%s%s%s", o->name,
		    o->arg ? "=" : "", o->arg ? o->arg : "");
	if (n < HELP_COLUMN - 2)
		fprintf(f, "%-*s%s\n", HELP_COLUMN, left, o->help);
	else
		fprintf(f, "%s  %s\n", left, o->help);
}

/*
 * status 0: the help on standard output (usage lines, what the command
 * does, one line an option), exit 0 if it could be written, else 125.
 * Otherwise what was wrong with the last option, if anything, and the usage
 * lines on standard error; exit status.
 */
void
csp_usage_exit(const csp_usage *u, int status)
{
	FILE *f = status == 0 ? stdout : stderr;
	const csp_opt *o;

	if (status != 0 && failed != 0)
		complain(u, args);
	failed = 0;
	fprintf(f, "usage: %s\n", u->synopsis);
	if (status != 0)
		exit(status);
	if (u->about != NULL)
		fprintf(f, "\n%s\n", u->about);
	fprintf(f, "\noptions:\n");
	for (o = u->opts; o->ch != 0; o++)
		option_line(f, o);
	for (o = builtin; o->ch != 0; o++)
		option_line(f, o);
	flush_exit();
}

/* Is s[0..] a whole UTF-8 sequence of a printable character? Its length, or 0. */
static size_t
utf8_printable(const unsigned char *s)
{
	size_t n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	if (s[0] == 0xc2 && s[1] < 0xa0)
		return 0;  /* C1 controls: a terminal obeys them */
	return n;
}

/*
 * s made safe for a message on a terminal: control characters, stray bytes
 * and backslashes written as C escapes (\n, \033, \\), and cut with "..."
 * after QUOTE_MAX bytes. The result lives until the fourth call after.
 */
const char *
csp_quote(const char *s)
{
	static char bufs[4][QUOTE_MAX * 4 + 8];  /* \ooo a byte, quotes, ..., NUL */
	static int next;
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "(null)");
	char *b = bufs[next++ % 4], *o = b;
	size_t in = 0, k, len = strlen((const char *)p);
	int e = errno, blank = len > 0 && (p[0] == ' ' || p[len - 1] == ' ');

	if (blank)
		*o++ = '\'';  /* ' 5': the blanks seen */
	while (*p != '\0') {
		k = *p >= 0x80 ? utf8_printable(p) : 1;
		if (in + (k ? k : 1) > QUOTE_MAX) {
			memcpy(o, "...", 3);
			o += 3;
			break;
		}
		if (k > 1) {
			memcpy(o, p, k);
			o += k;
			p += k;
			in += k;
			continue;
		}
		if (*p == '\\')
			o += sprintf(o, "\\\\");
		else if (*p == '\n')
			o += sprintf(o, "\\n");
		else if (*p == '\t')
			o += sprintf(o, "\\t");
		else if (*p < 0x20 || *p >= 0x7f)
			o += sprintf(o, "\\%03o", *p);
		else
			*o++ = (char)*p;
		p++;
		in++;
	}
	if (blank)
		*o++ = '\'';
	*o = '\0';
	errno = e;  /* for err(3) after it */
	return b;
}

/*
 * warnx, for a message that must not end the command: with standard error a
 * pipe nobody reads, the SIGPIPE it raises is taken back, not delivered.
 */
void
csp_note(const char *fmt, ...)
{
	sigset_t pipe, old, pending;
	struct timespec zero = { 0, 0 };
	int was, e = errno;
	va_list ap;

	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe, &old);
	sigpending(&pending);
	was = sigismember(&pending, SIGPIPE);
	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	if (!was)
		while (sigtimedwait(&pipe, NULL, &zero) == -1 && errno == EINTR)
			;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = e;
}

/* The command's name without its path, as err(3) and warn(3) print it. */
const char *
csp_progname(void)
{
	return program_invocation_short_name;
}
