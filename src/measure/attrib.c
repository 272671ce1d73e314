/* attrib.c - the generator's and the server's shares of one box's kernel growth. */
#include <string.h>
#include "measure/attrib.h"

static void own(struct attrib_generator *g, const char *cache, double per_socket)
{
	if (g->nown < ATTRIB_MAX_OWN)
		g->own[g->nown++] = (struct attrib_own){ cache, per_socket };
}

void attrib_generator_init(struct attrib_generator *g, bool watched, uint32_t ndst)
{
	memset(g, 0, sizeof(*g));
	own(g, "TCP", 1);
	own(g, "sock_inode_cache", 1);
	own(g, "dentry", 1);
	own(g, "filp", 1);
	own(g, "lsm_inode_cache", 1);
	own(g, "lsm_file_cache", 1);
	/* An explicit bind: one bucket (and one in the address-aware table) per source. */
	own(g, "tcp_bind_bucket", 1.0 / (ndst ? ndst : 1));
	own(g, "tcp_bind2_bucket", 1.0 / (ndst ? ndst : 1));
	if (watched)
		own(g, "io_kiocb", 1);
}

static const struct attrib_own *owned(const struct attrib_generator *g, const char *cache)
{
	for (int i = 0; i < g->nown; i++)
		if (!strcmp(g->own[i].cache, cache))
			return &g->own[i];
	return NULL;
}

/* Caches any socket's owner might grow: split by socket count. */
static bool shared_cache(const char *name)
{
	return !strncmp(name, "kmalloc-", 8) || !strcmp(name, "PageTables");
}

static const struct slab_cache *find_cache(const struct meter_sample *s, const char *name, int hint)
{
	if (hint < s->ncaches && !strcmp(s->caches[hint].name, name))
		return &s->caches[hint];
	for (int i = 0; i < s->ncaches; i++)
		if (!strcmp(s->caches[i].name, name))
			return &s->caches[i];
	return NULL;
}

/* The generator's part of one cache's growth. */
static double cache_share(const struct attrib_generator *g, const char *name, int64_t objs,
			  uint64_t objsize, uint64_t gen, double gen_fraction)
{
	const struct attrib_own *o = owned(g, name);
	double mine;

	if (objs <= 0)
		return (double)objs * objsize * gen_fraction; /* a shrink: noise, shared */
	if (o) {
		mine = o->per_socket * gen;
		return (mine < objs ? mine : objs) * (double)objsize;
	}
	return shared_cache(name) ? (double)objs * objsize * gen_fraction : 0;
}

void attrib_split(const struct meter_sample *base, const struct meter_sample *now,
		  const struct crosscheck_env *env, const struct attrib_generator *g, uint64_t gen,
		  uint64_t server, struct attribution *a)
{
	struct meter_delta d;
	double fraction = gen + server ? (double)gen / (gen + server) : 1, mine = 0, res;

	meter_diff(base, now, &d);
	memset(a, 0, sizeof(*a));
	a->total = d.kernel_bytes;
	a->generator_sockets = gen;
	a->server_sockets = server;
	res = crosscheck_kernel_res(base, now, &d, env);
	a->generator_res = gen ? res / (double)gen : 0;
	a->server_res = server ? res / (double)server : 0;
	if (!server) {
		a->method = "all the generator's: no server sockets on this box";
		mine = (double)a->total;
	} else if (!d.from_slabinfo) {
		a->method = "evenly per socket: without /proc/slabinfo there are no caches to tell apart";
		mine = a->total * fraction;
	} else {
		a->method = "by cache: the generator takes one TCP socket, inode, dentry, file and LSM "
			    "blobs per socket (and its watch, bind buckets), kmalloc and page tables by "
			    "socket count, the server the rest";
		for (int i = 0; i < now->ncaches; i++) {
			const struct slab_cache *c = &now->caches[i], *b = find_cache(base, c->name, i);
			int64_t objs = (int64_t)c->active_objs - (int64_t)(b ? b->active_objs : 0);

			mine += cache_share(g, c->name, objs, c->objsize, gen, fraction);
		}
		/* Not slab: stacks are per thread (the generator has one), page tables shared. */
		mine += fraction * ((double)now->page_tables - (double)base->page_tables);
	}
	a->generator = (int64_t)mine;
	a->server = a->total - a->generator;
	a->generator_per_socket = per_unit(a->generator, gen);
	a->server_per_socket = per_unit(a->server, server);
}
