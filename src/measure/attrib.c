/* attrib.c - the generator's, the server's and no one's shares of one box's kernel growth. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "measure/attrib.h"

/* Objects of one cache an end owns, per socket or per registration. */
enum per { PER_SOCKET, PER_BIND, PER_URING_POLL, PER_EPOLL_ITEM };

static const struct {
	const char *cache;
	enum per per;
} owned[] = {
	{ "TCP", PER_SOCKET },  /* TCPv6 instead for an IPv6 end: see socket_cache() */
	{ "sock_inode_cache", PER_SOCKET },
	{ "dentry", PER_SOCKET },
	{ "filp", PER_SOCKET },
	{ "lsm_inode_cache", PER_SOCKET },
	{ "lsm_file_cache", PER_SOCKET },
	{ "tcp_bind_bucket", PER_BIND },
	{ "tcp_bind2_bucket", PER_BIND },       /* the address-aware table (6.1 on) */
	{ "io_kiocb", PER_URING_POLL },
	{ "kmalloc-32", PER_URING_POLL },       /* measured: one per armed poll (6.18) */
	{ "eventpoll_epi", PER_EPOLL_ITEM },
	{ "eventpoll_pwq", PER_EPOLL_ITEM },    /* one wait queue per socket */
	{ "ep_head", PER_EPOLL_ITEM },          /* a file's list of epitems, on its first */
};
#define NOWNED (sizeof(owned) / sizeof(owned[0]))

void attrib_env(struct crosscheck_env *env, const struct meter_sample *s)
{
	const char *names[NOWNED + 1];

	for (size_t i = 0; i < NOWNED; i++)
		names[i] = owned[i].cache;
	names[NOWNED] = "TCPv6";
	meter_slab_aliases(s, names, (int)NOWNED + 1, &env->aliases);
}

void attrib_generator(struct attrib_side *g, uint64_t sockets, bool watched, uint32_t ndst)
{
	memset(g, 0, sizeof(*g));
	g->sockets = sockets;
	/* An explicit bind: one bucket (and one in the address-aware table) per source. */
	g->binds = 1.0 / (ndst ? ndst : 1);
	g->uring_polls = watched ? sockets : 0;
}

static const char *socket_cache(const char *cache, const struct attrib_side *s)
{
	return s->v6 && !strcmp(cache, "TCP") ? "TCPv6" : cache;
}

static double owned_count(const struct attrib_side *s, enum per per)
{
	switch (per) {
	case PER_SOCKET:
		return (double)s->sockets;
	case PER_BIND:
		return s->binds * (double)s->sockets;
	case PER_URING_POLL:
		return (double)s->uring_polls;
	case PER_EPOLL_ITEM:
		return (double)s->epoll_items;
	}
	return 0;
}

/* Objects of slabinfo line `line` that side s owns. */
static double owns(const struct crosscheck_env *env, const struct attrib_side *s, const char *line)
{
	double n = 0;

	for (size_t i = 0; i < NOWNED; i++)
		if (!strcmp(meter_slab_line(&env->aliases, socket_cache(owned[i].cache, s)), line))
			n += owned_count(s, owned[i].per);
	return n;
}

/* Caches any socket's owner might grow: split by socket count. */
static bool shared_cache(const char *name)
{
	return !strncmp(name, "kmalloc-", 8);
}

