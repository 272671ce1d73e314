/*
 * crosscheck.h - how far a per-socket figure can be trusted.
 *
 * The slab and sockstat's TCP memory are global: sockets anyone else opens
 * while a run measures land in its deltas. So every report point compares
 * the growth of TCP socket objects the kernel counted with the sockets the
 * run itself has open on this box; when they disagree by more than the
 * tolerance the point is *disturbed* and per-socket kernel figures are
 * taken over what the kernel counted (right when the extra sockets are of
 * the same kind), the figure over our own sockets kept as the raw one.
 *
 * Every figure also carries its resolution: what its source cannot tell
 * apart from nothing (free objects in per-CPU slabs, TCP memory cached per
 * CPU, frees still pending when the baseline was taken). A figure within
 * plus or minus its resolution is shown as ~0; one below minus it is flagged
 * as negative, its measured value kept.
 */
#ifndef HOLDCONN_CROSSCHECK_H
#define HOLDCONN_CROSSCHECK_H

#include <stdbool.h>
#include <stdint.h>
#include "measure/meter.h"

/* Disturbed by frees: below this share of ours the kernel's count divides nothing reliably. */
#define CROSSCHECK_MIN_SHARE 0.5
/* Counts further apart than this share of the expected (beyond the count's resolution) disagree. */
#define CROSSCHECK_TOLERANCE 0.02

/* What the box's accounting cannot resolve, read once per run (crosscheck_env). */
struct crosscheck_env {
	int ncpus;                 /* online CPUs: each caches slab objects and TCP memory */
	uint64_t page_size;
	uint64_t tcp_pcpu_pages;   /* net.core.mem_pcpu_rsv: TCP pages a CPU may hold uncharged */
	struct meter_residue residue; /* what the slab was still freeing at the baseline */
	struct slab_aliases aliases;  /* merged caches' slabinfo lines (attrib_env) */
};

/* The kernel's count of TCP sockets against the run's own. */
struct sock_check {
	bool known;                /* false: no source (neither slabinfo nor sockstat read) */
	const char *source;        /* "slabinfo" (TCP + TCPv6 objects) or "sockstat" (TCP alloc) */
	uint64_t expected;         /* TCP sockets the run has open on this box */
	int64_t seen;              /* growth of TCP sockets the kernel counted since the baseline */
	uint64_t resolution;       /* sockets the count cannot resolve */
	bool disturbed;            /* seen and expected disagree */
};

/*
 * The cache that grew most beyond what the run's own sockets explain
 * (attrib_unexplained): someone else's objects in the slab's growth.
 */
struct unexplained {
	bool found;
	char cache[METER_NAME_LEN];
	int64_t objs, bytes;
	const char *cause;
};

/* The per-socket kernel figures of one report point. */
struct crosscheck {
	struct sock_check sockets;
	struct unexplained unexplained;
	double divisor;            /* what kernel and buffer figures are per: held, or the kernel's
				    * count; NAN when that is far below ours (no figure) */
	double kernel, kernel_raw, kernel_res;   /* slab (+ stacks, page tables) bytes per socket */
	double buffer, buffer_raw, buffer_res;   /* sockstat TCP mem bytes per socket */
};

/* Reads the CPU count, page size and net.core.mem_pcpu_rsv (its default where absent). */
void crosscheck_env(struct crosscheck_env *env);

/*
 * Objects of cache c that may be free yet counted active in one sample:
 * SLUB counts every object of a CPU's active slab and of its per-CPU
 * partial slabs as active. 0 when the line lacks objperslab.
 */
uint64_t slab_cache_slack(const struct slab_cache *c, const struct crosscheck_env *env);

/*
 * Compares seen with expected TCP sockets (held plus listening). The count
 * is the TCP and TCPv6 slab objects when both samples have slabinfo, else
 * sockstat's TCP alloc (global, exact); sockstat's inuse counts only one
 * network namespace, so it cannot see anyone else's sockets.
 */
void crosscheck_sockets(const struct meter_sample *base, const struct meter_sample *now,
			const struct crosscheck_env *env, uint64_t expected, struct sock_check *c);

/*
 * Resolution of d's kernel_bytes (bytes): per-CPU slab slack of every cache
 * that moved, in both samples, plus the baseline's residue of frees.
 */
double crosscheck_kernel_res(const struct meter_sample *base, const struct meter_sample *now,
			     const struct meter_delta *d, const struct crosscheck_env *env);
/* Resolution of d's buffer_bytes (bytes): each CPU's uncharged TCP pages, in both samples. */
double crosscheck_buffer_res(const struct crosscheck_env *env);
/*
 * Resolution of RssAnon growth over nprocs processes (bytes): the kernel
 * reads each one's per-CPU RSS counter without summing it, so each sample
 * may be off by a batch of pages per CPU.
 */
double crosscheck_rss_res(const struct crosscheck_env *env, int nprocs);

/*
 * The whole check of one point: held sockets are what the run holds (the
 * raw figures' divisor); expected adds its other TCP sockets (listeners).
 */
void crosscheck_point(const struct meter_sample *base, const struct meter_sample *now,
		      const struct meter_delta *d, const struct crosscheck_env *env, uint64_t held,
		      uint64_t expected, struct crosscheck *c);

/* Disturbed: by others' TCP sockets, or by growth in any cache the run's sockets do not explain. */
bool crosscheck_disturbed(const struct crosscheck *c);

/* A figure its resolution cannot tell from nothing, either way: ~0. */
bool figure_is_zero(double value, double resolution);
/*
 * A cost below minus its resolution: not noise but a finding (memory
 * someone else freed meanwhile, a baseline taken too early). It is never
 * shown as a cost: flagged, with its measured value beside.
 */
bool figure_is_negative(double value, double resolution);

#endif
