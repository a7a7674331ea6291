/* keep.c: the fds a goroutine process is handed; it closes every other one. */
#include <errno.h>
#include <string.h>

#include "core/impl.h"

void
csp_keep_init(csp_keep *k)
{
	memset(k, 0, sizeof(*k));
}

int
csp_keep_fd(csp_keep *k, int fd)
{
	if (fd < 0)
		return 0;
	if (k->n >= CSP_KEEP_MAX) {
		errno = ENOSPC;
		return -1;
	}
	k->fd[k->n++] = fd;
	return 0;
}

static int
keep_chan(csp_keep *k, csp_chan *c, int role, int a, int b)
{
	int i;

	for (i = 0; i < k->nchan && k->chan[i].ch != c; i++)
		;
	if (i == CSP_KEEP_MAX / 2) {
		errno = ENOSPC;
		return -1;
	}
	if (csp_keep_fd(k, a) == -1 || csp_keep_fd(k, b) == -1)
		return -1;
	if (i == k->nchan) {
		k->chan[i].ch = c;
		k->chan[i].roles = 0;
		k->nchan++;
	}
	k->chan[i].roles |= role;
	return 0;
}

int
csp_keep_send(csp_keep *k, csp_chan *c)
{
	return keep_chan(k, c, CSP_SEND, c->wfd, c->crfd);
}

int
csp_keep_recv(csp_keep *k, csp_chan *c)
{
	return keep_chan(k, c, CSP_RECV, c->rfd, c->cwfd);
}

static int
keep_done(csp_keep *k, csp_done *d, int role)
{
	int i;

	for (i = 0; i < k->ndone && k->done[i].d != d; i++)
		;
	if (i == CSP_KEEP_MAX / 4) {
		errno = ENOSPC;
		return -1;
	}
	if (i == k->ndone) {
		k->done[i].d = d;
		k->done[i].roles = 0;
		k->ndone++;
	}
	k->done[i].roles |= role;
	return 0;
}

/* Only the read ends: a child must never hold a write end it could keep open. */
int
csp_keep_done(csp_keep *k, csp_done *d)
{
	const csp_done *p;

	for (p = d; p != NULL; p = p->parent)
		if (csp_keep_fd(k, p->rfd) == -1)
			return -1;
	return keep_done(k, d, CSP_RECV);
}

/* The power to cancel: the write end, for a child that is to close it (Go's defer close(done)). */
int
csp_keep_cancel(csp_keep *k, csp_done *d)
{
	if (csp_keep_fd(k, d->wfd) == -1)
		return -1;
	return keep_done(k, d, CSP_SEND);
}
