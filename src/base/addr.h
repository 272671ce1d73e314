/* addr.h - IPv4 and IPv6 addresses, ranges of addresses and ports, as given on the command line. */
#ifndef HOLDCONN_ADDR_H
#define HOLDCONN_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

/*
 * An address as a number in host byte order: IPv4 in the low 32 bits,
 * IPv6 in all 128. A range is then first..last and a planner's offset an
 * addition, whatever the family; it becomes network order only when a
 * sockaddr is built. The family travels beside it as `v6`, false (the
 * zero value) for IPv4.
 */
typedef unsigned __int128 addr128;

#define HOST_NAME_LEN_MAX 253 /* RFC 1035: a name's text, without the root's dot */
#define MAX_ENDPOINTS 64 /* --listen or --target ranges one command takes */

struct addr_range {
	addr128 first, last;
	bool v6;
};

struct port_range {
	uint16_t first, last; /* 1..65535, first <= last */
};

/* ADDR:PORT[-PORT] */
struct endpoint_range {
	addr128 addr;
	struct port_range ports;
	bool v6;
};

/* A socket address of either family, as bind(), connect() and listen take it. */
union sockaddr_inet {
	struct sockaddr sa;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

/*
 * "127.0.0.2", "127.0.0.2-127.0.0.40", "fd00::1-fd00::ff", or a block
 * "10.1.0.0/16", "fd00:1::/64" (all its addresses, host bits ignored).
 * Both ends of one family. 0, -EINVAL, or -ERANGE for a prefix length
 * past 32 / 128.
 */
int parse_addr_range(const char *s, struct addr_range *out);
/* "5000" or "5000-5007"; ports 1..65535; 0 or -EINVAL / -ERANGE. */
int parse_port_range(const char *s, struct port_range *out);
/*
 * "127.0.0.1:5000", "127.0.0.1:5000-5007", "[::1]:5000-5007": IPv6 in
 * brackets, IPv4 without; 0 or -EINVAL / -ERANGE.
 */
int parse_endpoint_range(const char *s, struct endpoint_range *out);

/*
 * A DNS host name as --target takes it ("holdconn-holder-0.holdconn-holder",
 * "localhost"): letters, digits, '-' and '.', at most 253 characters, with
 * a letter somewhere, so a mistyped address ("1.2.3") is never one.
 */
bool is_host_name(const char *s, size_t n);
/*
 * getaddrinfo(host) once: the first address of either family (IPv4 first,
 * as getaddrinfo orders them). 0, or -EAGAIN when the name does not resolve
 * (yet: DNS not ready, no such name), -EIO for another failure.
 */
int resolve_host(const char *host, addr128 *addr, bool *v6);

/* Addresses in r; 0 only for all 2^128 IPv6 addresses. */
static inline addr128 addr_range_count(const struct addr_range *r)
{
	return r->last - r->first + 1;
}

static inline uint32_t port_range_count(const struct port_range *r)
{
	return (uint32_t)r->last - r->first + 1;
}

/* 127.0.0.0/8 or ::1. */
bool addr_is_loopback(bool v6, addr128 a);

void sockaddr_from(union sockaddr_inet *sa, bool v6, addr128 addr, uint16_t port);
/* What bind()/connect() take as the length of sa. */
socklen_t sockaddr_len(const union sockaddr_inet *sa);
/* Host order. */
uint16_t sockaddr_port(const union sockaddr_inet *sa);
/* "127.0.0.1" or "fd00::1" into buf; returns buf. */
const char *format_addr(bool v6, addr128 addr, char *buf, int len);
/* "127.0.0.1:5000" or "[::1]:5000" into buf; returns buf. */
const char *format_endpoint(bool v6, addr128 addr, uint16_t port, char *buf, int len);
const char *format_sockaddr(const union sockaddr_inet *sa, char *buf, int len);

#endif
