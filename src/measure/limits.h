/*
 * limits.h - `holdconn limits`: every limit on holding idle connections,
 * what one connection uses of each, how many each allows, and which one
 * binds first.
 *
 * The arithmetic (limits.c) takes a struct of inputs and never reads the
 * machine, so it is tested with fabricated numbers; limits_probe.c fills
 * the inputs from /proc, /sys, getrlimit and io_uring's probe, and
 * calibrate.c measures what a connection costs.
 *
 * "A connection" is a bench pair when no --target is given: both ends live
 * on this box, two sockets, one in each of two processes. With --target it
 * is one connect()ed socket (two when the target is on loopback, since the
 * server's socket then lives here too).
 */
#ifndef HOLDCONN_LIMITS_H
#define HOLDCONN_LIMITS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "base/addr.h"
#include "base/mode.h"

#define LIMITS_NONE UINT64_MAX /* a row that does not bound the count */
#define LIMITS_MODES 3         /* uring, epoll, threads: enum mode */
#define LIMITS_MAX_ROWS 24
#define LIMITS_TEXT 240

/*
 * The documented cost of one idle TCP socket, in bytes of slab objects,
 * measured on Linux 6.18 (bench/results/): what every mode pays.
 */
#define COST_TCP_SOCK 2368    /* TCP: struct tcp_sock */
#define COST_SOCK_INODE 832   /* sock_inode_cache: socket + inode (reclaimable-flagged) */
#define COST_FILP 192         /* filp: struct file */
#define COST_DENTRY 192       /* dentry (reclaimable-flagged) */
#define COST_LSM 56           /* lsm_file_cache + lsm_inode_cache */
#define COST_MEMCG 47         /* memcg object vectors for the accounted objects */
/* ...and what each event model adds per socket it watches. */
#define COST_URING_POLL 256   /* io_kiocb of the armed poll */
#define COST_EPOLL_ITEM 128   /* eventpoll_epi */
#define COST_URING_SLOT 16    /* registered-table slot and a share of the ring's SQ/CQ */
#define COST_RECORD 8         /* struct conn in the arena */
/*
 * threads: a 16 KiB kernel stack (KernelStack, outside the slab), the
 * task_struct (6.5 KB), two VMAs, a pid, a vmap_area: 23.9 KB measured;
 * plus the two pages of its user stack that a worker touches (RssAnon
 * grows 8.5 KiB per thread).
 */
#define COST_THREAD_KERNEL 23900
#define COST_THREAD_USER 8192

#define THREAD_MAPS 2         /* a pthread stack is two mappings: the stack and its guard */
#define BENCH_CLIENT_MODE MODE_URING /* bench's --client-mode default */
/* bench's client: uring with --client-watch none, so no poll armed per socket. */
#define BENCH_CLIENT_EXTRA (COST_URING_SLOT + COST_RECORD)

/*
 * Bytes of slab memory one object of each cache takes on this kernel:
 * its share of a slab's pages ((PAGE_SIZE << order) / objs_per_slab),
 * a few percent above the object size. Defaults: the object sizes above.
 */
struct slab_shares {
	double tcp, sock_inode, filp, dentry, uring_poll, epoll_item;
};

/* What one connection costs in memory, split the way MemAvailable sees it. */
struct limits_cost {
	double unreclaimable; /* bytes that lower MemAvailable one for one */
	/*
	 * Bytes in caches the kernel flags reclaimable (dentry,
	 * sock_inode_cache): MemAvailable counts them as free, yet an open
	 * socket pins them; no reclaim can give them back.
	 */
	double reclaimable;
	double buffers;       /* bytes queued in socket buffers (sockstat TCP mem) */
};

