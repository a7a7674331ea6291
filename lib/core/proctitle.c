/* proctitle.c: a name in ps for every goroutine process. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <bsd/unistd.h>

#include "core/impl.h"

unsigned long csp__gen;

static void
forked_child(void)
{
	csp__gen++;
}

/*
 * Where ps reads the title: argv's strings and the environment's right after
 * them (csp_title_init has moved them out of the way), and the "prog: "
 * prefix setproctitle would put first. NULL until the program asks for it.
 */
static char *title, *title_end;
static char prefix[64];

extern char **environ;

/*
 * No argv or environ is touched unless the program asks: a library linked
 * or dlopen()ed must leave both as they are. Only the fork count is set up.
 */
__attribute__((constructor)) static void
csp_init(void)
{
	pthread_atfork(NULL, NULL, forked_child);
	syscall(SYS_getpid);  /* bound here, so no child runs the dynamic linker for it */
}

int
csp_title_init(int argc, char *argv[])
{
	char *end;
	int i;

	if (title != NULL)
		return 0;
	if (argc <= 0 || argv == NULL || argv[0] == NULL || environ == NULL) {
		errno = EINVAL;
		return -1;
	}
	/* Measured first: setproctitle_init moves argv[1..] and environ away. */
	end = argv[0];
	for (i = 0; i < argc && argv[i] == end; i++)
		end = argv[i] + strlen(argv[i]) + 1;
	for (i = 0; environ[i] != NULL && environ[i] == end; i++)
		end = environ[i] + strlen(environ[i]) + 1;
	setproctitle_init(argc, argv, environ);
	/* It fails silently (no memory): then the strings are still there, in use. */
	if ((argc > 1 && argv[argc - 1] >= argv[0] && argv[argc - 1] < end) ||
	    (environ != NULL && environ[0] != NULL && environ[0] >= argv[0] &&
	    environ[0] < end)) {
		errno = ENOMEM;
		return -1;
	}
	snprintf(prefix, sizeof(prefix), "%s: ", getprogname());
	title_end = end - 1;  /* the last NUL stays */
	title = argv[0];
	return 0;
}

void
csp_setname(const char *name)
{
	char comm[16];
	volatile char *t = title;  /* volatile: no loop turned into a memset call */
	const char *s;
	size_t i;

	/*
	 * This runs in a fresh fork, where every code page not touched yet is
	 * a page fault: byte loops and syscall() (bound in the parent already),
	 * not strlcpy, prctl and setproctitle, whose vsnprintf alone is several.
	 */
	for (i = 0; name[i] != '\0' && i < sizeof(comm) - 1; i++)
		comm[i] = name[i];
	comm[i] = '\0';
	syscall(SYS_prctl, PR_SET_NAME, comm, 0, 0, 0);
	for (s = prefix; t != NULL && t < title_end && *s != '\0'; )
		*t++ = *s++;
	for (s = name; t != NULL && t < title_end && *s != '\0'; )
		*t++ = *s++;
	while (t != NULL && t < title_end)
		*t++ = '\0';  /* as setproctitle does: no old argument shows after the name */
}
