/* cmd.c: what every csp-* command shares: --done, signals as cancellation, counts. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bsd/stdlib.h>

#include "impl.h"

/*
 * The shell's done: an fd number already open, or the path of a FIFO. It
 * fires when it hangs up, reaches EOF, or has anything to read.
 */
int
csp_done_open(csp_done *d, const char *fd_or_fifo)
{
	const char *errstr;
	struct stat st;
	long long fd;

	fd = strtonum(fd_or_fifo, 0, INT32_MAX, &errstr);
	if (errstr == NULL) {
		if (fcntl((int)fd, F_GETFD) == -1)
			return -1;  /* EBADF: nothing open there */
	} else {
		/* Non-blocking, or the open would wait for a writer to come. */
		fd = open(fd_or_fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd == -1)
			return -1;
		if (fstat((int)fd, &st) == -1 || !S_ISFIFO(st.st_mode)) {
			close((int)fd);
			errno = ENOTSUP;
			return -1;
		}
	}
	memset(d, 0, sizeof(*d));
	d->rfd = (int)fd;
	d->wfd = -1;
	d->deadline = CSP_FOREVER;
	return 0;
}

static csp_done *sig_done;
static volatile sig_atomic_t sig_seen;

static void
on_signal(int sig)
{
	if (sig_seen == 0)
		sig_seen = sig;
	if (sig_done != NULL)
		csp_cancel(sig_done);  /* a close(): async-signal-safe */
}

/* SIGINT, SIGTERM and SIGHUP cancel d: every blocking call then returns ECANCELED. */
int
csp_cancel_on_signals(csp_done *d)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	size_t i;

	sig_done = d;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) == -1)
			return -1;
	return 0;
}

/* The first of those signals that came, or 0. */
int
csp_signalled(void)
{
	return sig_seen;
}

/*
 * How a command's call ended, as its exit status: 128+N after signal N; 0
 * for a clean stop (--done fired: ECANCELED; the reader went away: EPIPE);
 * -1 for anything else, with errno as it was, for the command to report.
 */
int
csp_clean_exit(int r)
{
	if (sig_seen != 0)
		return CSP_EXIT_SIGNAL + sig_seen;
	if (r == -1 && (errno == ECANCELED || errno == EPIPE))
		return 0;
	return -1;
}

int
csp_parse_count(const char *s, long long min, long long max, long long *v)
{
	const char *errstr;
	long long n = strtonum(s, min, max, &errstr);

	if (errstr != NULL || s[*s == '-'] < '0' || s[*s == '-'] > '9') {  /* no " 5", "+5" */
		errno = EINVAL;
		return -1;
	}
	*v = n;
	return 0;
}
