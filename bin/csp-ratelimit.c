/* csp-ratelimit: records or bytes through token buckets: no faster than every rate given. */
#include <err.h>
#include <getopt.h>
#include <stdlib.h>

#include "cspipe.h"

static csp_rate *rates;  /* as many as -r and -L were given; reachable until exit */

static const csp_opt opts[] = {
	{ 'r', "rate", "rate", "at most count records a period: 100/s, 5/m, 3/10s, 100/s:20" },
	{ 'L', "bytes", "size", "at most size bytes a period: 1M (a second), 64k/s, 10K/100ms:4K" },
	{ 'b', "burst", "n", "records the buckets hold beyond one (1)" },
	CSP_OPT_NULL_ROW,
	CSP_OPT_DONE_ROW,
	{ 0, NULL, NULL, NULL },
};
static const csp_usage use = {
	"csp-ratelimit", "csp-ratelimit [-0] [-b burst] [--done fd|fifo] -r rate [-r rate ...] [-L size[/period]]\n"
	    "       csp-ratelimit [--done fd|fifo] -L size[/period][:burst] ...",
	"Records (or bytes) through token buckets: no faster than every rate given.",
	"", opts,
};

int
main(int argc, char *argv[])
{
	csp_cmd c;
	long long burst = 1;
	int ch, n = 0, r;

	csp_cmd_init(&c, &use, argc, argv);
	if ((rates = calloc((size_t)argc, sizeof(*rates))) == NULL)
		err(CSP_EXIT_SYS, "setting up");
	while ((ch = csp_cmd_opt(&c, argc, argv)) != -1) {
		switch (ch) {
		case 'b':
			if (csp_parse_count(optarg, 1, 1000000000, &burst) == -1)
				errx(CSP_EXIT_USAGE, "-b: invalid burst: %s", csp_quote(optarg));
			break;
		case 'r':
			if (csp_parse_rate(optarg, &rates[n++]) == -1)
				errx(CSP_EXIT_USAGE, "-r: invalid rate: %s", csp_quote(optarg));
			break;
		case 'L':
			if (csp_parse_byterate(optarg, &rates[n++]) == -1)
				errx(CSP_EXIT_USAGE, "-L: invalid byte rate: %s", csp_quote(optarg));
			break;
		default:
			csp_cmd_usage(&c);
		}
	}
	if (argc > optind)
		errx(CSP_EXIT_USAGE, "unexpected argument: %s", csp_quote(argv[optind]));
	if (n == 0)
		errx(CSP_EXIT_USAGE, "-r: a rate is needed (or -L)");

	csp_cmd_start(&c, CSP_CMD_STDIN | CSP_CMD_RD | CSP_CMD_WR);
	r = csp_ratelimit(&c.in, &c.out, rates, n, burst, &c.done);
	free(rates);
	return csp_cmd_exit(&c, r, 0, NULL);
}
