/*
 * attrib.h - whose is the kernel memory when both ends of the connections
 * live on this box. The slab is global: its growth pays for the generator's
 * sockets, the server's, and whatever else ran meanwhile (a process walking
 * /proc leaves a proc inode and a dentry per entry it looks at). Each end
 * knows, from its own counts, which objects it owns: one TCP socket, inode,
 * dentry, file and LSM blobs per socket; its bind buckets; an io_kiocb and a
 * kmalloc-32 per io_uring poll armed; an epitem, a poll wait entry and an
 * ep_head per epoll registration. Each cache's growth goes to the ends up
 * to what they own; caches of unknown owner (kmalloc-*) go by socket count;
 * what neither owns is `other`, by name, and is charged to no one.
 */
#ifndef HOLDCONN_ATTRIB_H
#define HOLDCONN_ATTRIB_H

#include <stdbool.h>
#include <stdint.h>
#include "measure/crosscheck.h"
#include "measure/meter.h"

/* What one end's sockets own, from its own counts. */
struct attrib_side {
	uint64_t sockets;       /* TCP sockets it holds on this box */
	bool v6;                /* they are TCPv6 */
	double binds;           /* bind buckets per socket: 1/ndst with an explicit bind, 0 accepted */
	uint64_t uring_polls;   /* io_uring polls armed: an io_kiocb and a kmalloc-32 each */
	uint64_t epoll_items;   /* epoll registrations: an epitem, a wait entry and an ep_head each */
	int64_t page_tables;    /* growth of its page tables (VmPTE), bytes; 0 unknown */
};

#define ATTRIB_MAX_OTHER 8

/* A cache that grew (or shrank) beyond what either end owns. */
struct attrib_other {
	char cache[METER_NAME_LEN];
	int64_t objs, bytes;
	bool beyond;            /* beyond what the cache's per-CPU slack could hide */
	const char *cause;      /* its likely cause, for the report */
};

struct attribution {
	int64_t total;              /* kernel growth: every cache, stacks and page tables */
	int64_t generator, server, other; /* total = generator + server + other */
	uint64_t generator_sockets, server_sockets;
	double generator_per_socket, server_per_socket; /* 0 when that side has no sockets */
	double generator_res, server_res; /* what each per-socket figure cannot resolve */
	int nother;                 /* largest |bytes| first */
	struct attrib_other others[ATTRIB_MAX_OTHER];
	const char *method;         /* how the growth was split, for the report */
};

/* Resolves the caches the ends own to the slabinfo lines that count them; once a run. */
void attrib_env(struct crosscheck_env *env, const struct meter_sample *s);
/*
 * A holdconn generator's end: sockets explicitly bound (ndst destinations
 * share a source address and port, and so a bind bucket), each with a poll
 * armed when watched.
 */
void attrib_generator(struct attrib_side *g, uint64_t sockets, bool watched, uint32_t ndst);
/*
 * Splits the growth between base and now. srv->sockets 0: the server is
 * elsewhere (all that is owned is the generator's). Each side's resolution
 * is its share of the per-CPU slack of the caches it took from (and what
 * the slab was still freeing at the baseline), over its sockets.
 */
void attrib_split(const struct meter_sample *base, const struct meter_sample *now,
		  const struct crosscheck_env *env, const struct attrib_side *gen,
		  const struct attrib_side *srv, struct attribution *a);
/*
 * Every cache's growth against what the two ends' sockets own: the largest
 * that grew beyond its per-CPU slack and by more than CROSSCHECK_TOLERANCE
 * of the whole growth, by name (u->found false: none). Thread stacks and
 * page tables are not caches and are left out.
 */
void attrib_unexplained(const struct meter_sample *base, const struct meter_sample *now,
			const struct crosscheck_env *env, const struct attrib_side *a,
			const struct attrib_side *b, struct unexplained *u);
/* The likely cause of growth in a cache no end owns. */
const char *attrib_cause(const char *cache);

#endif
