/*
 * meter.h - reads the kernel's own accounting: /proc/slabinfo (root),
 * /proc/meminfo and /proc/net/sockstat. The only place that parses /proc.
 * A sample is taken before the ramp (the baseline) and at every report; the
 * costs reported are deltas between the two.
 */
#ifndef HOLDCONN_METER_H
#define HOLDCONN_METER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define METER_MAX_CACHES 640
#define METER_NAME_LEN 32

struct slab_cache {
	char name[METER_NAME_LEN];
	uint64_t active_objs;
	uint64_t objsize;
	uint64_t objperslab;       /* objects in one slab; 0 when the line lacks it */
	uint64_t pagesperslab;
};

struct meter_sample {
	double t;                  /* CLOCK_MONOTONIC seconds */
	uint64_t mem_total;        /* bytes, /proc/meminfo */
	uint64_t mem_available;
	uint64_t slab_bytes;       /* Slab: from meminfo, the fallback when slabinfo is unreadable */
	uint64_t kernel_stack;     /* KernelStack: 16 KiB per thread, outside the slab */
	uint64_t page_tables;      /* PageTables: grows with threads' stacks and mappings */
	uint64_t reclaimable;      /* KReclaimable: slab MemAvailable counts as free (0 if absent) */
	uint64_t tcp_inuse;        /* /proc/net/sockstat TCP: inuse (IPv4 sockets only) */
	uint64_t tcp6_inuse;       /* /proc/net/sockstat6 TCP6: inuse */
	uint64_t tcp_orphan, tcp_tw, tcp_alloc;
	uint64_t tcp_mem_pages;    /* TCP: mem, in pages */
	bool have_slabinfo;
	int ncaches;
	struct slab_cache caches[METER_MAX_CACHES];
};

struct cache_delta {
	char name[METER_NAME_LEN];
	int64_t objs;              /* active_objs now - baseline */
	int64_t bytes;             /* objs * objsize */
};

#define METER_TOP_CACHES 12

struct meter_delta {
	bool from_slabinfo;        /* false: kernel_bytes is the meminfo Slab: delta */
	int64_t kernel_bytes;      /* sum of all cache deltas (or Slab: delta), plus the
				    * KernelStack and PageTables deltas (listed as caches) */
	int64_t buffer_bytes;      /* sockstat TCP mem delta, bytes */
	int ncaches;               /* caches with the largest |delta|, largest first */
	struct cache_delta caches[METER_TOP_CACHES];
};

/*
 * SLUB merges caches of one object size and flags into one: /proc/slabinfo
 * then lists only the first one's name (here tcp_bind_bucket is counted on
 * the eventpoll_epi line, eventpoll_pwq on anon_vma_chain's). An alias maps
 * a cache to the line that counts it.
 */
#define METER_MAX_ALIASES 24
struct slab_alias {
	char cache[METER_NAME_LEN];
	char line[METER_NAME_LEN];
};
struct slab_aliases {
	int n;
	struct slab_alias a[METER_MAX_ALIASES];
};

/* What the slab was still freeing when a baseline was taken (meter_settle). */
struct meter_residue {
	uint64_t slab_bytes;       /* drop over the last settling step */
	uint64_t tcp_objs;         /* ... of TCP socket objects */
};

/* Fills s from /proc; slabinfo is optional (have_slabinfo says). 0 or -errno. */
int meter_sample(struct meter_sample *s);
/*
 * Samples into base until the slab stops shrinking (at most
 * METER_SETTLE_TIMEOUT_S): a
 * previous run's sockets are freed through RCU and deferred work seconds
 * after it exits, and a baseline taken meanwhile hides cost: less than
 * 256 KiB between two samples 100 ms apart is still. r (may be NULL) gets
 * what was still going. 0 or -errno.
 */
