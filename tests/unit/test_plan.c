/* test_plan.c - the 4-tuple planner: distinct tuples, index mapping, capacity. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hold/plan.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

/* 3 source addresses x 5 source ports x 4 destinations = 60 tuples. */
static const struct addr_range small_src = { IP(10, 0, 0, 1), IP(10, 0, 0, 3) };
static const struct port_range small_sport = { 1000, 1004 };
static const struct endpoint_range small_dst[] = {
	{ IP(127, 0, 0, 1), { 5000, 5001 } },
	{ IP(127, 0, 0, 2), { 6000, 6001 } },
};

/* The plan is 128 KiB: static, not on the stack of every test. */
static struct plan p;

struct tuple {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
};

static struct tuple tuple_at(uint64_t i)
{
	union sockaddr_inet s, d;
	struct tuple t;

	plan_tuple(&p, i, &s, &d);
	cr_assert_eq(s.v4.sin_family, AF_INET);
	cr_assert_eq(d.v4.sin_family, AF_INET);
	t.saddr = ntohl(s.v4.sin_addr.s_addr);
	t.sport = ntohs(s.v4.sin_port);
	t.daddr = ntohl(d.v4.sin_addr.s_addr);
	t.dport = ntohs(d.v4.sin_port);
	return t;
}

static void expect_tuple(uint64_t i, uint32_t saddr, uint16_t sport, uint32_t daddr,
			 uint16_t dport)
{
	struct tuple t = tuple_at(i);

	cr_expect_eq(t.saddr, saddr, "tuple %lu: saddr %#x, want %#x", (unsigned long)i, t.saddr,
		     saddr);
	cr_expect_eq(t.sport, sport, "tuple %lu: sport %u, want %u", (unsigned long)i, t.sport,
		     sport);
	cr_expect_eq(t.daddr, daddr, "tuple %lu: daddr %#x, want %#x", (unsigned long)i, t.daddr,
		     daddr);
	cr_expect_eq(t.dport, dport, "tuple %lu: dport %u, want %u", (unsigned long)i, t.dport,
		     dport);
}

static int small_plan(uint64_t need)
{
	return plan_init(&p, &small_src, &small_sport, small_dst, 2, need);
}

Test(plan, every_tuple_of_a_small_plan_is_distinct_and_in_range)
{
	struct tuple t[60];
	int i, k;

	cr_assert_eq(small_plan(0), 0);
	cr_assert_eq(p.capacity, 60);
	for (i = 0; i < 60; i++) {
		t[i] = tuple_at(i);
		cr_expect(t[i].saddr >= IP(10, 0, 0, 1) && t[i].saddr <= IP(10, 0, 0, 3));
		cr_expect(t[i].sport >= 1000 && t[i].sport <= 1004);
	}
	for (i = 0; i < 60; i++) {
		for (k = i + 1; k < 60; k++)
			cr_expect(memcmp(&t[i], &t[k], sizeof(t[i])) != 0,
				  "tuples %d and %d are the same", i, k);
	}
}

Test(plan, targets_expand_to_one_destination_per_port_in_order)
{
	cr_assert_eq(small_plan(0), 0);
	cr_assert_eq(p.ndst, 4);
	cr_expect_eq(p.dst[0].addr, IP(127, 0, 0, 1));
	cr_expect_eq(p.dst[0].port, 5000);
	cr_expect_eq(p.dst[1].addr, IP(127, 0, 0, 1));
	cr_expect_eq(p.dst[1].port, 5001);
	cr_expect_eq(p.dst[2].addr, IP(127, 0, 0, 2));
	cr_expect_eq(p.dst[2].port, 6000);
	cr_expect_eq(p.dst[3].addr, IP(127, 0, 0, 2));
	cr_expect_eq(p.dst[3].port, 6001);
}

