/* test_crosscheck.c - the kernel's count of sockets against ours, and each figure's resolution. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "measure/crosscheck.h"

/* ~31 KiB each: kept off the stack. */
static struct meter_sample base, now;
static struct meter_delta delta;

/* This box: 2 CPUs, 4 KiB pages, the default 1 MiB of TCP memory per CPU. */
static const struct crosscheck_env env = { .ncpus = 2, .page_size = 4096, .tcp_pcpu_pages = 256 };

static void cache(struct meter_sample *s, const char *name, uint64_t objs, uint64_t size,
		  uint64_t per_slab)
{
	struct slab_cache *c = &s->caches[s->ncaches++];

	snprintf(c->name, sizeof(c->name), "%s", name);
	c->active_objs = objs;
	c->objsize = size;
	c->objperslab = per_slab;
	c->pagesperslab = 8;
	s->have_slabinfo = true;
}

/* A baseline and a point: tcp sockets grew by tcp, TCPv6 by tcp6. */
static void samples(uint64_t tcp, uint64_t tcp6)
{
	memset(&base, 0, sizeof(base));
	memset(&now, 0, sizeof(now));
	cache(&base, "TCP", 80, 2368, 13);
	cache(&base, "TCPv6", 13, 2496, 13);
	cache(&now, "TCP", 80 + tcp, 2368, 13);
	cache(&now, "TCPv6", 13 + tcp6, 2496, 13);
}

Test(slack, tcp_cache_is_a_slab_and_four_partial_slabs_per_cpu)
{
	struct slab_cache tcp = { "TCP", 0, 2368, 13, 8 };

	/* 2368 B: 24 partial objects, twice that in slabs of 13: 4 slabs; plus the active one. */
	cr_assert_eq(slab_cache_slack(&tcp, &env), 2 * 13 * 5);
}

Test(slack, small_objects_keep_more_partial_slabs)
{
	struct slab_cache k64 = { "kmalloc-64", 0, 64, 64, 1 };

	/* 120 objects, twice: 240 in slabs of 64 is 4 slabs. */
	cr_assert_eq(slab_cache_slack(&k64, &env), 2 * 64 * 5);
}

Test(slack, page_sized_objects_keep_six)
{
	struct slab_cache big = { "kmalloc-8k", 0, 8192, 4, 8 };

	cr_assert_eq(slab_cache_slack(&big, &env), 2 * 4 * (1 + 3));
}

Test(slack, unknown_slab_geometry_is_none)
{
	struct slab_cache c = { "x", 0, 64, 0, 0 };

	cr_assert_eq(slab_cache_slack(&c, &env), 0);
}

static struct sock_check sc;
static struct crosscheck cc;

Test(sockets, equal_counts_are_undisturbed)
{
	samples(40000, 0);
	crosscheck_sockets(&base, &now, &env, 40000, &sc);
	cr_assert(sc.known);
	cr_assert_str_eq(sc.source, "slabinfo");
	cr_assert_eq(sc.seen, 40000);
	cr_assert_eq(sc.expected, 40000);
	cr_assert_eq(sc.resolution, 2 * 13 * 5 + 2 * 13 * 5);
	cr_assert_not(sc.disturbed);
}

Test(sockets, counts_tcpv6_objects_too)
{
	samples(30000, 10000);
	crosscheck_sockets(&base, &now, &env, 40000, &sc);
	cr_assert_eq(sc.seen, 40000);
	cr_assert_not(sc.disturbed);
}

Test(sockets, two_percent_plus_resolution_is_still_agreement)
{
	/* 2% of 40000 is 800; the count resolves 260 objects. */
	samples(40000 + 800 + 260, 0);
	crosscheck_sockets(&base, &now, &env, 40000, &sc);
	cr_assert_not(sc.disturbed);
}

Test(sockets, one_more_is_disturbed)
{
	samples(40000 + 800 + 261, 0);
	crosscheck_sockets(&base, &now, &env, 40000, &sc);
	cr_assert(sc.disturbed);
	cr_assert_eq(sc.seen, 41061);
}

