/*
 * replace.c: GNU parallel's replacement strings in an argument: {} the
 * record, {.} without its extension, {/} its basename, {//} its dirname,
 * {/.} the basename without extension, {#} the job's number, {%} its slot;
 * with several arguments a job, {N} {N.} {N/} {N//} {N/.} the Nth of them
 * ({-N} from the end) and {} all of them, a space between. Any other brace
 * is itself. Values can be shell-quoted as parallel quotes them, for a
 * script a shell will read. With --plus, parallel's more: {+/} {+.} {+..}
 * {+...} {..} {...} {/..} {/...} (the parts the others leave out, and two
 * or three extensions), {##} the number of jobs, {0#} {0%} zero-padded,
 * {:-str} str for an empty value, {:n} without its first n bytes and {:n:m}
 * m bytes from the nth (parallel's ${x:-str} ${x:n} ${x:n:m}).
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fanout/fanout.h"

enum { R_NONE, R_REC, R_NOEXT, R_BASE, R_DIR, R_BASENOEXT, R_SEQ, R_SLOT,
       R_PDIR, R_EXT1, R_EXT2, R_EXT3, R_NOEXT2, R_NOEXT3, R_BNOEXT2, R_BNOEXT3,
       R_DEFAULT, R_SUBSTR, R_TOTAL, R_SEQ0, R_SLOT0 };

/* {:-str}'s str, or {:n:m}'s n and m (m LONG_MAX for {:n}). */
struct mod {
	const char *dflt;
	size_t dlen;
	long off, len;
};

/* The kinds that are numbers of the job, not values: no {N...} form, never quoted. */
#define NUMBER(k) ((k) == R_SEQ || (k) == R_SLOT || (k) >= R_TOTAL)

static const struct { const char *s; int kind, plus; } forms[] = {
	{ "}", R_REC, 0 }, { ".}", R_NOEXT, 0 }, { "/}", R_BASE, 0 }, { "//}", R_DIR, 0 },
	{ "/.}", R_BASENOEXT, 0 }, { "#}", R_SEQ, 0 }, { "%}", R_SLOT, 0 },
	{ "+/}", R_PDIR, 1 }, { "+.}", R_EXT1, 1 }, { "+..}", R_EXT2, 1 }, { "+...}", R_EXT3, 1 },
	{ "..}", R_NOEXT2, 1 }, { "...}", R_NOEXT3, 1 }, { "/..}", R_BNOEXT2, 1 },
	{ "/...}", R_BNOEXT3, 1 }, { "##}", R_TOTAL, 1 }, { "0#}", R_SEQ0, 1 }, { "0%}", R_SLOT0, 1 },
};

/* A run of digits at *p, as a number within a million (parallel's \d+); -1 if none. */
static long
digits(const char **p)
{
	long v = 0;

	if (**p < '0' || **p > '9')
		return -1;
	for (; **p >= '0' && **p <= '9'; (*p)++)
		v = v < 1000000 ? v * 10 + (**p - '0') : v;
	return v;
}

/* --plus: {:-str} (str not empty, no brace in it), {:n}, {:n:m}, at p just after the {N. */
static int
modifier(const char *p, const char *s, size_t *n, struct mod *m)
{
	const char *q;

	if (*p++ != ':')
		return R_NONE;
	if (*p == '-') {
		if ((q = strchr(p + 1, '}')) == NULL || q == p + 1)
			return R_NONE;
		m->dflt = p + 1;
		m->dlen = (size_t)(q - p - 1);
		*n = (size_t)(q + 1 - s);
		return R_DEFAULT;
	}
	if ((m->off = digits(&p)) == -1)
		return R_NONE;
	m->len = LONG_MAX;
	if (*p == ':' && (p++, m->len = digits(&p)) == -1)
		return R_NONE;
	if (*p != '}')
		return R_NONE;
	*n = (size_t)(p + 1 - s);
	return R_SUBSTR;
}

/*
 * Which replacement string starts at s (after rec, -I's string for {}, if
 * set), its length in *n and, for {N...}, N in *pos (else 0); m the
 * modifier's, for {:-str} and {:n:m}.
 */
