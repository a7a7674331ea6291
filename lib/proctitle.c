/* proctitle.c: a name in ps for every goroutine process. */
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>
#include <sys/prctl.h>
#include <bsd/string.h>
#include <bsd/unistd.h>

#include "impl.h"

unsigned long csp__gen;

static void
forked_child(void)
{
	csp__gen++;
}

/* glibc hands constructors argc, argv and envp: what setproctitle needs. */
__attribute__((constructor)) static void
csp_init(int argc, char **argv, char **envp)
{
	if (argv != NULL && envp != NULL)
		setproctitle_init(argc, argv, envp);
	pthread_atfork(NULL, NULL, forked_child);
}

void
csp_setname(const char *name)
{
	char comm[16];

	strlcpy(comm, name, sizeof(comm));
	prctl(PR_SET_NAME, comm, 0, 0, 0);
	setproctitle("%s", name);
}
