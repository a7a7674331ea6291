/*
 * queue: csp_queue from stdin to stdout, for the tests; its books on stderr.
 * usage: queue size records delim|bytes   (records 0: no bound)
 * Prints "in N out N peak N" on stderr; exits 0, or 1 with "errno NAME".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cspipe.h"

int
main(int argc, char *argv[])
{
	csp_queue_opt o;
	int r;

	if (argc != 4)
		return 2;
	csp_queue_init(&o);
	o.size = (size_t)strtoull(argv[1], NULL, 10);
	o.records = strtoll(argv[2], NULL, 10);
	o.delim = strcmp(argv[3], "bytes") == 0 ? CSP_QUEUE_BYTES : argv[3][0];
	r = csp_queue(STDIN_FILENO, STDOUT_FILENO, &o, NULL);
	if (r == -1) {
		fprintf(stderr, "errno %s\n", errno == EINVAL ? "EINVAL" :
		        errno == EPIPE ? "EPIPE" : strerror(errno));
		return 1;
	}
	fprintf(stderr, "in %lld out %lld peak %zu\n", o.in, o.out, o.peak);
	return 0;
}
