/* test_shard.c - shards of the planner's sources: disjoint, complete, parsed. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hold/plan.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static const struct endpoint_range dsts[] = {
	{ IP(127, 0, 0, 1), { 5000, 5001 } },
	{ IP(127, 0, 0, 2), { 6000, 6000 } },
};

static struct plan p;

/* One tuple packed into 64 bits: saddr's last octet, sport, dst index. */
static uint64_t key(uint64_t i)
{
	union sockaddr_inet s, d;

	plan_tuple(&p, i, &s, &d);
	return (uint64_t)ntohl(s.v4.sin_addr.s_addr) << 32 | (uint64_t)ntohs(s.v4.sin_port) << 16 |
	       (ntohl(d.v4.sin_addr.s_addr) & 0xff) << 8 | (ntohs(d.v4.sin_port) % 256);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Every tuple of every shard's plan, sorted, against every tuple of the
 * unsharded plan: equal lists mean disjoint (no repeats) and complete.
 */
static void expect_disjoint_and_complete(struct addr_range src, struct port_range sport, uint32_t n)
{
	uint64_t whole[2048], parts[2048];
	size_t nw = 0, np = 0;

	cr_assert_eq(plan_init(&p, &src, &sport, dsts, 2, 0), 0);
	cr_assert_leq(p.capacity, 2048);
	for (uint64_t i = 0; i < p.capacity; i++)
		whole[nw++] = key(i);
	for (uint32_t k = 0; k < n; k++) {
		struct plan_shard sh = { k, n };
		struct addr_range s = src;
		struct port_range sp = sport;

		cr_assert_eq(plan_shard_sources(&sh, &s, &sp), 0, "shard %u/%u", k, n);
		cr_assert_eq(plan_init(&p, &s, &sp, dsts, 2, 0), 0);
		for (uint64_t i = 0; i < p.capacity; i++) {
			cr_assert_lt(np, 2048, "shards hold more tuples than the whole");
			parts[np++] = key(i);
		}
	}
	cr_assert_eq(np, nw, "%u shards: %zu tuples, the whole plan %zu", n, np, nw);
	qsort(whole, nw, sizeof(whole[0]), cmp_u64);
	qsort(parts, np, sizeof(parts[0]), cmp_u64);
	for (size_t i = 0; i < nw; i++)
		cr_assert_eq(parts[i], whole[i], "%u shards: tuple %zu differs", n, i);
}

Test(shard, address_shards_are_disjoint_and_cover_every_tuple)
{
	for (uint32_t n = 1; n <= 7; n++)
		expect_disjoint_and_complete((struct addr_range){ IP(10, 0, 0, 1), IP(10, 0, 0, 7) },
					     (struct port_range){ 1000, 1009 }, n);
}

Test(shard, port_shards_are_disjoint_and_cover_every_tuple)
{
	for (uint32_t n = 2; n <= 11; n++)
		expect_disjoint_and_complete((struct addr_range){ IP(10, 0, 0, 1), IP(10, 0, 0, 1) },
					     (struct port_range){ 1000, 1010 }, n);
}

Test(shard, addresses_split_into_contiguous_blocks_when_there_are_enough)
{
	struct plan_shard sh = { 2, 4 };
	struct addr_range s = { IP(198, 18, 1, 0), IP(198, 18, 1, 255) };
	struct port_range sp = { 1024, 32767 };

	cr_assert_eq(plan_shard_sources(&sh, &s, &sp), 0);
	cr_expect_eq(s.first, IP(198, 18, 1, 128));
	cr_expect_eq(s.last, IP(198, 18, 1, 191));
	cr_expect_eq(sp.first, 1024, "ports stay whole when addresses split");
	cr_expect_eq(sp.last, 32767);
}

Test(shard, ports_split_when_there_are_fewer_addresses_than_shards)
{
	struct plan_shard sh = { 3, 4 };
	struct addr_range s = { IP(10, 0, 0, 1), IP(10, 0, 0, 2) };
	struct port_range sp = { 1024, 32767 };

	cr_assert_eq(plan_shard_sources(&sh, &s, &sp), 0);
	cr_expect_eq(s.first, IP(10, 0, 0, 1), "addresses stay whole when ports split");
	cr_expect_eq(s.last, IP(10, 0, 0, 2));
	cr_expect_eq(sp.first, 1024 + 31744 * 3 / 4);
	cr_expect_eq(sp.last, 32767);
}

Test(shard, no_source_address_splits_the_ports)
{
	struct plan_shard sh = { 0, 2 };
	struct port_range sp = { 1000, 1999 };

	cr_assert_eq(plan_shard_sources(&sh, NULL, &sp), 0);
	cr_expect_eq(sp.first, 1000);
	cr_expect_eq(sp.last, 1499);
}

Test(shard, more_shards_than_ports_is_an_error)
{
	struct plan_shard sh = { 0, 6 };
	struct addr_range s = { IP(10, 0, 0, 1), IP(10, 0, 0, 1) };
	struct port_range sp = { 1000, 1004 };

	cr_expect_eq(plan_shard_sources(&sh, &s, &sp), -ERANGE);
}

Test(shard, no_shard_leaves_the_ranges_alone)
{
	struct plan_shard sh = { 0, 0 };
	struct addr_range s = { IP(10, 0, 0, 1), IP(10, 0, 0, 9) };
	struct port_range sp = { 1000, 1004 };

	cr_assert_eq(plan_shard_sources(&sh, &s, &sp), 0);
	cr_expect_eq(s.last, IP(10, 0, 0, 9));
	cr_expect_eq(sp.last, 1004);
}

Test(shard, parses_index_and_count)
{
	struct plan_shard sh;

	cr_assert_eq(plan_parse_shard("3/8", NULL, &sh), 0);
	cr_expect_eq(sh.index, 3);
	cr_expect_eq(sh.count, 8);
	cr_assert_eq(plan_parse_shard("0/1", "5", &sh), 0);
	cr_expect_eq(sh.index, 0, "an explicit index wins over the environment");
}

Test(shard, count_alone_takes_the_index_from_the_environment)
{
	struct plan_shard sh;

	cr_assert_eq(plan_parse_shard("4", "2", &sh), 0);
	cr_expect_eq(sh.index, 2);
	cr_expect_eq(sh.count, 4);
	cr_expect_eq(plan_parse_shard("4", NULL, &sh), -EINVAL, "no index anywhere");
}

Test(shard, rejects_malformed_and_out_of_range)
{
	static const char *const bad[] = { "", "/", "1/", "/4", "4/4", "5/4", "0/0", "a/4", "1/b",
					   "-1/4", "1/4x", "4294967296/1" };
	struct plan_shard sh;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(plan_parse_shard(bad[i], NULL, &sh), -EINVAL, "'%s'", bad[i]);
	cr_expect_eq(plan_parse_shard("4", "x", &sh), -EINVAL);
	cr_expect_eq(plan_parse_shard("4", "4", &sh), -EINVAL);
}

Test(shard, ipv6_slash_64_splits_into_contiguous_blocks)
{
	addr128 base = (addr128)0xfd000001 << 96; /* fd00:1:: */
	struct addr_range src = { base, base | UINT64_MAX, true };
	struct port_range sport = { 1000, 1999 };
	struct plan_shard sh = { 2, 3 };

	cr_assert_eq(plan_shard_sources(&sh, &src, &sport), 0);
	cr_expect(src.first == (base | 0xaaaaaaaaaaaaaaaaull), "2^64 * 2 / 3");
	cr_expect(src.last == (base | UINT64_MAX));
	cr_expect(src.v6);
	cr_expect_eq(sport.first, 1000, "ports untouched when addresses split");
}
