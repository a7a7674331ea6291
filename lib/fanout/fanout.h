/* fanout/fanout.h: what the fan-out's files share: replacement strings, pipe mode, exit value. */
#ifndef CSP_FANOUT_H
#define CSP_FANOUT_H

#include "core/impl.h"

/* replace.c: a job's arguments expanded into a template, quoted for a shell or not */
typedef struct csp__arg {
	const char *p;
	size_t len;
} csp__arg;
typedef struct csp__repl {
	const csp__arg *args;
	int nargs;
	long long seq;
	int slot;
	int quote;                /* each value as one shell word */
	const char *rec;          /* -I: this string instead of {}, or NULL */
	const csp_fanout_opt *o;  /* CSP_FANOUT_PLUS: parallel's --plus strings too; or NULL */
	long long total;          /* {##}: jobs in all */
	long jobs;                /* {0%}: job slots */
} csp__repl;
size_t csp__replace(char *dst, size_t size, const char *tmpl, const csp__repl *r);
int csp__replace_has(const char *tmpl, const char *rec, int plus);
int csp__script_word(char *const argv[]);
size_t csp__quote(char *dst, size_t size, const char *s, size_t n);
/* --pipe with one job a block (as parallel's), not long-lived workers: -k, -N, --cat */
#define CSP__FANOUT_JOB_A_BLOCK(o) \
	(((o)->flags & (CSP_FANOUT_KEEP | CSP_FANOUT_CAT | CSP_FANOUT_PART | CSP_FANOUT_FILES | \
	                CSP_FANOUT_TAG)) || \
	 (o)->per_job > 0 || csp__cut_custom(o) || (o)->hosts != NULL)
/* cut.c: --pipe's blocks cut at --recend/--recstart or where --group-by's value changes */
int csp__cut_custom(const csp_fanout_opt *o);
int csp__cut_next(csp_rd *r, csp_fanout_opt *o, const char **blk, size_t *len);
/* part.c: --pipepart: the next part of a seekable file, found by reading around its cut */
int csp__part_next(int fd, const csp_fanout_opt *o, off_t *at, size_t *len);
int csp__part_send(int to, int fd, off_t at, size_t len);
/* files.c: --files: a job's output in a new file of its own, its name in name */
int csp__files_write(const csp_fanout_opt *o, const char *p, size_t n, char *name, size_t size);
int csp__write_close(int fd, const char *p, size_t n);  /* all of p to fd, then closed */
/* color.c: --ctag, --color: a job's colour by its number; a line painted as parallel paints it */
size_t csp__color(long long seq, char *buf, size_t size);
int csp__color_put(csp_wr *w, const char *tag, size_t taglen, const char *p, size_t n,
                   const csp_done *done);
/* median.c: --timeout N%: N% of the median runtime of the jobs that succeeded */
struct csp__runtimes;
int64_t csp__timeout_pct(struct csp__runtimes **rt, int64_t ms, double pct);
/* gate.c: --load, --memfree: 1 while no job may start; looked at again this often */
#define CSP__GATED(o) ((o)->max_load > 0 || (o)->memfree > 0)
#define CSP__GATE_MS 250
int csp__gate_shut(const csp_fanout_opt *o);
int csp__fanout_exitval(const csp_fanout_opt *o, long long total, int halt_status);
int csp__halt_hit(const csp_fanout_opt *o, long long total);  /* halt.c: --halt met? */
/* job.c: a job's process, as fanout.c and fanpipe.c both keep it */
typedef struct csp__fanproc {
	csp_fanout_job *pub;       /* its status, signal, times go there */
	csp_proc proc;             /* leads its group (pidfd opened at once); pid -1: not run */
	int reaped, stopping;      /* stopping: SIGTERM sent, SIGKILL at killat or its exit */
	int64_t t0, deadline, killat;
} csp__fanproc;
int csp__fan_chld(struct sigaction *old);
int csp__fan_wait(struct pollfd *pfd, int n, const csp_done *done, int64_t next,
                  csp_wr *out, csp_wr *err);
int csp__fanproc_spawn(csp__fanproc *p, csp_fanout_job *pub, const char *path,
                       char *const argv[], const int fds[3], int64_t timeout_ms);
int csp__fanproc_fd(const csp__fanproc *p);
int64_t csp__fanproc_due(const csp__fanproc *p, int64_t next);
int csp__fanproc_blind(const csp__fanproc *p);
int csp__fanproc_running(const csp__fanproc *p);
int csp__fanproc_reap(csp__fanproc *p);
int64_t csp__fanproc_timeout(csp__fanproc *p, int64_t now, int64_t grace_ms, int64_t next,
                             int *stopped);
int csp__fanproc_stop(csp__fanproc *const *ps, int n, int64_t grace_ms);
void csp__fanproc_free(csp__fanproc *p);
/* fanout.c: one job a record (or block); fanpipe.c: pipe mode's long-lived workers. */
int csp__fanout_pool(csp_rd *in, csp_wr *out, csp_fanout_opt *o, const csp_done *done);
int csp__fanout_workers(csp_rd *in, csp_wr *out, csp_fanout_opt *o, const csp_done *done);

#endif
