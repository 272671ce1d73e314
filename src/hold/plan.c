/* plan.c - the 4-tuple planner: every connection gets its own explicit tuple. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "hold/plan.h"

/*
 * The same destination twice would hand two connections one 4-tuple and
 * the second connect() would fail with EADDRNOTAVAIL. Quadratic, but it
 * runs once over at most PLAN_MAX_DST entries.
 */
static bool dst_seen(const struct plan *p, addr128 addr, uint16_t port)
{
	uint32_t i;

	for (i = 0; i < p->ndst; i++) {
		if (p->dst[i].addr == addr && p->dst[i].port == port)
			return true;
	}
	return false;
}

static int add_dst(struct plan *p, addr128 addr, uint16_t port)
{
	if (p->ndst == PLAN_MAX_DST || dst_seen(p, addr, port))
		return -EINVAL;
	p->dst[p->ndst].addr = addr;
	p->dst[p->ndst].port = port;
	p->ndst++;
	return 0;
}

static bool port_range_valid(const struct port_range *r)
{
	return r->first && r->first <= r->last;
}

/* Every port of every target becomes one destination; all of one family. */
static int expand_targets(struct plan *p, const struct endpoint_range *t, int n)
{
	uint32_t port; /* not uint16_t: the loop must be able to pass 65535 */
	int i, ret;

	if (!t || n <= 0)
		return -EINVAL;
	p->v6 = t[0].v6;
	for (i = 0; i < n; i++) {
		if (!port_range_valid(&t[i].ports))
			return -EINVAL;
		if (t[i].v6 != p->v6)
			return -EAFNOSUPPORT;
		for (port = t[i].ports.first; port <= t[i].ports.last; port++) {
			ret = add_dst(p, t[i].addr, port);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int check_sources(const struct plan *p, const struct addr_range *src,
			 const struct port_range *sport)
{
	if (!sport || !port_range_valid(sport))
		return -EINVAL;
	if (!src)
		return 0;
	if (src->first > src->last)
		return -EINVAL;
	/* Every address of the family: 0.0.0.0 and :: cannot be bound as a source. */
	if (src->first == 0 && src->last == (src->v6 ? ~(addr128)0 : UINT32_MAX))
		return -EINVAL;
	return src->v6 == p->v6 ? 0 : -EAFNOSUPPORT;
}

int plan_init(struct plan *p, const struct addr_range *src, const struct port_range *sport,
	      const struct endpoint_range *targets, int ntargets, uint64_t need)
{
	uint64_t offered, per_addr;
	int ret;

	memset(p, 0, sizeof(*p));
	ret = expand_targets(p, targets, ntargets);
	if (ret)
		return ret;
	ret = check_sources(p, src, sport);
	if (ret)
		return ret;

	p->bind_source = src != NULL;
	p->saddr_first = src ? src->first : 0;
	p->sport_first = sport->first;
	p->nsport = port_range_count(sport);
	/* An IPv6 /64 offers 2^64 sources: more than any run can use, so count at most 2^64 - 1. */
	offered = src ? addr_range_count(src) > UINT64_MAX ? UINT64_MAX
							      : (uint64_t)addr_range_count(src)
		      : 1;
	per_addr = (uint64_t)p->nsport * p->ndst;
	/* IPv4: at most 2^32 * 2^16 * 2^12 = 2^60. IPv6 may pass 2^64: saturate. */
	p->capacity = offered > UINT64_MAX / per_addr ? UINT64_MAX : offered * per_addr;
	if (need > p->capacity) {
		p->nsaddr = offered;
		return -EADDRNOTAVAIL;
	}
	p->nsaddr = need ? (need + per_addr - 1) / per_addr : offered;
	return 0;
}

void plan_tuple(const struct plan *p, uint64_t i, union sockaddr_inet *src,
		union sockaddr_inet *dst)
{
	const struct plan_dst *d = &p->dst[i % p->ndst];
	uint64_t j = i / p->ndst;

	sockaddr_from(dst, p->v6, d->addr, d->port);
	if (!p->bind_source) {
		sockaddr_from(src, p->v6, 0, 0);
		return;
	}
	sockaddr_from(src, p->v6, p->saddr_first + j / p->nsport,
		      p->sport_first + (uint16_t)(j % p->nsport));
}

/* ---- shards --------------------------------------------------------------- */

static int parse_u32(const char *s, const char *end, uint32_t *out)
{
	uint64_t v = 0;

	if (s == end)
		return -EINVAL;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

int plan_parse_shard(const char *s, const char *index_env, struct plan_shard *out)
{
	const char *slash = s ? strchr(s, '/') : NULL;
	struct plan_shard sh;

	if (!s)
		return -EINVAL;
	if (slash) {
		if (parse_u32(s, slash, &sh.index) || parse_u32(slash + 1, slash + strlen(slash), &sh.count))
			return -EINVAL;
	} else {
		if (!index_env || parse_u32(index_env, index_env + strlen(index_env), &sh.index) ||
		    parse_u32(s, s + strlen(s), &sh.count))
			return -EINVAL;
	}
	if (!sh.count || sh.index >= sh.count)
		return -EINVAL;
	*out = sh;
	return 0;
}

/* Part i of k of the ports [first, first + n): n * i fits in 64 bits. */
static void split(uint64_t first, uint64_t n, uint32_t i, uint32_t k, uint64_t *lo, uint64_t *hi)
{
	*lo = first + n * i / k;
	*hi = first + n * (i + 1ull) / k - 1;
}

/* floor(n * i / k) for i < k, without n * i overflowing: n may be near 2^128 (IPv6). */
static addr128 share(addr128 n, uint32_t i, uint32_t k)
{
	return n / k * i + n % k * i / k;
}

int plan_shard_sources(const struct plan_shard *sh, struct addr_range *src, struct port_range *sport)
{
	uint64_t lo, hi;

	if (!sh->count)
		return 0;
	/* Count 0 is all 2^128 IPv6 addresses, which no plan takes: split the ports then. */
	if (src && addr_range_count(src) >= sh->count) {
		addr128 n = addr_range_count(src), first = src->first;

		src->first = first + share(n, sh->index, sh->count);
		src->last = first + share(n, sh->index + 1, sh->count) - 1;
		return 0;
	}
	if (port_range_count(sport) < sh->count)
		return -ERANGE;
	split(sport->first, port_range_count(sport), sh->index, sh->count, &lo, &hi);
	sport->first = (uint16_t)lo;
	sport->last = (uint16_t)hi;
	return 0;
}
