/* queue.c: a bounded buffer between two stages, filled and drained at once by one reactor. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/impl.h"

#define Q_CHUNK (1024 * 1024)  /* at most this much per call on files: the loop stays lively */
#define Q_PAGE 4096            /* a pipe slot holds one page */
#define Q_BAR_MS 200
#define Q_ROOM_WAIT_MS 1       /* a record waiting for pipe room: POLLOUT says only "one slot" */
#define Q_ROOM_WAIT_MAX 50     /* ...doubling to this while the reader takes nothing */

enum { Q_OTHER, Q_PIPE, Q_FILE, Q_SOCK };

struct q {
	csp_queue_opt *o;
	int in, out, intype, outtype;
	int outslots;              /* the output pipe's slots */
	int peek[2];               /* -n on a pipe: records are counted before they are taken */
	char *base;                /* cap bytes, mapped twice in a row: no region ever wraps */
	size_t cap, size, head, fill;
	size_t last_end;           /* from head, the end of the last whole record held; 0 none */
	long long held;            /* whole records held (-n only) */
	int eof, inrec;            /* inrec: part of a record is out, the rest must follow */
	int inseek;                /* the input is a file: what was read can be given back */
	int64_t start, bar_next;
	int used;                  /* bytes in the output pipe when room() last looked */
};

void
csp_queue_init(csp_queue_opt *o)
{
	memset(o, 0, sizeof(*o));
	o->size = CSP_QUEUE_SIZE;
	o->delim = '\n';
	o->bar_fd = -1;
}

static int
fdtype(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return Q_OTHER;
	if (S_ISFIFO(st.st_mode))
		return Q_PIPE;
	/* Files, and devices such as /dev/null: a write there never waits for a reader. */
	if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode) || (S_ISCHR(st.st_mode) && !isatty(fd)))
		return Q_FILE;
	return S_ISSOCK(st.st_mode) ? Q_SOCK : Q_OTHER;
}

/* The ring: one memfd mapped twice back to back, so base[i] and base[i + cap] are one byte. */
static int
ring_map(struct q *q)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *p;
	int fd, e;

	q->cap = (q->size + (size_t)pg - 1) / (size_t)pg * (size_t)pg;
	if ((fd = memfd_create("csp-queue", MFD_CLOEXEC)) == -1)
		return -1;
	p = ftruncate(fd, (off_t)q->cap) == -1 ? MAP_FAILED :
	    mmap(NULL, 2 * q->cap, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED &&
	    (mmap(p, q->cap, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED ||
	     mmap(p + q->cap, q->cap, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) ==
	     MAP_FAILED)) {
		e = errno;
		munmap(p, 2 * q->cap);
		errno = e;
		p = MAP_FAILED;
	}
	e = errno;
	close(fd);  /* the mappings keep the memory */
	errno = e;
	if (p == MAP_FAILED)
		return -1;
	q->base = p;
	return 0;
}

static long long
count(const char *p, size_t n, int delim)
{
	const char *end = p + n;
	long long c = 0;

	while ((p = memchr(p, delim, (size_t)(end - p))) != NULL) {
		c++;
		p++;
	}
	return c;
}

/* Past the k-th terminator in p[0..n), or n if there are fewer. */
static size_t
kth_end(const char *p, size_t n, int delim, long long k)
{
	const char *s = p, *end = p + n;

	while (k > 0 && (s = memchr(s, delim, (size_t)(end - s))) != NULL) {
		s++;
		if (--k == 0)
			return (size_t)(s - p);
	}
	return n;
}

/* What a read brought, now held: record books kept. */
static void
took(struct q *q, char *p, size_t n)
{
	char *d;

	if (q->o->delim >= 0 && (d = memrchr(p, q->o->delim, n)) != NULL)
		q->last_end = (size_t)(d + 1 - (q->base + q->head));
	if (q->o->records > 0)
		q->held += count(p, n, q->o->delim);
	q->fill += n;
	q->o->in += (long long)n;
	if (q->fill > q->o->peak)
		q->o->peak = q->fill;
}

/*
 * -n on a pipe: copy what is there without taking it (tee), count records
 * in the copy, then take exactly the bytes of the records there is room for.
 */
static ssize_t
read_counted(struct q *q, char *p, size_t max)
{
	ssize_t k, n, r;
	size_t cut, got;

	if (q->peek[0] == -1 && csp__pipe(q->peek, 0) == -1)
		return -1;
	k = tee(q->in, q->peek[1], max, SPLICE_F_NONBLOCK);
	if (k <= 0)
		return k == 0 ? 0 : (errno == EAGAIN ? -2 : -1);  /* 0: no writer left, the end */
	for (n = 0; n < k; n += r)
		if ((r = read(q->peek[0], p + n, (size_t)(k - n))) <= 0)
			return -1;
	cut = kth_end(p, (size_t)k, q->o->delim, q->o->records - q->held);
	for (got = 0; got < cut; got += (size_t)r)  /* the same bytes again, now taken */
		if ((r = read(q->in, p + got, cut - got)) <= 0)
			return r == 0 ? (errno = EPROTO, -1) : -1;
	return (ssize_t)cut;
}

