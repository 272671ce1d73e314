/* proc.c - a server process's memory, descriptors, threads and limits from /proc/PID. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "measure/proc.h"

#define PROC_TEXT_MAX 8192 /* smaps_rollup, status and limits are well under this */

static int read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	while (got + 1 < len && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	return got ? 0 : -ENODATA;
}

/* "Key:   123 kB" anywhere in text, as bytes; false if absent. */
static bool kb_field(const char *text, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);

	for (const char *p = text; *p;) {
		const char *eol = strchr(p, '\n');
		unsigned long long v;

		if (!strncmp(p, key, klen) && p[klen] == ':') {
			if (sscanf(p + klen + 1, "%llu", &v) != 1)
				return false;
			*out = (uint64_t)v * 1024;
			return true;
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	return false;
}

int proc_parse_smaps_rollup(const char *text, struct proc_usage *u)
{
	if (!kb_field(text, "Rss", &u->rss) || !kb_field(text, "Pss", &u->pss))
		return -EINVAL;
	/* Pss_Anon/File/Shmem since Linux 5.7; older kernels: anonymous from Anonymous. */
	if (!kb_field(text, "Anonymous", &u->anon))
		u->anon = 0;
	if (!kb_field(text, "Pss_Anon", &u->pss_anon))
		u->pss_anon = u->anon;
	if (!kb_field(text, "Pss_File", &u->pss_file))
		u->pss_file = u->pss > u->pss_anon ? u->pss - u->pss_anon : 0;
	if (!kb_field(text, "Pss_Shmem", &u->pss_shmem))
		u->pss_shmem = 0;
	return 0;
}

static int limit_value(const char *s, uint64_t *v)
{
	unsigned long long n;

	if (!strncmp(s, "unlimited", 9)) {
		*v = UINT64_MAX;
		return 0;
	}
	if (sscanf(s, "%llu", &n) != 1)
		return -EINVAL;
	*v = n;
	return 0;
}

/* The "Max open files   SOFT   HARD   files" row of /proc/PID/limits. */
int proc_parse_nofile(const char *text, uint64_t *soft, uint64_t *hard)
{
	const char *p = strstr(text, "Max open files");
	char a[32], b[32];

	if (!p || sscanf(p + strlen("Max open files"), "%31s %31s", a, b) != 2)
		return -EINVAL;
	if (limit_value(a, soft) || limit_value(b, hard))
		return -EINVAL;
	return 0;
}

int proc_parse_threads(const char *text, uint64_t *threads)
{
	const char *p = strstr(text, "\nThreads:");
	unsigned long long n;

	if (!p || sscanf(p + strlen("\nThreads:"), "%llu", &n) != 1)
		return -EINVAL;
	*threads = n;
	return 0;
}

/*
 * Open descriptors. Since Linux 6.2 stat() of /proc/PID/fd gives their
 * count as its size; a readdir instead would allocate a proc inode and a
 * dentry per descriptor, kernel memory the measurement would then charge
 * to the server.
 */
static int count_fds(pid_t pid, uint64_t *n)
{
	char path[64];
	struct dirent *de;
	struct stat st;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if (!stat(path, &st) && st.st_size > 0) {
		*n = (uint64_t)st.st_size;
		return 0;
	}
	d = opendir(path);
	if (!d)
		return -errno;
	*n = 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			(*n)++;
	closedir(d);
	return 0;
}

int proc_read(pid_t pid, struct proc_usage *u)
{
	char path[64], *text = malloc(PROC_TEXT_MAX);
	int ret;

	if (!text)
		return -ENOMEM;
	memset(u, 0, sizeof(*u));
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	ret = read_text(path, text, PROC_TEXT_MAX);
	if (!ret)
		ret = proc_parse_smaps_rollup(text, u);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!ret && !(ret = read_text(path, text, PROC_TEXT_MAX))) {
		ret = proc_parse_threads(text, &u->threads);
		if (!kb_field(text, "VmPTE", &u->page_tables))
			u->page_tables = 0;
	}
	snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
	if (!ret && !(ret = read_text(path, text, PROC_TEXT_MAX)))
		ret = proc_parse_nofile(text, &u->nofile_soft, &u->nofile_hard);
	if (!ret)
		ret = count_fds(pid, &u->fds);
	free(text);
	if (ret == -ENOENT)
		ret = -ESRCH;
	u->nprocs = ret ? 0 : 1;
	return ret;
}

