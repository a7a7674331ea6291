/*
 * cspipe.h: Go's concurrency patterns out of Unix processes and pipes.
 *
 * A goroutine is a forked process, a channel is a pipe, select is poll(),
 * done is a pipe whose write end is closed. Every call returns -1 and sets
 * errno on failure (ECANCELED when a done fired); none prints or exits,
 * but those of the command layer (the last section), made for a main().
 * Deadlines are absolute milliseconds on CLOCK_MONOTONIC: CSP_FOREVER
 * blocks, CSP_NOW does not block.
 *
 * The table of contents, in the library's layers, lowest first: each may
 * use those above it here, never those below.
 *   core      lib/core: clock, done, waiting, channels, select, processes,
 *             stopping a tree, records in and out, sources, parsers
 *   patterns  lib/patterns: one file a pattern
 *   fanout    lib/fanout: a pool of exec'd jobs, one per record
 *   cmd       lib/cmd: what every csp-* command shares
 */
#ifndef CSPIPE_H
#define CSPIPE_H

#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CSP_VERSION "0.1.0"

#define CSP_FOREVER ((int64_t)-1)
#define CSP_NOW ((int64_t)0)

/* ================================ core ================================ */

/* clock.c: the monotonic clock deadlines are measured on */
int64_t csp_now(void);                 /* now, in ms */
int64_t csp_after(int64_t ms);         /* the deadline ms from now */

/* done.c: cancellation as a tree of pipes (Go's done channel and context) */
#define CSP_DONE_DEPTH 16
typedef struct csp_done {
	int rfd;                  /* EOF here once cancelled */
	int wfd;                  /* held by the owner only; -1 elsewhere */
	int64_t deadline;         /* this level's own deadline, or CSP_FOREVER */
	int cause;                /* 0, ECANCELED or ETIMEDOUT, once seen */
	const struct csp_done *parent;
} csp_done;

int csp_done_make(csp_done *d, const csp_done *parent);  /* a done, a child of parent's */
/* a done that fires at deadline too, or when parent's fires */
int csp_done_deadline(csp_done *d, const csp_done *parent, int64_t deadline);
void csp_cancel(csp_done *d);          /* fire it: every holder sees it */
int csp_done_release(csp_done *d);     /* give up our power to fire it: fires once all have */
void csp_done_free(csp_done *d);       /* close its fds */
int64_t csp_done_when(const csp_done *d);  /* its nearest deadline, its parents' included */
/* the fds to poll for it and its parents */
int csp_done_fds(const csp_done *d, int *fds, int max);

/* react.c: the one place a blocking call waits */
int csp_done_err(csp_done *d);         /* 0, or why it fired: ECANCELED or ETIMEDOUT */
int csp_done_wait(csp_done *d, int64_t deadline);  /* wait until it fires, or the deadline */
/* poll one fd, or done */
int csp_wait_fd(int fd, short events, const csp_done *done, int64_t deadline);

/* chan.c: channels on pipes with Go's capacity (a slot count all holders share) */
#define CSP_MSG_MAX (4096 - 4)   /* framed messages: atomic up to PIPE_BUF */
struct csp_slots;
typedef struct csp_chan {
	int rfd, wfd;             /* the values */
	int crfd, cwfd;           /* wake-ups: a byte for a sender asleep until a slot frees */
	size_t size;              /* element size; 0 for framed messages */
	size_t cap;
	struct csp_slots *slots;  /* shared by every holder: counts, and a ring of records */
	size_t batch;             /* most bytes one write carries: the pipe holds cap values */
	long next;                /* messages: length read, body not yet; -1 none */
	unsigned long seen;       /* receive ends' closes this process asked the kernel after */
} csp_chan;

/* a channel of size-byte values, or framed messages */
int csp_chan_make(csp_chan *c, size_t size, size_t cap);
/* one value, waiting for a slot */
int csp_chan_send(csp_chan *c, const void *val, const csp_done *done);
/* one value; ok 0 once closed and drained */
int csp_chan_recv(csp_chan *c, void *val, int *ok, const csp_done *done);
/* up to n values at once */
ssize_t csp_chan_send_many(csp_chan *c, const void *vals, size_t n, const csp_done *done);
/* up to n values at once */
ssize_t csp_chan_recv_many(csp_chan *c, void *vals, size_t n, const csp_done *done);
/* one framed message */
int csp_chan_send_msg(csp_chan *c, const void *msg, size_t len, const csp_done *done);
ssize_t csp_chan_recv_msg(csp_chan *c, void *msg, size_t max, int *ok,
                          const csp_done *done);  /* one framed message, its length */