/* One read, never one that can block: 0 at the end of input, -1 with errno. */
static int
refill(struct q *q)
{
	size_t max = q->size - q->fill;
	char *p = q->base + q->head + q->fill;  /* past cap is the mirror: one piece, from head */
	ssize_t n;
	off_t back;

	if (max > Q_CHUNK && q->intype != Q_PIPE)
		max = Q_CHUNK;
	if (q->o->records > 0 && q->intype == Q_PIPE) {
		n = read_counted(q, p, max);
		if (n == -2)
			return 1;  /* another reader took it first */
	} else if (q->intype == Q_SOCK) {
		n = recv(q->in, p, max, MSG_DONTWAIT);
	} else {
		n = read(q->in, p, max);
	}
	if (n == -1)
		return errno == EINTR || errno == EAGAIN ? 1 : -1;
	if (n == 0) {
		q->eof = 1;
		return 0;
	}
	if (q->o->records > 0 && q->inseek) {
		/* A file can give back what lies past the records there is room for. */
		back = (off_t)kth_end(p, (size_t)n, q->o->delim, q->o->records - q->held);
		if (back < n && lseek(q->in, back - n, SEEK_CUR) != -1)
			n = back;
	}
	took(q, p, (size_t)n);
	return 1;
}

/* How much one write may take and not block: on a pipe, the free slots it surely has. */
static size_t
room(struct q *q)
{
	long slots;

	switch (q->outtype) {
	case Q_PIPE:
		if (ioctl(q->out, FIONREAD, &q->used) == -1)
			return Q_PAGE;
		/* A partly read first page and a partly filled last one each take a slot. */
		slots = q->outslots - (q->used + Q_PAGE - 1) / Q_PAGE - 1;
		return slots > 1 ? (size_t)slots * Q_PAGE : Q_PAGE;
	case Q_FILE:
	case Q_SOCK:
		return Q_CHUNK;
	default:
		return Q_PAGE;
	}
}

/* The most a pipe ever takes in one write that does not block. */
static size_t
room_max(const struct q *q)
{
	return q->outtype == Q_PIPE && q->outslots > 2 ? (size_t)(q->outslots - 1) * Q_PAGE :
	       Q_PAGE;
}

/*
 * How many bytes from head may go out now: whole records only, unless a
 * record is already half out, has no end in sight before the queue is
 * full, or could never fit the pipe. 0 with *wait set: a record waits for
 * room in the pipe.
 */
static size_t
cut(struct q *q, size_t r, int *wait)
{
	const char *h = q->base + q->head, *d;
	size_t n = q->fill < r ? q->fill : r;

	*wait = 0;
	if (q->o->delim < 0)
		return n;
	if (q->inrec) {
		d = memchr(h, q->o->delim, n);
		return d != NULL ? (size_t)(d + 1 - h) : n;
	}
	if (q->last_end == 0)
		return q->eof || q->fill >= q->size ? n : 0;  /* the last record, or one above SIZE */
	if (q->last_end <= n)
		return q->last_end;
	if ((d = memrchr(h, q->o->delim, n)) != NULL)
		return (size_t)(d + 1 - h);
	/* The first record is whole but longer than the room: wait, if it can ever fit. */
	if (memchr(h, q->o->delim, q->fill < room_max(q) ? q->fill : room_max(q)) != NULL) {
		*wait = 1;
		return 0;
	}
	return n;
}

/* One write of what cut allows; never one that can block. */
static int
drain(struct q *q, int *wait)
{
	size_t n = cut(q, room(q), wait);
	const char *h = q->base + q->head;
	ssize_t k;

	if (n == 0)
		return 0;
	k = q->outtype == Q_SOCK ? send(q->out, h, n, MSG_DONTWAIT | MSG_NOSIGNAL) :
	    write(q->out, h, n);
	if (k <= 0)
		return k == 0 || errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (q->o->delim >= 0) {
		q->inrec = h[k - 1] != (char)q->o->delim;
		q->last_end = q->last_end > (size_t)k ? q->last_end - (size_t)k : 0;
	}
	if (q->o->records > 0)
		q->held -= count(h, (size_t)k, q->o->delim);
	q->o->out += k;
	q->fill -= (size_t)k;
	q->head = q->fill == 0 ? 0 : (q->head + (size_t)k) % q->cap;  /* empty: reuse warm pages */
	return 0;
}

