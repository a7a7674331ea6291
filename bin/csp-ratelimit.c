/* csp-ratelimit: records through token buckets: no faster than every rate given. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cspipe.h"

static csp_rate *rates;  /* as many as -r was given; reachable until exit */

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: csp-ratelimit [-0] [-b burst] [--done fd|fifo] -r rate [-r rate ...]\n");
	exit(status);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "rate", required_argument, NULL, 'r' },
		{ "burst", required_argument, NULL, 'b' },
		{ "null", no_argument, NULL, '0' },
		{ "done", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	csp_done ext, done;
	const csp_done *parent = NULL;
	long long burst = 1;
	int ch, delim = '\n', n = 0, r, status = 0;
	csp_rd in;
	csp_wr out;

	if ((rates = calloc((size_t)argc, sizeof(*rates))) == NULL)
		err(CSP_EXIT_SYS, "setting up");
	while ((ch = getopt_long(argc, argv, "0b:d:hr:V", longopts, NULL)) != -1) {
		switch (ch) {
		case '0':
			delim = '\0';
			break;
		case 'b':
			if (csp_parse_count(optarg, 1, 1000000000, &burst) == -1)
				errx(CSP_EXIT_USAGE, "-b: invalid burst: %s", optarg);
			break;
		case 'd':
			if (csp_done_open(&ext, optarg) == -1)
				err(CSP_EXIT_USAGE, "--done: %s", optarg);
			parent = &ext;
			break;
		case 'r':
			if (csp_parse_rate(optarg, &rates[n++]) == -1)
				errx(CSP_EXIT_USAGE, "-r: invalid rate: %s", optarg);
			break;
		case 'h':
			usage(0);
		case 'V':
			printf("csp-ratelimit %s\n", CSP_VERSION);
			return 0;
		default:
			usage(CSP_EXIT_USAGE);
		}
	}
	if (argc > optind)
		errx(CSP_EXIT_USAGE, "unexpected argument: %s", argv[optind]);
	if (n == 0)
		errx(CSP_EXIT_USAGE, "-r: a rate is needed");
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
