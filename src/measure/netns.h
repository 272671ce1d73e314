/*
 * netns.h - a private network namespace for bench: its own loopback, with
 * receive packet steering over every CPU.
 *
 * On loopback the whole TCP handshake runs in the softirq of the CPU that
 * sent the packet, i.e. the connecting process's: that one CPU caps the
 * connect rate while the holder's sits idle. RPS hashes each flow to a CPU
 * so both share the work. Changing the host's lo would affect everything
 * else on the box; a namespace of our own changes nothing outside it.
 */
#ifndef HOLDCONN_NETNS_H
#define HOLDCONN_NETNS_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include "base/addr.h"

/*
 * Moves this process into a new network and mount namespace whose TCP
 * established hash has room for `sockets` (one entry per bucket), brings
 * lo up and enables RPS on it. 0, or -errno with a one-line reason in why (the
 * caller carries on in the host's namespace). rps is set false when only
 * the RPS step failed (its reason in why) or there was one CPU to spread
 * over (why empty: nothing to say).
 */
int netns_enter(uint64_t sockets, char *why, size_t len, int *rps_cpus);

/*
 * RPS on (every CPU) or off in our namespace: it doubles the connect rate,
 * but during a mass close the cross-CPU interrupts cost more than they
 * spread. -ENODEV when netns_enter did not enable it.
 */
int netns_rps(bool on);

/*
 * IPv6 sources for a bench in our namespace: every address of the block
 * prefix/len becomes local on lo (a local route, as `ip -6 route add local
 * PREFIX dev lo table local` does), and net.ipv6.ip_nonlocal_bind is set
 * in the namespace, since IPv6 bind() accepts only assigned addresses,
 * not ones a local route covers (IPv4's 127/8 needs neither). Checks that
 * IPv6 is on for lo first (net.ipv6.conf.lo.disable_ipv6 = 0). Call after
 * netns_enter succeeded; both settings go with the namespace. 0, or -errno
 * with a one-line reason in why.
 */
int netns_ipv6_sources(addr128 prefix, int len, char *why, size_t whylen);

#endif