int proc_set_add(struct proc_set *set, const char *arg)
{
	char *end;
	long v;

	if (arg[0] == '/') {
		if (set->cgroup[0] || strlen(arg) >= sizeof(set->cgroup))
			return -EINVAL;
		strcpy(set->cgroup, arg);
		return 0;
	}
	v = strtol(arg, &end, 10);
	if (*end || end == arg || v <= 0 || v > (1 << 30))
		return -EINVAL;
	if (set->npids == PROC_MAX_PIDS)
		return -E2BIG;
	set->pids[set->npids++] = (pid_t)v;
	return 0;
}

static void add_usage(struct proc_usage *sum, const struct proc_usage *u)
{
	sum->rss += u->rss;
	sum->pss += u->pss;
	sum->pss_anon += u->pss_anon;
	sum->pss_file += u->pss_file;
	sum->pss_shmem += u->pss_shmem;
	sum->anon += u->anon;
	sum->fds += u->fds;
	sum->threads += u->threads;
	sum->page_tables += u->page_tables;
	sum->epoll_items += u->epoll_items;
	if (!sum->nprocs || u->nofile_soft < sum->nofile_soft)
		sum->nofile_soft = u->nofile_soft;
	if (!sum->nprocs || u->nofile_hard < sum->nofile_hard)
		sum->nofile_hard = u->nofile_hard;
	sum->nprocs++;
}

/* A cgroup's processes: one PID a line in its cgroup.procs. */
static int read_cgroup(const char *dir, struct proc_usage *sum)
{
	char path[300];
	FILE *f;
	int pid;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fscanf(f, "%d", &pid) == 1) {
		struct proc_usage u;

		if (!proc_read(pid, &u))
			add_usage(sum, &u);
	}
	fclose(f);
	return 0;
}

int proc_parse_stat_pgrp(const char *text, pid_t *pgrp)
{
	const char *p = strrchr(text, ')');
	int ppid, g;
	char state;

	if (!p || sscanf(p + 1, " %c %d %d", &state, &ppid, &g) != 3)
		return -EINVAL;
	*pgrp = g;
	return 0;
}

/* Every process whose group is pgrp: a scan of /proc. */
static void read_pgrp(pid_t pgrp, struct proc_usage *sum)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	char path[64], text[512];

	if (!d)
		return;
	while ((de = readdir(d))) {
		struct proc_usage u;
		pid_t pid = (pid_t)atoi(de->d_name), g;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		if (read_text(path, text, sizeof(text)) || proc_parse_stat_pgrp(text, &g) || g != pgrp)
			continue;
		if (!proc_read(pid, &u))
			add_usage(sum, &u);
	}
	closedir(d);
}

/* A resolved set: its pids and epoll descriptors, nothing else. */
static int read_resolved(const struct proc_set *set, struct proc_usage *sum)
{
	int ret = -ESRCH;

	for (int i = 0; i < set->npids; i++) {
		struct proc_usage u;
		int r = proc_read(set->pids[i], &u);

		if (r) {
			ret = r;
			continue;
		}
		for (int k = 0; k < PROC_MAX_EPOLL && set->epfd[i][k] >= 0; k++) {
			uint64_t n = 0;

			if (!proc_epoll_items(set->pids[i], set->epfd[i][k], &n))
				u.epoll_items += n;
		}
		add_usage(sum, &u);
	}
	return sum->nprocs ? 0 : ret;
}

int proc_set_read(const struct proc_set *set, struct proc_usage *sum)
{
	int ret = 0;

	memset(sum, 0, sizeof(*sum));
	if (set->resolved)
		return read_resolved(set, sum);
	for (int i = 0; i < set->npids; i++) {
		struct proc_usage u;
		int r = proc_read(set->pids[i], &u);

		if (r)
			ret = r;
		else
			add_usage(sum, &u);
	}
	if (set->cgroup[0] && (ret = read_cgroup(set->cgroup, sum)))
		return ret;
	if (set->pgrp)
		read_pgrp(set->pgrp, sum);
	return sum->nprocs ? 0 : ret ? ret : -ESRCH;
}

static void add_pid(struct proc_set *set, pid_t pid)
{
	for (int i = 0; i < set->npids; i++)
		if (set->pids[i] == pid)
			return;
	if (set->npids < PROC_MAX_PIDS)
		set->pids[set->npids++] = pid;
}

