/*
 * sshcmd.c: the command line a remote shell runs. ssh joins its words with
 * blanks and hands them to the login's shell, so each word goes single-quoted:
 * any bytes arrive as they were. The job runs under a small POSIX sh wrapper.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fanout/ssh.h"

/*
 * The wrapper: sh -c WRAPPER csp-job MODE DIR [NAME=VALUE...] -- COMMAND...
 * sshd made it a session and group leader, so its group holds the job and
 * all the job starts, bar setsid() escapers. Its stdin is ssh's, which
 * cspipe holds open while the job runs. MODE r: the job's stdin is
 * /dev/null; MODE N (--pipe): the job's stdin is the first N bytes that come
 * (its block), then EOF. After those, EOF on ssh's stdin (ssh killed, the
 * connection dropped, cspipe gone) stops the job's group and every process
 * descended from the wrapper at that moment (escapers whose parents still
 * live): SIGTERM, then SIGKILL. When the job ends its group goes (what it
 * left in it), and the wrapper exits with the job's status. The watcher of
 * MODE N is no member of the job's pipeline: dash's wait would wait for it.
 * It reads with the shell's read, one fork a job less than a cat.
 * Where csp-timeout is on the remote PATH (after the NAME=VALUEs, so --env
 * PATH counts), the job runs as "csp-timeout 0 COMMAND...": cspipe's
 * guardian, a subreaper, so an escaper whose parents have exited is still
 * its descendant; the SIGTERM reaches it, it stops the whole tree, and the
 * wrapper waits for that instead of a fixed second before its SIGKILL.
 */
const char csp__ssh_wrapper[] =
	"m=$1 d=$2; shift 2\n"
	"while [ \"$1\" != -- ]; do export \"$1\"; shift; done; shift\n"
	"if [ -n \"$d\" ]; then mkdir -p -- \"$d\" && cd -- \"$d\" || exit 255; fi\n"
	"g=; if command -v csp-timeout >/dev/null 2>&1; then g=1; set -- csp-timeout 0 \"$@\"; fi\n"
	"t() {\n"
	"\ttrap '' TERM\n"
	"\tl=$(ps -A -o pid= -o ppid= 2>/dev/null | awk -v r=$$ '{ p[$1] = $2 }\n"
	"\t\tEND { d[r] = 1; do { c = 0; for (k in p) if (!(k in d) && (p[k] in d)) { d[k] = 1; c = 1 } } while (c)\n"
	"\t\t\tfor (k in d) if (k != r) printf \"%s \", k }')\n"
	"\tkill -TERM $l 0 2>/dev/null\n"
	"\tif [ -n \"$g\" ]; then wait $j; else sleep 1; fi\n"
	"\tkill -KILL $l 0 2>/dev/null; exit 255\n"
	"}\n"
	"exec 3<&0 </dev/null\n"
	"trap t USR1\n"
	"if [ \"$m\" = r ]; then \"$@\" 3<&- & j=$!; { while read -r _; do :; done <&3; kill -USR1 $$; } &\n"
	"else { head -c \"$m\"; exec >/dev/null 2>&1; { while read -r _; do :; done <&3; kill -USR1 $$; } & } <&3 | \"$@\" 3<&- &\n"
	"\tj=$!; fi\n"
	"exec 3<&-\n"
	"wait $j; s=$?\n"
	"trap '' TERM USR1; kill -TERM 0 2>/dev/null\n"
	"exit $s\n";

/* s as one word of the remote shell, quoted as every record is (replace.c). */
static size_t
quote(char *dst, const char *s)
{
	return csp__quote(dst, dst != NULL ? SIZE_MAX : 0, s, strlen(s));
}

static size_t
line(char *dst, const char *script, const char *name, char *const *pre, int npre,
     char *const *args)
{
	static const char head[] = "exec sh -c ";
	size_t n = sizeof(head) - 1;
	int i;

	if (dst != NULL)
		memcpy(dst, head, n);
	n += quote(dst != NULL ? dst + n : NULL, script);
	if (dst != NULL)
		dst[n] = ' ';
	n++;
	n += quote(dst != NULL ? dst + n : NULL, name);
	for (i = 0; i < npre; i++) {
		if (dst != NULL)
			dst[n] = ' ';
		n++;
		n += quote(dst != NULL ? dst + n : NULL, pre[i]);
	}
	for (i = 0; args != NULL && args[i] != NULL; i++) {
		if (dst != NULL)
			dst[n] = ' ';
		n++;
		n += quote(dst != NULL ? dst + n : NULL, args[i]);
	}
	if (dst != NULL)
		dst[n] = '\0';
	return n;
}

char *
csp__ssh_line(const char *script, const char *name, char *const *pre, int npre,
              char *const *args)
{
	char *s = malloc(line(NULL, script, name, pre, npre, args) + 1);

	if (s != NULL)
		line(s, script, name, pre, npre, args);
	return s;
}
