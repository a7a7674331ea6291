/* csp-take: pass the first N records, then close the input so upstream stops. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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
	csp_title_init(argc, argv);
	csp_done ext, done;
	const csp_done *parent = NULL;
	long long n;
	int ch, delim = '\n', r, e;
	csp_rd in;
	csp_wr out;

	while ((ch = csp_getopt(argc, argv, &use)) != -1) {
		switch (ch) {
		case '0':
			delim = '\0';
			break;
		case CSP_OPT_DONE:
			if (csp_done_open(&ext, optarg) == -1)
				err(CSP_EXIT_USAGE, "--done: %s", csp_quote(optarg));
			parent = &ext;
			break;
		default:
			if (optopt >= '1' && optopt <= '9')
				errx(CSP_EXIT_USAGE, "-%c: a count is 0 or more, and head's -N is "
				    "not taken: csp-take N passes the first N records", optopt);
			csp_usage_exit(&use, CSP_EXIT_USAGE);
		}
	}
	if (argc - optind != 1)
		csp_usage_exit(&use, CSP_EXIT_USAGE);
	if (csp_parse_count(argv[optind], 0, INT64_MAX, &n) == -1)
		errx(CSP_EXIT_USAGE, "count: invalid: %s", csp_quote(argv[optind]));
	if (parent == &ext && ext.rfd == STDIN_FILENO)
		errx(CSP_EXIT_USAGE, "--done: 0 is where the input comes from, not a done");

	if (csp_done_make(&done, parent) == -1 || csp_cancel_on_signals(&done) == -1 ||
	    csp_rd_init(&in, STDIN_FILENO, delim) == -1 || csp_wr_init(&out, STDOUT_FILENO) == -1)
		err(CSP_EXIT_SYS, "setting up");
	r = csp_take(&in, &out, n, &done);
	e = errno;
	close(STDIN_FILENO);  /* upstream gets EPIPE and stops */
	csp_rd_free(&in);  /* freed, or the sanitizer's leak check fails every test */
	csp_wr_free(&out);
	errno = e;
	if (csp_clean_exit(r) != -1)
		return csp_clean_exit(r);  /* a signal, --done, or our reader went away */
	if (r == -1)
		err(CSP_EXIT_SYS, "take");
	return 0;
}