Test(plan, consecutive_indices_walk_destinations_first)
{
	cr_assert_eq(small_plan(0), 0);
	expect_tuple(0, IP(10, 0, 0, 1), 1000, IP(127, 0, 0, 1), 5000);
	expect_tuple(1, IP(10, 0, 0, 1), 1000, IP(127, 0, 0, 1), 5001);
	expect_tuple(3, IP(10, 0, 0, 1), 1000, IP(127, 0, 0, 2), 6001);
}

Test(plan, source_port_advances_after_all_destinations)
{
	cr_assert_eq(small_plan(0), 0);
	expect_tuple(4, IP(10, 0, 0, 1), 1001, IP(127, 0, 0, 1), 5000);
	expect_tuple(19, IP(10, 0, 0, 1), 1004, IP(127, 0, 0, 2), 6001);
}

Test(plan, source_address_advances_after_all_ports)
{
	cr_assert_eq(small_plan(0), 0);
	expect_tuple(20, IP(10, 0, 0, 2), 1000, IP(127, 0, 0, 1), 5000);
	expect_tuple(59, IP(10, 0, 0, 3), 1004, IP(127, 0, 0, 2), 6001);
}

Test(plan, capacity_counts_every_offered_tuple)
{
	cr_assert_eq(small_plan(1), 0);
	cr_expect(p.bind_source);
	cr_expect_eq(p.saddr_first, IP(10, 0, 0, 1));
	cr_expect_eq(p.sport_first, 1000);
	cr_expect_eq(p.nsport, 5);
	cr_expect_eq(p.ndst, 4);
	cr_expect_eq(p.capacity, 60, "capacity uses the whole offered range, not need");
}

Test(plan, nsaddr_is_the_addresses_needed_rounded_up)
{
	cr_assert_eq(small_plan(1), 0);
	cr_expect_eq(p.nsaddr, 1);
	cr_assert_eq(small_plan(20), 0);
	cr_expect_eq(p.nsaddr, 1);
	cr_assert_eq(small_plan(21), 0);
	cr_expect_eq(p.nsaddr, 2);
	cr_assert_eq(small_plan(60), 0);
	cr_expect_eq(p.nsaddr, 3);
}

Test(plan, need_zero_uses_every_offered_address)
{
	cr_assert_eq(small_plan(0), 0);
	cr_expect_eq(p.nsaddr, 3);
	cr_expect_eq(p.capacity, 60);
}

Test(plan, need_above_capacity_is_eaddrnotavail_with_capacity_set)
{
	cr_expect_eq(small_plan(61), -EADDRNOTAVAIL);
	cr_expect_eq(p.capacity, 60);
}

Test(plan, without_source_capacity_is_ports_times_destinations)
{
	cr_assert_eq(plan_init(&p, NULL, &small_sport, small_dst, 2, 0), 0);
	cr_expect_not(p.bind_source);
	cr_expect_eq(p.nsaddr, 1);
	cr_expect_eq(p.capacity, 20);
}

Test(plan, without_source_tuples_leave_the_source_to_the_kernel)
{
	cr_assert_eq(plan_init(&p, NULL, &small_sport, small_dst, 2, 20), 0);
	expect_tuple(0, INADDR_ANY, 0, IP(127, 0, 0, 1), 5000);
	expect_tuple(6, INADDR_ANY, 0, IP(127, 0, 0, 2), 6000);
	expect_tuple(19, INADDR_ANY, 0, IP(127, 0, 0, 2), 6001);
}

Test(plan, without_source_need_above_capacity_is_eaddrnotavail)
{
	cr_expect_eq(plan_init(&p, NULL, &small_sport, small_dst, 2, 21), -EADDRNOTAVAIL);
	cr_expect_eq(p.capacity, 20);
}

Test(plan, no_targets_is_einval)
{
	cr_expect_eq(plan_init(&p, &small_src, &small_sport, small_dst, 0, 0), -EINVAL);
	cr_expect_eq(plan_init(&p, &small_src, &small_sport, NULL, 2, 0), -EINVAL);
}

Test(plan, exactly_plan_max_dst_destinations_fit)
{
	struct endpoint_range t = { IP(127, 0, 0, 1), { 1, PLAN_MAX_DST } };

	cr_expect_eq(plan_init(&p, &small_src, &small_sport, &t, 1, 0), 0);
	cr_expect_eq(p.ndst, PLAN_MAX_DST);
}

