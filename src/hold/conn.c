/* conn.c - the jemalloc arena that holds every per-connection record. */
#include <errno.h>
#include <jemalloc/jemalloc.h>
#include <stdio.h>
#include <string.h>
#include "hold/conn.h"

static unsigned conn_arena = ~0u;

int conn_arena_init(void)
{
	size_t sz = sizeof(conn_arena);
	int ret;

	if (conn_arena != ~0u)
		return 0;
	ret = mallctl("arenas.create", &conn_arena, &sz, NULL, 0);
	if (ret) {
		conn_arena = ~0u;
		return -ret;
	}
	return 0;
}

struct conn *conn_array_alloc(size_t n)
{
	if (conn_arena == ~0u && conn_arena_init())
		return NULL;
	/* No tcache: every byte is charged to this arena, none parked per thread. */
	return mallocx(n * sizeof(struct conn),
		       MALLOCX_ARENA(conn_arena) | MALLOCX_TCACHE_NONE | MALLOCX_ZERO);
}

void *conn_arena_zalloc(size_t bytes)
{
	if (conn_arena == ~0u && conn_arena_init())
		return NULL;
	return mallocx(bytes, MALLOCX_ARENA(conn_arena) | MALLOCX_TCACHE_NONE | MALLOCX_ZERO);
}

void conn_arena_free(void *p)
{
	if (p)
		dallocx(p, MALLOCX_TCACHE_NONE);
}

void conn_array_free(struct conn *c)
{
	conn_arena_free(c);
}

static int arena_stat(const char *what, uint64_t *out)
{
	char name[96];
	size_t v, sz = sizeof(v);
	int ret;

	snprintf(name, sizeof(name), "stats.arenas.%u.%s", conn_arena, what);
	ret = mallctl(name, &v, &sz, NULL, 0);
	if (ret)
		return -ret;
	*out = v;
	return 0;
}

int conn_arena_stats(struct arena_stats *st)
{
	uint64_t epoch = 1, small = 0, large = 0;
	size_t sz = sizeof(epoch);
	int ret;

	memset(st, 0, sizeof(*st));
	if (conn_arena == ~0u)
		return 0;
	/* jemalloc's stats are a snapshot refreshed by writing the epoch. */
	mallctl("epoch", &epoch, &sz, &epoch, sz);
	ret = arena_stat("small.allocated", &small);
	if (!ret)
		ret = arena_stat("large.allocated", &large);
	if (!ret)
		ret = arena_stat("resident", &st->resident);
	if (!ret)
		ret = arena_stat("mapped", &st->mapped);
	st->allocated = small + large;
	return ret;
}