int csp_chan_close(csp_chan *c);       /* Go's close, for this process: EOF once all senders did */
int csp_chan_close_recv(csp_chan *c);  /* no more receives here: EPIPE once all receivers did */
void csp_chan_free(csp_chan *c);       /* close what this process holds */

/* select.c: one of several channel operations, chosen at random when ready */
enum { CSP_OFF, CSP_RECV, CSP_SEND, CSP_DONE };
typedef struct csp_case {
	int op;                   /* CSP_OFF is Go's nil channel */
	csp_chan *ch;
	void *val;                /* value to send, or where to receive */
	const csp_done *done;     /* for CSP_DONE */
	size_t len;               /* framed messages: length sent or received */
	int ok;                   /* CSP_RECV: 1 received, 0 closed */
} csp_case;
#define CSP_DEFAULT 1         /* flag: do not block (Go's default:) */
/* the index of the case done */
int csp_select(csp_case *cases, int n, int flags, int64_t deadline);

/* keep.c, go.c: goroutine processes, and what each keeps of its parent's fds */
typedef struct csp_proc {
	pid_t pid;
	int pidfd;                /* opened on first need; else -1 */
	int status;               /* exit code or 128+signal, once reaped */
	int flags;                /* CSP_SPAWN_* it was started with */
} csp_proc;

#define CSP_KEEP_MAX 64
typedef struct csp_keep {
	int fd[CSP_KEEP_MAX];
	int n;
	struct { csp_chan *ch; int roles; } chan[CSP_KEEP_MAX / 2];
	int nchan;
	struct { csp_done *d; int roles; } done[CSP_KEEP_MAX / 4];
	int ndone;
} csp_keep;

void csp_keep_init(csp_keep *k);       /* nothing kept yet */
int csp_keep_fd(csp_keep *k, int fd);  /* the goroutine keeps fd */
int csp_keep_send(csp_keep *k, csp_chan *c);  /* ...sends on c */
int csp_keep_recv(csp_keep *k, csp_chan *c);  /* ...receives on c */
int csp_keep_done(csp_keep *k, csp_done *d);  /* ...watches d */
int csp_keep_cancel(csp_keep *k, csp_done *d);  /* ...may fire d */
int csp_go(csp_proc *p, const char *name, const csp_keep *keep,
           void (*fn)(void *), void *arg);  /* fn(arg) in a forked process named name */

/* spawn.c: exec'd children, all through the one vfork start (csp_vspawn) */
#define CSP_SPAWN_PGROUP 1    /* the child leads a process group of its own */
#define CSP_SPAWN_SETSID 2    /* the child leads a session of its own */
#define CSP_SPAWN_INHERIT 4   /* the child keeps every fd, not just 0, 1, 2 */
/* argv run, fds its 0 1 2 */
int csp_spawn(csp_proc *p, char *const argv[], const int fds[3], int flags);
int csp_vspawn(csp_proc *p, const char *path, char *const argv[], const int fds[3],
               int flags);             /* the same by vfork, path already found */
int csp_lookpath(const char *name, char *buf, size_t size);  /* execvp's search of PATH */

/* proc.c: waiting for children, and stopping one */
int csp_proc_wait(csp_proc *p, const csp_done *done, int64_t deadline);  /* reap p: its status */
int csp_proc_stop(csp_proc *p, int sig, int64_t grace_ms);  /* sig, grace, SIGKILL, reaped */
int csp_reap_all(const csp_done *done, int64_t deadline);  /* reap every child: how many */

/* tree.c: a whole tree stopped, setsid() escapers included */
int csp_subreaper(void);               /* orphans below us come to us */
ssize_t csp_stop_tree(int sig, int64_t grace_ms);  /* every descendant: sig, grace, SIGKILL */

/* leak.c: descendants still alive, for the tests and csp-leakcheck */
typedef struct csp_leak {
	pid_t pid, ppid;
	char state;
	int64_t age_ms;
	char cmd[256];
} csp_leak;

ssize_t csp_descendants(pid_t root, csp_leak *out, size_t max);  /* root's live descendants */

