/*
 * cut.c: --pipe's blocks cut as GNU parallel cuts them when told where
 * records end: where --recend is followed by --recstart, or (--group-by)
 * before each line whose column differs from the line before. A block is
 * the records up to the last such place within --block bytes (whole, if
 * no place is there), or -N records; what is left at the end, whole.
 * With --header each block starts with the header line, not counted;
 * --rrs takes each --recend --recstart out, a first --recstart and a last
 * --recend too, as parallel's --remove-rec-sep.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "fanout/fanout.h"

/* parallel's --group-by marks each group with a 20-byte string that its blocks count. */
#define GROUP_MARK 20
/* A full block with no place to cut: ceil(1.3 b + 1), parallel's growth. */
#define GROW(b) (1 + ((b) * 13 + 9) / 10)
static const char grow;  /* group_cut's answer: grow the block */

int
csp__cut_custom(const csp_fanout_opt *o)
{
	return o->recstart != NULL || o->recend != NULL || o->group_by > 0 || o->header != NULL ||
	       (o->flags & CSP_FANOUT_RRS);
}

/* --rrs: b's n bytes without each re+rs, a leading rs, a trailing re; its new length. */
static size_t
rrs(char *b, size_t n, const char *re, const char *rs)
{
	size_t ne = strlen(re), ns = strlen(rs), i, k = 0;

	for (i = 0; i < n;) {
		if (ne + ns > 0 && i + ne + ns <= n && memcmp(b + i, re, ne) == 0 &&
		    memcmp(b + i + ne, rs, ns) == 0) {
			i += ne + ns;
			continue;
		}
		b[k++] = b[i++];
	}
	if (ns > 0 && k >= ns && memcmp(b, rs, ns) == 0) {
		memmove(b, b + ns, k - ns);
		k -= ns;
	}
	if (ne > 0 && k >= ne && memcmp(b + k - ne, re, ne) == 0)
		k -= ne;
	return k;
}

/*
 * --header, --rrs: the block made again in a buffer kept from one block to
 * the next: the header line first, the separators out. o NULL: freed.
 */
static int
remake(const csp_fanout_opt *o, const char **blk, size_t *len)
{
	static char *buf;
	static size_t cap;
	const char *re = o != NULL && o->recend != NULL ? o->recend : o != NULL && o->recstart ? "" : "\n";
	size_t hl;

	if (o == NULL) {  /* no block will come: the buffer goes */
		free(buf);
		buf = NULL;
		cap = 0;
		return -1;
	}
	hl = o->header != NULL ? strlen(o->header) : 0;
	if (csp__grow(&buf, &cap, hl + *len) == -1)
		return -2;
	memcpy(buf, o->header != NULL ? o->header : "", hl);
	memcpy(buf + hl, *blk, *len);
	if (o->flags & CSP_FANOUT_RRS)
		*len = rrs(buf + hl, *len, re, o->recstart != NULL ? o->recstart : "");
	*blk = buf;
	*len += hl;
	return 1;
}

/* The next place at or after from where the end meets the start; its end part's length in *endlen. */
static const char *
find_sep(const char *p, const char *end, const csp_fanout_opt *o, size_t *endlen)
{
	const char *re = o->recend != NULL ? o->recend : o->recstart != NULL ? "" : "\n";
	const char *rs = o->recstart != NULL ? o->recstart : "";
	size_t ne = strlen(re), ns = strlen(rs);
	const char *q;

	*endlen = ne;
	for (; p + ne + ns <= end; p = q + 1) {
		if (ne + ns == 0)
			return p <= end ? p : NULL;  /* records end anywhere, the very end too */
		if ((q = memmem(p, (size_t)(end - p), ne ? re : rs, ne ? ne : ns)) == NULL ||
		    q + ne + ns > end)
			return NULL;
		if (memcmp(q + ne, rs, ns) == 0)
			return q;
	}
	return NULL;
}

