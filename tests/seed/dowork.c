/*
 * The seed's doWork: a goroutine that ranges over a stream until done.
 * "dowork nil" passes a nil stream (a disabled case), which must not deadlock.
 */
#include <err.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cspipe.h"

struct work {
	csp_done done;
	csp_chan stream, terminated;
	int nil;
};

static void
say(const char *s)
{
	printf("%s\n", s);
	fflush(stdout);
}

static void
do_work(void *arg)
{
	struct work *w = arg;
	char s[CSP_MSG_MAX];
	csp_case cases[2] = {
		{ .op = w->nil ? CSP_OFF : CSP_RECV, .ch = &w->stream, .val = s },
		{ .op = CSP_DONE, .done = &w->done },
	};

	for (;;) {
		int i = csp_select(cases, 2, 0, CSP_FOREVER);

		if (i == -1)
			err(1, "select");
		if (i == 0 && !cases[0].ok) {
			say("Nothing to stream...");
			break;
		}
		if (i == 0) {
			printf("Here: %.*s\n", (int)cases[0].len, s);
			fflush(stdout);
			continue;
		}
		say("Received done signal.");
		break;
	}
	csp_chan_close(&w->terminated);  /* defer close(terminated) */
	say("doWork exited.");
}

static void
cancel_later(void *arg)
{
	struct work *w = arg;

	usleep(1000 * 1000);
	say("Cancelling doWork goroutine...");
	csp_cancel(&w->done);  /* defer close(done) */
}

static void
send_strings(void *arg)
{
	static const char *s[] = { "a", "b", "c", "d", "e", "f", "g", "h" };
	struct work *w = arg;
	size_t i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		if (csp_chan_send_msg(&w->stream, s[i], strlen(s[i]), NULL) == -1)
			return;  /* EPIPE: doWork is gone, nobody will read the rest */
		usleep(200 * 1000);
	}
	csp_chan_close(&w->stream);
}

int
main(int argc, char *argv[])
{
	csp_title_init(argc, argv);
	static struct work w;
	csp_proc worker, canceller, sender;
	csp_keep k;
	char b;
	int ok;

	w.nil = argc > 1 && strcmp(argv[1], "nil") == 0;
	if (csp_done_make(&w.done, NULL) == -1 ||
	    csp_chan_make(&w.stream, 0, 0) == -1 ||
	    csp_chan_make(&w.terminated, 1, 0) == -1)
		err(1, "make");

	csp_keep_init(&k);
	csp_keep_done(&k, &w.done);
	csp_keep_recv(&k, &w.stream);
	csp_keep_send(&k, &w.terminated);
	if (csp_go(&worker, "doWork", &k, do_work, &w) == -1)
		err(1, "go");
	csp_chan_close(&w.terminated);

	csp_keep_init(&k);
	csp_keep_cancel(&k, &w.done);
	if (csp_go(&canceller, "canceller", &k, cancel_later, &w) == -1)
		err(1, "go");
	csp_done_release(&w.done);

	csp_keep_init(&k);
	csp_keep_send(&k, &w.stream);
	if (csp_go(&sender, "stream", &k, send_strings, &w) == -1)
		err(1, "go");
	csp_chan_close(&w.stream);
	csp_chan_close_recv(&w.stream);

	csp_chan_recv(&w.terminated, &b, &ok, NULL);  /* <-terminated */
	say("Done!");
	csp_reap_all(NULL, CSP_FOREVER);
	return 0;
}