struct limits_input {
	enum mode mode;
	uint64_t conns;             /* --conns; 0: none asked */
	bool bench;                 /* no --target: bench pairs */
	bool loopback;              /* --target all on loopback: the server's sockets live here too */
	/* 4-tuples */
	uint32_t sport_first, sport_last;
	bool sport_default;         /* from ip_local_port_range (not --sport) */
	bool bind_source;           /* false: the kernel picks the source address and port */
	addr128 saddr_first;        /* IPv4 or, with saddr_v6, IPv6 */
	uint32_t nsaddr;            /* at most 2^32 - 1 counted: an IPv6 block offers more */
	bool saddr_v6;
	uint64_t ndst;
	/* descriptors */
	uint64_t nofile_soft, nofile_hard, nr_open;
	bool cap_sys_resource, cap_sys_admin, uid_root;
	uint64_t fds_open;          /* open now, inherited by every side bench forks */
	uint32_t listeners;         /* the serving process's listening sockets (bench: --ports) */
	uint64_t file_max, file_nr;
	/* memory */
	uint64_t mem_available, reserve;
	bool reserve_default;
	uint64_t reclaimable_now;   /* meminfo KReclaimable */
	uint64_t wmark_low;         /* sum of the zones' low watermarks, bytes */
	/*
	 * Free pages parked in the per-CPU lists (zoneinfo pagesets "count"):
	 * MemFree leaves them out, and the next allocations take them first,
	 * so the ramp spends them before MemAvailable moves.
	 */
	uint64_t pcp_free;
	uint64_t memcg_limit, memcg_usage; /* 0: no limit */
	char memcg_file[200];       /* the file that sets the limit */
	const char *memcg_version;  /* "v1", "v2" */
	uint64_t memcg_reserve;     /* the room a ramp keeps under it (--reserve, or 5% of it) */
	bool memcg_reserve_default;
	/*
	 * What the cgroup is charged per connection of in->mode and before the
	 * first, measured by the calibration (0: not measured; the documented
	 * cost is used). Not the slab pages: the cgroup is charged per object.
	 */
	double memcg_charge, memcg_fixed;
	struct slab_shares share;   /* for the documented costs */
	struct limits_cost cost[LIMITS_MODES]; /* per connection, by mode */
	bool cost_measured;
	/* buffers, TIME_WAIT, backlog, hash */
	uint64_t page_size;
	uint64_t tcp_mem[3], tcp_mem_used; /* pages */
	uint64_t tw_buckets;
	uint64_t somaxconn, backlog, syn_backlog;
	uint32_t window;            /* connects in flight at most */
	uint64_t ehash;             /* established hash buckets the sockets land in */
	uint64_t ehash_host;        /* net.ipv4.tcp_ehash_entries */
	bool ehash_per_run;         /* bench sizes its namespace's hash for the run */
	/* threads */
	uint64_t threads_max, threads_now, pid_max;
	uint64_t nproc_soft;
	uint64_t max_map_count, maps_now;
	uint64_t pids_max, pids_now; /* pids cgroup; pids_max 0: none */
	uint64_t stack_size;        /* a worker's stack: PTHREAD_STACK_MIN rounded to pages */
	/* io_uring */
	uint64_t memlock_soft, memlock_hard; /* RLIMIT_MEMLOCK, bytes; LIMITS_NONE: unlimited */
	bool memlock_charged;       /* rings are charged to it: no CAP_IPC_LOCK, a finite limit */
	uint64_t ring_charge;       /* bytes one ring is charged (its queues, whole pages) */
	uint32_t accept_margin;     /* bench's serving rings keep this many slots free */
	uint32_t uid;
	int io_uring_disabled;      /* kernel.io_uring_disabled; -1: no such knob */
	int64_t uring_group;        /* kernel.io_uring_group; -1: none */
	bool uring_group_member;    /* in kernel.io_uring_group */
	bool uring_probed;          /* io_uring_get_probe() answered */
	char uring_missing[96];     /* required opcodes it lacks, "" if none */
	char uring_optional[96];    /* optional ones it lacks */
	/* CPU */
	double rate;                /* connections established per second; 0: not measured */
};

struct limits_row {
	const char *resource;
	const char *stop;           /* what bench would report on reaching it */
	uint64_t value;             /* the limit's current value */
	char source[LIMITS_TEXT];   /* where the value comes from */
	double per_conn;            /* how much of it one connection uses */
	char unit[LIMITS_TEXT];     /* of per_conn, and how */
	uint64_t allows;            /* connections it allows; LIMITS_NONE: no bound */
	char lift[LIMITS_TEXT];     /* the command that lifts it, or why it cannot be */
	bool bytes;                 /* value and per_conn are bytes */
};

struct limits_table {
	enum mode mode;
	int nrows;
	struct limits_row rows[LIMITS_MAX_ROWS];
	int binding;                /* index of the row that binds first; -1: none */
	uint64_t predicted[LIMITS_MODES]; /* the most connections each mode can hold */
	const char *binding_by_mode[LIMITS_MODES];
	const char *stop_by_mode[LIMITS_MODES];
};

/* --- limits.c: arithmetic only --- */

/* The table for in->mode, and the prediction for every mode. */
void limits_compute(const struct limits_input *in, struct limits_table *t);
/* Connections until MemAvailable falls to in->reserve at cost c (see limits.c). */
uint64_t limits_memory_allows(const struct limits_input *in, const struct limits_cost *c);
/* The documented object sizes, as slab shares. */
void limits_documented_shares(struct slab_shares *s);
/* Per-connection cost of mode m from the documented figures and in->share. */
void limits_default_cost(const struct limits_input *in, enum mode m, struct limits_cost *c);
/* What mode m adds per socket it holds, on top of the socket itself. */
double limits_side_extra(const struct slab_shares *s, enum mode m);
/* 4-tuples the ranges produce. */
uint64_t limits_tuples(const struct limits_input *in);

/*
 * What the limits are asked about: the holder's mode, the connections
 * wanted and where they go (no targets: bench's pairs on loopback).
 */
struct limits_query {
	enum mode mode;
	uint64_t conns;           /* 0: as many as fit */
	struct endpoint_range target[MAX_ENDPOINTS];
	int ntarget;
	struct addr_range source;
	bool has_source;
	struct port_range sport;
	bool has_sport;
	uint32_t ports;           /* bench's listening ports */
	uint64_t reserve;
	bool has_reserve;
	uint32_t backlog;
};

/* --- limits_probe.c: the inputs, from this machine --- */

/* Everything but the costs (set to the documented defaults). 0 or -errno. */
int limits_probe(const struct limits_query *q, struct limits_input *in);
/* Just the memory figures again (after a calibration has come and gone). 0 or -errno. */
int limits_probe_memory(const struct limits_query *q, struct limits_input *in);
/* The tightest memory cgroup limit above this process (0: none), its usage and its file. */
void limits_memcg(uint64_t *limit, uint64_t *usage, char *file, size_t len);
/* /sys/kernel/slab/NAME: bytes of slab pages per object and the reclaim flag. 0 or -errno. */
int limits_slab_cache(const char *name, double *page_share, bool *reclaimable);

/* What bench --conns max should reach, without calibration. */
struct limits_prediction {
	uint64_t max;
	const char *binding;
	const char *stop;
	char lift[LIMITS_TEXT];
};

/*
 * For bench --conns max, from inside its namespace, with the baseline's
 * MemAvailable and the reserve. 0, or -errno (-ERANGE: nothing binds).
 */
int limits_predict_bench(const struct limits_query *q, uint64_t mem_available, uint64_t reserve,
			 struct limits_prediction *p);

#endif