/* rd.c: records in, newline- or NUL-terminated, of any length, read in bulk */
struct csp_wr;
typedef struct csp_rd {
	int fd;
	int delim;
	char *buf;
	size_t cap, head, tail, scan;
	int eof;
	struct csp_wr *flush;     /* flushed before the reader waits for input */
} csp_rd;

int csp_rd_init(csp_rd *r, int fd, int delim);  /* a reader of fd's records */
/* the next record, its length; 0 at EOF */
ssize_t csp_rd_next(csp_rd *r, char **rec, const csp_done *done);
ssize_t csp_rd_fill(csp_rd *r, const csp_done *done);  /* one read into the buffer */
void csp_rd_free(csp_rd *r);           /* its buffer */

/* wr.c: records out, batched into large writes; EPIPE an error, never a signal */
typedef struct csp_wr {
	int fd;
	char *buf;
	size_t cap, len;
	int pipe;                 /* a pipe's size: write no more than it has room for */
} csp_wr;

int csp_wr_init(csp_wr *w, int fd);   /* a writer to fd */
int csp_wr_put(csp_wr *w, const void *p, size_t n, const csp_done *done);  /* n bytes */
/* a record and delim */
int csp_wr_rec(csp_wr *w, const char *rec, size_t n, int delim, const csp_done *done);
int csp_wr_flush(csp_wr *w, const csp_done *done);  /* write what is held */
void csp_wr_free(csp_wr *w);           /* its buffer; nothing written */

/* src.c: a stream to read: a file, a FIFO, stdin, or a command's output */
#define CSP_SRC_CMD 1         /* the name is a command, run as sh -c name */
#define CSP_SRC_STDIN 2       /* read standard input; the name is only its label */
#define CSP_SRC_WRITER_WAIT 10000 /* ms a FIFO with no writer waits for one: then ETIMEDOUT */
typedef struct csp_src {
	const char *name;         /* as given, not copied */
	int flags;                /* CSP_SRC_* */
	csp_rd rd;                /* rd.fd is -1 once closed */
	csp_proc proc;            /* a command's; pid -1 for a file */
	int err;                  /* errno of a failed open or read, or 0 */
	int64_t writer_due;       /* a FIFO with no writer yet: fails then; else CSP_FOREVER */
	size_t cut;               /* bytes of a record cut short by a signal, dropped */
} csp_src;
typedef void csp_src_fn(const csp_src *s, void *arg);
/* open it; s->err says why not */
int csp_src_open(csp_src *s, const char *name, int flags, int delim);
/* close it, its command reaped */
int csp_src_close(csp_src *s, const csp_done *done, int64_t deadline);
int csp_src_failed(const csp_src *s);  /* 1 if it failed: an error, or a command not exiting 0 */
void csp_src_stop(csp_src *s, int n);  /* cancel n sources: their commands stopped together */

/* cmdpipe.c: sh -c CMD in a process group of its own, stdin and stdout on pipes */
/* *to its stdin, *from its stdout */
int csp_cmdpipe(csp_proc *p, const char *cmd, int *to, int *from);

/* duration.c, size.c, count.c: the numbers users write */
/* "250ms" "1.5s" "2m" "1h"; bare: seconds; ERANGE too large */
int csp_parse_duration(const char *s, int64_t *ms);
int csp_parse_size(const char *s, unsigned long long min, unsigned long long max,
                   unsigned long long *v);  /* "1M" (1048576), "10k" (10000): GNU parallel's */
/* a strict decimal */
int csp_parse_count(const char *s, long long min, long long max, long long *v);

/* exit.c: the exit-code table every csp-* command shares (cspipe(7)) */
#define CSP_EXIT_FAIL 1       /* what the command defines as failure */
#define CSP_EXIT_USAGE 2      /* bad option or argument */
#define CSP_EXIT_LEAK 99      /* csp-leakcheck: processes were left behind */
#define CSP_EXIT_TIMEOUT 124  /* a deadline passed */
#define CSP_EXIT_SYS 125      /* a system call failed */
#define CSP_EXIT_NOEXEC 126   /* found but could not be executed */
#define CSP_EXIT_NOTFOUND 127 /* not found */
#define CSP_EXIT_SIGNAL 128   /* + N: ended by signal N */
int csp_exec_status(int e);            /* 127, 126 or 125 for an errno from exec */

