/* patterns/stream.h: what the patterns that copy many streams into one output share. */
#ifndef CSP_STREAM_H
#define CSP_STREAM_H

#include "core/impl.h"

/* What a subreaper adopted while a loop runs, reaped once a second; mine[0..n) are the loop's own. */
struct csp__orphans {
	pid_t *mine;
	int n;
	int64_t at;  /* the next reaping */
};

int csp__stream_wait(struct pollfd *pfd, int n, csp_wr *out, const csp_done *done,
                     int64_t deadline, struct csp__orphans *o);
int csp__stream_read(csp_src *s, const csp_done *done);
int csp__stream_report(const csp_src *s, csp_wr *out, csp_src_fn *failed, void *arg,
                       const csp_done *done);
int csp__stream_end(csp_src *s, int n, csp_wr *out, int nfailed, const csp_done *done);

#endif