const char *attrib_cause(const char *cache)
{
	static const struct {
		const char *prefix, *cause;
	} causes[] = {
		{ "proc_inode_cache", "a process reading /proc (one inode per entry it looks at)" },
		{ "dentry", "path lookups by another process (a /proc walk, a build)" },
		{ "lsm_inode_cache", "inodes another process made (a /proc walk, files)" },
		{ "kernfs", "reads of /sys" },
		{ "ext4", "file system activity" },
		{ "buffer_head", "file system activity" },
		{ "radix_tree_node", "the page cache" },
		{ "xfs", "file system activity" },
		{ "vm_area_struct", "processes mapping memory" },
		{ "maple_node", "processes mapping memory" },
		{ "anon_vma", "processes mapping memory" },
		{ "task_struct", "processes or threads started" },
		{ "KernelStack", "threads started" },
		{ "PageTables", "page tables of processes other than the ends measured" },
		{ "skbuff", "packets in flight" },
		{ "kmalloc", "allocations of unknown owner" },
	};

	for (size_t i = 0; i < sizeof(causes) / sizeof(causes[0]); i++)
		if (!strncmp(cache, causes[i].prefix, strlen(causes[i].prefix)))
			return causes[i].cause;
	return "not opened by the sockets measured";
}

static int64_t magnitude(int64_t v)
{
	return v < 0 ? -v : v;
}

