/* csp-take: pass the first N records, then close the input so upstream stops. */
#include <err.h>
#include <getopt.h>

#include "cspipe.h"

static const csp_opt opts[] = {
	CSP_OPT_NULL_ROW,
	CSP_OPT_DONE_ROW,
	{ 0, NULL, NULL, NULL },
};
static const csp_usage use = {
	"csp-take", "csp-take [-0] [--done fd|fifo] count",
	"Pass the first count records (0 or more), then close the input so upstream stops.",
	"", opts,
};

int
main(int argc, char *argv[])
{
	csp_cmd c;
	long long n;

	csp_cmd_init(&c, &use, argc, argv);
	if (csp_cmd_opt(&c, argc, argv) != -1) {
		if (optopt >= '1' && optopt <= '9')
			errx(CSP_EXIT_USAGE, "-%c: a count is 0 or more, and head's -N is "
			    "not taken: csp-take N passes the first N records", optopt);
		csp_cmd_usage(&c);
	}
	if (argc - optind != 1)
		csp_cmd_usage(&c);
	if (csp_parse_count(argv[optind], 0, INT64_MAX, &n) == -1)
		errx(CSP_EXIT_USAGE, "count: invalid: %s", csp_quote(argv[optind]));

	csp_cmd_start(&c, CSP_CMD_STDIN | CSP_CMD_RD | CSP_CMD_WR);
	return csp_cmd_exit(&c, csp_take(&c.in, &c.out, n, &c.done), 0, NULL);
}
