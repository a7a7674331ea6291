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
} csp__repl;
size_t csp__replace(char *dst, size_t size, const char *tmpl, const csp__repl *r);
int csp__replace_has(const char *tmpl, const char *rec);
int csp__script_word(char *const argv[]);
size_t csp__quote(char *dst, size_t size, const char *s, size_t n);
/* --pipe with one job a block (as parallel's), not long-lived workers: -k, -N, --cat */
#define CSP__FANOUT_JOB_A_BLOCK(o) \
	(((o)->flags & (CSP_FANOUT_KEEP | CSP_FANOUT_CAT)) || (o)->per_job > 0 || (o)->hosts != NULL)
int csp__fanout_exitval(const csp_fanout_opt *o, long long total, int halt_status);
/* fanout.c: one job a record (or block); fanpipe.c: pipe mode's long-lived workers. */
int csp__fanout_pool(csp_rd *in, csp_wr *out, csp_fanout_opt *o, const csp_done *done);
int csp__fanout_workers(csp_rd *in, csp_wr *out, csp_fanout_opt *o, const csp_done *done);

#endif
