/*
 * vethnet.h - closed network namespaces for bench --clients --path veth:
 * each generator in a namespace of its own (a "host" with its own
 * addresses), joined to the holder's namespace by a veth pair on a bridge.
 *
 * Nothing leaves: the namespaces have no route but the bridge's on-link
 * subnet and no link to the host's network. Addresses come from
 * 198.18.0.0/15 (RFC 2544, for benchmarks) and the ULA fd48:6f6c:6463::/48.
 * Every device dies with its namespace: when the processes exit, nothing
 * is left to clean.
 */
#ifndef HOLDCONN_VETHNET_H
#define HOLDCONN_VETHNET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define VETHNET_HUB_ADDR 0xc6120001u    /* 198.18.0.1: the holder, on the bridge */
#define VETHNET_CLIENT_FIRST 0xc6120100u /* 198.18.1.0: clients' addresses from here on */
#define VETHNET_CLIENT_LAST 0xc613fffeu  /* 198.19.255.254 */

/* In the current namespace (the holder's): bridge hcbr with the hub addresses, up. 0 or -errno. */
int vethnet_hub(char *why, size_t len);
/*
 * Joins the network namespace of process pid (already unshared) to the
 * bridge: veth pair hc<index> (here) / eth0 (there), lo and eth0 up there,
 * naddrs IPv4 addresses from first on eth0, and one IPv6 ULA. 0 or -errno.
 */
int vethnet_join(pid_t pid, int index, uint32_t first, uint32_t naddrs, char *why, size_t len);

#endif
