/* test_attrib.c - splitting one box's kernel growth between generator and server. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "measure/attrib.h"

/* 2 CPUs, 4 KiB pages, 1 MiB of TCP memory per CPU; no baseline residue. */
static const struct crosscheck_env env = { .ncpus = 2, .page_size = 4096, .tcp_pcpu_pages = 256 };

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

/* 1,000 generator sockets and 1,000 server sockets grew these caches from empty. */
static void pairs_grown(struct meter_sample *base, struct meter_sample *now, bool epoll_server)
{
	const char *names[] = { "TCP", "sock_inode_cache", "dentry", "filp", "eventpoll_epi", "kmalloc-64" };
	uint64_t sizes[] = { 2368, 832, 192, 192, 128, 64 };
	uint64_t grown[] = { 2000, 2000, 2000, 2000, epoll_server ? 1000 : 0, 4000 };

	for (int i = 0; i < 6; i++) {
		cache(base, names[i], 10, sizes[i]);
		cache(now, names[i], 10 + grown[i], sizes[i]);
	}
}

Test(attrib, the_generator_takes_one_socket_object_per_socket_and_the_server_the_rest)
{
	struct meter_sample *base = sample(), *now = sample();
	struct attrib_generator g;
	struct attribution a;

	pairs_grown(base, now, true);
	attrib_generator_init(&g, false, 1);
	attrib_split(base, now, &env, &g, 1000, 1000, &a);
	/* Generator: TCP+inode+dentry+file 3584 B, half of kmalloc-64's 4000 objects 128 B. */
	cr_assert_eq(a.total, 1000 * (2 * 3584 + 128 + 256));
	cr_assert_eq(a.generator, 1000 * (3584 + 128));
	cr_assert_eq(a.server, 1000 * (3584 + 128 + 128));
	cr_assert_float_eq(a.server_per_socket, 3840.0, 1e-9);
	cr_assert_float_eq(a.generator_per_socket, 3712.0, 1e-9);
	free(base);
	free(now);
}

Test(attrib, generator_and_server_parts_add_up_to_the_growth)
{
	struct meter_sample *base = sample(), *now = sample();
	struct attrib_generator g;
	struct attribution a;

	pairs_grown(base, now, false);
	attrib_generator_init(&g, true, 1);
	attrib_split(base, now, &env, &g, 1000, 1000, &a);
	cr_assert_eq(a.generator + a.server, a.total);
	free(base);
	free(now);
}

Test(attrib, the_generator_takes_no_more_than_the_cache_grew)
{
	struct meter_sample *base = sample(), *now = sample();
	struct attrib_generator g;
	struct attribution a;

	/* Its watch would be 1,000 io_kiocb, but only 400 were allocated (a per-ring cache kept some). */
	cache(base, "io_kiocb", 0, 256);
	cache(now, "io_kiocb", 400, 256);
	attrib_generator_init(&g, true, 1);
	attrib_split(base, now, &env, &g, 1000, 1000, &a);
	cr_assert_eq(a.generator, 400 * 256);
	cr_assert_eq(a.server, 0);
	free(base);
	free(now);
}

Test(attrib, bind_buckets_are_shared_by_the_destinations_of_a_source)
{
	struct meter_sample *base = sample(), *now = sample();
	struct attrib_generator g;
	struct attribution a;

	cache(base, "tcp_bind_bucket", 0, 64);
	cache(now, "tcp_bind_bucket", 250, 64);
	attrib_generator_init(&g, false, 4);
	attrib_split(base, now, &env, &g, 1000, 1000, &a);
	cr_assert_eq(a.generator, 250 * 64);
	free(base);
	free(now);
}

Test(attrib, a_remote_server_leaves_all_the_growth_to_the_generator)
{
	struct meter_sample *base = sample(), *now = sample();
	struct attrib_generator g;
	struct attribution a;

	pairs_grown(base, now, true);
	attrib_generator_init(&g, false, 1);
	attrib_split(base, now, &env, &g, 1000, 0, &a);
	cr_assert_eq(a.generator, a.total);
	cr_assert_eq(a.server, 0);
	cr_assert_float_eq(a.server_per_socket, 0.0, 1e-9);
	free(base);
	free(now);
}

Test(attrib, without_slabinfo_the_growth_is_split_by_socket_count)
{
	struct meter_sample *base = sample(), *now = sample();
	struct attrib_generator g;
	struct attribution a;

	base->have_slabinfo = now->have_slabinfo = false;
	base->slab_bytes = 1000000;
	now->slab_bytes = 1000000 + 3000 * 4000;
	attrib_generator_init(&g, false, 1);
	attrib_split(base, now, &env, &g, 1000, 2000, &a);
	cr_assert_eq(a.generator, 1000 * 4000);
	cr_assert_eq(a.server, 2000 * 4000);
	cr_assert(strstr(a.method, "evenly"));
	free(base);
	free(now);
}

Test(attrib, a_shrinking_cache_is_shared_noise_not_the_servers_gain)
{
	struct meter_sample *base = sample(), *now = sample();
	struct attrib_generator g;
	struct attribution a;

	cache(base, "dentry", 5000, 192);
	cache(now, "dentry", 4000, 192);
	attrib_generator_init(&g, false, 1);
	attrib_split(base, now, &env, &g, 100, 100, &a);
	cr_assert_eq(a.total, -1000 * 192);
	cr_assert_eq(a.generator, -500 * 192);
	cr_assert_eq(a.server, -500 * 192);
	free(base);
	free(now);
}

Test(attrib, each_sides_resolution_is_the_growths_over_its_own_sockets)
{
	struct meter_sample *base = sample(), *now = sample();
	struct attrib_generator g;
	struct attribution a;
	struct slab_cache *tcp;
	double res;

	pairs_grown(base, now, false);
	tcp = &now->caches[0];
	tcp->objperslab = 13; /* TCP moved: 2 CPUs x 13 x 5 objects of slack */
	attrib_generator_init(&g, false, 1);
	attrib_split(base, now, &env, &g, 1000, 3000, &a);
	res = 2 * 13 * 5 * 2368.0;
	cr_assert_float_eq(a.generator_res, res / 1000, 1e-9);
	cr_assert_float_eq(a.server_res, res / 3000, 1e-9);
	free(base);
	free(now);
}

Test(attrib, no_server_sockets_leave_no_server_resolution)
{
	struct meter_sample *base = sample(), *now = sample();
	struct attrib_generator g;
	struct attribution a;

	pairs_grown(base, now, false);
	attrib_generator_init(&g, false, 1);
	attrib_split(base, now, &env, &g, 1000, 0, &a);
	cr_assert_float_eq(a.server_res, 0.0, 1e-12);
	free(base);
	free(now);
}
