/*
 * The concurrent prime sieve: a chain of one process per prime, each passing
 * on what its prime does not divide. "sieve N" prints the first N primes.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <bsd/stdlib.h>

#include "cspipe.h"

#define MAXN 1000

static csp_done done;
static csp_chan ch[MAXN + 1];
static long prime;  /* set before each fork: the filter's own copy */

static void
generate(void *arg)
{
	csp_chan *out = arg;
	long i;

	for (i = 2;; i++)
		if (csp_chan_send(out, &i, &done) == -1)
			return;  /* ECANCELED: the sieve is done */
}

static void
filter(void *arg)
{
	csp_chan *in = arg, *out = in + 1;
	long i;
	int ok;

	for (;;) {
		if (csp_chan_recv(in, &i, &ok, &done) == -1 || !ok)
			return;
		if (i % prime != 0 && csp_chan_send(out, &i, &done) == -1)
			return;
	}
}

static csp_keep *
keep(csp_chan *in, csp_chan *out)
{
	static csp_keep k;

	csp_keep_init(&k);
	csp_keep_done(&k, &done);
	if (in != NULL)
		csp_keep_recv(&k, in);
	csp_keep_send(&k, out);
	return &k;
}

int
main(int argc, char *argv[])
{
	csp_title_init(argc, argv);
	const char *errstr;
	csp_proc p;
	int i, ok, nprime;

	nprime = argc > 1 ? (int)strtonum(argv[1], 1, MAXN, &errstr) : 100;
	if (argc > 1 && errstr != NULL)
		errx(2, "count %s: %s", argv[1], errstr);
	if (csp_done_make(&done, NULL) == -1 || csp_chan_make(&ch[0], sizeof(long), 0) == -1)
		err(1, "make");
	if (csp_go(&p, "generate", keep(NULL, &ch[0]), generate, &ch[0]) == -1)
		err(1, "go");
	csp_chan_close(&ch[0]);
	for (i = 0; i < nprime; i++) {
		if (csp_chan_recv(&ch[i], &prime, &ok, NULL) == -1 || !ok)
			err(1, "recv");
		printf("%ld\n", prime);
		if (i == nprime - 1)
			break;
		/* The prime just read heads a new filter; we read what it lets through. */
		if (csp_chan_make(&ch[i + 1], sizeof(long), 0) == -1)
			err(1, "make");
		if (csp_go(&p, "filter", keep(&ch[i], &ch[i + 1]), filter, &ch[i]) == -1)
			err(1, "go");
		csp_chan_close_recv(&ch[i]);
		csp_chan_close(&ch[i + 1]);
	}
	fflush(stdout);
	if (getenv("SIEVE_COUNT") != NULL)
		fprintf(stderr, "sieve: %zd goroutines\n", csp_descendants(getpid(), NULL, 0));
	csp_cancel(&done);
	csp_reap_all(NULL, CSP_FOREVER);
	return 0;
}