/* proctitle.c: a name in ps for every goroutine process */
int csp_title_init(int argc, char *argv[]);  /* make room to rename ourselves */
void csp_setname(const char *name);    /* our name in ps */

/* sig.c: dispositions the library sets itself, and those the program inherited */
int csp_sig_ignore(int sig);           /* SIG_IGN set by the library, not the program */
int csp_sig_inherited(int sig);        /* 1 if sig came ignored from the parent */
int csp_term_signal(int sig);          /* 1 if a command takes sig as cancellation */

/* cancel.c: signals as cancellation */
int csp_cancel_on_signals(csp_done *d);  /* every ending signal fires d */
int csp_signalled(void);               /* the first of them that came, or 0 */

/* ============================== patterns ============================== */

/* take.c: the first n records, then stop */
int csp_take(csp_rd *in, csp_wr *out, long long n, const csp_done *done);  /* copy n records */

/* merge.c, bridge.c: fan-in of sources; a stream of streams */
#define CSP_MERGE_TAG 1       /* each record starts with its source's name and a tab */
int csp_merge(csp_src *srcs, int n, csp_wr *out, int flags, csp_src_fn *failed,
              void *arg, const csp_done *done);  /* records as they come; the failures counted */
int csp_bridge(csp_rd *names, csp_wr *out, int flags, int ahead, csp_src_fn *failed,
               void *arg, const csp_done *done);  /* each named stream whole, in order */

/* tee.c: every record to every command, in lockstep */
#define CSP_TEE_STRICT 1      /* a command that stops taking input stops them all */
#define CSP_TEE_TAG 2         /* each output record starts with its command and a tab */
typedef struct csp_tee_cmd {
	const char *cmd;          /* run as sh -c cmd */
	int status;               /* exit code or 128+signal once reaped; -1 if never run */
	int early;                /* it stopped taking input before the input ended */
} csp_tee_cmd;
int csp_tee(csp_rd *in, csp_wr *out, csp_tee_cmd *cmds, int n, int flags,
            const csp_done *done);     /* their outputs merged, records whole */

/* repeat.c, rand.c: generators */
int csp_repeat(csp_rd *in, csp_wr *out, char *const vals[], size_t n,
               const csp_done *done);  /* the values (or the input) over and over */
/* a command's output, run again and again */
int csp_repeat_fn(csp_wr *out, char *const argv[], int delim, const csp_done *done);
int csp_rand(csp_wr *out, long long n, int64_t lo, int64_t hi, int delim,
             const csp_done *done);    /* n random integers from lo to hi; n -1: no end */

/* queue.c: a bounded buffer between two stages, filled and drained at once */
#define CSP_QUEUE_SIZE (16 * 1024 * 1024)  /* bytes held at most, unless told */
#define CSP_QUEUE_BYTES (-1)  /* delim: raw bytes, cut anywhere */
typedef struct csp_queue_opt {
	size_t size;              /* bytes held at most */
	long long records;        /* whole records held at most; 0: no bound */
	int delim;                /* record terminator, or CSP_QUEUE_BYTES */
	int bar_fd;               /* fill level and rates drawn here; -1: none */
	long long in, out;        /* out: bytes read and written */
	size_t peak;              /* out: the most bytes held at once */
} csp_queue_opt;
void csp_queue_init(csp_queue_opt *o);  /* defaults: CSP_QUEUE_SIZE, newline, no bar */
int csp_queue(int in, int out, csp_queue_opt *o, const csp_done *done);  /* in to out */

/* race.c: the or-channel over commands: the first to finish wins, the rest are stopped */
#define CSP_RACE_SUCCESS 1        /* only a command that exits 0 wins */
typedef struct csp_race_cmd {
	const char *cmd;          /* run as sh -c cmd, CSP_REPLICA set to its index */
	int status;               /* exit code or 128+signal if it finished; -1 if stopped */
} csp_race_cmd;
int csp_race(csp_wr *out, csp_race_cmd *cmds, int n, int flags, int64_t grace_ms,
             const csp_done *done);    /* the winner's index */

/* group.c: Go's errgroup: the first failure stops the rest; a limit on how many run */
typedef struct csp_group_cmd {
	const char *cmd;          /* run as sh -c cmd */
	int status;               /* exit code or 128+signal once reaped; -1 if never run */
	int err;                  /* errno when it could not be started, else 0 */
	int stopped;              /* the group stopped it: another failed, or done fired */
} csp_group_cmd;
int csp_group(csp_group_cmd *cmds, int n, int limit, int64_t grace_ms, int *failed,
              const csp_done *done);   /* *failed: the first that failed, or -1 */