/* --group-by: where the line at p ends, and where its column's value is. */
static const char *
line_value(const char *p, const char *end, const csp_fanout_opt *o, const char **v, size_t *vlen)
{
	const char *sep = o->colsep != NULL ? o->colsep : "\t", *q, *eol;
	size_t ns = strlen(sep);
	int col;

	eol = memchr(p, '\n', (size_t)(end - p));
	eol = eol != NULL ? eol + 1 : end;
	*v = eol;
	*vlen = 0;
	/* The value keeps the newline when it is the last column, as perl -a gives it. */
	for (col = 1; p < eol; col++, p = q + ns) {
		q = memmem(p, (size_t)(eol - p), sep, ns);
		if (col == o->group_by) {
			*v = p;
			*vlen = (size_t)((q != NULL ? q : eol) - p);
			break;
		}
		if (q == NULL)
			break;
	}
	return eol;
}

/*
 * --group-by: the cut after n groups (n > 0), or the last group start
 * within want bytes counting parallel's marks (n == 0). NULL: none yet.
 */
static const char *
group_cut(const char *p, const char *end, const csp_fanout_opt *o, long n, size_t want, int eof)
{
	const char *q, *v, *pv = NULL, *cut = NULL;
	size_t vl, pvl = 0, at = 0;
	long groups = 0;

	for (q = p; q < end;) {
		const char *eol = memchr(q, '\n', (size_t)(end - q));

		if (eol == NULL && !eof)
			break;  /* its value is not known until the line is whole */
		eol = line_value(q, end, o, &v, &vl);
		if (pv == NULL || vl != pvl || memcmp(v, pv, vl) != 0) {
			if (q > p && n > 0 && ++groups == n)
				return q;
			if (q > p && n == 0 && at + GROUP_MARK <= want)
				cut = q;
			at += GROUP_MARK;
		}
		at += (size_t)(eol - q);
		if (n == 0 && at > want)
			return cut != NULL ? cut : &grow;  /* none in a full window: grow the block */
		pv = v;
		pvl = vl;
		q = eol;
	}
	if (n == 0 && at >= want)
		return cut != NULL ? cut : &grow;
	return NULL;
}

/*
 * 1 and the next block; 0 when more input is needed first; -1 when no block
 * will come. A full block with no place to cut grows o->block by 1.3, as
 * parallel grows it (and keeps it grown), until the window holds a place.
 */
int
csp__cut_next(csp_rd *r, csp_fanout_opt *o, const char **blk, size_t *len)
{
	const char *p = r->buf + r->head, *end = r->buf + r->tail, *q, *cut;
	size_t avail = r->tail - r->head, want, ne;
	long k;

	if (avail == 0)
		return r->eof ? remake(NULL, blk, len) : 0;
again:
	cut = NULL;
	want = o->block;
	if (o->group_by > 0) {
		cut = group_cut(p, end, o, o->per_job > 0 ? o->per_job : 0, want, r->eof);
		if (cut == &grow) {
			o->block = GROW(o->block);
			goto again;
		}
	} else if (o->per_job > 0) {
		/* -N: the Nth place, counted from the block's second byte, as parallel counts. */
		for (q = p, k = 0; k < o->per_job && q != NULL; k++)
			q = find_sep(q + 1, end, o, &ne);
		cut = q != NULL ? q + ne : NULL;
	} else if (avail >= want) {
		/* The last place that ends within want bytes, and leaves something before it. */
		for (q = p; (q = find_sep(q, p + want, o, &ne)) != NULL; q++)
			if (q + ne > p)
				cut = q + ne;
		if (cut == NULL) {
			o->block = GROW(o->block);
			goto again;
		}
	}  /* less than a block: parallel reads on first, and at the end passes it whole */
	if (cut == NULL || cut == p) {
		if (!r->eof)
			return 0;
		cut = end;  /* the rest, whole */
	}
	*blk = p;
	*len = (size_t)(cut - p);
	r->head += *len;
	r->scan = r->head;
	return o->header != NULL || (o->flags & CSP_FANOUT_RRS) ? remake(o, blk, len) : 1;
}
