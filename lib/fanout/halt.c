/*
 * halt.c: GNU parallel's --halt spec: never, or when,why=N or when,why=N%
 * (when: now or soon; why: fail, success or done), and its old forms
 * 0, 1, 2, -1, -2. Parsed apart from the command so it can be fuzzed.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "fanout/fanout.h"

int
csp_parse_halt(const char *s, csp_fanout_opt *o)
{
	static const struct { const char *s; int when, why; } old[] = {
		{ "1", CSP_HALT_SOON, CSP_HALT_FAIL }, { "2", CSP_HALT_NOW, CSP_HALT_FAIL },
		{ "-1", CSP_HALT_SOON, CSP_HALT_SUCCESS }, { "-2", CSP_HALT_NOW, CSP_HALT_SUCCESS },
	};
	static const struct { const char *s; int v; } whens[] = {
		{ "now,", CSP_HALT_NOW }, { "soon,", CSP_HALT_SOON },
	}, whys[] = {
		{ "fail=", CSP_HALT_FAIL }, { "success=", CSP_HALT_SUCCESS }, { "done=", CSP_HALT_DONE },
	};
	int when = -1, why = -1, pct = 0;
	long long n = 0;
	char num[32];
	size_t i, len;

	if (strcmp(s, "never") == 0 || strcmp(s, "0") == 0) {
		o->halt_when = CSP_HALT_NEVER;
		return 0;
	}
	for (i = 0; i < sizeof(old) / sizeof(old[0]); i++) {
		if (strcmp(s, old[i].s) == 0) {
			o->halt_when = old[i].when;
			o->halt_why = old[i].why;
			o->halt_n = 1;
			o->halt_pct = 0;
			return 0;
		}
	}
	for (i = 0; i < sizeof(whens) / sizeof(whens[0]) && when == -1; i++)
		if (strncmp(s, whens[i].s, strlen(whens[i].s)) == 0) {
			when = whens[i].v;
			s += strlen(whens[i].s);
		}
	for (i = 0; i < sizeof(whys) / sizeof(whys[0]) && when != -1 && why == -1; i++)
		if (strncmp(s, whys[i].s, strlen(whys[i].s)) == 0) {
			why = whys[i].v;
			s += strlen(whys[i].s);
		}
	len = strlen(s);
	if (why == -1 || len == 0 || len >= sizeof(num))
		goto bad;
	memcpy(num, s, len + 1);
	if (num[len - 1] == '%') {
		num[len - 1] = '\0';
		if (csp_parse_count(num, 1, 100, &n) == -1)
			goto bad;
		pct = (int)n;
		n = 0;
	} else if (csp_parse_count(num, 1, LLONG_MAX, &n) == -1) {
		goto bad;
	}
	o->halt_when = when;
	o->halt_why = why;
	o->halt_n = n;
	o->halt_pct = pct;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

/* GNU parallel's exit status: see csp_fanout(3). */
int
csp__fanout_exitval(const csp_fanout_opt *o, long long total, int halt_status)
{
	if (o->halted && o->halt_why == CSP_HALT_SUCCESS)
		return 0;
	if (o->halted && o->halt_why != CSP_HALT_SUCCESS && o->halt_pct == 0 && o->halt_n == 1)
		return halt_status;
	if (o->halt_pct > 0 && o->halt_when != CSP_HALT_NEVER)  /* rounded up, as parallel's */
		return total > 0 ? (int)((o->failed * 100 + total - 1) / total) : 0;
	return o->failed > 100 ? 101 : (int)o->failed;
}

/*
 * Has o's --halt condition been met, by the counts so far? total is how
 * many jobs there are in all, or -1 while unknown (a percentage waits).
 */
int
csp__halt_hit(const csp_fanout_opt *o, long long total)
{
	long long n = o->halt_why == CSP_HALT_FAIL ? o->failed :
	              o->halt_why == CSP_HALT_SUCCESS ? o->succeeded : o->failed + o->succeeded;

	if (o->halt_when == CSP_HALT_NEVER || o->halted)
		return 0;
	if (o->halt_pct > 0)
		return total > 0 && n * 100 >= (long long)o->halt_pct * total;
	return n >= o->halt_n;
}
