/*
 * sshslf.c: --slf files re-read when they change, as GNU parallel does: at
 * most once a second, between jobs. Hosts added join the pool; hosts gone
 * from the file take no new job, and their master is closed once idle.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fanout/ssh.h"

/* Its master closed, what --basefile sent there removed first with --cleanup. */
void
csp__hosts_close(csp_hosts *h, int i)
{
	struct csp__host *c = &h->host[i];
	int nb = csp__ssh_count(h->o.base);

	if (h->o.cleanup && !c->local && !c->down && c->ready && nb > 0 && csp__ssh_alive(c))
		csp__ssh_rm(h, i, h->o.base, nb);
	csp__ssh_close(h, i);
}

/* Has any file changed (or gone) since it was read? */
static int
changed(csp_hosts *h)
{
	struct stat st;
	int k;

	for (k = 0; k < h->nslf; k++) {
		const struct stat *o = &h->slf[k].st;

		if (stat(h->slf[k].path, &st) == -1 || st.st_ino != o->st_ino ||
		    st.st_dev != o->st_dev || st.st_size != o->st_size ||
		    st.st_mtim.tv_sec != o->st_mtim.tv_sec || st.st_mtim.tv_nsec != o->st_mtim.tv_nsec)
			return 1;
	}
	return 0;
}

/*
 * The files read again and matched to the hosts they gave before, line by
 * line, by login: new ones appended (slots found for them), those gone
 * marked removed. A file that cannot be read, or has a bad line (being
 * written?), leaves the hosts as they were until it changes again.
 */
static int
reread(csp_hosts *h)
{
	struct csp__host *v = NULL, *nh;
	struct stat *st = calloc((size_t)h->nslf, sizeof(*st));
	int n = 0, i, k, add = 0, r = -1;

	if (st == NULL)
		return -1;
	for (k = 0; k < h->nslf; k++)
		if (csp__hosts_read(h->slf[k].path, &v, &n, &st[k]) == -1) {
			r = errno == ENOMEM ? -1 : 0;
			goto out;
		}
	for (k = 0; k < h->nslf; k++)
		h->slf[k].st = st[k];
	for (i = 0; i < h->nhost; i++)
		h->host[i].seen = 0;
	for (k = 0; k < n; k++) {
		for (i = 0; i < h->nhost; i++) {
			struct csp__host *c = &h->host[i];

			if (c->file && !c->seen && strcmp(c->name, v[k].name) == 0) {
				c->seen = 1;
				c->removed = 0;
				if (v[k].slots > 0)
					c->slots = v[k].slots;
				free(v[k].name);
				v[k].name = NULL;
				break;
			}
		}
		add += v[k].name != NULL;
	}
	for (i = 0; i < h->nhost; i++)
		if (h->host[i].file && !h->host[i].seen)
			h->host[i].removed = 1;
	r = 0;
	if (add == 0)
		goto out;
	if ((nh = realloc(h->host, (size_t)(h->nhost + add) * sizeof(*nh))) == NULL) {
		r = -1;
		goto out;
	}
	h->host = nh;
	for (k = 0; k < n; k++)
		if (v[k].name != NULL) {
			v[k].file = 1;
			h->host[h->nhost++] = v[k];
			v[k].name = NULL;
		}
	r = csp__ssh_sizes(h);
out:
	for (k = 0; k < n; k++)
		free(v[k].name);
	free(v);
	free(st);
	return r;
}

long
csp__hosts_check(csp_hosts *h)
{
	long want = 0;
	int i;

	if (h->nslf > 0 && csp_now() >= h->slf_next) {
		h->slf_next = csp_after(CSP__SLF_EVERY_MS);
		if (changed(h) && reread(h) == -1)
			return -1;
	}
	for (i = 0; i < h->nhost; i++) {
		struct csp__host *c = &h->host[i];

		if (c->removed && c->used == 0 && c->opened)
			csp__hosts_close(h, i);
		if (!c->down)
			want += c->removed || c->used > c->slots ? c->used : c->slots;
	}
	return want;
}

int64_t
csp__hosts_due(csp_hosts *h)
{
	int i;

	if (h->nslf == 0)
		return CSP_FOREVER;
	for (i = 0; i < h->nhost; i++)
		if (!h->host[i].down && !h->host[i].removed && h->host[i].used < h->host[i].slots)
			return CSP_FOREVER;
	return h->slf_next;
}
