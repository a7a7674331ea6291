/*
 * chan.c: the channel's message framing. The input is cut into messages
 * (a length byte pair, then that many bytes); they go through one
 * buffered channel in this process, a few at a time, and each comes
 * out as it went in. A message too long is refused with EMSGSIZE; a
 * buffer too small for the next message is refused without losing it.
 */
#include <errno.h>

#include "fuzz.h"

#define CAP 4

/* Receive the n messages sent, each first into a buffer one byte short. */
static void
drain(csp_chan *c, const uint8_t **msg, const size_t *len, int n)
{
	static char got[CSP_MSG_MAX + 1];
	ssize_t r;
	int i, ok;

	for (i = 0; i < n; i++) {
		if (len[i] > 0) {
			errno = 0;
			r = csp_chan_recv_msg(c, got, len[i] - 1, &ok, NULL);
			CHECK(r == -1 && errno == EMSGSIZE);
		}
		memset(got, 0xa5, sizeof(got));
		r = csp_chan_recv_msg(c, got, CSP_MSG_MAX, &ok, NULL);
		CHECK(r == (ssize_t)len[i] && ok == 1);
		CHECK(memcmp(got, msg[i], len[i]) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char got[CSP_MSG_MAX + 1];
	const uint8_t *msg[CAP];
	size_t len[CAP], want, off = 0;
	int nb = 0, ok;
	csp_chan c;

	CHECK(csp_chan_make(&c, 0, CAP) == 0);
	while (off + 2 <= size) {
		want = (size_t)data[off] | (size_t)data[off + 1] << 8;
		off += 2;
		if (want > CSP_MSG_MAX) {
			errno = 0;
			CHECK(csp_chan_send_msg(&c, data, want, NULL) == -1 && errno == EMSGSIZE);
			continue;
		}
		if (want > size - off)
			want = size - off;
		CHECK(csp_chan_send_msg(&c, data + off, want, NULL) == 0);
		msg[nb] = data + off;
		len[nb++] = want;
		off += want;
		if (nb < CAP && off + 2 <= size)
			continue;
		drain(&c, msg, len, nb);
		nb = 0;
	}
	drain(&c, msg, len, nb);
	/* Closed and drained: ok = 0, at once. */
	CHECK(csp_chan_close(&c) == 0);
	CHECK(csp_chan_recv_msg(&c, got, CSP_MSG_MAX, &ok, NULL) == 0 && ok == 0);
	csp_chan_free(&c);
	return 0;
}