static int
which(const char *s, const char *rec, int plus, size_t *n, long *pos, struct mod *m)
{
	const char *p = s + 1;
	char *end;
	size_t i, l;
	int kind;

	*pos = 0;
	if (rec != NULL) {
		l = strlen(rec);
		if (strncmp(s, rec, l) == 0) {
			*n = l;
			return R_REC;
		}
	}
	if (*s != '{')
		return R_NONE;
	if ((*p >= '1' && *p <= '9') || (*p == '-' && p[1] >= '1' && p[1] <= '9')) {
		*pos = strtol(p, &end, 10);
		if (*pos == 0 || *pos > 1000000 || *pos < -1000000)
			return R_NONE;
		p = end;
	}
	if (plus && (kind = modifier(p, s, n, m)) != R_NONE)
		return kind;
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		if (rec != NULL && forms[i].kind == R_REC && *pos == 0)
			continue;  /* -I: {} is itself */
		if ((*pos != 0 && NUMBER(forms[i].kind)) || (forms[i].plus && !plus))
			continue;
		l = strlen(forms[i].s);
		if (strncmp(p, forms[i].s, l) == 0) {
			*n = (size_t)(p - s) + l;
			return forms[i].kind;
		}
	}
	return R_NONE;
}

/* The next place in s where a replacement string may start. */
static const char *
next(const char *s, const char *rec)
{
	const char *b = strchr(s, '{'), *r;

	if (rec == NULL || *rec == '{')
		return b;
	r = strstr(s, rec);
	return r == NULL ? b : b == NULL || r < b ? r : b;
}

int
csp__replace_has(const char *tmpl, const char *rec, int plus)
{
	struct mod m;
	size_t n;
	long pos;

	for (; (tmpl = next(tmpl, rec)) != NULL; tmpl++)
		if (which(tmpl, rec, plus, &n, &pos, &m) != R_NONE)
			return 1;
	return 0;
}

int
csp_replace_has(const char *tmpl)
{
	return csp__replace_has(tmpl, NULL, 0);
}

/* The last '/' in p[0..len), or NULL. */
static const char *
last_slash(const char *p, size_t len)
{
	return memrchr(p, '/', len);
}

/* p without the extension: from the last '.' after the last '/', if any. */
static size_t
noext(const char *p, size_t len)
{
	const char *s = last_slash(p, len), *dot;

	s = s != NULL ? s + 1 : p;
	dot = memrchr(s, '.', len - (size_t)(s - p));
	return dot != NULL ? (size_t)(dot - p) : len;
}

/*
 * Where the last k extensions of p start (their first dot), each of bytes
 * other than / and . after its dot, as parallel's \.[^/.]*$ sees them; -1 none.
 */
static long
exts(const char *p, size_t len, int k)
{
	size_t i = len;

	for (; k > 0; k--) {
		while (i > 0 && p[i - 1] != '/' && p[i - 1] != '.')
			i--;
		if (i == 0 || p[i - 1] != '.')
			return -1;
		i--;
	}
	return (long)i;
}

/* dirname(3): trailing slashes off, the last part off, its slashes off. */
static size_t
dir(const char *p, size_t len, const char **out)
{
	while (len > 1 && p[len - 1] == '/')
		len--;
	while (len > 0 && p[len - 1] != '/')
		len--;
	while (len > 1 && p[len - 1] == '/')
		len--;
	*out = len == 0 ? "." : p;
	return len == 0 ? 1 : len;
}

/* Append n bytes of s at *at, as far as there is room; *at counts them all. */
static void
put(char *dst, size_t size, size_t *at, const char *s, size_t n)
{
	if (*at < size)
		memcpy(dst + *at, s, n < size - *at ? n : size - *at);
	*at += n;
}

/*
 * s as one shell word, as parallel quotes: as it is when every byte is
 * safe, else in single quotes, each ' as '"'"'.
 */
