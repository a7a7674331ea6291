/* csp-rand: random integers, one a record: the seed's random-integer stream. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cspipe.h"

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: csp-rand [-0] [-n count] [-r lo:hi] [--done fd|fifo]\n");
	exit(status);
}

/* "LO:HI", each a decimal integer, possibly negative, LO no more than HI. */
static void
parse_range(const char *s, int64_t *lo, int64_t *hi)
{
	const char *colon = strchr(s, ':');
	long long a, b;
	char *first;

	if (colon == NULL)
		errx(CSP_EXIT_USAGE, "-r: not LO:HI: %s", s);
	if ((first = strndup(s, (size_t)(colon - s))) == NULL)
		err(CSP_EXIT_SYS, "-r");
	if (csp_parse_count(first, INT64_MIN, INT64_MAX, &a) == -1 ||
	    csp_parse_count(colon + 1, INT64_MIN, INT64_MAX, &b) == -1)
		errx(CSP_EXIT_USAGE, "-r: invalid range: %s", s);
	free(first);
	if (a > b)
		errx(CSP_EXIT_USAGE, "-r: LO is greater than HI: %s", s);
	*lo = a;
	*hi = b;
}

int
main(int argc, char *argv[])
{
	csp_title_init(argc, argv);
	static const struct option longopts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "range", required_argument, NULL, 'r' },
		{ "null", no_argument, NULL, '0' },
		{ "done", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	csp_done ext, done;
	const csp_done *parent = NULL;
	long long n = -1;
	int64_t lo = 0, hi = INT64_MAX;  /* Go's rand.Int(): non-negative, 63 bits */
	int ch, delim = '\n', r, e;
	csp_wr out;

	while ((ch = getopt_long(argc, argv, "0d:n:r:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case '0':
			delim = '\0';
			break;
		case 'd':
			if (csp_done_open(&ext, optarg) == -1)
				err(CSP_EXIT_USAGE, "--done: %s", optarg);
			parent = &ext;
			break;
		case 'n':
			if (csp_parse_count(optarg, 0, INT64_MAX, &n) == -1)
				errx(CSP_EXIT_USAGE, "-n: invalid count: %s", optarg);
			break;
		case 'r':
			parse_range(optarg, &lo, &hi);
			break;
		case 'h':
			usage(0);
		case 'V':
			printf("csp-rand %s\n", CSP_VERSION);
			return 0;
		default:
			usage(CSP_EXIT_USAGE);
		}
	}
	if (optind < argc)
		usage(CSP_EXIT_USAGE);

	if (csp_done_make(&done, parent) == -1 || csp_cancel_on_signals(&done) == -1 ||
	    csp_wr_init(&out, STDOUT_FILENO) == -1)
		err(CSP_EXIT_SYS, "setting up");
	r = csp_rand(&out, n, lo, hi, delim, &done);
	e = errno;
	csp_wr_free(&out);
	csp_done_free(&done);
	errno = e;
	if (csp_clean_exit(r) != -1)
		return csp_clean_exit(r);  /* a signal, --done, or our reader went away */
	if (r == -1)
		err(CSP_EXIT_SYS, "writing");
	return 0;
}
