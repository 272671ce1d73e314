/*
 * memcg.h - the memory cgroup a process is charged to: its limit, its
 * usage and its OOM kills, under cgroup v1 (memory.limit_in_bytes,
 * memory.usage_in_bytes, memory.kmem.usage_in_bytes, memory.oom_control)
 * or v2 (memory.max, memory.current, memory.stat, memory.events).
 *
 * Limits nest: a cgroup may not use more than any ancestor allows, so the
 * levels from the process's own cgroup up to the root that set a limit
 * are all kept, and the one with the least room is the limit.
 */
#ifndef HOLDCONN_MEMCG_H
#define HOLDCONN_MEMCG_H

#include <stdint.h>
#include <sys/types.h>

#define MEMCG_PATH 256
#define MEMCG_LEVELS 8
#define MEMCG_NONE UINT64_MAX /* headroom when no level sets a limit */
/* What one held socket is charged to its cgroup, about (Linux 6.18: 5,200 B a bench pair). */
#define MEMCG_BYTES_PER_SOCKET 2600

struct memcg {
	int version;                 /* 1 or 2; 0: no memory controller for this process */
	char dir[MEMCG_PATH];        /* its own memory cgroup, e.g. /sys/fs/cgroup/memory/hc */
	int nlevels;                 /* levels (own first) that set a limit */
	struct memcg_level {
		char dir[MEMCG_PATH];
		uint64_t limit;          /* bytes, when found */
	} level[MEMCG_LEVELS];
};

struct memcg_usage {
	uint64_t limit;              /* of the level with the least room; 0: no limit */
	uint64_t usage;              /* charged to that level now */
	uint64_t headroom;           /* limit - usage; MEMCG_NONE without a limit */
	uint64_t kernel;             /* own cgroup: kernel memory charged (slab, stacks, sockets) */
	uint64_t oom_kills;          /* own cgroup: processes the OOM killer took */
	char file[MEMCG_PATH];       /* the file that sets the limit */
};

/* Finds pid's memory cgroup (0: this process) and the limits above it. 0 or -errno (-ENOENT: none). */
int memcg_open(pid_t pid, struct memcg *cg);
/* The same from the text of /proc/PID/cgroup and /proc/self/mountinfo (tests give fixtures). */
int memcg_open_from(const char *cgroups, const char *mountinfo, struct memcg *cg);
/* Cheap, for a ramp's checks: the least room left under any limit (MEMCG_NONE: none). 0 or -errno. */
int memcg_headroom(const struct memcg *cg, uint64_t *headroom);
/* Everything: limit, usage and headroom of the tightest level, kernel bytes, OOM kills. 0 or -errno. */
int memcg_read(const struct memcg *cg, struct memcg_usage *u);
/* The room a ramp leaves under a cgroup's limit by default: max(32 MiB, 5% of the limit). */
uint64_t memcg_default_reserve(uint64_t limit);
/* "v1" or "v2", for reports. */
const char *memcg_version_name(const struct memcg *cg);

/* Parsers, split out for tests: they take the file's text. */
/*
 * /proc/PID/cgroup: the path of the v1 hierarchy that has the memory
 * controller (version 1) or of the unified one (version 2). 0 or -ENOENT.
 */
int memcg_parse_proc_cgroup(const char *text, int version, char *path, size_t len);
/*
 * /proc/self/mountinfo: where the v1 memory hierarchy (version 1) or the
 * v2 one (version 2) is mounted, and which cgroup is its root. 0 or -ENOENT.
 */
int memcg_parse_mountinfo(const char *text, int version, char *mnt, size_t mlen, char *root,
			  size_t rlen);
/* A limit file: bytes, or 0 for "max" and v1's "no limit" (~2^63). 0 or -EINVAL. */
int memcg_parse_limit(const char *text, uint64_t *bytes);
/* "key value" lines (memory.stat, memory.events, memory.oom_control). 0 or -ENOENT. */
int memcg_parse_key(const char *text, const char *key, uint64_t *value);

#endif
