/*
 * gate.c: --load and --memfree: a job starts only while the machine's load
 * is below o->max_load and its free memory at least o->memfree, measured as
 * GNU parallel measures them: the load is the processes running or waiting
 * for a disk right now (not the minutes' average), free memory is free
 * plus buffers plus caches.
 */
#include <stdio.h>
#include <string.h>

#include "fanout/fanout.h"

/* The sum of the named fields of a /proc file of "name value" lines; -1 if unreadable. */
static double
proc_sum(const char *path, const char *const names[], int n)
{
	char line[256];
	double sum = 0, v;
	size_t l;
	int i, found = 0;
	FILE *fp;

	if ((fp = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		for (i = 0; i < n; i++) {
			l = strlen(names[i]);
			if (strncmp(line, names[i], l) == 0 && sscanf(line + l, " %lf", &v) == 1) {
				sum += v;
				found++;
			}
		}
	fclose(fp);
	return found > 0 ? sum : -1;
}

/* 1 while no job may start, for the load or the memory. */
int
csp__gate_shut(const csp_fanout_opt *o)
{
	static const char *const load[] = { "procs_running", "procs_blocked" };
	static const char *const mem[] = { "MemFree:", "Buffers:", "Cached:", "SwapCached:" };
	double v;

	if (o->max_load > 0 && (v = proc_sum("/proc/stat", load, 2)) >= 0 && v >= o->max_load)
		return 1;
	if (o->memfree > 0 && (v = proc_sum("/proc/meminfo", mem, 4)) >= 0 &&
	    v * 1024 < (double)o->memfree)
		return 1;
	return 0;  /* below both, or not measurable here: as if there were no limit */
}