/* Something may go out once the pipe has room: cut() would not say 0 for want of input. */
static int
want_out(const struct q *q)
{
	if (q->fill == 0)
		return 0;
	return q->o->delim < 0 || q->inrec || q->eof || q->fill >= q->size || q->last_end > 0;
}

static void
fmt_size(char *buf, size_t len, double v)
{
	static const char units[] = "BKMGT";
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u == 0 ? "%.0f%c" : "%.1f%c", v, units[u]);
}

/* "\r 12.0M/64.0M (18%) in 512.0M/s out 498.1M/s": fill, and rates since the start. */
static void
bar(struct q *q, int last)
{
	char buf[160], f[16], s[16], in[16], out[16];
	int64_t now = csp_now(), el;
	int n;

	if (q->o->bar_fd == -1 || (!last && now < q->bar_next))
		return;
	q->bar_next = now + Q_BAR_MS;
	el = now - q->start > 0 ? now - q->start : 1;
	fmt_size(f, sizeof(f), (double)q->fill);
	fmt_size(s, sizeof(s), (double)q->size);
	fmt_size(in, sizeof(in), (double)q->o->in * 1000 / (double)el);
	fmt_size(out, sizeof(out), (double)q->o->out * 1000 / (double)el);
	n = snprintf(buf, sizeof(buf), "\r%s/%s (%d%%) in %s/s out %s/s%s%s", f, s,
	             (int)(q->fill * 100 / q->size), in, out,
	             isatty(q->o->bar_fd) ? "\033[K" : "   ", last ? "\n" : "");
	if (write(q->o->bar_fd, buf, (size_t)n) == -1)
		q->o->bar_fd = -1;  /* nowhere to draw: the data matters more */
}

static int
run(struct q *q, const csp_done *done)
{
	struct pollfd pfd[2 + CSP_DONE_DEPTH];
	int wait = 0, want_in, used = -1;
	int64_t until, nap = 0;

	pfd[1].fd = q->out;
	for (;;) {
		bar(q, 0);
		if (q->eof && q->fill == 0)
			return 0;
		want_in = !q->eof && q->fill < q->size &&
		          (q->o->records == 0 || q->held < q->o->records);
		/* Off, or an input at its end would report POLLHUP again and again. */
		pfd[0].fd = want_in ? q->in : -1;
		pfd[0].events = POLLIN;
		/* Always watched: a reader gone shows as POLLERR even while nothing is to go. */
		pfd[1].events = want_out(q) && !wait ? POLLOUT : 0;
		until = q->o->bar_fd != -1 ? q->bar_next : CSP_FOREVER;
		if (wait) {
			/* The reader took some since the last look: 1 ms again; took none: twice as long. */
			nap = q->used != used ? Q_ROOM_WAIT_MS :
			      nap * 2 < Q_ROOM_WAIT_MAX ? nap * 2 : Q_ROOM_WAIT_MAX;
			used = q->used;
			until = csp__min_deadline(until, csp_after(nap));
		}
		if (csp__react(pfd, 2, done, until, 0) == -1)
			return -1;
		if (pfd[1].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			errno = pfd[1].revents & POLLNVAL ? EBADF : EPIPE;  /* EPIPE: the reader went away */
			return -1;
		}
		if (pfd[0].revents != 0 && refill(q) == -1)
			return -1;
		if ((pfd[1].revents & POLLOUT || wait) && drain(q, &wait) == -1)
			return -1;
	}
}

int
csp_queue(int in, int out, csp_queue_opt *o, const csp_done *done)
{
	struct q q;
	struct stat st;
	int r, e;

	if (o->size == 0 || (o->records < 0) || (o->records > 0 && o->delim < 0)) {
		errno = EINVAL;
		return -1;
	}
	memset(&q, 0, sizeof(q));
	csp__nosigpipe();
	q.o = o;
	q.in = in;
	q.out = out;
	q.size = o->size;
	q.peek[0] = q.peek[1] = -1;
	q.intype = fdtype(in);
	q.inseek = fstat(in, &st) == 0 && (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode));
	q.outtype = fdtype(out);
	if (q.outtype == Q_PIPE && (q.outslots = fcntl(out, F_GETPIPE_SZ)) > 0)
		q.outslots /= Q_PAGE;
	else if (q.outtype == Q_PIPE)
		q.outtype = Q_OTHER;
	o->in = o->out = 0;
	o->peak = 0;
	if (ring_map(&q) == -1)
		return -1;
	q.start = csp_now();
	r = run(&q, done);
	e = errno;
	bar(&q, 1);
	munmap(q.base, 2 * q.cap);
	if (q.peek[0] != -1) {
		close(q.peek[0]);
		close(q.peek[1]);
	}
	errno = e;
	return r;
}
