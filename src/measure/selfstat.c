/* selfstat.c - this process's usage for the process_* metrics (see selfstat.h). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "measure/selfstat.h"

/* The boot time, seconds since the epoch: /proc/stat's btime. */
static double boot_time(void)
{
	char line[256];
	double btime = 0;
	FILE *f = fopen("/proc/stat", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %lf", &btime) == 1)
			break;
	fclose(f);
	return btime;
}

/* Field 22 of /proc/self/stat, starttime in clock ticks after boot (after the ")" of comm). */
static double start_ticks(void)
{
	char buf[1024], *p;
	unsigned long long ticks = 0;
	size_t n;
	FILE *f = fopen("/proc/self/stat", "re");

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	/* ") S ppid pgrp ... starttime": state is field 3, starttime field 22. */
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (p)
		sscanf(p + 1, "%llu", &ticks);
	return (double)ticks;
}

static uint64_t count_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	uint64_t n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n ? n - 1 : 0; /* less the descriptor opendir itself holds */
}

int self_usage_read(struct self_usage *u, bool count_fds)
{
	unsigned long long pages_virtual = 0, pages_resident = 0;
	long page = sysconf(_SC_PAGESIZE), hz = sysconf(_SC_CLK_TCK);
	struct rusage ru;
	struct rlimit rl;
	FILE *f;

	if (getrusage(RUSAGE_SELF, &ru))
		return -errno;
	u->cpu_seconds = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
			 ru.ru_stime.tv_usec / 1e6;
	f = fopen("/proc/self/statm", "re");
	if (f) {
		if (fscanf(f, "%llu %llu", &pages_virtual, &pages_resident) != 2)
			pages_virtual = pages_resident = 0;
		fclose(f);
	}
	u->virtual_bytes = pages_virtual * (uint64_t)page;
	u->resident_bytes = pages_resident * (uint64_t)page;
	u->max_fds = !getrlimit(RLIMIT_NOFILE, &rl) ? (uint64_t)rl.rlim_cur : 0;
	u->start_time_seconds = boot_time() + (hz > 0 ? start_ticks() / hz : 0);
	if (count_fds)
		u->open_fds = count_open_fds();
	return 0;
}
