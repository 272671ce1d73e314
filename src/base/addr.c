/* addr.c - IPv4 and IPv6 addresses, address ranges and port ranges as typed by users. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include "base/addr.h"

#define PORT_MAX 65535

static addr128 from_bytes(const unsigned char *b, int n)
{
	addr128 a = 0;

	for (int i = 0; i < n; i++)
		a = a << 8 | b[i];
	return a;
}

/*
 * One address and nothing else: a dotted quad (inet_pton refuses "1.2.3",
 * hex and octal) or IPv6 text, which may stand in brackets. No zone
 * ("fe80::1%lo"): inet_pton refuses it too.
 */
static int parse_addr(const char *s, size_t n, addr128 *out, bool *v6)
{
	char buf[INET6_ADDRSTRLEN];
	unsigned char b[16];
	bool bracketed = n >= 2 && s[0] == '[' && s[n - 1] == ']';

	if (bracketed) {
		s++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (!memchr(buf, ':', n)) {
		if (bracketed || inet_pton(AF_INET, buf, b) != 1)
			return -EINVAL;
		*out = from_bytes(b, 4);
		*v6 = false;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, b) != 1)
		return -EINVAL;
	*out = from_bytes(b, 16);
	*v6 = true;
	return 0;
}

/* "/LEN" after an address: 0..32 (IPv4) or 0..128 (IPv6); junk -EINVAL, too long -ERANGE. */
static int parse_prefix(const char *s, bool v6, int *len)
{
	int max = v6 ? 128 : 32, v = 0;
	size_t n = strlen(s), i;

	if (n == 0 || n > 3)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	if (v > max)
		return -ERANGE;
	*len = v;
	return 0;
}

/* ADDR/LEN: every address of the block, whatever host bits ADDR has. */
static int parse_block(const char *s, const char *slash, struct addr_range *r)
{
	int ret = parse_addr(s, slash - s, &r->first, &r->v6), len;
	addr128 host;

	if (ret)
		return ret;
	ret = parse_prefix(slash + 1, r->v6, &len);
	if (ret)
		return ret;
	if (r->v6)
		host = len == 0 ? ~(addr128)0 : ((addr128)1 << (128 - len)) - 1;
	else
		host = ((addr128)1 << (32 - len)) - 1;
	r->first &= ~host;
	r->last = r->first | host;
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
	const char *dash, *slash;
	bool last_v6 = false;
	int ret;

	if (!s)
		return -EINVAL;
	dash = strchr(s, '-');
	slash = strchr(s, '/');
	if (slash && !dash) {
		ret = parse_block(s, slash, &r);
	} else if (!dash) {
		ret = parse_addr(s, strlen(s), &r.first, &r.v6);
		r.last = r.first;
	} else {
		ret = worse(parse_addr(s, dash - s, &r.first, &r.v6),
			    parse_addr(dash + 1, strlen(dash + 1), &r.last, &last_v6));
		if (!ret && r.v6 != last_v6)
			return -EINVAL;
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

/* Where ADDR ends and ":PORT" starts: IPv6 stands in brackets ("[::1]:5000"), IPv4 does not. */
static const char *port_colon(const char *s)
{
	const char *close;

	if (s[0] != '[')
		return strchr(s, ':');
	close = strchr(s, ']');
	return close && close[1] == ':' ? close + 1 : NULL;
}

int parse_endpoint_range(const char *s, struct endpoint_range *out)
{
	struct endpoint_range e = { 0 };
	const char *colon;
	int ret;

	if (!s)
		return -EINVAL;
	colon = port_colon(s);
	if (!colon)
		return -EINVAL;
	ret = parse_addr(s, colon - s, &e.addr, &e.v6);
	/* "[1.2.3.4]:80" was refused by parse_addr; "::1:80" never reaches it whole. */
	if (!ret && e.v6 != (s[0] == '['))
		ret = -EINVAL;
	ret = worse(ret, parse_port_range(colon + 1, &e.ports));
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
	if (sa->sa.sa_family != AF_INET6)
		return ntohl(sa->v4.sin_addr.s_addr);
	return from_bytes(sa->v6.sin6_addr.s6_addr, 16);
}

const char *format_addr(bool v6, addr128 addr, char *buf, int len)
{
	union sockaddr_inet sa;

	if (!buf || len <= 0)
		return buf;
	sockaddr_from(&sa, v6, addr, 0);
	if (!inet_ntop(v6 ? AF_INET6 : AF_INET, v6 ? (void *)&sa.v6.sin6_addr : (void *)&sa.v4.sin_addr,
		       buf, len))
		buf[0] = '\0';
	return buf;
}

const char *format_endpoint(bool v6, addr128 addr, uint16_t port, char *buf, int len)
{
	char ip[INET6_ADDRSTRLEN];

	if (!buf || len <= 0)
		return buf;
	format_addr(v6, addr, ip, sizeof(ip));
	snprintf(buf, len, v6 ? "[%s]:%u" : "%s:%u", ip, (unsigned int)port);
	return buf;
}

const char *format_sockaddr(const union sockaddr_inet *sa, char *buf, int len)
{
	return format_endpoint(sa->sa.sa_family == AF_INET6, sockaddr_addr(sa), sockaddr_port(sa),
			       buf, len);
}

bool is_host_name(const char *s, size_t n)
{
	bool letter = false;

	if (n == 0 || n > HOST_NAME_LEN_MAX || s[0] == '-' || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

		if (!alpha && !(c >= '0' && c <= '9') && c != '-' && c != '.')
			return false;
		letter |= alpha;
	}
	return letter;
}

int resolve_host(const char *host, addr128 *addr, bool *v6)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res, *ai;
	int ret = getaddrinfo(host, NULL, &hints, &res);

	if (ret == EAI_NONAME || ret == EAI_AGAIN || ret == EAI_NODATA || ret == EAI_FAIL)
		return -EAGAIN;
	if (ret)
		return -EIO;
	for (ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET) {
			const struct sockaddr_in *sin = (const void *)ai->ai_addr;

			*addr = from_bytes((const unsigned char *)&sin->sin_addr, 4);
			*v6 = false;
			break;
		}
		if (ai->ai_family == AF_INET6) {
			const struct sockaddr_in6 *sin6 = (const void *)ai->ai_addr;

			*addr = from_bytes(sin6->sin6_addr.s6_addr, 16);
			*v6 = true;
			break;
		}
	}
	freeaddrinfo(res);
	return ai ? 0 : -EAGAIN;
}
