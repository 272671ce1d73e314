/* addr.h - IPv4 addresses, ranges of addresses and ports, as given on the command line. */
#ifndef HOLDCONN_ADDR_H
#define HOLDCONN_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

/* Host byte order throughout; converted only when a sockaddr is built. */
struct addr_range {
	uint32_t first, last;
};

struct port_range {
	uint16_t first, last; /* 1..65535, first <= last */
};

/* ADDR:PORT[-PORT] */
struct endpoint_range {
	uint32_t addr;
	struct port_range ports;
};

/* "127.0.0.2" or "127.0.0.2-127.0.0.40"; 0 or -EINVAL. */
int parse_addr_range(const char *s, struct addr_range *out);
/* "5000" or "5000-5007"; ports 1..65535; 0 or -EINVAL / -ERANGE. */
int parse_port_range(const char *s, struct port_range *out);
/* "127.0.0.1:5000" or "127.0.0.1:5000-5007"; 0 or -EINVAL / -ERANGE. */
int parse_endpoint_range(const char *s, struct endpoint_range *out);

static inline uint32_t addr_range_count(const struct addr_range *r)
{
	return r->last - r->first + 1;
}

static inline uint32_t port_range_count(const struct port_range *r)
{
	return (uint32_t)r->last - r->first + 1;
}

static inline bool addr_is_loopback(uint32_t a)
{
	return (a >> 24) == 127;
}

void sockaddr_from(struct sockaddr_in *sa, uint32_t addr, uint16_t port);
/* "127.0.0.1:5000" into buf; returns buf. */
const char *format_endpoint(uint32_t addr, uint16_t port, char *buf, int len);

#endif
