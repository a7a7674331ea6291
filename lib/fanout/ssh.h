/* fanout/ssh.h: what the remote-host files share, and the three hooks fanout.c calls. */
#ifndef CSP_FANOUT_SSH_H
#define CSP_FANOUT_SSH_H

#include "fanout/fanout.h"

struct csp__host {
	char *name;               /* the login as ssh takes it; ":" is here */
	long slots, used;         /* its job slots (0: ask it), and how many run there */
	int local, down;
	pid_t master;             /* its ControlMaster, while it runs; else 0 */
	char *ctl;                /* the master's ControlPath */
};

/* sshhost.c: "[N/]login[,...]" into hosts (appended); -1 EINVAL for a bad one */
int csp__hosts_parse(struct csp__host **h, int *n, const char *logins);
/* sshcmd.c: "exec sh -c 'SCRIPT' NAME 'WORD'...", for any bytes; malloc'd */
char *csp__ssh_line(const char *script, const char *name, char *const *pre, int npre,
                    char *const *args);
extern const char csp__ssh_wrapper[];

/* ssh.c: the hooks. room: a host has a free slot; job: host picked, argv and stdin
 * made remote; end: the host's place given back, status as the job's own, 1 if the
 * host went down (run the job again elsewhere), -1 EHOSTDOWN when none is left. */
int csp__hosts_room(csp_hosts *h);
int csp__hosts_job(csp_hosts *h, csp_fanout_job *job, char *const **argv, int *in,
                   const csp__repl *r, int pipe);
int csp__hosts_end(csp_hosts *h, csp_fanout_job *job);

#endif
