/*
 * skeleton.c: a command's main in four calls. csp_cmd_init, then a loop of
 * csp_cmd_opt over the option table, csp_cmd_start, the one library call,
 * and return csp_cmd_exit: --done, -0, the guardian, signals, standard
 * input and output, the stop of what was left and the exit statuses every
 * command shares are here once. Like usage.c these print and exit.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cspipe.h"

#define CMD_GRACE_MS 1000         /* what the commands left: SIGTERM, this, SIGKILL */

void
csp_cmd_init(csp_cmd *c, const csp_usage *u, int argc, char *argv[])
{
	csp_title_init(argc, argv);
	memset(c, 0, sizeof(*c));
	c->use = u;
	c->usage_status = CSP_EXIT_USAGE;
	c->delim = '\n';
	c->grace = CMD_GRACE_MS;
}

void
csp_cmd_usage(const csp_cmd *c)
{
	csp_usage_exit(c->use, c->usage_status);
}

/* csp_getopt, with what every command does the same way answered here; '?': csp_cmd_usage. */
int
csp_cmd_opt(csp_cmd *c, int argc, char *argv[])
{
	int ch;

	for (;;) {
		switch (ch = csp_getopt(argc, argv, c->use)) {
		case '0':
			c->delim = '\0';
			break;
		case CSP_OPT_DONE:
			if (csp_done_open(&c->ext, optarg) == -1)
				err(c->usage_status, "--done: %s", csp_quote(optarg));
			c->parent = &c->ext;
			break;
		default:
			return ch;
		}
	}
}

int64_t
csp_cmd_duration(const csp_cmd *c, const char *opt, const char *s)
{
	int64_t ms;

	if (csp_parse_duration(s, &ms) == -1)
		errx(c->usage_status, "%s: invalid duration: %s", opt, csp_quote(s));
	return ms;
}

/*
 * The done (--done's child, fired by every ending signal), with the
 * guardian and the subreaper first if it starts processes; standard input
 * and output as flags say. Ends the command if any of it cannot be had.
 */
void
csp_cmd_start(csp_cmd *c, int flags)
{
	if ((flags & CSP_CMD_STDIN) && c->parent == &c->ext && c->ext.rfd == STDIN_FILENO)
		errx(c->usage_status, "--done: 0 is where the input comes from, not a done");
	if (((flags & CSP_CMD_PROCS) ? csp_command_start(&c->done, c->parent) == -1 :
	     csp_done_make(&c->done, c->parent) == -1 || csp_cancel_on_signals(&c->done) == -1) ||
	    ((flags & CSP_CMD_RD) && csp_rd_init(&c->in, STDIN_FILENO, c->delim) == -1) ||
	    ((flags & CSP_CMD_WR) && csp_wr_init(&c->out, STDOUT_FILENO) == -1))
		err(CSP_EXIT_SYS, "setting up");
	c->flags = flags;
}

/*
 * The end of main, r what the library call returned. Input closed (upstream
 * gets EPIPE and stops), what the commands left stopped, setsid() escapers
 * included; a caught signal raised again, so a shell loop stops on Ctrl-C.
 * Then r -1 is 0 for a clean stop (--done fired, our reader went away), or
 * a line and 125 (126 or 127 for prog, not run); any other r is status.
 */
int
csp_cmd_exit(csp_cmd *c, int r, int status, const char *prog)
{
	int e = errno, ex;

	if (c->flags & CSP_CMD_STDIN)
		close(STDIN_FILENO);
	if ((c->flags & CSP_CMD_PROCS) && csp_stop_tree(SIGTERM, c->grace) == -1)
		warn("stopping what was left behind");
	if (c->flags & CSP_CMD_RD)
		csp_rd_free(&c->in);
	if (c->flags & CSP_CMD_WR)
		csp_wr_free(&c->out);
	csp_done_free(&c->done);
	errno = e;
	if (csp_clean_exit(r) != -1)
		return 0;
	if (r != -1)
		return status;
	ex = prog != NULL ? csp_exec_status(e) : CSP_EXIT_SYS;
	errno = e;
	if (ex != CSP_EXIT_SYS)
		warn("%s", prog);
	else
		warn("%s", c->use->name + strlen("csp-"));
	return ex;
}

/* A source (csp-merge's, csp-bridge's) that failed: why, on one line. */
void
csp_cmd_src_failed(const csp_src *s, void *arg)
{
	(void)arg;
	if (s->err == ETIMEDOUT && s->proc.pid == -1)
		warnx("%s: no writer came within %ds", csp_quote(s->name), CSP_SRC_WRITER_WAIT / 1000);
	else if (s->err != 0)
		warnx("%s: %s", csp_quote(s->name), strerror(s->err));
	else if (s->cut > 0)
		warnx("%s: exit status %d; its cut-off last %zu bytes dropped",
		    csp_quote(s->name), s->proc.status, s->cut);
	else
		warnx("%s: exit status %d", csp_quote(s->name), s->proc.status);
}
