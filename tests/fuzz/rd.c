/*
 * rd.c: record framing for -d and -0. The input arrives in chunks (one
 * read each, through a SOCK_SEQPACKET pair), is cut into records by
 * csp_rd_next, and the records put back together must give the input,
 * byte for byte; each record holds one terminator, at its end, except a
 * final one without. csp_wr_rec then writes them out as the commands do.
 * Input: a byte choosing the terminator and the chunk size, then the data.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sv[2], delim, mfd;
	size_t chunk, off, at = 0, recs = 0, delims = 0, i;
	ssize_t n;
	char *rec, *back, *out;
	csp_rd rd;
	csp_wr wr;

	if (size < 1 || size > 60000)  /* the pair must hold it all: one process writes and reads */
		return 0;
	delim = data[0] & 1 ? '\0' : '\n';
	chunk = (size_t)(data[0] >> 1) + 1;
	data++;
	size--;
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
	{
		int big = 1 << 20;

		setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
		setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	}
	for (off = 0; off < size; off += (size_t)n) {
		n = write(sv[0], data + off, size - off < chunk ? size - off : chunk);
		CHECK(n > 0);
	}
	CHECK(shutdown(sv[0], SHUT_WR) == 0);

	CHECK((back = malloc(size + 1)) != NULL);
	CHECK((mfd = memfd_create("fuzz-out", MFD_CLOEXEC)) != -1);
	CHECK(csp_rd_init(&rd, sv[1], delim) == 0);
	CHECK(csp_wr_init(&wr, mfd) == 0);
	while ((n = csp_rd_next(&rd, &rec, NULL)) > 0) {
		char *d = memchr(rec, delim, (size_t)n);

		CHECK(at + (size_t)n <= size);
		/* One terminator, at the end; only the last record may lack it. */
		CHECK(d == NULL || d == rec + n - 1);
		CHECK(d != NULL || at + (size_t)n == size);
		memcpy(back + at, rec, (size_t)n);
		at += (size_t)n;
		recs++;
		CHECK(csp_wr_rec(&wr, rec, (size_t)n, delim, NULL) == 0);
	}
	CHECK(n == 0);
	CHECK(at == size && memcmp(back, data, size) == 0);
	for (i = 0; i < size; i++)
		delims += data[i] == delim;
	CHECK(recs == delims + (size > 0 && data[size - 1] != delim));

	/* Written out: the input, with a terminator added to a final record that lacked one. */
	CHECK(csp_wr_flush(&wr, NULL) == 0);
	n = lseek(mfd, 0, SEEK_END);
	CHECK(n == (ssize_t)(size + (size > 0 && data[size - 1] != delim)));
	CHECK((out = malloc((size_t)n + 1)) != NULL);
	CHECK(pread(mfd, out, (size_t)n, 0) == n);
	CHECK(memcmp(out, data, size) == 0);
	CHECK((size_t)n == size || out[size] == (char)delim);

	free(out);
	csp_wr_free(&wr);
	csp_rd_free(&rd);
	close(mfd);
	close(sv[0]);
	close(sv[1]);
	free(back);
	return 0;
}
