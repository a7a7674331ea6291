/*
 * color.c: --ctag, --color: each job's lines in colours of its own, as GNU
 * parallel paints them: a background from its readable palette chosen by
 * the job's number, the tag, the line, the colour reset, a newline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fanout/fanout.h"

#define RESET "\033[m"
#define CLEAR_EOL "\033[K"

/* Backgrounds readable under black text, then under white: parallel's ranges, inclusive. */
static const short black[][2] = {
	{ 6, 7 }, { 9, 11 }, { 13, 15 }, { 40, 51 }, { 75, 87 }, { 113, 123 }, { 147, 159 },
	{ 171, 182 }, { 185, 231 }, { 249, 254 },
};
static const short white[][2] = {
	{ 1, 9 }, { 12, 13 }, { 16, 45 }, { 52, 81 }, { 88, 114 }, { 124, 149 }, { 160, 178 },
	{ 180, 180 }, { 182, 184 }, { 196, 214 }, { 232, 250 },
};

/* Palette order: by index mod 23, then mod 7 downwards, so neighbours differ; ties stay. */
static int
order(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	if (x % 23 != y % 23)
		return x % 23 - y % 23;
	if (x % 7 != y % 7)
		return y % 7 - x % 7;
	return x - y;
}

/* The colour of job seq (and the clearing to the line's end), into buf; its length. */
size_t
csp__color(long long seq, char *buf, size_t size)
{
	int bg[512], idx[512], n = 0, i, k, nb = 0;

	for (k = 0; k < (int)(sizeof(black) / sizeof(black[0])); k++)
		for (i = black[k][0]; i <= black[k][1]; i++)
			bg[n++] = i;
	nb = n;
	for (k = 0; k < (int)(sizeof(white) / sizeof(white[0])); k++)
		for (i = white[k][0]; i <= white[k][1]; i++)
			bg[n++] = i;
	for (i = 0; i < n; i++)
		idx[i] = i;
	qsort(idx, (size_t)n, sizeof(idx[0]), order);
	i = idx[seq % n];
	return (size_t)snprintf(buf, size, "\033[48;5;%03d;38;5;%sm" CLEAR_EOL, bg[i],
	                        i < nb ? "000" : "231");
}

/* One line (without its newline) under tag: each \r inside ends the colour and starts it again. */
int
csp__color_put(csp_wr *w, const char *tag, size_t taglen, const char *p, size_t n,
               const csp_done *done)
{
	const char *q;

	if (csp_wr_put(w, tag, taglen, done) == -1)
		return -1;
	for (; (q = memchr(p, '\r', n)) != NULL; n -= (size_t)(q + 1 - p), p = q + 1)
		if (csp_wr_put(w, p, (size_t)(q - p), done) == -1 ||
		    csp_wr_put(w, RESET "\r", sizeof(RESET), done) == -1 ||
		    csp_wr_put(w, tag, taglen, done) == -1)
			return -1;
	if (csp_wr_put(w, p, n, done) == -1)
		return -1;
	return csp_wr_put(w, RESET "\n", sizeof(RESET), done);
}