#define METER_SETTLE_TIMEOUT_S 15.0 /* the one wait every baseline allows for an earlier run's frees */
int meter_settle(struct meter_sample *base, struct meter_residue *r);
/* The slab's total (every cache's active objects x size), or meminfo's Slab: without slabinfo. */
uint64_t meter_slab_total(const struct meter_sample *s);
/* TCP socket objects (the TCP and TCPv6 caches); 0 without slabinfo. */
uint64_t meter_tcp_objects(const struct meter_sample *s);
/*
 * MemAvailable less what it wrongly counts as free: it takes reclaimable
 * slab (KReclaimable) as available, but an open socket pins its inode and
 * dentry there (~2 KB a pair). kreclaim_base is KReclaimable before the
 * ramp (from a sample); the growth since is subtracted. 0 or -errno.
 */
int meter_avail_pinned(uint64_t kreclaim_base, uint64_t *available);
/* KReclaimable from meminfo, bytes. 0 or -errno. */
int meter_kreclaimable(uint64_t *out);
/* Cheap: MemTotal and MemAvailable only, in bytes. 0 or -errno. */
int meter_meminfo(uint64_t *total, uint64_t *available);
/* RssAnon of a process (/proc/PID/status): its heap, arenas and thread stacks. 0 or -errno. */
int meter_rss_anon(pid_t pid, uint64_t *bytes);
/*
 * TcpExt TCPMemoryPressures from /proc/net/netstat: how many times this
 * network namespace's TCP entered memory pressure (tcp_mem[1] crossed).
 * 0 or -errno.
 */
int meter_tcp_pressures(uint64_t *count);
/* net.ipv4.tcp_mem: the min, pressure and max thresholds, in pages. 0 or -errno. */
int meter_tcp_mem(uint64_t lim[3]);
/* The whole box's CPU time from /proc/stat, summed over its CPUs. */
struct cpu_times {
	uint64_t user_us;    /* user + nice */
	uint64_t system_us;
	uint64_t softirq_us; /* softirq work (on loopback: TCP receive, both ends) */
	uint64_t total_us;   /* every column up to steal, idle included */
	int ncpus;           /* cpuN lines: CPUs online */
};
/* 0 or -errno. Ticks are USER_HZ (10 ms at 100 Hz): compare samples seconds apart. */
int meter_cpu_times(struct cpu_times *c);
/* Parsers, split out for tests: they take the file's text. 0 or -EINVAL. */
int meter_parse_stat(const char *text, long ticks_per_s, struct cpu_times *c);
int meter_parse_slabinfo(const char *text, struct meter_sample *s);
int meter_parse_meminfo(const char *text, struct meter_sample *s);
int meter_parse_sockstat(const char *text, struct meter_sample *s);
int meter_parse_sockstat6(const char *text, struct meter_sample *s);
int meter_parse_netstat_pressures(const char *text, uint64_t *count);
int meter_parse_tcp_mem(const char *text, uint64_t lim[3]);
/*
 * One row of /proc/net/tcp or tcp6: its local port, state (0x0A listening,
 * 0x03 half open) and rx_queue (a listener's: its accept queue). 0, or
 * -EINVAL for the header.
 */
int meter_parse_tcp_row(const char *line, unsigned *port, unsigned *state,
			unsigned long *rx_queue);
/*
 * Finds the slabinfo line of each cache in names (the symlinks of
 * /sys/kernel/slab name a merged group's shared target), read once per run.
 * A cache not merged, or with no sysfs, is its own line.
 */
void meter_slab_aliases(const struct meter_sample *s, const char *const names[], int n,
			struct slab_aliases *out);
/* The slabinfo line that counts cache: its alias, or cache itself. */
const char *meter_slab_line(const struct slab_aliases *a, const char *cache);
/* now - base, per cache (matched by name), top caches by |bytes|. */
void meter_diff(const struct meter_sample *base, const struct meter_sample *now, struct meter_delta *d);
/* bytes / n, 0 when n is 0. */
double per_unit(int64_t bytes, uint64_t n);
/* Default reserve: max(1 GiB, 5% of MemTotal). */
uint64_t meter_default_reserve(uint64_t mem_total);

#endif
