/*
 * selfstat.h - this process's own usage, as Prometheus's standard process_*
 * metrics describe the process that exports them: CPU, memory, descriptors
 * and start time, from getrusage, /proc/self and /proc/stat.
 */
#ifndef HOLDCONN_SELFSTAT_H
#define HOLDCONN_SELFSTAT_H

#include <stdbool.h>
#include <stdint.h>

struct self_usage {
	double cpu_seconds;        /* user + system, this process's threads */
	double start_time_seconds; /* since the Unix epoch */
	uint64_t resident_bytes, virtual_bytes;
	uint64_t max_fds;          /* RLIMIT_NOFILE, soft */
	uint64_t open_fds;         /* entries of /proc/self/fd; only when counted */
};

/*
 * Fills u; count_fds also counts the open descriptors, which walks one
 * directory entry per descriptor (epoll and threads modes hold one per
 * connection): callers do it seldom. 0 or -errno.
 */
int self_usage_read(struct self_usage *u, bool count_fds);

#endif