static void add_other(struct attribution *a, const char *cache, int64_t objs, int64_t bytes,
		      bool beyond)
{
	int i = a->nother;

	a->other += bytes;
	if (!bytes)
		return;
	if (i == ATTRIB_MAX_OTHER) {
		if (magnitude(bytes) <= magnitude(a->others[i - 1].bytes))
			return;
		i--;
	} else {
		a->nother++;
	}
	while (i > 0 && magnitude(a->others[i - 1].bytes) < magnitude(bytes)) {
		a->others[i] = a->others[i - 1];
		i--;
	}
	snprintf(a->others[i].cache, sizeof(a->others[i].cache), "%s", cache);
	a->others[i].objs = objs;
	a->others[i].bytes = bytes;
	a->others[i].beyond = beyond;
	a->others[i].cause = attrib_cause(cache);
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

/* Each side's part of one cache's growth; the rest is other. res: the slack each took from. */
static void split_cache(const struct crosscheck_env *env, const struct slab_cache *c, int64_t objs,
			const struct attrib_side *gen, const struct attrib_side *srv, double fraction,
			struct attribution *a, double res[2])
{
	double g = owns(env, gen, c->name), s = owns(env, srv, c->name), scale = 1;
	double size = (double)c->objsize, slack = (double)slab_cache_slack(c, env);

	if (objs > 0 && g + s == 0 && shared_cache(c->name)) {
		g = (double)objs * fraction;
		s = (double)objs - g;
	}
	if (objs <= 0 || g + s == 0) {
		/* A shrink is someone's frees; growth no end owns is someone else's. */
		add_other(a, c->name, objs, objs * (int64_t)c->objsize, (double)magnitude(objs) > slack);
		return;
	}
	/* Fewer than owned: the difference is free objects the slack hides. */
	if ((double)objs < g + s)
		scale = (double)objs / (g + s);
	a->generator += (int64_t)(g * scale * size);
	a->server += (int64_t)(s * scale * size);
	/*
	 * Free objects counted active land beyond what the ends own (other);
	 * too few counted scale both ends down: each end's share of the slack.
	 */
	res[0] += slack * size * g / (g + s);
	res[1] += slack * size * s / (g + s);
	if ((double)objs > g + s) {
		int64_t extra = objs - (int64_t)(g + s);

		add_other(a, c->name, extra, extra * (int64_t)c->objsize, (double)extra > slack);
	}
}

/* Page tables: each end's own growth (VmPTE), at most what the box's grew; the rest is other. */
static void split_page_tables(int64_t grown, const struct attrib_side *gen,
			      const struct attrib_side *srv, struct attribution *a)
{
	int64_t s = srv->page_tables > 0 ? srv->page_tables : 0;
	int64_t g = gen->page_tables > 0 ? gen->page_tables : 0;

	if (grown <= 0) {
		add_other(a, "PageTables", 0, grown, false);
		return;
	}
	s = s < grown ? s : grown;
	g = g < grown - s ? g : grown - s;
	a->server += s;
	a->generator += g;
	add_other(a, "PageTables", 0, grown - s - g, false);
}

static void split_slab(const struct meter_sample *base, const struct meter_sample *now,
		       const struct crosscheck_env *env, const struct attrib_side *gen,
		       const struct attrib_side *srv, struct attribution *a, double res[2])
{
	double fraction = (double)gen->sockets / (double)(gen->sockets + srv->sockets);

	for (int i = 0; i < now->ncaches; i++) {
		const struct slab_cache *c = &now->caches[i], *b = find_cache(base, c->name, i);
		int64_t objs = (int64_t)c->active_objs - (int64_t)(b ? b->active_objs : 0);

		if (objs)
			split_cache(env, c, objs, gen, srv, fraction, a, res);
	}
	split_page_tables((int64_t)now->page_tables - (int64_t)base->page_tables, gen, srv, a);
	if (now->kernel_stack != base->kernel_stack)
		add_other(a, "KernelStack", 0, (int64_t)now->kernel_stack - (int64_t)base->kernel_stack,
			  false);
}

void attrib_split(const struct meter_sample *base, const struct meter_sample *now,
		  const struct crosscheck_env *env, const struct attrib_side *gen,
		  const struct attrib_side *srv, struct attribution *a)
{
	struct meter_delta d;
	double res[2] = { (double)env->residue.slab_bytes, (double)env->residue.slab_bytes };

	meter_diff(base, now, &d);
	memset(a, 0, sizeof(*a));
	a->total = d.kernel_bytes;
	a->generator_sockets = gen->sockets;
	a->server_sockets = srv->sockets;
	if (!gen->sockets && !srv->sockets) {
		a->method = "nothing held";
		add_other(a, "all", 0, a->total, false);
	} else if (!d.from_slabinfo) {
		double fraction = (double)gen->sockets / (double)(gen->sockets + srv->sockets);

		a->method = "evenly per socket: without /proc/slabinfo there are no caches to tell apart";
		a->generator = (int64_t)((double)a->total * fraction);
		a->server = a->total - a->generator;
		res[0] = res[1] = crosscheck_kernel_res(base, now, &d, env);
	} else {
		a->method = "by owner: each end takes the objects its sockets own (socket, inode, dentry, "
			    "file, LSM blobs; bind buckets; a request per io_uring poll; an epitem per "
			    "epoll registration) and its own page tables; kmalloc by socket count; the "
			    "rest is other, charged to no one";
		split_slab(base, now, env, gen, srv, a, res);
	}
	/* Rounding lands in other: the three parts add up to the growth. */
	a->other = a->total - a->generator - a->server;
	a->generator_per_socket = per_unit(a->generator, gen->sockets);
	a->server_per_socket = per_unit(a->server, srv->sockets);
	a->generator_res = gen->sockets ? res[0] / (double)gen->sockets : 0;
	a->server_res = srv->sockets ? res[1] / (double)srv->sockets : 0;
}

void attrib_unexplained(const struct meter_sample *base, const struct meter_sample *now,
			const struct crosscheck_env *env, const struct attrib_side *a,
			const struct attrib_side *b, struct unexplained *u)
{
	struct attribution at;
	double floor;

	memset(u, 0, sizeof(*u));
	if (!base->have_slabinfo || !now->have_slabinfo)
		return;
	attrib_split(base, now, env, a, b, &at);
	floor = CROSSCHECK_TOLERANCE * (double)magnitude(at.total);
	/* others[] is sorted by |bytes|: the first that qualifies is the largest. */
	for (int i = 0; i < at.nother; i++) {
		const struct attrib_other *o = &at.others[i];

		if (!o->beyond || o->bytes <= 0 || (double)o->bytes <= floor ||
		    !strcmp(o->cache, "PageTables") || !strcmp(o->cache, "KernelStack"))
			continue;
		u->found = true;
		snprintf(u->cache, sizeof(u->cache), "%s", o->cache);
		u->objs = o->objs;
		u->bytes = o->bytes;
		u->cause = o->cause;
		return;
	}
}
