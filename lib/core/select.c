/*
 * select.c: Go's select on the reactor. Among the ready cases one is chosen
 * uniformly at random, so no case starves. What the channels' shared pages
 * show ready costs no system call; the kernel is asked only when not every
 * case is ready so.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "core/impl.h"

#define SMALL 64

struct sel {
	struct pollfd *pfd;  /* room for CSP_DONE_DEPTH more: the reactor's */
	int *owner;          /* the case each pollfd belongs to */
	int npfd;
};

/* Ready without asking the kernel: a channel's page, a done's cause or deadline. */
static int
ready_now(const csp_case *k)
{
	const csp_done *p;
	int64_t when;

	if (k->op == CSP_SEND || k->op == CSP_RECV)
		return csp__chan_ready(k->ch, k->op);
	if (k->op != CSP_DONE || k->done == NULL)
		return 0;
	for (p = k->done; p != NULL; p = p->parent)
		if (p->cause != 0)
			return 1;  /* cancelled in a process without the write end */
	when = csp_done_when(k->done);
	return when != CSP_FOREVER && csp_now() >= when;
}

static void
watch(struct sel *s, int fd, short ev, int owner)
{
	s->pfd[s->npfd].fd = fd;
	s->pfd[s->npfd].events = ev;
	s->pfd[s->npfd].revents = 0;
	s->owner[s->npfd++] = owner;
}

/*
 * Channel cases wait as senders asleep and receivers announced (armed[i]),
 * then look again: what became ready meanwhile woke nobody. 1 if something
 * did, so the wait only looks.
 */
static int
build(struct sel *s, csp_case *cases, int n, char *armed, int64_t *deadline)
{
	int fds[CSP_DONE_DEPTH], i, j, nd, now = 0;

	s->npfd = 0;
	for (i = 0; i < n; i++) {
		csp_case *k = &cases[i];

		switch (k->op) {
		case CSP_RECV:
		case CSP_SEND:
			watch(s, k->op == CSP_RECV ? k->ch->rfd : k->ch->crfd, POLLIN, i);
			csp__chan_arm(k->ch, k->op);
			armed[i] = 1;
			break;
		case CSP_DONE:
			nd = csp_done_fds(k->done, fds, CSP_DONE_DEPTH);
			for (j = 0; j < nd; j++)
				watch(s, fds[j], POLLIN, i);
			*deadline = csp__min_deadline(*deadline, csp_done_when(k->done));
			break;
		}
	}
	for (i = 0; i < n && !now; i++)
		now = ready_now(&cases[i]);
	return now;
}

/*
 * Stop waiting on every case but keep (-1: all). A rendezvous receive a
 * sender already wrote for must be received: the first such case is returned
 * (keep's wait is then over too); a second leaves its value to the channel.
 */
static int
disarm(csp_case *cases, int n, char *armed, int keep)
{
	int i, taken = -1;

	for (i = 0; i < n; i++)
		if (armed[i] && i != keep) {
			armed[i] = 0;
			if (csp__chan_disarm(cases[i].ch, cases[i].op, taken == -1))
				taken = i;
		}
	if (taken != -1 && keep != -1 && armed[keep]) {
		armed[keep] = 0;
		csp__chan_disarm(cases[keep].ch, cases[keep].op, 0);
	}
	return taken;
}

/* The chosen case's operation. 1 done, 0 lost a race for it (wait again), -1 error. */
static int
perform(csp_case *cases, int i, int armed)
{
	csp_case *k = &cases[i];

	if (k->op == CSP_DONE)
		return 1;
	if (k->op == CSP_RECV)
		return csp__chan_try_recv(k->ch, k->val, &k->len, &k->ok, armed);
	return csp__chan_try_send(k->ch, k->val, k->len, armed);
}

/* Does the chosen case stay armed while it is tried (it reads a wake-up as a sleeper)? */
static int
keeps(const csp_case *k)
{
	return k->op == CSP_SEND || (k->op == CSP_RECV && (k->ch->cap == 0 || k->ch->size > 0));
}

int
csp_select(csp_case *cases, int n, int flags, int64_t deadline)
{
	struct pollfd small_pfd[SMALL + CSP_DONE_DEPTH];
	int small_owner[SMALL], small_ready[SMALL];
	char small_seen[SMALL], *seen = small_seen, small_armed[SMALL], *armed = small_armed;
	struct sel s = { small_pfd, small_owner, 0 };
	int *ready = small_ready, nready, i, r, max, rv = -1, keep, pick;
	int64_t until;

	max = 0;
	for (i = 0; i < n; i++)
		max += cases[i].op == CSP_DONE ? CSP_DONE_DEPTH : 1;
	if (max > SMALL) {
		s.pfd = malloc((max + CSP_DONE_DEPTH) * sizeof(*s.pfd));
		s.owner = malloc(max * sizeof(int));
		ready = malloc(max * sizeof(int));
		seen = malloc(max);
		armed = calloc(max, 1);
		if (s.pfd == NULL || s.owner == NULL || ready == NULL || seen == NULL ||
		    armed == NULL)
			goto out;
	} else {
		memset(small_armed, 0, sizeof(small_armed));
	}
	for (;;) {
		int cached = 0, live = 0;

		/* What is ready from a page counts, but so must what the kernel has ready. */
		nready = 0;
		for (i = 0; i < n; i++) {
			live += cases[i].op != CSP_OFF;
			seen[i] = (char)ready_now(&cases[i]);
			if (seen[i])
				ready[nready++] = i, cached++;
		}
		if (cached == 0 || cached < live) {
			until = deadline;
			if (build(&s, cases, n, armed, &until) || cached || (flags & CSP_DEFAULT))
				until = 0;  /* look, without waiting */
			r = csp__react(s.pfd, s.npfd, NULL, until, 0);
			if (r == -1) {
				disarm(cases, n, armed, -1);
				goto out;
			}
			for (i = 0; i < s.npfd; i++)
				if (s.pfd[i].revents != 0 && !seen[s.owner[i]]) {
					seen[s.owner[i]] = 1;
					ready[nready++] = s.owner[i];
				}
			for (i = 0; i < n; i++)
				if (!seen[i] && ready_now(&cases[i])) {
					seen[i] = 1;
					ready[nready++] = i;
				}
		}
		pick = nready > 0 ? ready[nready == 1 ? 0 : csp__pick(nready)] : -1;
		keep = pick != -1 && keeps(&cases[pick]) ? pick : -1;
		if ((i = disarm(cases, n, armed, keep)) != -1) {
			rv = csp__chan_recv_taken(cases[i].ch, cases[i].val, &cases[i].len,
			    &cases[i].ok) == -1 ? -1 : i;
			goto out;
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
		i = pick;
		r = perform(cases, i, armed[i]);
		/* A sender, or a ring's receiver, stops sleeping; a rendezvous announcement goes with its value. */
		if (armed[i] && (cases[i].op == CSP_SEND || cases[i].ch->cap > 0)) {
			armed[i] = 0;
			csp__chan_disarm(cases[i].ch, cases[i].op, 0);
		}
		armed[i] = armed[i] && r == 0;
		if (r == 1) {
			rv = i;
			goto out;
		}
		if (r == -1)
			goto out;
		if (disarm(cases, n, armed, -1) == i) {
			rv = csp__chan_recv_taken(cases[i].ch, cases[i].val, &cases[i].len,
			    &cases[i].ok) == -1 ? -1 : i;
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
		free(armed);
		errno = saved;
	}
	return rv;
}