/* heartbeat.c: a command's output passed on, with pulses that never block it */
#define CSP_HEARTBEAT_PER_RECORD 1  /* a pulse for every record, too */
typedef struct csp_heartbeat_cmd {
	char *const *argv;        /* exec'd as it is */
	int64_t interval_ms;      /* a pulse this often; 0: none */
	int64_t timeout_ms;       /* no record for this long is unhealthy; 0: never */
	int64_t grace_ms;         /* between SIGTERM and SIGKILL when it is stopped */
	int fd;                   /* where pulses go */
	int flags;                /* CSP_HEARTBEAT_* */
	int status;               /* exit code or 128+signal once reaped; -1 before */
	long long pulses;         /* pulses written */
	long long dropped;        /* pulses dropped: fd full, or its reader gone */
} csp_heartbeat_cmd;
/* run it, pulsing */
int csp_heartbeat(csp_heartbeat_cmd *hb, csp_wr *out, int delim, const csp_done *done);

/* supervise.c: the steward that heals: restarts its ward when it fails or goes quiet */
enum { CSP_WARD_OK, CSP_WARD_EXIT, CSP_WARD_SIGNAL, CSP_WARD_SILENT, CSP_WARD_NOPULSE };
typedef struct csp_ward {
	char *const *argv;        /* exec'd directly, keeping our descriptors */
	int delim;                /* its output's record terminator */
	int64_t timeout;          /* ms without a sign of life that mean hung; -1: none */
	int pulse_fd;             /* its fd for heartbeat bytes; -1: its output is the sign */
	int64_t backoff, max_backoff, grace;  /* ms: first delay, cap; TERM to KILL */
	long long max_restarts;   /* -1: no limit */
	void (*on_restart)(const struct csp_ward *w, void *arg);  /* before each restart */
	void *arg;
	long long restarts;       /* out: restarts so far */
	int why, status;          /* out: how the last run ended (CSP_WARD_*), its status */
	char reason[64];          /* out: the same in words: "exited with status 3" */
} csp_ward;
/* run it until it succeeds or gives up */
int csp_supervise(csp_ward *w, csp_wr *out, const csp_done *done);

/* ratelimit.c: token buckets over records or bytes; several limits at once */
typedef struct csp_rate {
	double per_sec;           /* tokens a second */
	long long burst;          /* tokens the bucket holds; 0: the call's burst (bytes: 0.1 s) */
	int bytes;                /* a token is a byte, not a record */
} csp_rate;
int csp_parse_rate(const char *s, csp_rate *r);  /* "100/s", "5/m", "3/10s:20" */
int csp_parse_byterate(const char *s, csp_rate *r);  /* "1M", "64k/s", "10K/100ms:4K" */
int csp_ratelimit(csp_rd *in, csp_wr *out, const csp_rate *rates, int n, long long burst,
                  const csp_done *done);  /* in to out, no faster than every rate */

/* timeout.c: Go's context.WithTimeout over a command and its whole tree */
#define CSP_TIMEOUT_FOREGROUND 1  /* the command stays in our process group */
typedef struct csp_timeout_cmd {
	char *const *argv;        /* run with execvp; it keeps every descriptor */
	int sig;                  /* sent to it (its group) at the deadline; 0 sends none */
	int64_t kill_after;       /* then SIGKILL this many ms later; 0 never */
	int64_t grace;            /* for what it left running: sig, this long, SIGKILL */
	int flags;
	void (*notify)(int sig, void *arg);  /* told of each signal before it is sent */
	void *arg;
	int status;               /* its exit code or 128+signal, once reaped */
	int cause;                /* 0 it ended first, ETIMEDOUT deadline, ECANCELED done */
} csp_timeout_cmd;
/* run it; stop its tree at deadline */
int csp_timeout(csp_timeout_cmd *t, int64_t deadline, const csp_done *done);

/* =============================== fanout =============================== */