Test(plan, more_than_plan_max_dst_destinations_is_einval)
{
	struct endpoint_range t[] = {
		{ IP(127, 0, 0, 1), { 1, PLAN_MAX_DST } },
		{ IP(127, 0, 0, 2), { 7000, 7000 } },
	};

	cr_expect_eq(plan_init(&p, &small_src, &small_sport, t, 2, 0), -EINVAL);
}

Test(plan, repeated_destination_is_einval)
{
	struct endpoint_range t[] = {
		{ IP(127, 0, 0, 1), { 5000, 5003 } },
		{ IP(127, 0, 0, 1), { 5003, 5004 } },
	};

	cr_expect_eq(plan_init(&p, &small_src, &small_sport, t, 2, 0), -EINVAL);
}

Test(plan, invalid_port_ranges_are_einval)
{
	struct port_range reversed = { 2000, 1000 }, zero = { 0, 10 };
	struct endpoint_range t = { IP(127, 0, 0, 1), { 6000, 5000 } };

	cr_expect_eq(plan_init(&p, &small_src, NULL, small_dst, 2, 0), -EINVAL);
	cr_expect_eq(plan_init(&p, &small_src, &reversed, small_dst, 2, 0), -EINVAL);
	cr_expect_eq(plan_init(&p, &small_src, &zero, small_dst, 2, 0), -EINVAL);
	cr_expect_eq(plan_init(&p, &small_src, &small_sport, &t, 1, 0), -EINVAL);
}

Test(plan, reversed_source_range_is_einval)
{
	struct addr_range src = { IP(10, 0, 0, 9), IP(10, 0, 0, 1) };

	cr_expect_eq(plan_init(&p, &src, &small_sport, small_dst, 2, 0), -EINVAL);
}

Test(plan, destination_port_65535_ends_the_expansion)
{
	struct endpoint_range t = { IP(127, 0, 0, 1), { 65534, 65535 } };

	cr_assert_eq(plan_init(&p, &small_src, &small_sport, &t, 1, 0), 0);
	cr_expect_eq(p.ndst, 2);
	cr_expect_eq(p.dst[1].port, 65535);
}

Test(plan, largest_plan_counts_capacity_without_overflow)
{
	struct addr_range src = { 1, UINT32_MAX };
	struct port_range sport = { 1, 65535 };
	struct endpoint_range t = { IP(127, 0, 0, 1), { 1, PLAN_MAX_DST } };

	cr_assert_eq(plan_init(&p, &src, &sport, &t, 1, 0), 0);
	cr_expect_eq(p.capacity, (uint64_t)UINT32_MAX * 65535 * PLAN_MAX_DST);
	cr_expect_eq(p.nsaddr, UINT32_MAX);
	expect_tuple(p.capacity - 1, UINT32_MAX, 65535, IP(127, 0, 0, 1), PLAN_MAX_DST);
}

Test(plan, every_ipv4_address_as_source_is_einval)
{
	struct addr_range src = { 0, UINT32_MAX };

	cr_expect_eq(plan_init(&p, &src, &small_sport, small_dst, 2, 0), -EINVAL);
}

/* ---- IPv6 ---------------------------------------------------------------- */

#define FD00_1 ((addr128)0xfd000001 << 96) /* fd00:1:: */

static const struct endpoint_range v6_dst[] = {
	{ 1, { 17000, 17003 }, true }, /* [::1]:17000-17003 */
};

