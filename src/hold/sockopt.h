/*
 * sockopt.h - the options every holder sets on its sockets, in one table.
 * Each backend applies the same list its own way: setsockopt() on a
 * descriptor (epoll, threads, and uring's fallback), or linked SETSOCKOPT
 * requests in a connect chain (uring).
 */
#ifndef HOLDCONN_SOCKOPT_H
#define HOLDCONN_SOCKOPT_H

#include <stdbool.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "hold/holder.h"

#define SOCKOPT_MAX 9 /* reuse, linger, 2 sizes, keepalive with its 3, user timeout */

/* Values that outlive any request: io_uring reads an option's value when it runs. */
extern const int sockopt_one;
extern const struct linger sockopt_linger_rst; /* {1,0}: close sends RST, no TIME_WAIT */

struct sockopt {
	int level, name;
	const void *val; /* lives as long as the holder's config (io_uring reads it late) */
	socklen_t len;
};

enum sockopt_when {
	SOCKOPT_BEFORE, /* before connect or listen: accepted sockets inherit them */
	SOCKOPT_AFTER,  /* once established (--set-buffers after) */
};

/*
 * The options cfg asks for at `when`, into out; returns how many.
 * BEFORE: SO_REUSEADDR when reuse (sources shared by several destinations,
 * or a listener), SO_LINGER {1,0} when cfg->linger_rst, SO_RCVBUF/SO_SNDBUF
 * when set, unless cfg->traffic.late_buffers. AFTER: the sizes, when they
 * are set late. The window scale is chosen at the SYN from the receive space
 * then: a small buffer set before gets scale 0 (a 64 KiB window for the
 * connection's life); set after, the scale stays.
 */
int sockopt_list(const struct holder_config *cfg, enum sockopt_when when, bool reuse,
		 struct sockopt out[SOCKOPT_MAX]);
/* setsockopt() of each option of the list on fd. */
void sockopt_set(int fd, const struct holder_config *cfg, enum sockopt_when when, bool reuse);

/*
 * A listening socket on addr with the options above (SOCK_NONBLOCK when
 * nonblock); the fd or -errno. Accepted sockets inherit linger and sizes.
 */
int sockopt_listener(const union sockaddr_inet *addr, const struct holder_config *cfg, bool nonblock);
/* Reads back the sizes the kernel settled on and hands them to the holder, once. */
void sockopt_report_buffers(struct holder *h, int fd);

#endif