/* fanout.c, run.c: a pool of exec'd jobs, one per record; fanpipe.c: streaming workers */
#define CSP_FANOUT_KEEP 1     /* -k: output in input order */
#define CSP_FANOUT_TAG 2      /* each output line starts with its record and a tab */
#define CSP_FANOUT_LINEBUF 4  /* whole lines as they come, jobs mixed */
#define CSP_FANOUT_PIPE 8     /* records go to the jobs' stdin, in blocks */
#define CSP_FANOUT_WINDOW 1024 /* -k: finished jobs that may wait for an earlier one */
#define CSP_FANOUT_UNGROUP 16  /* -u: jobs write straight to our stdout and stderr */
#define CSP_FANOUT_VERBOSE 32  /* -v: each job's output starts with its command line */
#define CSP_FANOUT_DRYRUN 64   /* --dry-run: the command lines are the output; nothing runs */
#define CSP_FANOUT_TRACE 128   /* -t: each command line to stderr as its job starts */
#define CSP_FANOUT_SKIPEMPTY 256 /* -r: records of blanks only are skipped */
#define CSP_FANOUT_CONTEXT 512 /* -X: a word with {} repeated for each argument */
#define CSP_FANOUT_FILL 1024   /* -X, -m, --xargs: as many records a job as fit */
#define CSP_FANOUT_SPREAD 2048 /* -X, -m: ...spread evenly over the job slots */
#define CSP_FANOUT_CAT 4096    /* --pipe --cat: {} names a file holding the block */
#define CSP_FANOUT_PART 8192   /* --pipepart: in's fd a seekable file, parts sent unread */
#define CSP_FANOUT_FILES 16384 /* --files: each job's stdout in a file; its name goes out */
#define CSP_FANOUT_PLUS 32768  /* --plus: parallel's {+/} {+.} {..} {##} {0#} ... too */
#define CSP_FANOUT_COLOR 65536 /* --ctag: tagged lines in a colour by job, as parallel's */
#define CSP_FANOUT_RRS 1048576 /* --pipe --rrs: --recend and --recstart taken out of blocks */
enum { CSP_HALT_NEVER, CSP_HALT_SOON, CSP_HALT_NOW };
enum { CSP_HALT_FAIL, CSP_HALT_SUCCESS, CSP_HALT_DONE };
typedef struct csp_hosts csp_hosts;  /* ssh.c: the hosts of -S, see below */
typedef struct csp_fanout_job {
	long long seq;            /* {#}: from 1, in input order */
	int slot;                 /* {%}: from 1; no two running jobs share one */
	int tries;                /* how many times it ran */
	const char *rec;          /* the record, without its terminator */
	size_t len;
	char *const *argv;        /* the command as run */
	int status;               /* exit code, or 128+N if signal N ended it */
	int err;                  /* errno of an exec that failed; else 0 */
	int sig;                  /* the signal that ended it, or 0 */
	int timedout;             /* stopped by the timeout */
	int halts;                /* its end made the run halt */
	int64_t start_ms;         /* wall clock, ms since the epoch */
	int64_t runtime_ms;
	long long sent, received; /* bytes to its stdin, from its stdout */
	long long cut;            /* --pipe: last bytes of a signal-killed worker, dropped */
	const char *host;         /* -S: the login it ran on (":" here); NULL without hosts */
	int lost;                 /* -S: its host went down under it and it was not run again */
} csp_fanout_job;
typedef struct csp_fanout_opt {
	char *const *argv;        /* the command, with replacement strings */
	char *const *args;        /* NULL-terminated records instead of in, or NULL */
	long jobs;                /* at most this many at once; 0 no limit */
	int flags;                /* CSP_FANOUT_* */
	int halt_when, halt_why;  /* CSP_HALT_* */
	long long halt_n;         /* halt at this count... */
	int halt_pct;             /* ...or, if set, at this percentage of all jobs */
	int64_t timeout_ms;       /* per job; 0 none */
	double timeout_pct;       /* --timeout N%: N% of the median success; timeout_ms follows it */
	int64_t grace_ms;         /* between SIGTERM and SIGKILL */
	long long retries;        /* runs of a failing job; 0 until it succeeds; -1 (the default)
	                             one, and a run lost with its host (-S) not counted */
	size_t block;             /* CSP_FANOUT_PIPE: bytes per block */
	int joblog_fd, bar_fd;    /* -1: none */
	csp_wr *err;              /* jobs' stderr, captured; NULL: ours, shared */
	void (*ended)(const csp_fanout_job *job, void *arg);
	void *arg;
	int per_job;              /* records a job takes (-n, -N); 0 one; -1 one, none passed */
	const char *colsep;       /* --colsep: a record's columns are its arguments; NULL none */
	const char *recstr;       /* -I: this string instead of {}; NULL {} */
	const char *tagstr;       /* --tagstring: the tag, replacement strings expanded */
	int trim;                 /* --trim: 1 blanks off the left of each argument, 2 the right */
	int64_t delay_ms;         /* --delay: at least this long between job starts */
	const char *eofstr;       /* -E: a record equal to it ends the input; NULL none */
	int (*skip)(long long seq, void *arg);  /* --resume: 1 if job seq is not to run */
	const char *results;      /* --results: outputs in files under it, none to out */
	const char *recstart, *recend;  /* --pipe: blocks end where these meet; NULL default */
	int group_by;             /* --pipe --group-by: lines of one value of this column together */
	const char *header;       /* --pipe --header: this line starts every block; NULL none */
	const char *tmpdir;       /* --files: where; NULL $TMPDIR or /tmp */
	double max_load;          /* --load: start jobs only below this many running processes; 0 any */
	unsigned long long memfree;  /* --memfree: ...and with this many bytes free; 0 any */
	long long total, failed, succeeded;  /* out: jobs run and how they ended */
	int stopped;              /* out: some job was stopped by a signal of ours */
	int halted;               /* out: a --halt condition was met */
	int exitval;              /* out: GNU parallel's exit status for the run */
	csp_hosts *hosts;         /* -S: jobs spread over these hosts; NULL: all here */
} csp_fanout_opt;
void csp_fanout_init(csp_fanout_opt *o, char *const argv[]);  /* defaults, the command argv */
/* a job a record */
int csp_fanout(csp_rd *in, csp_wr *out, csp_fanout_opt *o, const csp_done *done);
/* blocks to the jobs' stdin */
int csp_fanout_pipe(csp_rd *in, csp_wr *out, csp_fanout_opt *o, const csp_done *done);

