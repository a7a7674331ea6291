/* core/impl.h: what the core shares with the layers above and cspipe.h does not export. */
#ifndef CSP_IMPL_H
#define CSP_IMPL_H

#include <poll.h>
#include <signal.h>

#include "cspipe.h"

/* Bumped in every forked child, so per-process caches know they are copies. */
extern unsigned long csp__gen;

int csp__pipe(int fds[2], int flags);
void csp__close(int *fd);
void csp__close_pair(int fds[2]);
int csp__close_except(int lowfd, const int *keep, int n);
void csp__nosigpipe(void);
int64_t csp__min_deadline(int64_t a, int64_t b);
int csp__grow(char **buf, size_t *cap, size_t need);

/* react.c: the reactor, the one wait of the library (see there). */
#define CSP__REACT_EINTR 1  /* return -1/EINTR on a caught signal */
int csp__react(struct pollfd *pfd, int n, const csp_done *done, int64_t deadline, int flags);
int csp__fired(const csp_done *d);

/* chan.c, for select.c: a case's readiness, its wait, and its try. */
int csp__chan_ready(const csp_chan *c, int op);
void csp__chan_arm(csp_chan *c, int op);
int csp__chan_disarm(csp_chan *c, int op, int may);
int csp__chan_try_send(csp_chan *c, const void *val, size_t len, int armed);
int csp__chan_try_recv(csp_chan *c, void *val, size_t *len, int *ok, int armed);
int csp__chan_recv_taken(csp_chan *c, void *val, size_t *len, int *ok);

int64_t csp__src_due(csp_src *s);
int csp__src_end(csp_src *s, const csp_done *done, int64_t deadline);

int csp__status(int wstatus);
int csp__pick(int n);
#define CSP__CLOSE 1   /* csp__child_start: close every fd from 3 up not kept */
#define CSP__EXEC 2    /* ...and an exec follows: the library's SIG_IGNs go */
#define CSP__ALONE 4   /* ...in a group of its own: only pending signals can come */
void csp__child_start(pid_t parent, int ready, const int *keep, int nkeep,
                      const char *name, int how);
void csp__proc_init(csp_proc *p, pid_t pid, int flags);
int csp__pidfd(pid_t pid);
void csp__reap_orphans(const pid_t *mine, int n);
extern pid_t csp__reaper;      /* the process that called csp_subreaper, or 0 */
extern sigset_t csp__sig_ours; /* signals the library itself set to SIG_IGN */
int csp__children_lost(void);

/* A descendant as found in /proc: pid and start time name one process, pid alone does not. */
struct csp__pid {
	pid_t pid, ppid;
	unsigned long long start;  /* clock ticks after boot */
};
ssize_t csp__descendants(pid_t root, struct csp__pid *out, size_t max);
int csp__started(pid_t pid, unsigned long long *start);
/* sig (and SIGCONT) to d through a pidfd, if d is still the process seen. */
void csp__signal_seen(const struct csp__pid *d, int sig);

/* stop.c: the one stop: a set of processes (and the tree) signalled, one grace, SIGKILL, reaped. */
#define CSP__STOP_TREE 1  /* every other descendant of the caller too, under the same grace */
#define CSP__STOP_UNREAPED 2  /* the set left exited, unreaped: the caller reaps (wait status) */
ssize_t csp__stop(csp_proc *first, size_t stride, int n, int sig, int64_t grace_ms, int flags);
ssize_t csp__stopv(csp_proc *const *ps, int n, int sig, int64_t grace_ms, int flags);
void csp__signal(const csp_proc *p, int sig);  /* sig (and SIGCONT) to p's group, or p */

/* sig.c: the signals a command found ignored (cmd.c fills it). */
extern unsigned long long csp__ign;  /* bit sig-1: ignored when we started; jobs keep it so */
#define CSP__IGNORED(sig) ((sig) <= 64 && (csp__ign & (1ULL << ((sig) - 1))))

/* sig.c: the signals a command takes as cancellation (csp_term_signal). */
void csp__term_set(sigset_t *set);
/* cancel.c: note once which of those our parent left ignored (fills csp__ign). */
void csp__record_ignored(void);

#endif
