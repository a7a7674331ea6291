/* csp-take: pass the first N records, then close the input so upstream stops. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cspipe.h"

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: csp-take [-0] [--done fd|fifo] count\n");
	exit(status);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "null", no_argument, NULL, '0' },
		{ "done", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	csp_done ext, done;
	const csp_done *parent = NULL;
	long long n;
	int ch, delim = '\n', r, e;
	csp_rd in;
	csp_wr out;

	while ((ch = getopt_long(argc, argv, "0d:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case '0':
			delim = '\0';
			break;
		case 'd':
			if (csp_done_open(&ext, optarg) == -1)
				err(CSP_EXIT_USAGE, "--done: %s", optarg);
			parent = &ext;
			break;
		case 'h':
			usage(0);
		case 'V':
			printf("csp-take %s\n", CSP_VERSION);
			return 0;
		default:
			usage(CSP_EXIT_USAGE);
		}
	}
	if (argc - optind != 1)
		usage(CSP_EXIT_USAGE);
	if (csp_parse_count(argv[optind], 0, INT64_MAX, &n) == -1)
		errx(CSP_EXIT_USAGE, "count: invalid: %s", argv[optind]);
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
