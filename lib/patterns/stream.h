/* patterns/stream.h: what the patterns that copy many streams into one output share. */
#ifndef CSP_STREAM_H
#define CSP_STREAM_H

#include "core/impl.h"

int csp__stream_wait(struct pollfd *pfd, int n, csp_wr *out, const csp_done *done,
                     int64_t deadline);
int csp__stream_read(csp_src *s, const csp_done *done);
int csp__stream_report(const csp_src *s, csp_wr *out, csp_src_fn *failed, void *arg,
                       const csp_done *done);

#endif