/* ssh.c, sshhost.c, sshcmd.c: csp-fanout -S: jobs on other machines through OpenSSH */
typedef struct csp_hosts_opt {
	const char *ssh;          /* the ssh command, split at blanks; NULL: "ssh" */
	const char *workdir;      /* remote jobs run there, made if need be; NULL: the login's */
	char *const *env;         /* names of variables whose values go with each job */
	char *const *transfer;    /* files sent before each job (replacement strings) */
	char *const *ret;         /* files fetched back after each job (replacement strings) */
	char *const *base;        /* files sent to each host once, before its first job */
	int cleanup;              /* remove there what was sent and fetched */
	long slots;               /* a host's slots when its login has no N/; 0: its CPUs */
	void (*down)(const char *host, const char *why, void *arg);  /* a host left out */
	void *arg;
} csp_hosts_opt;
csp_hosts *csp_hosts_new(const csp_hosts_opt *opt);  /* no host yet; NULL and errno */
int csp_hosts_add(csp_hosts *h, const char *logins);  /* -S [N/]host[,...]; : is here */
int csp_hosts_file(csp_hosts *h, const char *path);    /* --slf: a login a line; re-read if changed */
long csp_hosts_start(csp_hosts *h, const csp_done *done);  /* the slots; done kept, masters open lazily */
void csp_hosts_free(csp_hosts *h);  /* masters closed, their socket dir gone */

/* halt.c, replace.c, joblog.c, bar.c: GNU parallel's options */
/* --halt never|now,fail=N|soon,success=N%|... */
int csp_parse_halt(const char *s, csp_fanout_opt *o);
int csp_replace_has(const char *tmpl);  /* 1 if tmpl holds a replacement string */
/* {} {.} {/} {//} {/.} {#} {%} expanded */
size_t csp_replace(char *dst, size_t size, const char *tmpl, const char *rec,
                   size_t len, long long seq, int slot);
int csp_joblog_open(const char *path);  /* path, or +path to append; a header if empty */
int csp_joblog_write(int fd, const csp_fanout_job *job);  /* one tab-separated line a job */
/* done/total, rate, time left */
int csp_bar(int fd, long long done, long long total, int64_t elapsed_ms, int last);

/* ================================ cmd ================================= */

