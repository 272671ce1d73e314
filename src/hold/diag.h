/*
 * diag.h - which of our sockets are still established, asked of the
 * kernel in one NETLINK_SOCK_DIAG dump instead of one armed request per
 * socket (--watch diag).
 *
 * A socket reset by its peer goes to TCP_CLOSE and leaves the established
 * hash at once, so a dump of "dead" states would never show it: the dump
 * lists the living, and a held slot whose cookie is missing is dead.
 */
#ifndef HOLDCONN_DIAG_H
#define HOLDCONN_DIAG_H

#include <stdbool.h>
#include <stdint.h>

struct diag_entry {
	uint64_t cookie;  /* SO_COOKIE */
	uint32_t rqueue;  /* bytes waiting to be read */
};

struct diag_set {
	struct diag_entry *e; /* sorted by cookie */
	uint64_t n, cap;
};

#define DIAG_MAX_RANGES 32

/* Local ports to dump the sockets of (a holder's listening ports); n == 0: all. */
struct diag_ports {
	int n;
	uint16_t lo[DIAG_MAX_RANGES], hi[DIAG_MAX_RANGES];
};

/* Adds port to p, merging it into a range it extends; false when p is full. */
bool diag_ports_add(struct diag_ports *p, uint16_t port);
/*
 * Dumps the established TCP sockets of this network namespace into set,
 * sorted: those whose local port is in ports (the kernel filters them, so
 * other sockets, a bench's client say, cost the dump almost nothing), or
 * all when ports is NULL or empty. 0 or -errno.
 */
int diag_dump(int *nlfd, struct diag_set *set, const struct diag_ports *ports);
/* The entry for cookie, or NULL: binary search. */
const struct diag_entry *diag_find(const struct diag_set *set, uint64_t cookie);
void diag_free(struct diag_set *set);
/*
 * The window scale each side of a bench connection offered, from one dump
 * with tcp_info: the first established socket whose destination port is
 * in [dport_lo, dport_hi] is a client's, so its tcpi_rcv_wscale is the
 * client's offer and tcpi_snd_wscale the server's. A receive buffer locked
 * before the handshake makes the offer 0. 0, -ENOENT when no socket
 * matches, or -errno.
 */
int diag_wscale(uint16_t dport_lo, uint16_t dport_hi, int *client_wscale, int *server_wscale);

#endif
