/*
 * src.c: a stream of records to read: a file, a FIFO, standard input, or
 * the output of a shell command that runs while it is read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/impl.h"

#define STOP_GRACE_MS 1000  /* a cancelled command: SIGTERM, this long, SIGKILL */

static int
running(const csp_src *s)
{
	return s->proc.pid > 0 && s->proc.status == -1;
}

static void
close_rd(csp_src *s)
{
	csp__close(&s->rd.fd);
	csp_rd_free(&s->rd);
}

/* A file, or a FIFO, opened without waiting for a writer. */
static int
open_file(const char *name)
{
	return open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
}

/*
 * Has a FIFO a writer? A read of one byte without waiting tells: EAGAIN
 * yes, silent; 0 none (poll never wakes for a writer that has not come);
 * 1 a byte, kept as the first of its input. 1 yes, 0 none, -1 error.
 */
static int
has_writer(csp_src *s)
{
	csp_rd *r = &s->rd;
	ssize_t n;
	int fl, ret;

	if ((fl = fcntl(r->fd, F_GETFL)) == -1 || fcntl(r->fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return -1;
	n = read(r->fd, r->buf + r->tail, 1);
	ret = n == 1 || (n == -1 && errno == EAGAIN) ? 1 : n == 0 ? 0 : -1;
	if (n == 1)
		r->tail++;
	if (fcntl(r->fd, F_SETFL, fl & ~O_NONBLOCK) == -1)
		return -1;
	return ret;
}

/*
 * When a FIFO that had no writer fails unless one came: CSP_FOREVER for
 * every other source. Past that time it looks again: a writer came and
 * went, or is there (CSP_FOREVER from then on), or s ends with ETIMEDOUT.
 */
int64_t
csp__src_due(csp_src *s)
{
	int w;

	if (s->writer_due == CSP_FOREVER || s->rd.fd == -1 || s->rd.eof ||
	    s->rd.tail > s->rd.head) {
		s->writer_due = CSP_FOREVER;
		return CSP_FOREVER;
	}
	if (csp_now() < s->writer_due)
		return s->writer_due;
	s->writer_due = CSP_FOREVER;
	/* Data, or a writer that came and went (POLLHUP): the reads will see to it. */
	if (csp_wait_fd(s->rd.fd, POLLIN, NULL, CSP_NOW) == 0)
		return CSP_FOREVER;
	if ((w = has_writer(s)) == 1)
		return CSP_FOREVER;
	s->err = w == 0 ? ETIMEDOUT : errno;
	s->rd.eof = 1;
	return CSP_FOREVER;
}

/*
 * Open s on name: a path; with CSP_SRC_CMD a command run as sh -c name
 * whose standard output s reads and whose standard input is at end of file;
 * with CSP_SRC_STDIN our standard input, name only its label.
 * On failure s->err holds errno and s->rd.fd is -1.
 */
int
csp_src_open(csp_src *s, const char *name, int flags, int delim)
{
	int fd = -1, to = -1, e;

	memset(s, 0, sizeof(*s));
	s->name = name;
	s->flags = flags;
	s->rd.fd = -1;
	s->proc.pid = -1;
	s->proc.pidfd = -1;
	s->proc.status = -1;
	s->writer_due = CSP_FOREVER;
	if (flags & CSP_SRC_CMD) {
		if (csp_cmdpipe(&s->proc, name, &to, &fd) == -1)
			goto fail;
		close(to);  /* its stdin is never ours: it reads end of file */
	} else if (flags & CSP_SRC_STDIN) {
		fd = STDIN_FILENO;
	} else if ((fd = open_file(name)) == -1) {
		goto fail;
	}
	if (csp_rd_init(&s->rd, fd, delim) == -1) {
		e = errno;
		s->rd.fd = fd;
		csp_src_stop(s, 1);
		errno = e;
		goto fail;
	}
	if (!(flags & (CSP_SRC_CMD | CSP_SRC_STDIN))) {
		struct stat st;
		int w = fstat(fd, &st) == -1 ? -1 : !S_ISFIFO(st.st_mode) ? 1 : has_writer(s);

		/* Non-blocking only for the open (has_writer restores it): reads wait in the reactor. */
		if (w == 1 && !S_ISFIFO(st.st_mode) &&
		    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == -1)
			w = -1;
		if (w == -1) {
			e = errno;
			close_rd(s);
			errno = e;
			goto fail;
		}
		if (w == 0)
			s->writer_due = csp_after(CSP_SRC_WRITER_WAIT);
	}
	return 0;
fail:
	s->err = errno;
	s->rd.fd = -1;
	return -1;
}

/*
 * Done with s: close what it reads and, for a command, wait until deadline
 * for it to exit and reap it. -1 with ETIMEDOUT while it still runs (its
 * proc.pidfd, if not -1, becomes readable when it exits), or ECANCELED.
 */
int
csp_src_close(csp_src *s, const csp_done *done, int64_t deadline)
{
	close_rd(s);
	if (running(s) && csp_proc_wait(&s->proc, done, deadline) == -1)
		return -1;
	return 0;
}

/*
 * s is at its end of input: may its last bytes go out? A command is waited
 * for until deadline first (-1 ETIMEDOUT while it runs: its proc.pidfd, if
 * not -1, becomes readable when it ends; or ECANCELED). One a signal ended
 * (status above 128) was cut off: what follows its last terminator is a
 * piece of a record, not a record, and is dropped here (s->cut counts it).
 * Bridge and merge both judge a stream's end here, by the one rule.
 */
int
csp__src_end(csp_src *s, const csp_done *done, int64_t deadline)
{
	csp_rd *r = &s->rd;
	char *p;
	size_t keep;

	/* A read error ended it: closing comes first, or its command may block on us. */
	if (s->proc.pid <= 0 || s->err != 0)
		return 0;
	if (running(s) && csp_proc_wait(&s->proc, done, deadline) == -1)
		return -1;
	if (s->proc.status <= 128 || r->buf == NULL || r->tail == r->head)
		return 0;
	p = memrchr(r->buf + r->head, r->delim, r->tail - r->head);
	keep = p != NULL ? (size_t)(p - r->buf) + 1 : r->head;
	s->cut += r->tail - keep;
	r->tail = keep;
	if (r->scan > keep)
		r->scan = keep;
	return 0;
}

/* Did s fail: an open or read error, or a command that did not exit 0? */
int
csp_src_failed(const csp_src *s)
{
	return s->err != 0 || (s->proc.pid > 0 && s->proc.status > 0);
}

/*
 * Cancel n sources: close what they read, then SIGTERM to every command's
 * process group at once, a grace period shared by all, SIGKILL, and reap.
 */
void
csp_src_stop(csp_src *s, int n)
{
	int saved = errno, i;

	for (i = 0; i < n; i++)
		close_rd(&s[i]);
	if (n > 0)
		csp__stop(&s[0].proc, sizeof(*s), n, SIGTERM, STOP_GRACE_MS, 0);
	errno = saved;
}