/* cmd.c: --done from the shell, the start of a command, its clean exit */
int csp_done_open(csp_done *d, const char *fd_or_fifo);  /* --done: an open fd or a FIFO */
/* guardian, subreaper, signals as done */
int csp_command_start(csp_done *done, const csp_done *parent);
/* 0 for a clean stop (ECANCELED, EPIPE); a signal raised again */
int csp_clean_exit(int r);

/* guard.c: the guardian of the SIGKILL: the pid the user kills stays and stops the rest */
int csp_guard(void);                   /* fork the worker; we stay as the guardian */
void csp_reraise(int sig) __attribute__((noreturn));  /* end by sig, as if never caught */

/* usage.c: a command's options as one table: getopt, complaints, usage and --help */
typedef struct csp_opt {
	int ch;                   /* what csp_getopt returns: -ch if below 256; else long only */
	const char *name;         /* --name, or NULL */
	const char *arg;          /* the argument's name; NULL for a flag */
	const char *help;         /* one line for --help */
} csp_opt;
#define CSP_OPT_DONE 356      /* --done fd|fifo, the option every command has */
#define CSP_OPT_DONE_ROW { CSP_OPT_DONE, "done", "fd|fifo", \
	"stop cleanly when this descriptor or FIFO fires" }
#define CSP_OPT_NULL_ROW { '0', "null", NULL, "records end in a NUL byte, not a newline" }
typedef struct csp_usage {
	const char *name;         /* "csp-take": --version's, and where the help starts */
	const char *synopsis;     /* the usage lines after "usage: " */
	const char *about;        /* one line: what the command does */
	const char *order;        /* getopt's: "+" options end at an operand, "-", or "" */
	const csp_opt *opts;      /* ends with { 0 }; -h/--help, -V/--version are added */
} csp_usage;
/* the next option; --help, --version answered */
int csp_getopt(int argc, char *argv[], const csp_usage *u);
/* usage (status), or the help (0) */
void csp_usage_exit(const csp_usage *u, int status) __attribute__((noreturn));
const char *csp_quote(const char *s);  /* s made safe for a terminal, cut if long */
const char *csp_progname(void);        /* the command's name, without its path */
/* warnx that no SIGPIPE ends */
void csp_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* skeleton.c: a command's main in four calls: init, options, start, exit */
#define CSP_CMD_PROCS 1       /* it starts processes: guardian, subreaper; their leftovers stopped */
#define CSP_CMD_STDIN 2       /* standard input is its data: --done 0 refused; closed at the end */
#define CSP_CMD_RD 4          /* in reads standard input's records */
#define CSP_CMD_WR 8          /* out writes to standard output */
typedef struct csp_cmd {
	const csp_usage *use;     /* its options, usage lines and help */
	int usage_status;         /* a usage error's exit status: CSP_EXIT_USAGE unless set */
	int delim;                /* records end in this: a newline, or NUL after -0 */
	int flags;                /* CSP_CMD_*, as started */
	int64_t grace;            /* CSP_CMD_PROCS: what they left gets SIGTERM, this long, SIGKILL */
	csp_done ext;             /* --done's, when given */
	const csp_done *parent;   /* &ext after --done, else NULL */
	csp_done done;            /* fired by --done, every ending signal, the guardian's death */
	csp_rd in;                /* CSP_CMD_RD */
	csp_wr out;               /* CSP_CMD_WR */
} csp_cmd;
/* the first call of main: the title, u, the defaults */
void csp_cmd_init(csp_cmd *c, const csp_usage *u, int argc, char *argv[]);
/* the next option, as csp_getopt's; --done and -0 taken here */
int csp_cmd_opt(csp_cmd *c, int argc, char *argv[]);
void csp_cmd_usage(const csp_cmd *c) __attribute__((noreturn));  /* usage lines, usage_status */
/* an option's duration, or a line naming it and the usage status */
int64_t csp_cmd_duration(const csp_cmd *c, const char *opt, const char *s);
void csp_cmd_start(csp_cmd *c, int flags);  /* done, signals, CSP_CMD_*; 125 if it cannot */
/* stop, close, free; a signal raised again; then r -1: 0, or a line and 125-127; else status */
int csp_cmd_exit(csp_cmd *c, int r, int status, const char *prog);
void csp_cmd_src_failed(const csp_src *s, void *arg);  /* a csp_src_fn: why, on one line */

#ifdef __cplusplus
}
#endif
#endif
