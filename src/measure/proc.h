/*
 * proc.h - what a server process costs, read from its own /proc entries:
 * memory from smaps_rollup (PSS, anonymous and file-backed apart), open
 * descriptors, threads, and its RLIMIT_NOFILE. `connect --server-pid` and
 * `bench --server` read them before and after each report point; a set of
 * processes (a PID list, or a cgroup's) is summed.
 */
#ifndef HOLDCONN_PROC_H
#define HOLDCONN_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define PROC_MAX_PIDS 64
#define PROC_MAX_EPOLL 8            /* epoll instances looked at per process */
#define PROC_EPOLL_PROBE 1024       /* descriptors looked at for them, from 0 */

struct proc_usage {
	uint64_t rss, pss;          /* bytes */
	uint64_t pss_anon, pss_file, pss_shmem;
	uint64_t anon;              /* Anonymous: resident anonymous bytes */
	uint64_t fds;               /* entries in /proc/PID/fd */
	uint64_t threads;
	uint64_t page_tables;       /* VmPTE: its page tables, bytes */
	uint64_t epoll_items;       /* registrations in its epoll instances (resolved sets only) */
	uint64_t nofile_soft, nofile_hard; /* the smallest over the set; UINT64_MAX: unlimited */
	int nprocs;                 /* processes read */
	uint64_t anon_spread;       /* proc_set_settle: how far its private PSS moved while still */
	uint64_t file_spread;       /* ... and its file-backed PSS, shared with other processes */
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
	/* proc_set_resolve: each pid's epoll descriptors, -1 after the last */
	int epfd[PROC_MAX_PIDS][PROC_MAX_EPOLL];
	bool resolved;
};

/* Adds "PID" or a cgroup path to set; 0, or -EINVAL (neither) / -E2BIG (too many). */
int proc_set_add(struct proc_set *set, const char *arg);
/*
 * Lists the set's processes once (a process group is a scan of /proc, a
 * cgroup its cgroup.procs) and finds their epoll descriptors, so that later
 * reads look at those pids and files only: a scan of /proc at every point
 * would itself allocate the proc inodes and dentries being measured. The
 * probe of descriptors makes a proc inode each, once: do it before the
 * baseline. 0, or -ESRCH when the set has no process.
 */
int proc_set_resolve(struct proc_set *set);
/*
 * Waits until the set's private PSS (anonymous and shmem) is still: within
 * PROC_STILL_BYTES over PROC_STILL_S, at most timeout_s. (Its file-backed
 * PSS never is: it is the share of libraries every other process that maps
 * them divides, and moves by hundreds of KB as they start and exit.) A server initialises some of its memory
 * after it already listens (nginx's worker fills its preallocated
 * connection arrays): a baseline read meanwhile counts megabytes of
 * start-up as the connections' cost. u gets the last reading; its PSS is
 * the start-up cost. 0, or -errno (-ETIMEDOUT: never still; u is the last).
 */
#define PROC_STILL_BYTES (64 << 10)
#define PROC_STILL_S 1.0
int proc_set_settle(const struct proc_set *set, double timeout_s, struct proc_usage *u);
/* Private PSS: what a process's own pages cost (Pss_Anon + Pss_Shmem). */
uint64_t proc_private(const struct proc_usage *u);
/* Registrations listed in one epoll descriptor's fdinfo ("tfd:" lines); 0 or -errno. */
int proc_epoll_items(pid_t pid, int fd, uint64_t *n);
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
