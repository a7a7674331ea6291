/* csp-ratelimit: records or bytes through token buckets: no faster than every rate given. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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
	csp_title_init(argc, argv);
	csp_done ext, done;
	const csp_done *parent = NULL;
	long long burst = 1;
	int ch, delim = '\n', n = 0, r, status = 0;
	csp_rd in;
	csp_wr out;

	if ((rates = calloc((size_t)argc, sizeof(*rates))) == NULL)
		err(CSP_EXIT_SYS, "setting up");
	while ((ch = csp_getopt(argc, argv, &use)) != -1) {
		switch (ch) {
		case '0':
			delim = '\0';
			break;
		case 'b':
			if (csp_parse_count(optarg, 1, 1000000000, &burst) == -1)
				errx(CSP_EXIT_USAGE, "-b: invalid burst: %s", csp_quote(optarg));
			break;
		case CSP_OPT_DONE:
			if (csp_done_open(&ext, optarg) == -1)
				err(CSP_EXIT_USAGE, "--done: %s", csp_quote(optarg));
			parent = &ext;
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
			csp_usage_exit(&use, CSP_EXIT_USAGE);
		}
	}
	if (argc > optind)
		errx(CSP_EXIT_USAGE, "unexpected argument: %s", csp_quote(argv[optind]));
	if (n == 0)
		errx(CSP_EXIT_USAGE, "-r: a rate is needed (or -L)");
	if (parent == &ext && ext.rfd == STDIN_FILENO)
		errx(CSP_EXIT_USAGE, "--done: 0 is where the input comes from, not a done");

	if (csp_done_make(&done, parent) == -1 || csp_cancel_on_signals(&done) == -1 ||
	    csp_rd_init(&in, STDIN_FILENO, delim) == -1 || csp_wr_init(&out, STDOUT_FILENO) == -1)
		err(CSP_EXIT_SYS, "setting up");
	r = csp_ratelimit(&in, &out, rates, n, burst, &done);
	close(STDIN_FILENO);  /* upstream gets EPIPE and stops */
	if (csp_signalled()) {
		csp_reraise(csp_signalled());  /* so a shell loop stops on Ctrl-C */
	} else if (r == -1 && errno != ECANCELED && errno != EPIPE) {
		/* ECANCELED: --done, a clean stop; EPIPE: our reader went away, stop quietly */
		warn("ratelimit");
		status = CSP_EXIT_SYS;
	}
	csp_rd_free(&in);
	csp_wr_free(&out);
	csp_done_free(&done);
	free(rates);
	return status;
}
