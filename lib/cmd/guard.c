/*
 * guard.c: the SIGKILL guardian. The pid the user sees and kills stays a
 * small process that only waits; a forked worker does the command's work.
 * Kill the guardian, even with SIGKILL, and the worker hears of it at once
 * (its death signal) and stops its whole tree; kill the worker, and its
 * orphans come to the guardian (a subreaper), which stops them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/impl.h"

#define GUARD_GRACE_MS 500        /* a dead worker's leftovers: SIGTERM, this, SIGKILL */
#define GUARD_DEATHSIG SIGTERM    /* what the worker gets when the guardian dies */

/* Hold none of the worker's data: its readers and writers see EOF and EPIPE as before. */
static void
drop_fds(void)
{
	int nul = open("/dev/null", O_RDWR | O_CLOEXEC), fd;

	if (nul != -1) {
		dup2(nul, STDIN_FILENO);
		dup2(nul, STDOUT_FILENO);
	}
	if (syscall(SYS_close_range, 3, ~0U, 0) == -1)
		for (fd = 3; fd < 1024; fd++)
			close(fd);
}

/* End as the worker ended: its exit status, or its signal raised again. */
/*
 * End the process by sig, as if it had never been caught: the parent sees
 * WIFSIGNALED, which is how a shell loop knows to stop on Ctrl-C. No core
 * file: nothing crashed. Exits 128+sig if sig does not end a process.
 */
void
csp_reraise(int sig)
{
	struct sigaction sa;
	struct rlimit rl;
	sigset_t set;

	fflush(NULL);
	if (getrlimit(RLIMIT_CORE, &rl) == 0 && rl.rlim_cur != 0) {
		rl.rlim_cur = 0;
		setrlimit(RLIMIT_CORE, &rl);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	kill(getpid(), sig);
	_exit(CSP_EXIT_SIGNAL + sig);
}

static void __attribute__((noreturn))
end_like(int ws)
{
	if (WIFSIGNALED(ws))
		csp_reraise(WTERMSIG(ws));
	_exit(WIFEXITED(ws) ? WEXITSTATUS(ws) : CSP_EXIT_SYS);
}

/*
 * The guardian: pass on every ending signal but one the terminal sent that
 * our parent had us ignore (the worker, in our process group, got that one
 * itself); reap; once the worker is gone, stop what it left, end like it.
 */
static void __attribute__((noreturn))
guard(pid_t worker, const sigset_t *set)
{
	siginfo_t si;
	int ws = 0, sig;
	pid_t r;

	drop_fds();
	for (;;) {
		if ((sig = sigwaitinfo(set, &si)) == -1)
			continue;  /* EINTR: a stop and a continue */
		if (sig != SIGCHLD) {
			if (!(si.si_code == SI_KERNEL && CSP__IGNORED(sig)))
				kill(worker, sig);
			continue;
		}
		while ((r = waitpid(-1, &ws, WNOHANG)) > 0 && r != worker)
			;  /* the worker's orphans, once it is gone */
		if (r == worker)
			break;
		if (r == -1 && errno == ECHILD) {
			ws = CSP_EXIT_SYS << 8;  /* reaped by someone else: we cannot know how */
			break;
		}
	}
	csp_stop_tree(SIGTERM, GUARD_GRACE_MS);
	end_like(ws);
}

/*
 * Fork the worker and return 0 in it; the caller, now the guardian, never
 * returns. The worker gets GUARD_DEATHSIG when the guardian dies: the
 * caller must take it as cancellation (csp_command_start does) and block
 * it until then. SIGCHLD is left at its default. -1 with errno if the fork failed; nothing changed then.
 */
int
csp_guard(void)
{
	pid_t parent = getpid(), pid;
	sigset_t set, old;
	int e;

	csp__term_set(&set);
	sigaddset(&set, SIGCHLD);
	if (signal(SIGCHLD, SIG_DFL) == SIG_ERR || sigprocmask(SIG_BLOCK, &set, &old) == -1)
		return -1;  /* SIGCHLD ignored: the worker would reap itself, unseen */
	/* Before the fork: a worker that dies at once still leaves its orphans to us. */
	if (csp_subreaper() == -1)
		goto fail;
	fflush(NULL);
	if ((pid = fork()) == -1) {
		prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
		goto fail;
	}
	if (pid > 0)
		guard(pid, &set);
	if (prctl(PR_SET_PDEATHSIG, GUARD_DEATHSIG, 0, 0, 0) == -1 || getppid() != parent)
		_exit(CSP_EXIT_SIGNAL + SIGKILL);  /* the guardian died before the line above */
	sigprocmask(SIG_SETMASK, &old, NULL);
	return 0;
fail:
	e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return -1;
}
