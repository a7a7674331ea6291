/* The seed's genRandomIntStream: a writer blocked on send still stops on done. */
#include <err.h>
#include <inttypes.h>
#include <stdio.h>
#include <bsd/stdlib.h>

#include "cspipe.h"

struct gen {
	csp_done done;
	csp_chan stream;
};

static void
gen_random(void *arg)
{
	struct gen *g = arg;
	int64_t v;
	csp_case cases[2] = {
		{ .op = CSP_SEND, .ch = &g->stream, .val = &v },
		{ .op = CSP_DONE, .done = &g->done },
	};

	for (;;) {
		/* Go's rand.Int(): a non-negative 63-bit integer. */
		v = (int64_t)((((uint64_t)arc4random() << 32) | arc4random()) >> 1);
		if (csp_select(cases, 2, 0, CSP_FOREVER) != 0)
			break;
	}
	printf("genRandomIntStream exited.\n");  /* the deferred print */
	csp_chan_close(&g->stream);
}

int
main(int argc, char *argv[])
{
	csp_title_init(argc, argv);
	static struct gen g;
	csp_proc p;
	csp_keep k;
	int64_t v;
	int i, ok;

	if (csp_done_make(&g.done, NULL) == -1 ||
	    csp_chan_make(&g.stream, sizeof(int64_t), 0) == -1)
		err(1, "make");
	csp_keep_init(&k);
	csp_keep_done(&k, &g.done);
	csp_keep_send(&k, &g.stream);
	if (csp_go(&p, "genRandomIntStream", &k, gen_random, &g) == -1)
		err(1, "go");
	csp_chan_close(&g.stream);

	printf("3 random ints:\n");
	for (i = 0; i < 3; i++) {
		if (csp_chan_recv(&g.stream, &v, &ok, NULL) == -1 || !ok)
			errx(1, "stream ended early");
		printf("%d: %" PRId64 "\n", i + 1, v);
	}
	fflush(stdout);
	csp_cancel(&g.done);  /* close(done) */
	csp_proc_wait(&p, NULL, CSP_FOREVER);  /* instead of Go's sleep: wait for it */
	return 0;
}
