/* test_attrib.c - splitting one box's kernel growth between generator, server and other. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "measure/attrib.h"

/* 2 CPUs, 4 KiB pages, 1 MiB of TCP memory per CPU; no baseline residue; no merged caches. */
static struct crosscheck_env env = { .ncpus = 2, .page_size = 4096, .tcp_pcpu_pages = 256 };

static struct meter_sample *sample(void)
{
	struct meter_sample *s = calloc(1, sizeof(*s));

	cr_assert_not_null(s);
	s->have_slabinfo = true;
	return s;
}

static void cache(struct meter_sample *s, const char *name, uint64_t objs, uint64_t size)
{
	struct slab_cache *c = &s->caches[s->ncaches++];

	snprintf(c->name, sizeof(c->name), "%s", name);
	c->active_objs = objs;
	c->objsize = size;
}

/* A cache that grew by `grown` objects from 10. */
static void grew(struct meter_sample *base, struct meter_sample *now, const char *name,
		 uint64_t grown, uint64_t size)
{
	cache(base, name, 10, size);
	cache(now, name, 10 + grown, size);
}

/* 1,000 generator sockets and 1,000 server sockets (epoll: 1,000 registrations). */
static void pairs_grown(struct meter_sample *base, struct meter_sample *now)
{
	grew(base, now, "TCP", 2000, 2368);
	grew(base, now, "sock_inode_cache", 2000, 832);
	grew(base, now, "dentry", 2000, 192);
	grew(base, now, "filp", 2000, 192);
	grew(base, now, "eventpoll_epi", 1000, 128);
	grew(base, now, "kmalloc-64", 4000, 64);
}

static struct attrib_side server(uint64_t sockets, uint64_t epoll_items)
{
	return (struct attrib_side){ .sockets = sockets, .epoll_items = epoll_items };
}

Test(attrib, each_end_takes_the_objects_its_sockets_own)
{
	struct meter_sample *base = sample(), *now = sample();
	struct attrib_side g, s = server(1000, 1000);
	struct attribution a;

	pairs_grown(base, now);
	attrib_generator(&g, 1000, false, 1);
	attrib_split(base, now, &env, &g, &s, &a);
	/* Each: TCP+inode+dentry+file 3584 B and half of kmalloc-64's 4000 objects; the server its epitem. */
	cr_assert_eq(a.total, 1000 * (2 * 3584 + 128 + 256));
	cr_assert_eq(a.generator, 1000 * (3584 + 128));
	cr_assert_eq(a.server, 1000 * (3584 + 128 + 128));
	cr_assert_eq(a.other, 0);
	cr_assert_float_eq(a.server_per_socket, 3840.0, 1e-9);
	cr_assert_float_eq(a.generator_per_socket, 3712.0, 1e-9);
	free(base);
	free(now);
}

Test(attrib, a_proc_walk_is_other_and_never_the_servers)
{
	struct meter_sample *base = sample(), *now = sample();
	struct attrib_side g, s = server(1000, 1000);
	struct attribution a;

	pairs_grown(base, now);
	/* Someone listed the server's /proc/PID/fd: a proc inode and a dentry per entry. */
	grew(base, now, "proc_inode_cache", 1000, 712);
	now->caches[2].active_objs += 1000; /* dentry */
	attrib_generator(&g, 1000, false, 1);
	attrib_split(base, now, &env, &g, &s, &a);
	cr_assert_float_eq(a.server_per_socket, 3840.0, 1e-9);
	cr_assert_eq(a.other, 1000 * (712 + 192));
	cr_assert_eq(a.generator + a.server + a.other, a.total);
	cr_assert_eq(a.nother, 2);
	cr_assert_str_eq(a.others[0].cache, "proc_inode_cache");
	cr_assert_eq(a.others[0].objs, 1000);
	cr_assert(strstr(a.others[0].cause, "/proc"), "%s", a.others[0].cause);
	cr_assert_str_eq(a.others[1].cache, "dentry");
	free(base);
	free(now);
}

Test(attrib, an_end_takes_no_more_than_the_cache_grew)
{
	struct meter_sample *base = sample(), *now = sample();
	struct attrib_side g, s = server(1000, 0);
	struct attribution a;

	/* Its watch would be 1,000 io_kiocb, but only 400 were allocated (a per-ring cache kept some). */
	cache(base, "io_kiocb", 0, 256);
	cache(now, "io_kiocb", 400, 256);
	attrib_generator(&g, 1000, true, 1);
	attrib_split(base, now, &env, &g, &s, &a);
	cr_assert_eq(a.generator, 400 * 256);
	cr_assert_eq(a.server, 0);
	free(base);
	free(now);
}

Test(attrib, bind_buckets_are_found_on_the_line_slub_merged_them_into)
{
	struct meter_sample *base = sample(), *now = sample();
	struct attrib_side g, s = server(1000, 1000);
	struct attribution a;
	struct crosscheck_env merged = env;

	/* Here tcp_bind_bucket and tcp_bind2_bucket are counted on the eventpoll_epi line. */
	merged.aliases = (struct slab_aliases){ 2, { { "tcp_bind_bucket", "eventpoll_epi" },
						    { "tcp_bind2_bucket", "eventpoll_epi" } } };
	grew(base, now, "eventpoll_epi", 1000 + 2 * 250, 128);
	attrib_generator(&g, 1000, false, 4); /* 4 destinations share each bucket */
	attrib_split(base, now, &merged, &g, &s, &a);
	cr_assert_eq(a.generator, 2 * 250 * 128);
	cr_assert_eq(a.server, 1000 * 128);
	cr_assert_eq(a.other, 0);
	free(base);
	free(now);
}

