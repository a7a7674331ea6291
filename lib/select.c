/*
 * select.c: Go's select over poll(). Among the ready cases one is chosen
 * uniformly at random, so no case starves.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include "impl.h"

#define SMALL 64

struct sel {
	struct pollfd *pfd;
	int *owner;         /* the case each pollfd belongs to */
	int npfd;
};

/* Ready without asking the kernel: a value read ahead, a slot already held. */
static int
ready_now(const csp_case *k)
{
	if (k->op == CSP_RECV)
		return csp__chan_buffered(k->ch);
	if (k->op == CSP_SEND)
		return k->ch->cap > 0 && k->ch->credits > 0;
	return 0;
}

static void
watch(struct sel *s, int fd, short ev, int owner)
{
	s->pfd[s->npfd].fd = fd;
	s->pfd[s->npfd].events = ev;
	s->pfd[s->npfd].revents = 0;
	s->owner[s->npfd++] = owner;
}

static int64_t
build(struct sel *s, csp_case *cases, int n, int flags, int64_t deadline)
{
	int i, j, nd;

	s->npfd = 0;
	for (i = 0; i < n; i++) {
		csp_case *k = &cases[i];

		switch (k->op) {
		case CSP_RECV:
			watch(s, k->ch->rfd, POLLIN, i);
			break;
		case CSP_SEND:
			if (k->ch->cap > 0)
				watch(s, k->ch->crfd, POLLIN, i);
			else if (!(flags & CSP_DEFAULT))  /* a rendezvous would block */
				watch(s, k->ch->wfd, POLLOUT, i);
			break;
		case CSP_DONE:
			nd = csp__done_poll(k->done, s->pfd + s->npfd, CSP_DONE_DEPTH);
			for (j = 0; j < nd; j++)
				s->owner[s->npfd++] = i;
			deadline = csp__min_deadline(deadline, csp_done_when(k->done));
			break;
		}
	}
	return deadline;
}

static int
done_pending(const csp_case *k)
{
	int64_t when = csp_done_when(k->done);

	return when != CSP_FOREVER && csp_now() >= when;
}

/* The chosen case's operation. 1 done, 0 lost a race for it (poll again), -1 error. */
static int
perform(csp_case *cases, int n, int i, int64_t deadline)
{
	csp_case *k = &cases[i];
	csp_chan *c = k->ch;
	int r, j;

	if (k->op == CSP_DONE)
		return 1;
	if (k->op == CSP_RECV)
		return csp__chan_try_recv(c, k->val, &k->len, &k->ok);
	if (c->cap > 0) {
		if ((r = csp__chan_try_credit(c)) != 1)
			return r;
		c->credits--;
	}
	r = csp__chan_put(c, k->val, k->len, NULL);
	if (r == -1 || c->cap > 0)
		return r == -1 ? -1 : 1;
	/* A rendezvous: the value is out; wait for it to be taken, or for a done case. */
	for (j = 0; j < n; j++)
		if (cases[j].op == CSP_DONE)
			break;
	return csp__chan_ack(c, j < n ? cases[j].done : NULL, deadline) == -1 ? -1 : 1;
}

int
csp_select(csp_case *cases, int n, int flags, int64_t deadline)
{
	struct pollfd small_pfd[SMALL];
	int small_owner[SMALL], small_ready[SMALL];
	char small_seen[SMALL], *seen = small_seen;
	struct sel s = { small_pfd, small_owner, 0 };
	int *ready = small_ready, nready, i, r, max, rv = -1;
	int64_t until;

	max = 0;
	for (i = 0; i < n; i++) {
		max += cases[i].op == CSP_DONE ? CSP_DONE_DEPTH : 1;
		if (cases[i].op == CSP_RECV || cases[i].op == CSP_SEND)
			csp__chan_sync(cases[i].ch);
	}
	if (max > SMALL) {
		s.pfd = malloc(max * sizeof(*s.pfd));
		s.owner = malloc(max * sizeof(int));
		ready = malloc(max * sizeof(int));
		seen = malloc(max);
		if (s.pfd == NULL || s.owner == NULL || ready == NULL || seen == NULL)
			goto out;
	}
	for (;;) {
		int cached = 0, live = 0;

		/* What is ready from a cache counts, but so must what the kernel has ready. */
		nready = 0;
		for (i = 0; i < n; i++) {
			live += cases[i].op != CSP_OFF;
			seen[i] = (char)ready_now(&cases[i]);
			if (seen[i])
				ready[nready++] = i, cached++;
		}
		if (cached == 0 || cached < live) {
			until = build(&s, cases, n, flags, deadline);
			r = csp__poll(s.pfd, s.npfd, (cached || (flags & CSP_DEFAULT)) ? 0 :
			    csp__timeout(until));
			if (r == -1)
				goto out;
			for (i = 0; i < s.npfd; i++)
				if (s.pfd[i].revents != 0 && !seen[s.owner[i]]) {
					seen[s.owner[i]] = 1;
					ready[nready++] = s.owner[i];
				}
			for (i = 0; i < n; i++)
				if (cases[i].op == CSP_DONE && !seen[i] && done_pending(&cases[i])) {
					seen[i] = 1;
					ready[nready++] = i;
				}
		}
		if (nready == 0) {
			if (flags & CSP_DEFAULT) {
				errno = EWOULDBLOCK;
				goto out;
			}
			if (deadline != CSP_FOREVER && csp_now() >= deadline) {
				errno = ETIMEDOUT;
				goto out;
			}
			continue;
		}
		i = ready[nready == 1 ? 0 : csp__pick(nready)];
		r = perform(cases, n, i, deadline);
		if (r == 1) {
			rv = i;
			goto out;
		}
		if (r == -1) {
			if (errno == ECANCELED)
				for (r = 0; r < n; r++)
					if (cases[r].op == CSP_DONE) {
						rv = r;  /* a rendezvous send gave way to done */
						break;
					}
			goto out;
		}
	}
out:
	if (s.pfd != small_pfd) {
		int saved = errno;

		free(s.pfd);
		free(s.owner);
		free(ready);
		free(seen);
		errno = saved;
	}
	return rv;
}
