/*
 * explain.h - why a ramp stopped, in one line a user can act on: the
 * resource by name (RLIMIT_MEMLOCK, RLIMIT_NOFILE, fs.file-max, the memory
 * cgroup, ...), its value here, and what to change. Never a bare errno.
 */
#ifndef HOLDCONN_EXPLAIN_H
#define HOLDCONN_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include "hold/stats.h"
#include "measure/memcg.h"

/*
 * For a ramp that stopped on r (err: the errno behind it, 0 if none);
 * uring: the side that stopped holds direct descriptors. Writes "" for
 * the reasons that need no explaining (target, signal).
 */
void explain_stop(enum stop_reason r, int err, bool uring, char *buf, size_t len);
/* Stop reason cgroup, from the reading u taken as the ramp stopped (NULL: unread). */
void explain_cgroup(const struct memcg *cg, const struct memcg_usage *u, char *buf, size_t len);
/* RLIMIT_MEMLOCK as "8 MiB" (or "unlimited"), and whether rings are charged to it here. */
bool explain_memlock(char *buf, size_t len);

#endif
