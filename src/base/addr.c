/* addr.c - IPv4 addresses, address ranges and port ranges as typed by users. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "base/addr.h"

#define PORT_MAX 65535

/* One dotted quad and nothing else: inet_pton refuses "1.2.3", hex and octal. */
static int parse_addr(const char *s, size_t n, uint32_t *out)
{
	char buf[INET_ADDRSTRLEN];
	struct in_addr a;

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -EINVAL;
	*out = ntohl(a.s_addr);
	return 0;
}

/* Junk (-EINVAL) is told apart from a number out of 1..65535 (-ERANGE). */
static int parse_port(const char *s, size_t n, uint16_t *out)
{
	uint32_t v = 0;
	size_t i;

	if (n == 0)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		v = v * 10 + (s[i] - '0');
		if (v > PORT_MAX)
			return -ERANGE;
	}
	if (v == 0)
		return -ERANGE;
	*out = v;
	return 0;
}

/* Of two results, the one to report: malformed text outranks a bad number. */
static int worse(int a, int b)
{
	if (a == -EINVAL || b == -EINVAL)
		return -EINVAL;
	return a ? a : b;
}

int parse_addr_range(const char *s, struct addr_range *out)
{
	const char *dash;
	struct addr_range r;
	int ret;

	if (!s)
		return -EINVAL;
	dash = strchr(s, '-');
	if (!dash) {
		ret = parse_addr(s, strlen(s), &r.first);
		r.last = r.first;
	} else {
		ret = worse(parse_addr(s, dash - s, &r.first),
			    parse_addr(dash + 1, strlen(dash + 1), &r.last));
	}
	if (ret)
		return ret;
	if (r.first > r.last)
		return -EINVAL;
	*out = r;
	return 0;
}

int parse_port_range(const char *s, struct port_range *out)
{
	const char *dash;
	struct port_range r;
	int ret;

	if (!s)
		return -EINVAL;
	dash = strchr(s, '-');
	if (!dash) {
		ret = parse_port(s, strlen(s), &r.first);
		r.last = r.first;
	} else {
		ret = worse(parse_port(s, dash - s, &r.first),
			    parse_port(dash + 1, strlen(dash + 1), &r.last));
	}
	if (ret)
		return ret;
	if (r.first > r.last)
		return -EINVAL;
	*out = r;
	return 0;
}

int parse_endpoint_range(const char *s, struct endpoint_range *out)
{
	struct endpoint_range e;
	const char *colon;
	int ret;

	if (!s)
		return -EINVAL;
	colon = strchr(s, ':');
	if (!colon)
		return -EINVAL;
	ret = worse(parse_addr(s, colon - s, &e.addr), parse_port_range(colon + 1, &e.ports));
	if (ret)
		return ret;
	*out = e;
	return 0;
}

void sockaddr_from(struct sockaddr_in *sa, uint32_t addr, uint16_t port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(addr);
	sa->sin_port = htons(port);
}

const char *format_endpoint(uint32_t addr, uint16_t port, char *buf, int len)
{
	struct in_addr a = { .s_addr = htonl(addr) };
	char ip[INET_ADDRSTRLEN];

	if (!buf || len <= 0)
		return buf;
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	snprintf(buf, len, "%s:%u", ip, (unsigned int)port);
	return buf;
}