Test(sockets, fewer_than_expected_is_disturbed_too)
{
	/* Someone else's sockets freed while ours were opened. */
	samples(20000, 0);
	crosscheck_sockets(&base, &now, &env, 40000, &sc);
	cr_assert(sc.disturbed);
	cr_assert_eq(sc.seen, 20000);
}

Test(sockets, frees_pending_at_the_baseline_widen_the_resolution)
{
	struct crosscheck_env e = env;

	e.residue.tcp_objs = 500;
	samples(40000 + 800 + 760, 0);
	crosscheck_sockets(&base, &now, &e, 40000, &sc);
	cr_assert_eq(sc.resolution, 760);
	cr_assert_not(sc.disturbed);
}

Test(sockets, without_slabinfo_sockstat_alloc_counts)
{
	memset(&base, 0, sizeof(base));
	memset(&now, 0, sizeof(now));
	base.tcp_alloc = 10;
	now.tcp_alloc = 10 + 80000;
	crosscheck_sockets(&base, &now, &env, 40000, &sc);
	cr_assert(sc.known);
	cr_assert_str_eq(sc.source, "sockstat");
	cr_assert_eq(sc.seen, 80000);
	cr_assert_eq(sc.resolution, 0);
	cr_assert(sc.disturbed);
}

Test(sockets, no_source_is_unknown_and_undisturbed)
{
	memset(&base, 0, sizeof(base));
	memset(&now, 0, sizeof(now));
	crosscheck_sockets(&base, &now, &env, 40000, &sc);
	cr_assert_not(sc.known);
	cr_assert_not(sc.disturbed);
}

/* The TCP objects' bytes and a point's buffer pages as meter_diff leaves them. */
static void point(uint64_t tcp, uint64_t held, uint64_t expected, int64_t kernel, int64_t buffer)
{
	samples(tcp, 0);
	memset(&delta, 0, sizeof(delta));
	delta.from_slabinfo = true;
	delta.kernel_bytes = kernel;
	delta.buffer_bytes = buffer;
	crosscheck_point(&base, &now, &delta, &env, held, expected, &cc);
}

Test(point, undisturbed_figures_are_over_held_sockets)
{
	point(40000, 40000, 40000, 40000 * 3855LL, 40000 * 5LL);
	cr_assert_not(cc.sockets.disturbed);
	cr_assert_float_eq(cc.divisor, 40000, 1e-9);
	cr_assert_float_eq(cc.kernel, 3855, 1e-9);
	cr_assert_float_eq(cc.kernel_raw, 3855, 1e-9);
	cr_assert_float_eq(cc.buffer, 5, 1e-9);
}

Test(point, disturbed_figures_are_over_what_the_kernel_counted)
{
	/* Another run held as many sockets as ours: twice the bytes, twice the objects. */
	point(80000, 40000, 40000, 80000 * 3855LL, 80000 * 5LL);
	cr_assert(cc.sockets.disturbed);
	cr_assert_float_eq(cc.divisor, 80000, 1e-9);
	cr_assert_float_eq(cc.kernel, 3855, 1e-9);
	cr_assert_float_eq(cc.kernel_raw, 2 * 3855, 1e-9);
	cr_assert_float_eq(cc.buffer, 5, 1e-9);
	cr_assert_float_eq(cc.buffer_raw, 10, 1e-9);
}

Test(point, own_listeners_are_not_divided_over)
{
	/* 40000 held and 16 listeners of ours, 40000 of someone else's. */
	point(80016, 40000, 40016, 80016 * 3855LL, 0);
	cr_assert(cc.sockets.disturbed);
	cr_assert_float_eq(cc.divisor, 80000, 1e-9);
}

Test(point, sockets_freed_as_ours_were_opened_are_divided_over_if_half_remain)
{
	/* Someone else's 10000 freed: 30000 counted, the bytes of 30000 like ours. */
	point(30000, 40000, 40000, 30000 * 3855LL, 0);
	cr_assert(cc.sockets.disturbed);
	cr_assert_float_eq(cc.kernel, 3855, 1e-9);
}

