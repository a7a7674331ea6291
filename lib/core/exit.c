/* exit.c: the exit-code table's answer for a program that could not be run. */
#include <errno.h>

#include "core/impl.h"

/* Not found 127, found but not runnable 126, anything else (fork, memory) 125. */
int
csp_exec_status(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		return CSP_EXIT_NOTFOUND;
	case EACCES:
	case ENOEXEC:
	case EPERM:
	case EISDIR:
	case ETXTBSY:
	case ELOOP:
	case ENAMETOOLONG:
	case E2BIG:
		return CSP_EXIT_NOEXEC;
	default:
		return CSP_EXIT_SYS;
	}
}