static void cgroup_pids(struct proc_set *set)
{
	char path[300];
	FILE *f;
	int pid;

	snprintf(path, sizeof(path), "%s/cgroup.procs", set->cgroup);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fscanf(f, "%d", &pid) == 1)
		add_pid(set, pid);
	fclose(f);
}

static void pgrp_pids(struct proc_set *set)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	char path[64], text[512];

	if (!d)
		return;
	while ((de = readdir(d))) {
		pid_t pid = (pid_t)atoi(de->d_name), g;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		if (!read_text(path, text, sizeof(text)) && !proc_parse_stat_pgrp(text, &g) &&
		    g == set->pgrp)
			add_pid(set, pid);
	}
	closedir(d);
}

/* Its epoll descriptors: the low ones, where servers make them at start-up. */
static void find_epoll(pid_t pid, int epfd[PROC_MAX_EPOLL])
{
	char path[64], link[64];
	uint64_t open = 0, seen = 0;
	int n = 0;
	ssize_t len;

	for (int k = 0; k < PROC_MAX_EPOLL; k++)
		epfd[k] = -1;
	count_fds(pid, &open);
	for (int fd = 0; fd < PROC_EPOLL_PROBE && seen < open && n < PROC_MAX_EPOLL; fd++) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
		len = readlink(path, link, sizeof(link) - 1);
		if (len < 0)
			continue;
		seen++;
		link[len] = '\0';
		if (!strcmp(link, "anon_inode:[eventpoll]"))
			epfd[n++] = fd;
	}
}

int proc_set_resolve(struct proc_set *set)
{
	if (set->cgroup[0])
		cgroup_pids(set);
	if (set->pgrp)
		pgrp_pids(set);
	set->cgroup[0] = '\0';
	set->pgrp = 0;
	for (int i = 0; i < set->npids; i++)
		find_epoll(set->pids[i], set->epfd[i]);
	set->resolved = true;
	return set->npids ? 0 : -ESRCH;
}

int proc_epoll_items(pid_t pid, int fd, uint64_t *n)
{
	static const char key[] = "tfd:";
	char path[64], buf[65536 + sizeof(key)];
	size_t carry = 0;
	ssize_t got;
	int f;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)pid, fd);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return -errno;
	*n = 0;
	/* One line per registration: count them across reads, a key split by a read kept. */
	while ((got = read(f, buf + carry, sizeof(buf) - 1 - carry)) > 0) {
		size_t len = carry + (size_t)got;

		buf[len] = '\0';
		for (char *p = buf; (p = strstr(p, key)); p += sizeof(key) - 1)
			(*n)++;
		/* Three bytes cannot hold a whole key: kept, they are never counted twice. */
		carry = len < sizeof(key) - 2 ? len : sizeof(key) - 2;
		memmove(buf, buf + len - carry, carry);
	}
	close(f);
	return got < 0 ? -errno : 0;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t proc_private(const struct proc_usage *u)
{
	return u->pss_anon + u->pss_shmem;
}

struct range {
	uint64_t lo, hi;
};

static void widen(struct range *r, uint64_t v)
{
	r->lo = v < r->lo ? v : r->lo;
	r->hi = v > r->hi ? v : r->hi;
}

int proc_set_settle(const struct proc_set *set, double timeout_s, struct proc_usage *u)
{
	const struct timespec step = { 0, 100000000L };
	double t0 = mono_s(), still_since = t0;
	struct range anon, file;
	uint64_t ref;
	int ret = proc_set_read(set, u);

	if (ret)
		return ret;
	ref = proc_private(u);
	anon = (struct range){ ref, ref };
	file = (struct range){ u->pss_file, u->pss_file };
	while (mono_s() - still_since < PROC_STILL_S) {
		if (mono_s() - t0 > timeout_s)
			return -ETIMEDOUT;
		nanosleep(&step, NULL);
		ret = proc_set_read(set, u);
		if (ret)
			return ret;
		/* Moved: start over from here. */
		if (proc_private(u) > ref + PROC_STILL_BYTES || proc_private(u) + PROC_STILL_BYTES < ref) {
			ref = proc_private(u);
			anon = (struct range){ ref, ref };
			file = (struct range){ u->pss_file, u->pss_file };
			still_since = mono_s();
		}
		widen(&anon, proc_private(u));
		widen(&file, u->pss_file);
	}
	u->anon_spread = anon.hi - anon.lo;
	u->file_spread = file.hi - file.lo;
	return 0;
}
