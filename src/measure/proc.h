/*
 * proc.h - what a server process costs, read from its own /proc entries:
 * memory from smaps_rollup (PSS, anonymous and file-backed apart), open
 * descriptors, threads, and its RLIMIT_NOFILE. `connect --server-pid` and
 * `bench --server` read them before and after each report point; a set of
 * processes (a PID list, or a cgroup's) is summed.
 */
#ifndef HOLDCONN_PROC_H
#define HOLDCONN_PROC_H

#include <stdint.h>
#include <sys/types.h>

#define PROC_MAX_PIDS 64

struct proc_usage {
	uint64_t rss, pss;          /* bytes */
	uint64_t pss_anon, pss_file, pss_shmem;
	uint64_t anon;              /* Anonymous: resident anonymous bytes */
	uint64_t fds;               /* entries in /proc/PID/fd */
	uint64_t threads;
	uint64_t nofile_soft, nofile_hard; /* the smallest over the set; UINT64_MAX: unlimited */
	int nprocs;                 /* processes read */
};

/*
 * The processes a --server-pid names: PIDs, or a cgroup directory (its
 * cgroup.procs); bench --server reads the server's process group.
 */
struct proc_set {
	pid_t pids[PROC_MAX_PIDS];
	int npids;
	char cgroup[256];           /* "" when none */
	pid_t pgrp;                 /* 0 when none: every process of this group */
};

/* Adds "PID" or a cgroup path to set; 0, or -EINVAL (neither) / -E2BIG (too many). */
int proc_set_add(struct proc_set *set, const char *arg);
/* Reads every process of the set (a cgroup's or group's list is read afresh) and sums them. 0 or -errno. */
int proc_set_read(const struct proc_set *set, struct proc_usage *u);
/* One process. 0 or -errno (-ESRCH: it is gone). */
int proc_read(pid_t pid, struct proc_usage *u);

/* Parsers, split out for tests: they take the file's text. 0 or -EINVAL. */
int proc_parse_smaps_rollup(const char *text, struct proc_usage *u);
int proc_parse_nofile(const char *text, uint64_t *soft, uint64_t *hard);
int proc_parse_threads(const char *text, uint64_t *threads);
/* The process group in a /proc/PID/stat line (its 5th field; the name may hold spaces). */
int proc_parse_stat_pgrp(const char *text, pid_t *pgrp);

#endif
