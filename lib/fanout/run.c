/* run.c: the fan-out's two entries, and which machine each input takes. */
#include "fanout/fanout.h"

/*
 * Run o->argv once for every record of in (or of o->args), at most o->jobs
 * at once, each in a process group of its own; their output to out (and
 * o->err). 0 once every job has ended (o->exitval says how the run went);
 * -1 with errno: ECANCELED (done fired), EPIPE (out's reader went away),
 * or the failed call's. Every job is stopped and reaped before it returns.
 */
int
csp_fanout(csp_rd *in, csp_wr *out, csp_fanout_opt *o, const csp_done *done)
{
	if ((o->flags & CSP_FANOUT_PIPE) && !CSP__FANOUT_JOB_A_BLOCK(o))
		return csp__fanout_workers(in, out, o, done);
	return csp__fanout_pool(in, out, o, done);
}

/*
 * Streaming fan-out: o->jobs workers (0: one per CPU) each run o->argv for
 * the whole input, {#} and {%} being the worker's number; in is cut into
 * blocks of whole records of about o->block bytes, each to a worker with
 * room for it; the workers' outputs go to out as whole records. With
 * CSP_FANOUT_KEEP, one job per block instead, outputs in block order (see
 * csp_fanout). Returns as csp_fanout does.
 */
int
csp_fanout_pipe(csp_rd *in, csp_wr *out, csp_fanout_opt *o, const csp_done *done)
{
	if (CSP__FANOUT_JOB_A_BLOCK(o))
		return csp__fanout_pool(in, out, o, done);
	return csp__fanout_workers(in, out, o, done);
}
