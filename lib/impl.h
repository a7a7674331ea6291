/* impl.h: what the library's files share and the header does not export. */
#ifndef CSP_IMPL_H
#define CSP_IMPL_H

#include <poll.h>

#include "cspipe.h"

/* Bumped in every forked child, so per-process caches know they are copies. */
extern unsigned long csp__gen;

int csp__pipe(int fds[2], int flags);
int csp__close_except(int lowfd, const int *keep, int n);
void csp__nosigpipe(void);
int csp__timeout(int64_t deadline);
int csp__poll(struct pollfd *pfd, int n, int timeout);
int64_t csp__min_deadline(int64_t a, int64_t b);
int csp__done_poll(const csp_done *d, struct pollfd *pfd, int max);
int csp__done_fired(const csp_done *d, const struct pollfd *pfd, int n);

void csp__chan_sync(csp_chan *c);
int csp__chan_try_recv(csp_chan *c, void *val, size_t *len, int *ok);
int csp__chan_try_credit(csp_chan *c);
int csp__chan_put(csp_chan *c, const void *val, size_t len, const csp_done *done);
int csp__chan_ack(csp_chan *c, const csp_done *done, int64_t deadline);
void csp__chan_return(csp_chan *c, size_t n);
int csp__chan_buffered(const csp_chan *c);

int csp__status(int wstatus);
int csp__pick(int n);
void csp__child_start(pid_t parent, const int *keep, int nkeep, const char *name,
                      int close);
int csp__pidfd(pid_t pid);
void csp__reap_orphans(const pid_t *mine, int n);

/* cmd.c: the signals a command found ignored. */
extern unsigned long long csp__ign;  /* bit sig-1: ignored when we started; jobs keep it so */
#define CSP__IGNORED(sig) ((sig) <= 64 && (csp__ign & (1ULL << ((sig) - 1))))

#endif