Test(plan6, tuples_are_ipv6_with_offsets_into_the_source_block)
{
	struct addr_range src = { FD00_1 | 1, FD00_1 | UINT64_MAX, true };
	struct port_range sport = { 1000, 1001 };
	union sockaddr_inet s, d;

	cr_assert_eq(plan_init(&p, &src, &sport, v6_dst, 1, 100), 0);
	cr_expect(p.v6);
	cr_expect_eq(p.ndst, 4);
	cr_expect_eq(p.nsaddr, 13, "100 tuples at 8 per address: 13 addresses");
	/* Tuple 8 * 12 + 3: address offset 12, port 1000, destination 17003. */
	plan_tuple(&p, 8 * 12 + 3, &s, &d);
	cr_assert_eq(s.v6.sin6_family, AF_INET6);
	cr_assert_eq(d.v6.sin6_family, AF_INET6);
	cr_expect_eq(ntohs(s.v6.sin6_port), 1000);
	cr_expect_eq(s.v6.sin6_addr.s6_addr[0], 0xfd);
	cr_expect_eq(s.v6.sin6_addr.s6_addr[3], 0x01);
	cr_expect_eq(s.v6.sin6_addr.s6_addr[15], 13, "fd00:1::1 + 12 = fd00:1::d");
	cr_expect(IN6_IS_ADDR_LOOPBACK(&d.v6.sin6_addr));
	cr_expect_eq(ntohs(d.v6.sin6_port), 17003);
}

Test(plan6, offset_carries_past_the_low_64_bits)
{
	struct addr_range src = { FD00_1 | UINT64_MAX, FD00_1 | (addr128)1 << 64 | 5, true };
	struct port_range sport = { 1000, 1000 };
	union sockaddr_inet s, d;

	cr_assert_eq(plan_init(&p, &src, &sport, v6_dst, 1, 0), 0);
	cr_expect_eq(p.nsaddr, 7);
	plan_tuple(&p, 4, &s, &d); /* second source address */
	cr_expect_eq(s.v6.sin6_addr.s6_addr[7], 1, "fd00:1:0:0:ffff:ffff:ffff:ffff + 1 carries");
	cr_expect_eq(s.v6.sin6_addr.s6_addr[8], 0);
	cr_expect_eq(s.v6.sin6_addr.s6_addr[15], 0);
}

Test(plan6, slash_64_saturates_capacity_instead_of_overflowing)
{
	struct addr_range src = { FD00_1, FD00_1 | UINT64_MAX, true };
	struct port_range sport = { 1, 65535 };
	struct endpoint_range t = { 1, { 1, PLAN_MAX_DST }, true };

	cr_assert_eq(plan_init(&p, &src, &sport, &t, 1, 0), 0);
	cr_expect_eq(p.capacity, UINT64_MAX);
	cr_expect_eq(p.nsaddr, UINT64_MAX);
}

Test(plan6, kernel_chosen_source_is_the_ipv6_any_address)
{
	union sockaddr_inet s, d;

	cr_assert_eq(plan_init(&p, NULL, &small_sport, v6_dst, 1, 0), 0);
	cr_expect_not(p.bind_source);
	plan_tuple(&p, 0, &s, &d);
	cr_expect_eq(s.v6.sin6_family, AF_INET6);
	cr_expect(IN6_IS_ADDR_UNSPECIFIED(&s.v6.sin6_addr));
	cr_expect_eq(s.v6.sin6_port, 0);
}

Test(plan6, ipv4_and_ipv6_mixed_is_eafnosupport)
{
	struct endpoint_range mixed[] = {
		{ IP(127, 0, 0, 1), { 5000, 5000 } },
		{ 1, { 5000, 5000 }, true },
	};
	struct addr_range src6 = { FD00_1, FD00_1 | 255, true };

	cr_expect_eq(plan_init(&p, NULL, &small_sport, mixed, 2, 0), -EAFNOSUPPORT);
	cr_expect_eq(plan_init(&p, &small_src, &small_sport, v6_dst, 1, 0), -EAFNOSUPPORT);
	cr_expect_eq(plan_init(&p, &src6, &small_sport, small_dst, 2, 0), -EAFNOSUPPORT);
}

Test(plan6, every_ipv6_address_as_source_is_einval)
{
	struct addr_range src = { 0, ~(addr128)0, true };

	cr_expect_eq(plan_init(&p, &src, &small_sport, v6_dst, 1, 0), -EINVAL);
}
