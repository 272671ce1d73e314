/*
 * report_cgroup.h - the memory cgroup's part of a report: its limit, how
 * much room a run left under it, what each connection was charged, and a
 * side the kernel (or anyone) killed.
 */
#ifndef HOLDCONN_REPORT_CGROUP_H
#define HOLDCONN_REPORT_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "measure/memcg.h"

struct cgroup_report {
	const char *version;          /* "v1", "v2" */
	char file[MEMCG_PATH];        /* the file that sets the limit */
	uint64_t limit, reserve;      /* bytes; reserve: the room the ramp keeps */
	uint64_t usage;               /* at the last point */
	uint64_t headroom_min;        /* least room seen under the limit during the ramp */
	uint64_t kernel;              /* kernel memory charged at the last point */
	uint64_t oom_kills;           /* OOM kills in the cgroup during the run */
	double charged_bytes_per_connection; /* growth of the usage per pair, a slope */
	double fixed_bytes;           /* what the processes cost before the first pair */
};

/* A side that died before bench asked it to end. */
struct death_report {
	const char *side;             /* "serve", "connect" */
	int pid;
	int signal;                   /* 0: it exited */
	int status;                   /* exit status when signal is 0 */
	uint64_t oom_kills;           /* in its memory cgroup during the run */
	bool has_cgroup;
};

/* ,"cgroup":{...} for a JSON object being written. */
void report_cgroup_json(FILE *f, const struct cgroup_report *c);
/* "  cgroup:  v1 FILE, limit ..., used ..." for the human summary. */
void report_cgroup_human(FILE *f, const struct cgroup_report *c);
void report_death_json(FILE *f, const struct death_report *d);
void report_death_human(FILE *f, const struct death_report *d);
/* "SIGKILL", "SIGTERM", ...; "signal N" for the rest (buf holds it). */
const char *report_signal_name(int sig, char *buf, size_t len);

#endif