Test(point, far_fewer_seen_than_ours_leaves_no_figure)
{
	point(19999, 40000, 40000, 19999 * 3855LL, 0);
	cr_assert(cc.sockets.disturbed);
	cr_assert(isnan(cc.divisor));
	cr_assert(isnan(cc.kernel));
	cr_assert(isnan(cc.buffer));
	cr_assert_float_eq(cc.kernel_raw, 19999 * 3855.0 / 40000, 1e-9);
}

Test(point, no_sockets_seen_leaves_no_figure)
{
	point(0, 40000, 40000, 40000 * 3855LL, 0);
	cr_assert(cc.sockets.disturbed);
	cr_assert(isnan(cc.kernel));
	cr_assert_float_eq(cc.kernel_raw, 3855, 1e-9);
}

Test(point, nothing_held_is_all_zero)
{
	point(0, 0, 0, 1000, 1000);
	cr_assert_float_eq(cc.kernel, 0, 1e-9);
	cr_assert_float_eq(cc.kernel_raw, 0, 1e-9);
	cr_assert_float_eq(cc.buffer, 0, 1e-9);
}

Test(point, buffer_resolution_is_each_cpus_reserve_twice_per_socket)
{
	point(40000, 40000, 40000, 0, 0);
	/* 2 samples x 2 CPUs x 1 MiB over 40000 sockets. */
	cr_assert_float_eq(cc.buffer_res, 4.0 * 1048576 / 40000, 1e-9);
}

Test(point, kernel_resolution_sums_the_caches_that_moved)
{
	point(40000, 40000, 40000, 0, 0);
	/* TCP moved (130 objects of 2368 B); TCPv6 did not. */
	cr_assert_float_eq(cc.kernel_res, 130.0 * 2368 / 40000, 1e-9);
}

Test(resolution, includes_what_the_baseline_was_still_freeing)
{
	struct crosscheck_env e = env;

	samples(40000, 0);
	memset(&delta, 0, sizeof(delta));
	delta.from_slabinfo = true;
	e.residue.slab_bytes = 100000;
	cr_assert_float_eq(crosscheck_kernel_res(&base, &now, &delta, &e), 130.0 * 2368 + 100000,
			   1e-6);
}

Test(resolution, meminfo_slab_is_two_vmstat_counters_drifting)
{
	memset(&base, 0, sizeof(base));
	memset(&now, 0, sizeof(now));
	memset(&delta, 0, sizeof(delta));
	/* 2 counters, 2 samples, 2 CPUs, 125 pages of 4 KiB. */
	cr_assert_float_eq(crosscheck_kernel_res(&base, &now, &delta, &env),
			   2 * 2 * 2 * 125 * 4096.0, 1e-6);
}

Test(resolution, rss_is_a_counter_batch_per_cpu_per_process_twice)
{
	/* 32-page batches: 2 samples x 2 processes x 2 CPUs. */
	cr_assert_float_eq(crosscheck_rss_res(&env, 2), 2 * 2 * 2 * 32 * 4096.0, 1e-6);
}

Test(zero, within_resolution_is_zero)
{
	cr_assert(figure_is_zero(5.2, 10.5));
	cr_assert(figure_is_zero(10.5, 10.5));
	cr_assert_not(figure_is_zero(10.6, 10.5));
}

Test(zero, within_minus_the_resolution_is_zero_too)
{
	cr_assert(figure_is_zero(-5.2, 10.5));
	cr_assert(figure_is_zero(-10.5, 10.5));
	cr_assert(figure_is_zero(0, 0));
	cr_assert_not(figure_is_negative(-10.5, 10.5));
}

Test(zero, a_negative_beyond_the_resolution_is_a_finding_not_zero)
{
	cr_assert_not(figure_is_zero(-500, 10.5));
	cr_assert(figure_is_negative(-500, 10.5));
	cr_assert(figure_is_negative(-0.1, 0));
	cr_assert_not(figure_is_negative(NAN, 10));
}

Test(zero, an_undefined_figure_is_not_zero)
{
	cr_assert_not(figure_is_zero(NAN, 10));
}