static void
put_quoted(char *dst, size_t size, size_t *at, const char *s, size_t n)
{
	size_t i, from = 0;
	int safe = n > 0;

	for (i = 0; i < n && safe; i++)
		safe = strchr("-_.+/", s[i]) != NULL || (s[i] >= 'a' && s[i] <= 'z') ||
		       (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9');
	if (safe) {
		put(dst, size, at, s, n);
		return;
	}
	if (n == 0 || s[0] != '\'')
		put(dst, size, at, "'", 1);
	for (i = 0; i < n; i++) {
		if (s[i] != '\'')
			continue;
		put(dst, size, at, s + from, i - from);
		/* '' at either end is nothing: left out, as parallel leaves it out */
		put(dst, size, at, &"'\"'\"'"[i == 0], 5 - (i == 0) - (i == n - 1));
		from = i + 1;
	}
	put(dst, size, at, s + from, n - from);
	if (n == 0 || s[n - 1] != '\'')
		put(dst, size, at, "'", 1);
}

/* One argument in the form kind, quoted or not. */
static void
put_arg(char *dst, size_t size, size_t *at, int kind, const struct mod *m, const char *rec,
        size_t len, int quote)
{
	const char *base = last_slash(rec, len), *s = rec, *dot;
	size_t k = len, bl;
	long e;

	base = base != NULL ? base + 1 : rec;
	bl = len - (size_t)(base - rec);
	switch (kind) {
	case R_PDIR:  /* all before the last /, or nothing */
		k = base > rec ? (size_t)(base - 1 - rec) : 0;
		break;
	case R_EXT1:  /* all after the last dot, or nothing */
		dot = memrchr(rec, '.', len);
		s = dot != NULL ? dot + 1 : rec + len;
		k = len - (size_t)(s - rec);
		break;
	case R_EXT2:
	case R_EXT3:  /* the last two (three) extensions, or nothing */
		e = exts(rec, len, kind == R_EXT2 ? 2 : 3);
		s = e >= 0 ? rec + e + 1 : rec + len;
		k = len - (size_t)(s - rec);
		break;
	case R_NOEXT2:
	case R_NOEXT3:
		e = exts(rec, len, kind == R_NOEXT2 ? 2 : 3);
		k = e >= 0 ? (size_t)e : len;
		break;
	case R_BNOEXT2:
	case R_BNOEXT3:
		s = base;
		e = exts(base, bl, kind == R_BNOEXT2 ? 2 : 3);
		k = e >= 0 ? (size_t)e : bl;
		break;
	case R_NOEXT:
		k = noext(rec, len);
		break;
	case R_BASE:
		s = base;
		k = len - (size_t)(base - rec);
		break;
	case R_DIR:
		k = dir(rec, len, &s);
		break;
	case R_BASENOEXT:
		s = base;
		k = noext(base, len - (size_t)(base - rec));
		break;
	case R_DEFAULT:
		if (len == 0) {
			s = m->dflt;
			k = m->dlen;
		}
		break;
	case R_SUBSTR:  /* nothing when it starts past the end, as perl's substr */
		s = rec + ((size_t)m->off < len ? (size_t)m->off : len);
		k = len - (size_t)(s - rec);
		k = (size_t)m->len < k ? (size_t)m->len : k;
		break;
	}
	if (quote)
		put_quoted(dst, size, at, s, k);
	else
		put(dst, size, at, s, k);
}

/* Digits of n: 1 + floor(log10 n), as parallel counts them (1 for n < 10). */
static int
width(long long n)
{
	int w = 1;

	for (; n >= 10; n /= 10)
		w++;
	return w;
}

/* {#} {%} {##} {0#} {0%}: the job's numbers, in num. */
static size_t
number(char *num, size_t size, int kind, const csp__repl *r)
{
	long long v = kind == R_SEQ || kind == R_SEQ0 ? r->seq : kind == R_TOTAL ? r->total : r->slot;
	int w = kind == R_SEQ0 ? width(r->total) : kind == R_SLOT0 ? width(r->jobs) : 0;

	return (size_t)snprintf(num, size, "%0*lld", w, v);
}

size_t
csp__replace(char *dst, size_t size, const char *tmpl, const csp__repl *r)
{
	const char *p, *brace;
	struct mod m;
	size_t at = 0, n;
	long pos;
	int i, kind;
	char num[24];

	for (p = tmpl; (brace = next(p, r->rec)) != NULL;) {
		kind = which(brace, r->rec, r->o != NULL && (r->o->flags & CSP_FANOUT_PLUS), &n, &pos,
		             &m);
		put(dst, size, &at, p, (size_t)(brace - p) + (kind == R_NONE));
		p = brace + (kind == R_NONE ? 1 : n);
		if (kind == R_NONE)
			continue;
		if (NUMBER(kind)) {
			n = number(num, sizeof(num), kind, r);
			put(dst, size, &at, num, n);
		} else if (pos != 0) {
			pos = pos > 0 ? pos - 1 : r->nargs + pos;
			if (pos >= 0 && pos < r->nargs)
				put_arg(dst, size, &at, kind, &m, r->args[pos].p, r->args[pos].len,
				        r->quote);
		} else {
			for (i = 0; i < r->nargs; i++) {
				if (i > 0)
					put(dst, size, &at, " ", 1);
				put_arg(dst, size, &at, kind, &m, r->args[i].p, r->args[i].len, r->quote);
			}
		}
	}
	put(dst, size, &at, p, strlen(p));
	if (size > 0)
		dst[at < size ? at : size - 1] = '\0';
	return at;
}

size_t
csp__quote(char *dst, size_t size, const char *s, size_t n)
{
	size_t at = 0;

	put_quoted(dst, size, &at, s, n);
	if (size > 0)
		dst[at < size ? at : size - 1] = '\0';
	return at;
}

/*
 * tmpl with its replacement strings expanded, NUL-terminated, into dst (as
 * much as fits in size). Returns the length the whole expansion needs,
 * without the NUL, as snprintf does: size it from the return and call again.
 */
size_t
csp_replace(char *dst, size_t size, const char *tmpl, const char *rec, size_t len,
            long long seq, int slot)
{
	csp__arg a = { rec, len };
	csp__repl r = { &a, 1, seq, slot, 0, NULL, NULL, 0, 0 };

	return csp__replace(dst, size, tmpl, &r);
}

/* Shells whose -c takes a script: a record pasted into it would be code. */
static int
is_shell(const char *path)
{
	static const char *const shells[] = {
		"sh", "bash", "dash", "ash", "ksh", "mksh", "lksh", "pdksh", "oksh", "zsh",
		"yash", "posh", "busybox",
	};
	const char *b = strrchr(path, '/');
	size_t i;

	b = b != NULL ? b + 1 : path;
	for (i = 0; i < sizeof(shells) / sizeof(shells[0]); i++)
		if (strcmp(b, shells[i]) == 0)
			return 1;
	return 0;
}

/*
 * The index of argv's script word, when argv runs a shell with -c (its
 * options before, -o and -O taking a value; busybox sh too), else -1.
 */
int
csp__script_word(char *const argv[])
{
	int i = 1, c = 0;
	const char *o;

	if (argv[0] == NULL || !is_shell(argv[0]))
		return -1;
	if (strcmp(strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0], "busybox") == 0) {
		if (argv[1] == NULL || !is_shell(argv[1]))
			return -1;
		i = 2;
	}
	for (; argv[i] != NULL; i++) {
		o = argv[i];
		if (strcmp(o, "--") == 0) {
			i++;
			break;
		}
		if ((o[0] != '-' && o[0] != '+') || o[1] == '\0')
			break;
		if (o[0] == '-' && o[1] == '-')
			continue;  /* a long option: --norc, --posix */
		c |= o[0] == '-' && strchr(o, 'c') != NULL;
		if (strpbrk(o + 1, "oO") != NULL && argv[i + 1] != NULL)
			i++;  /* -o pipefail */
	}
	return c && argv[i] != NULL ? i : -1;
}
