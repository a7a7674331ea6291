/*
 * stream.c: the machinery of merge, bridge and tee, which copy many streams
 * into one output: their wait, a source's read, a source's failure, their end.
 */
#include <errno.h>

#include "patterns/stream.h"

#define REAP_EVERY_MS 1000  /* a subreaper's adopted orphans are reaped this often */

/*
 * The reactor on pfd[0..n), as a copying loop needs it: what is ready now;
 * if nothing is and deadline is not CSP_NOW, what out holds goes out before
 * the wait, so nobody downstream waits on our buffer. A subreaper
 * (csp_subreaper) reaps on the way the orphans it adopted, so none piles up.
 */
int
csp__stream_wait(struct pollfd *pfd, int n, csp_wr *out, const csp_done *done,
                 int64_t deadline, struct csp__orphans *o)
{
	int r;

	if (csp__reaper != 0 && csp_now() >= o->at) {
		csp__reap_orphans(o->mine, o->n);
		o->at = csp_after(REAP_EVERY_MS);
	}
	if (csp__reaper != 0)
		deadline = csp__min_deadline(deadline, o->at);
	r = out->len > 0 || deadline == CSP_NOW ? csp__react(pfd, n, done, CSP_NOW, 0) : 0;
	if (r == 0 && deadline != CSP_NOW && (r = csp_wr_flush(out, done)) == 0)
		r = csp__react(pfd, n, done, deadline, 0);
	return r;
}

/* Read more of s: a read error ends s alone (kept in s->err); only cancellation is -1. */
int
csp__stream_read(csp_src *s, const csp_done *done)
{
	if (csp_rd_fill(&s->rd, done) == -1) {
		if (errno == ECANCELED)
			return -1;
		s->err = errno;
		s->rd.eof = 1;
	}
	return 0;
}

/*
 * s has ended: 1 if it failed, passed to failed once what came before it
 * went out (the report follows its output); 0 if not; -1 with errno.
 */
int
csp__stream_report(const csp_src *s, csp_wr *out, csp_src_fn *failed, void *arg,
                   const csp_done *done)
{
	if (!csp_src_failed(s))
		return 0;
	if (failed != NULL && csp_wr_flush(out, done) == -1)
		return -1;
	if (failed != NULL)
		failed(s, arg);
	return 1;
}

/*
 * The end of a copying loop over s[0..n): what out holds goes out and nfailed
 * is returned; after a failure (nfailed -1) or if the flush fails, every
 * source is stopped, all at once (one grace period for them all), and -1 with
 * errno as it was.
 */
int
csp__stream_end(csp_src *s, int n, csp_wr *out, int nfailed, const csp_done *done)
{
	if (nfailed != -1 && csp_wr_flush(out, done) == 0)
		return nfailed;
	csp_src_stop(s, n);  /* keeps errno */
	return -1;
}