Test(attrib, a_remote_server_leaves_the_generator_what_it_owns_and_the_rest_other)
{
	struct meter_sample *base = sample(), *now = sample();
	struct attrib_side g, s = server(0, 0);
	struct attribution a;

	grew(base, now, "TCP", 1000, 2368);
	grew(base, now, "eventpoll_epi", 1000, 128);
	attrib_generator(&g, 1000, false, 1);
	attrib_split(base, now, &env, &g, &s, &a);
	cr_assert_eq(a.generator, 1000 * 2368);
	cr_assert_eq(a.server, 0);
	cr_assert_eq(a.other, 1000 * 128);
	cr_assert_float_eq(a.server_per_socket, 0.0, 1e-9);
	free(base);
	free(now);
}

Test(attrib, without_slabinfo_the_growth_is_split_by_socket_count)
{
	struct meter_sample *base = sample(), *now = sample();
	struct attrib_side g, s = server(2000, 0);
	struct attribution a;

	base->have_slabinfo = now->have_slabinfo = false;
	base->slab_bytes = 1000000;
	now->slab_bytes = 1000000 + 3000 * 4000;
	attrib_generator(&g, 1000, false, 1);
	attrib_split(base, now, &env, &g, &s, &a);
	cr_assert_eq(a.generator, 1000 * 4000);
	cr_assert_eq(a.server, 2000 * 4000);
	cr_assert(strstr(a.method, "evenly"));
	free(base);
	free(now);
}

Test(attrib, a_shrinking_cache_is_other_not_a_gain_of_either_end)
{
	struct meter_sample *base = sample(), *now = sample();
	struct attrib_side g, s = server(100, 0);
	struct attribution a;

	cache(base, "dentry", 5000, 192);
	cache(now, "dentry", 4000, 192);
	attrib_generator(&g, 100, false, 1);
	attrib_split(base, now, &env, &g, &s, &a);
	cr_assert_eq(a.total, -1000 * 192);
	cr_assert_eq(a.generator, 0);
	cr_assert_eq(a.server, 0);
	cr_assert_eq(a.other, -1000 * 192);
	free(base);
	free(now);
}

Test(attrib, page_tables_are_the_servers_own_growth_and_the_rest_other)
{
	struct meter_sample *base = sample(), *now = sample();
	struct attrib_side g, s = server(1000, 0);
	struct attribution a;

	base->page_tables = 1 << 20;
	now->page_tables = (1 << 20) + 300 * 4096;
	s.page_tables = 100 * 4096;
	attrib_generator(&g, 1000, false, 1);
	attrib_split(base, now, &env, &g, &s, &a);
	cr_assert_eq(a.server, 100 * 4096);
	cr_assert_eq(a.other, 200 * 4096);
	free(base);
	free(now);
}

Test(attrib, each_sides_resolution_is_its_share_of_the_slack_over_its_own_sockets)
{
	struct meter_sample *base = sample(), *now = sample();
	struct attrib_side g, s = server(3000, 0);
	struct attribution a;
	double res;

	grew(base, now, "TCP", 4000, 2368);
	now->caches[0].objperslab = 13; /* TCP moved: 2 CPUs x 13 x 5 objects of slack */
	attrib_generator(&g, 1000, false, 1);
	attrib_split(base, now, &env, &g, &s, &a);
	/* Each end's share of the slack (1 in 4, 3 in 4) over its sockets. */
	res = 2 * 13 * 5 * 2368.0;
	cr_assert_float_eq(a.generator_res, res / 4 / 1000, 1e-9);
	cr_assert_float_eq(a.server_res, res * 3 / 4 / 3000, 1e-9);
	free(base);
	free(now);
}

Test(attrib, no_server_sockets_leave_no_server_resolution)
{
	struct meter_sample *base = sample(), *now = sample();
	struct attrib_side g, s = server(0, 0);
	struct attribution a;

	pairs_grown(base, now);
	attrib_generator(&g, 1000, false, 1);
	attrib_split(base, now, &env, &g, &s, &a);
	cr_assert_float_eq(a.server_res, 0.0, 1e-12);
	free(base);
	free(now);
}

Test(attrib, a_cache_no_socket_explains_is_named_as_the_disturbance)
{
	struct meter_sample *base = sample(), *now = sample();
	struct attrib_side g, s = server(1000, 1000);
	struct unexplained u;

	pairs_grown(base, now);
	grew(base, now, "proc_inode_cache", 1000, 712);
	base->caches[base->ncaches - 1].objperslab = now->caches[now->ncaches - 1].objperslab = 22;
	attrib_generator(&g, 1000, false, 1);
	attrib_unexplained(base, now, &env, &g, &s, &u);
	cr_assert(u.found);
	cr_assert_str_eq(u.cache, "proc_inode_cache");
	cr_assert_eq(u.objs, 1000);
	cr_assert_eq(u.bytes, 1000 * 712);
	free(base);
	free(now);
}

Test(attrib, growth_within_a_caches_slack_disturbs_nothing)
{
	struct meter_sample *base = sample(), *now = sample();
	struct attrib_side g, s = server(1000, 1000);
	struct unexplained u;

	pairs_grown(base, now);
	/* 40 objects: within 2 CPUs x 22 objects x (1 + 3 partial slabs) of slack. */
	grew(base, now, "proc_inode_cache", 40, 712);
	now->caches[now->ncaches - 1].objperslab = 22;
	attrib_generator(&g, 1000, false, 1);
	attrib_unexplained(base, now, &env, &g, &s, &u);
	cr_assert_not(u.found);
	free(base);
	free(now);
}
