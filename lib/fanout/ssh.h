/* fanout/ssh.h: what the remote-host files share, and the three hooks fanout.c calls. */
#ifndef CSP_FANOUT_SSH_H
#define CSP_FANOUT_SSH_H

#include <limits.h>
#include <sys/stat.h>

#include "fanout/fanout.h"

struct csp__host {
	char *name;               /* the login as ssh takes it; ":" is here */
	long slots, used;         /* its job slots (0: ask it), and how many run there */
	int local, down;
	int file;                 /* 1: from an --slf file (re-read); 0: from -S */
	int removed;              /* no longer in its file: no new job, closed once idle */
	int seen;                 /* re-read: matched a line of the files */
	int opened;               /* its master was started (lazily: for its first job) */
	int ready;                /* ...and it has its --basefile files */
	pid_t master;             /* its ControlMaster, while it runs; else 0 */
	char *ctl;                /* the master's ControlPath */
};

/* An --slf file, as last read. */
struct csp__slf {
	char *path;
	struct stat st;
};

#define CSP__SSH_WORDS 64          /* the ssh command's words, and ours after them */
#define CSP__MASTER_WAIT_MS 60000  /* ssh's own ConnectTimeout should end it sooner */
#define CSP__SLF_EVERY_MS 1000     /* --slf files looked at no more often than this */

/* A job slot's remote side, while its job runs. */
struct csp__slot {
	int host;                 /* where its job runs; -1: none */
	int hold;                 /* our end of its ssh's stdin, held open while it runs */
	int rd;                   /* the other end, for the child */
	char **argv;              /* the ssh command line */
	char *line;
	pid_t feeder;             /* --pipe: the cat that copies the block into hold's pipe */
	int ready;                /* its host's master was up when the job was given to it */
};

struct csp_hosts {
	csp_hosts_opt o;
	char *sshbuf;
	char *ssh[CSP__SSH_WORDS];
	int nssh;
	struct csp__host *host;
	int nhost;
	struct csp__slot *slot;
	int nslot;
	char dir[PATH_MAX];       /* the ControlPaths' directory; "" until made */
	char **envw;              /* NAME=VALUE for each --env */
	int nenv;
	const csp_done *done;     /* csp_hosts_start's: masters opened later wait on it too */
	struct csp__slf *slf;     /* the --slf files, re-read when they change */
	int nslf;
	int64_t slf_next;         /* not looked at again before */
};

/* sshmaster.c: the masters, and ssh run over them */
int csp__ssh_argv(csp_hosts *h, char **av, int host, const char *const *more, const char *cmd);
int csp__ssh_remote(csp_hosts *h, int host, const char *line, int in, int out);
void csp__ssh_down(csp_hosts *h, int i, const char *why);
int csp__ssh_alive(struct csp__host *c);
int csp__ssh_nap(int64_t ms, const csp_done *done);
int csp__ssh_masters(csp_hosts *h, int only);
long csp__ssh_cpus(csp_hosts *h, int i);
int csp__ssh_sizes(csp_hosts *h);
void csp__ssh_close(csp_hosts *h, int i);
/* sshfile.c: files there; names expanded from templates */
int csp__ssh_put(csp_hosts *h, int host, const char *name);
int csp__ssh_get(csp_hosts *h, int host, const char *name);
int csp__ssh_rm(csp_hosts *h, int host, char *const *names, int n);
int csp__ssh_count(char *const *v);
char **csp__ssh_names(char *const *tmpl, const csp__repl *r);
void csp__ssh_names_free(char **v);

/* sshhost.c: "[N/]login[,...]" into hosts (appended); -1 EINVAL for a bad one */
int csp__hosts_parse(struct csp__host **h, int *n, const char *logins);
int csp__hosts_read(const char *path, struct csp__host **h, int *n, struct stat *st);
/* sshslf.c: --slf files re-read, hosts that left closed once idle */
void csp__hosts_close(csp_hosts *h, int i);
/* sshcmd.c: "exec sh -c 'SCRIPT' NAME 'WORD'...", for any bytes; malloc'd */
char *csp__ssh_line(const char *script, const char *name, char *const *pre, int npre,
                    char *const *args);
extern const char csp__ssh_wrapper[];

/* ssh.c: the hooks. room: a host has a free slot; job: host picked, argv and stdin
 * made remote; end: the host's place given back, status as the job's own, or the
 * host went down: CSP__HOST_LOST with the job (a run, a try), CSP__HOST_UNSTARTED
 * before the job could start there (its master gone: no try); -1 a system failure. */
#define CSP__HOST_LOST 1
#define CSP__HOST_UNSTARTED 2
int csp__hosts_room(csp_hosts *h);
int csp__hosts_job(csp_hosts *h, csp_fanout_job *job, char *const **argv, int *in,
                   const csp__repl *r, int pipe);
int csp__hosts_end(csp_hosts *h, csp_fanout_job *job);
/* sshslf.c: check: the files re-read if due and changed; the slots the pool needs
 * now, or -1. due: when the files may be looked at again, while no host has room. */
long csp__hosts_check(csp_hosts *h);
int64_t csp__hosts_due(csp_hosts *h);

#endif
