/* csp-rand: random integers, one a record: the seed's random-integer stream. */
#include <err.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cspipe.h"

static const csp_opt opts[] = {
	CSP_OPT_NULL_ROW,
	{ 'n', "count", "count", "this many numbers, then stop (no limit)" },
	{ 'r', "range", "lo:hi", "numbers from lo to hi, both included (0:2^63-1)" },
	CSP_OPT_DONE_ROW,
	{ 0, NULL, NULL, NULL },
};
static const csp_usage use = {
	"csp-rand", "csp-rand [-0] [-n count] [-r lo:hi] [--done fd|fifo]",
	"Random integers, one a record.",
	"", opts,
};

/* "LO:HI", each a decimal integer, possibly negative, LO no more than HI. */
static void
parse_range(const char *s, int64_t *lo, int64_t *hi)
{
	const char *colon = strchr(s, ':');
	long long a, b;
	char *first;

	if (colon == NULL)
		errx(CSP_EXIT_USAGE, "-r: not LO:HI: %s", csp_quote(s));
	if ((first = strndup(s, (size_t)(colon - s))) == NULL)
		err(CSP_EXIT_SYS, "-r");
	if (csp_parse_count(first, INT64_MIN, INT64_MAX, &a) == -1 ||
	    csp_parse_count(colon + 1, INT64_MIN, INT64_MAX, &b) == -1)
		errx(CSP_EXIT_USAGE, "-r: invalid range: %s", csp_quote(s));
	free(first);
	if (a > b)
		errx(CSP_EXIT_USAGE, "-r: LO is greater than HI: %s", csp_quote(s));
	*lo = a;
	*hi = b;
}

int
main(int argc, char *argv[])
{
	csp_cmd c;
	long long n = -1;
	int64_t lo = 0, hi = INT64_MAX;  /* Go's rand.Int(): non-negative, 63 bits */
	int ch;

	csp_cmd_init(&c, &use, argc, argv);
	while ((ch = csp_cmd_opt(&c, argc, argv)) != -1) {
		switch (ch) {
		case 'n':
			if (csp_parse_count(optarg, 0, INT64_MAX, &n) == -1)
				errx(CSP_EXIT_USAGE, "-n: invalid count: %s", csp_quote(optarg));
			break;
		case 'r':
			parse_range(optarg, &lo, &hi);
			break;
		default:
			csp_cmd_usage(&c);
		}
	}
	if (optind < argc)
		csp_cmd_usage(&c);

	csp_cmd_start(&c, CSP_CMD_WR);
	return csp_cmd_exit(&c, csp_rand(&c.out, n, lo, hi, c.delim, &c.done), 0, NULL);
}
