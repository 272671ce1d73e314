/*
 * plan.h - the 4-tuple planner.
 *
 * connect() with a kernel-chosen source port slows ~17x once ~17K
 * connections share one destination: the ephemeral port search walks the
 * bind hash. The planner removes the search: tuple i gets an explicit
 * (source address, source port, destination), all distinct, so bind() and
 * connect() stay O(1) to any count.
 *
 * i -> dst = i % ndst, j = i / ndst, sport = sport_first + j % nsport,
 *      saddr = saddr_first + j / nsport.
 * A (saddr, sport) pair is thus shared by ndst sockets (SO_REUSEADDR), one
 * per destination, which also shares the kernel's bind buckets among them.
 */
#ifndef HOLDCONN_PLAN_H
#define HOLDCONN_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include "base/addr.h"

#define PLAN_MAX_DST 4096

struct plan_dst {
	addr128 addr;
	uint16_t port;
};

struct plan {
	bool bind_source;   /* false: no explicit bind, the kernel picks (slow past ~17K/dst) */
	bool v6;            /* every source and destination is IPv6 */
	addr128 saddr_first;
	uint64_t nsaddr;    /* source addresses actually needed (<= those offered) */
	uint16_t sport_first;
	uint32_t nsport;
	uint32_t ndst;
	struct plan_dst dst[PLAN_MAX_DST];
	uint64_t capacity;  /* distinct 4-tuples the plan can produce */
};

/*
 * Build a plan for `need` connections (0: as many as the ranges allow).
 * src may be NULL: then no explicit bind and capacity is
 * nsport * ndst per kernel-chosen source. Returns 0, -EINVAL for empty
 * targets, more than PLAN_MAX_DST destinations or one destination given
 * twice (it would repeat 4-tuples), -EAFNOSUPPORT when IPv4 and IPv6
 * are mixed among targets and source, -EADDRNOTAVAIL when the
 * ranges offer fewer than `need` tuples (capacity is still filled in).
 */
int plan_init(struct plan *p, const struct addr_range *src, const struct port_range *sport,
	      const struct endpoint_range *targets, int ntargets, uint64_t need);

/*
 * Shards: N generators against the same targets each take one of N disjoint
 * parts of the sources, so no two ever pick the same 4-tuple. The source
 * addresses split into N contiguous blocks when there are at least N of
 * them, else the source ports do; part I of a range of n is
 * [first + n*I/N, first + n*(I+1)/N - 1], so the parts cover it exactly.
 */
struct plan_shard {
	uint32_t index, count; /* count 0: no sharding */
};

/*
 * "I/N", or "N" alone with I from index_env (JOB_COMPLETION_INDEX, NULL
 * when unset). 0, or -EINVAL (malformed, N 0, I >= N, no I anywhere).
 */
int plan_parse_shard(const char *s, const char *index_env, struct plan_shard *out);

/*
 * Narrows *src (NULL: the wildcard address, so only ports split) and *sport
 * to shard sh. 0, or -ERANGE when the range to split has fewer than N
 * members (a part would be empty).
 */
int plan_shard_sources(const struct plan_shard *sh, struct addr_range *src, struct port_range *sport);

/* Tuple i (i < capacity) as socket addresses. */
void plan_tuple(const struct plan *p, uint64_t i, union sockaddr_inet *src,
		union sockaddr_inet *dst);

#endif
