/* csp-queue: a bounded buffer between two stages, so a bursty one does not stall the other. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cspipe.h"

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: csp-queue [-m size] [-n records] [-0 | -d delim | --bytes] [--bar]\n"
	    "                 [--done fd|fifo]\n");
	exit(status);
}

/* One character, or \n \t \0 \\ written out. */
static int
parse_delim(const char *s)
{
	if (s[0] != '\0' && s[1] == '\0')
		return (unsigned char)s[0];
	if (s[0] == '\\' && s[1] != '\0' && s[2] == '\0') {
		switch (s[1]) {
		case 'n':
			return '\n';
		case 't':
			return '\t';
		case '0':
			return '\0';
		case '\\':
			return '\\';
		}
	}
	return -1;
}

int
main(int argc, char *argv[])
{
	enum { O_BYTES = 256, O_BAR, O_DONE };
	static const struct option longopts[] = {
		{ "size", required_argument, NULL, 'm' },
		{ "records", required_argument, NULL, 'n' },
		{ "null", no_argument, NULL, '0' },
		{ "delimiter", required_argument, NULL, 'd' },
		{ "bytes", no_argument, NULL, O_BYTES },
		{ "bar", no_argument, NULL, O_BAR },
		{ "done", required_argument, NULL, O_DONE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	csp_done ext, done;
	const csp_done *parent = NULL;
	csp_queue_opt o;
	unsigned long long size;
	int ch, r, bytes = 0, delims = 0;

	csp_queue_init(&o);
	while ((ch = getopt_long(argc, argv, "m:n:0d:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'm':
			/* At most half the address space: the ring is mapped twice. */
			if (csp_parse_size(optarg, 1, 1ULL << 40, &size) == -1)
				errx(CSP_EXIT_USAGE, "-m: invalid size: %s", optarg);
			o.size = (size_t)size;
			break;
		case 'n':
			if (csp_parse_count(optarg, 1, INT64_MAX, &o.records) == -1)
				errx(CSP_EXIT_USAGE, "-n: invalid count: %s", optarg);
			break;
		case '0':
			o.delim = '\0';
			delims++;
			break;
		case 'd':
			if ((o.delim = parse_delim(optarg)) == -1)
				errx(CSP_EXIT_USAGE, "-d: not one character: %s", optarg);
			delims++;
			break;
		case O_BYTES:
			bytes = 1;
			break;
		case O_BAR:
			o.bar_fd = STDERR_FILENO;
			break;
		case O_DONE:
			if (csp_done_open(&ext, optarg) == -1)
				err(CSP_EXIT_USAGE, "--done: %s", optarg);
			parent = &ext;
			break;
		case 'h':
			usage(0);
		case 'V':
			printf("csp-queue %s\n", CSP_VERSION);
			return 0;
		default:
			usage(CSP_EXIT_USAGE);
		}
	}
	if (argc != optind)
		errx(CSP_EXIT_USAGE, "unexpected argument: %s", argv[optind]);
	if (bytes && delims > 0)
		errx(CSP_EXIT_USAGE, "--bytes: no records, so no -0 or -d");
	if (bytes && o.records > 0)
		errx(CSP_EXIT_USAGE, "--bytes: no records to count with -n");
	if (bytes)
		o.delim = CSP_QUEUE_BYTES;

	if (csp_done_make(&done, parent) == -1 || csp_cancel_on_signals(&done) == -1)
		err(CSP_EXIT_SYS, "setting up");
	r = csp_queue(STDIN_FILENO, STDOUT_FILENO, &o, &done);
	if (csp_clean_exit(r) != -1)
		return csp_clean_exit(r);  /* a signal, --done, or our reader went away */
	if (r == -1)
		err(CSP_EXIT_SYS, "queue");
	return 0;
}
