/* proctitle.c: a name in ps for every goroutine process. */
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <bsd/unistd.h>

#include "impl.h"

unsigned long csp__gen;

static void
forked_child(void)
{
	csp__gen++;
}

/*
 * Where ps reads the title: argv's strings and the environment's right after
 * them (setproctitle_init has moved environ out of the way), and the
 * "prog: " prefix setproctitle would put first.
 */
static char *title, *title_end;
static char prefix[64];

/* glibc hands constructors argc, argv and envp: what setproctitle needs. */
__attribute__((constructor)) static void
csp_init(int argc, char **argv, char **envp)
{
	char *end;
	int i;

	if (argv != NULL && envp != NULL && argc > 0) {
		/* Measured first: setproctitle_init moves argv[1..] and environ away. */
		end = argv[0];
		for (i = 0; i < argc && argv[i] == end; i++)
			end = argv[i] + strlen(argv[i]) + 1;
		for (i = 0; envp[i] != NULL && envp[i] == end; i++)
			end = envp[i] + strlen(envp[i]) + 1;
		title = argv[0];
		title_end = end - 1;  /* the last NUL stays */
		setproctitle_init(argc, argv, envp);
		snprintf(prefix, sizeof(prefix), "%s: ", getprogname());
	}
	pthread_atfork(NULL, NULL, forked_child);
	syscall(SYS_getpid);  /* bound here, so no child runs the dynamic linker for it */
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
