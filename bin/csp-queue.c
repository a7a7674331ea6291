/* csp-queue: a bounded buffer between two stages, so a bursty one does not stall the other. */
#include <err.h>
#include <getopt.h>
#include <unistd.h>

#include "cspipe.h"

enum { O_BYTES = 256, O_BAR };
static const csp_opt opts[] = {
	{ 'm', "size", "size", "hold at most this many bytes (16M; K M G powers of 1024, k m g of 1000)" },
	{ 'n', "records", "count", "hold at most this many whole records" },
	CSP_OPT_NULL_ROW,
	{ 'd', "delimiter", "delim", "records end in this character (\\n, \\t, \\0 written out)" },
	{ O_BYTES, "bytes", NULL, "raw bytes, not records: passed on byte for byte" },
	{ O_BAR, "bar", NULL, "show fill level and throughput on standard error" },
	CSP_OPT_DONE_ROW,
	{ 0, NULL, NULL, NULL },
};
static const csp_usage use = {
	"csp-queue", "csp-queue [-m size] [-n records] [-0 | -d delim | --bytes] [--bar]\n"
	"                 [--done fd|fifo]",
	"Hold records between two stages, so a bursty one does not stall the other.",
	"", opts,
};

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
	csp_cmd c;
	csp_queue_opt o;
	unsigned long long size;
	int ch, bytes = 0, delims = 0;

	csp_cmd_init(&c, &use, argc, argv);
	csp_queue_init(&o);
	while ((ch = csp_cmd_opt(&c, argc, argv)) != -1) {
		switch (ch) {
		case 'm':
			/* At most half the address space: the ring is mapped twice. */
			if (csp_parse_size(optarg, 1, 1ULL << 40, &size) == -1)
				errx(CSP_EXIT_USAGE, "-m: invalid size: %s", csp_quote(optarg));
			o.size = (size_t)size;
			break;
		case 'n':
			if (csp_parse_count(optarg, 1, INT64_MAX, &o.records) == -1)
				errx(CSP_EXIT_USAGE, "-n: invalid count: %s", csp_quote(optarg));
			break;
		case 'd':
			if ((c.delim = parse_delim(optarg)) == -1)
				errx(CSP_EXIT_USAGE, "-d: not one character: %s", csp_quote(optarg));
			delims++;
			break;
		case O_BYTES:
			bytes = 1;
			break;
		case O_BAR:
			o.bar_fd = STDERR_FILENO;
			break;
		default:
			csp_cmd_usage(&c);
		}
	}
	if (argc != optind)
		errx(CSP_EXIT_USAGE, "unexpected argument: %s", csp_quote(argv[optind]));
	if (bytes && (delims > 0 || c.delim != '\n'))
		errx(CSP_EXIT_USAGE, "--bytes: no records, so no -0 or -d");
	if (bytes && o.records > 0)
		errx(CSP_EXIT_USAGE, "--bytes: no records to count with -n");
	o.delim = bytes ? CSP_QUEUE_BYTES : c.delim;

	csp_cmd_start(&c, 0);
	return csp_cmd_exit(&c, csp_queue(STDIN_FILENO, STDOUT_FILENO, &o, &c.done), 0, NULL);
}
