/*
 * attrib.h - whose is the kernel memory when both ends of the connections
 * live on this box. The slab is global: its growth pays for the generator's
 * sockets and the server's alike. The generator knows how many sockets it
 * holds and which objects each one owns (one TCP socket, its inode, dentry
 * and file, the LSM blobs, its watch), so, cache by cache, it takes at most
 * that many objects of the growth; caches of unknown owner (kmalloc-*, page
 * tables) are split by socket count; the rest (epoll items, io_uring
 * requests it does not use, thread stacks) is the server's.
 */
#ifndef HOLDCONN_ATTRIB_H
#define HOLDCONN_ATTRIB_H

#include <stdbool.h>
#include <stdint.h>
#include "measure/crosscheck.h"
#include "measure/meter.h"

#define ATTRIB_MAX_OWN 16

/* Objects of one slab cache each generator socket owns. */
struct attrib_own {
	const char *cache;
	double per_socket;
};

struct attrib_generator {
	struct attrib_own own[ATTRIB_MAX_OWN];
	int nown;
};

struct attribution {
	int64_t total;              /* kernel growth: every cache, stacks and page tables */
	int64_t generator, server;  /* total = generator + server */
	uint64_t generator_sockets, server_sockets;
	double generator_per_socket, server_per_socket; /* 0 when that side has no sockets */
	double generator_res, server_res; /* what each per-socket figure cannot resolve */
	const char *method;         /* how the growth was split, for the report */
};

/*
 * The objects a holdconn generator socket owns: watched says whether each
 * has a request armed (io_uring's poll), ndst how many destinations share
 * one (source address, port) and so one bind bucket pair.
 */
void attrib_generator_init(struct attrib_generator *g, bool watched, uint32_t ndst);
/*
 * Splits the growth between base and now. server_sockets: the other end's
 * sockets on this box (0 when the server is elsewhere: all is ours). The
 * growth's resolution (crosscheck_kernel_res) could land on either side:
 * each side's is all of it over that side's sockets.
 */
void attrib_split(const struct meter_sample *base, const struct meter_sample *now,
		  const struct crosscheck_env *env, const struct attrib_generator *g,
		  uint64_t generator_sockets, uint64_t server_sockets, struct attribution *a);

#endif
