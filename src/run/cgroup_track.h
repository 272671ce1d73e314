/*
 * cgroup_track.h - a run under a memory cgroup's limit: the room left
 * under it through the ramp, what the cgroup was charged per connection
 * (a slope between the first and the last point) and its OOM kills. The
 * holders stop themselves before the limit (hold/holder.c, reason
 * `cgroup`); this is what bench, serve and connect report of it.
 */
#ifndef HOLDCONN_CGROUP_TRACK_H
#define HOLDCONN_CGROUP_TRACK_H

#include <stdbool.h>
#include <stdint.h>
#include "measure/memcg.h"
#include "run/report_cgroup.h"

struct cgroup_track {
	struct memcg cg;             /* this process's memory cgroup (version 0: none) */
	uint64_t reserve;            /* the room the ramp keeps under its limit */
	uint64_t base, oom0;         /* usage at the baseline, OOM kills before the run */
	uint64_t headroom_min;
	uint64_t conns[2], usage[2]; /* at the first and the last point */
	struct memcg_usage last;     /* read at the last point (at the start before one) */
};

/* At the baseline; reserve 0: the default for the limit found. */
void cgroup_track_start(struct cgroup_track *t, uint64_t reserve);
/* A limit applies (some level of the cgroup sets one). */
bool cgroup_track_limited(const struct cgroup_track *t);
/* Cheap, every turn of a ramp: the room left (MEMCG_NONE: none), the least of it kept. */
uint64_t cgroup_track_poll(struct cgroup_track *t);
/* At each report point, with the connections then held. */
void cgroup_track_point(struct cgroup_track *t, uint64_t conns);
/* The last reading, its usage and room at the least room seen (where a ramp stops). */
void cgroup_track_tightest(const struct cgroup_track *t, struct memcg_usage *u);
void cgroup_track_summary(const struct cgroup_track *t, struct cgroup_report *c);
/* OOM kills in the cgroup since the start; false: unread (no cgroup). */
bool cgroup_track_oom_kills(const struct cgroup_track *t, uint64_t *kills);

#endif
