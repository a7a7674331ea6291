/*
 * replace.c: GNU parallel's replacement strings in an argument: {} the
 * record, {.} without its extension, {/} its basename, {//} its dirname,
 * {/.} the basename without extension, {#} the job's number, {%} its slot.
 * Any other brace is itself.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "impl.h"

enum { R_NONE, R_REC, R_NOEXT, R_BASE, R_DIR, R_BASENOEXT, R_SEQ, R_SLOT };

/* Which replacement string starts at s, and its length in *n. */
static int
which(const char *s, size_t *n)
{
	static const struct { const char *s; int kind; } rs[] = {
		{ "{}", R_REC }, { "{.}", R_NOEXT }, { "{/}", R_BASE }, { "{//}", R_DIR },
		{ "{/.}", R_BASENOEXT }, { "{#}", R_SEQ }, { "{%}", R_SLOT },
	};
	size_t i, l;

	for (i = 0; i < sizeof(rs) / sizeof(rs[0]); i++) {
		l = strlen(rs[i].s);
		if (strncmp(s, rs[i].s, l) == 0) {
			*n = l;
			return rs[i].kind;
		}
	}
	return R_NONE;
}

int
csp_replace_has(const char *tmpl)
{
	size_t n;

	for (; (tmpl = strchr(tmpl, '{')) != NULL; tmpl++)
		if (which(tmpl, &n) != R_NONE)
			return 1;
	return 0;
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
 * tmpl with its replacement strings expanded, NUL-terminated, into dst (as
 * much as fits in size). Returns the length the whole expansion needs,
 * without the NUL, as snprintf does: size it from the return and call again.
 */
size_t
csp_replace(char *dst, size_t size, const char *tmpl, const char *rec, size_t len,
            long long seq, int slot)
{
	const char *p, *brace, *s, *base;
	size_t at = 0, n, k;
	char num[24];

	base = last_slash(rec, len);
	base = base != NULL ? base + 1 : rec;
	for (p = tmpl; (brace = strchr(p, '{')) != NULL;) {
		int kind = which(brace, &n);

		put(dst, size, &at, p, (size_t)(brace - p) + (kind == R_NONE));
		p = brace + (kind == R_NONE ? 1 : n);
		switch (kind) {
		case R_REC:
			put(dst, size, &at, rec, len);
			break;
		case R_NOEXT:
			put(dst, size, &at, rec, noext(rec, len));
			break;
		case R_BASE:
			put(dst, size, &at, base, len - (size_t)(base - rec));
			break;
		case R_DIR:
			k = dir(rec, len, &s);
			put(dst, size, &at, s, k);
			break;
		case R_BASENOEXT:
			put(dst, size, &at, base, noext(base, len - (size_t)(base - rec)));
			break;
		case R_SEQ:
		case R_SLOT:
			k = (size_t)snprintf(num, sizeof(num), "%lld",
			                     kind == R_SEQ ? seq : (long long)slot);
			put(dst, size, &at, num, k);
			break;
		}
	}
	put(dst, size, &at, p, strlen(p));
	if (size > 0)
		dst[at < size ? at : size - 1] = '\0';
	return at;
}
