/*
 * part.c: --pipepart: a seekable file cut into parts as GNU parallel cuts
 * it (each cut at the first record end at least --block bytes after the
 * cut before), found by reading only around each cut; a part goes to its
 * job's stdin from the file by the kernel, never through our memory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fanout/fanout.h"

#define LOOK 65536  /* bytes read at a time looking for a record's end */

/* The first place at or after pos where --recend meets --recstart (just after the end); -1 none. */
static off_t
find_cut(int fd, off_t pos, const csp_fanout_opt *o)
{
	const char *re = o->recend != NULL ? o->recend : o->recstart != NULL ? "" : "\n";
	const char *rs = o->recstart != NULL ? o->recstart : "";
	char sep[256], buf[256 + LOOK], *q;
	size_t ne = strlen(re), ns = strlen(rs), keep = 0;
	ssize_t n;

	if (ne + ns == 0)
		return pos;
	if (ne + ns > 256) {
		errno = ENAMETOOLONG;
		return -2;
	}
	memcpy(sep, re, ne);
	memcpy(sep + ne, rs, ns);
	for (;;) {
		if ((n = pread(fd, buf + keep, LOOK, pos + (off_t)keep)) == -1) {
			if (errno == EINTR)
				continue;
			return -2;
		}
		if (n == 0)
			return -1;
		if ((q = memmem(buf, keep + (size_t)n, sep, ne + ns)) != NULL)
			return pos + (q - buf) + (off_t)ne;
		/* The last bytes may begin a separator that the next read completes. */
		n += (ssize_t)keep;
		keep = ne + ns - 1 < (size_t)n ? ne + ns - 1 : (size_t)n;
		memmove(buf, buf + n - keep, keep);
		pos += n - (ssize_t)keep;
	}
}

/* 1 and the part from *at (*at moved past it); -1 when none is left, errno 0; -2 an error. */
int
csp__part_next(int fd, const csp_fanout_opt *o, off_t *at, size_t *len)
{
	struct stat st;
	off_t cut;

	if (fstat(fd, &st) == -1)
		return -2;
	if (*at >= st.st_size)
		return -1;
	cut = st.st_size;
	if (*at + (off_t)o->block < st.st_size) {
		if ((cut = find_cut(fd, *at + (off_t)o->block, o)) == -2)
			return -2;
		if (cut == -1 || cut > st.st_size)
			cut = st.st_size;
	}
	*len = (size_t)(cut - *at);
	*at = cut;
	return 1;
}

/* len bytes of fd from at into to, in the kernel. */
int
csp__part_send(int to, int fd, off_t at, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = sendfile(to, fd, &at, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EIO;  /* the file shrank under us */
			return -1;
		}
		len -= (size_t)n;
	}
	return 0;
}
