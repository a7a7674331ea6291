/* The seed's confinement example: a generator owns its state, hands out a channel. */
#include <err.h>
#include <stdio.h>

#include "cspipe.h"

static void
produce(void *arg)
{
	csp_chan *results = arg;
	int i;

	for (i = 0; i < 5; i++) {
		printf("Sending %d\n", i);
		fflush(stdout);
		if (csp_chan_send(results, &i, NULL) == -1)
			err(1, "send");
	}
	csp_chan_close(results);  /* defer close(results) */
}

static int
generator(csp_chan *results, csp_proc *p)
{
	csp_keep keep;

	if (csp_chan_make(results, sizeof(int), 2) == -1)
		return -1;
	csp_keep_init(&keep);
	csp_keep_send(&keep, results);
	if (csp_go(p, "generator", &keep, produce, results) == -1)
		return -1;
	return csp_chan_close(results);  /* only the goroutine sends now */
}

static void
receiver(csp_chan *results)
{
	int result, ok;

	while (csp_chan_recv(results, &result, &ok, NULL) == 0 && ok) {
		printf("Received %d\n", result);
		fflush(stdout);
	}
	printf("Done!\n");
}

int
main(int argc, char *argv[])
{
	csp_title_init(argc, argv);
	csp_chan results;
	csp_proc p;

	if (generator(&results, &p) == -1)
		err(1, "generator");
	receiver(&results);
	csp_proc_wait(&p, NULL, CSP_FOREVER);
	csp_chan_free(&results);
	return 0;
}
