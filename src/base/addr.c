/* addr.c - IPv4 and IPv6 addresses, address ranges and port ranges as typed by users. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "base/addr.h"

#define PORT_MAX 65535

/* One dotted quad and nothing else: inet_pton refuses "1.2.3", hex and octal. */
static int parse_addr(const char *s, size_t n, addr128 *out)
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
	struct addr_range r = { 0 };
	const char *dash;
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
	struct endpoint_range e = { 0 };
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

bool addr_is_loopback(bool v6, addr128 a)
{
	return v6 ? a == 1 : (a >> 24) == 127;
}

void sockaddr_from(union sockaddr_inet *sa, bool v6, addr128 addr, uint16_t port)
{
	memset(sa, 0, sizeof(*sa));
	if (!v6) {
		sa->v4.sin_family = AF_INET;
		sa->v4.sin_addr.s_addr = htonl((uint32_t)addr);
		sa->v4.sin_port = htons(port);
		return;
	}
	sa->v6.sin6_family = AF_INET6;
	for (int i = 15; i >= 0; i--, addr >>= 8)
		sa->v6.sin6_addr.s6_addr[i] = (uint8_t)addr;
	sa->v6.sin6_port = htons(port);
}

socklen_t sockaddr_len(const union sockaddr_inet *sa)
{
	return sa->sa.sa_family == AF_INET6 ? sizeof(sa->v6) : sizeof(sa->v4);
}

uint16_t sockaddr_port(const union sockaddr_inet *sa)
{
	return ntohs(sa->sa.sa_family == AF_INET6 ? sa->v6.sin6_port : sa->v4.sin_port);
}

static addr128 sockaddr_addr(const union sockaddr_inet *sa)
{
	addr128 a = 0;

	if (sa->sa.sa_family != AF_INET6)
		return ntohl(sa->v4.sin_addr.s_addr);
	for (int i = 0; i < 16; i++)
		a = a << 8 | sa->v6.sin6_addr.s6_addr[i];
	return a;
}

const char *format_endpoint(bool v6, addr128 addr, uint16_t port, char *buf, int len)
{
	union sockaddr_inet sa;
	char ip[INET6_ADDRSTRLEN];

	if (!buf || len <= 0)
		return buf;
	sockaddr_from(&sa, v6, addr, port);
	if (!v6) {
		inet_ntop(AF_INET, &sa.v4.sin_addr, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, (unsigned int)port);
	} else {
		inet_ntop(AF_INET6, &sa.v6.sin6_addr, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, (unsigned int)port);
	}
	return buf;
}

const char *format_sockaddr(const union sockaddr_inet *sa, char *buf, int len)
{
	return format_endpoint(sa->sa.sa_family == AF_INET6, sockaddr_addr(sa), sockaddr_port(sa),
			       buf, len);
}
