/* diag.c - a dump of established TCP sockets over NETLINK_SOCK_DIAG (see diag.h). */
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "hold/diag.h"

#define DIAG_RECV_BYTES (256 << 10)

/* One range test: two port comparisons and a jump to "accept", 20 bytes. */
#define BC_RANGE_BYTES (4 * sizeof(struct inet_diag_bc_op) + sizeof(struct inet_diag_bc_op))

bool diag_ports_add(struct diag_ports *p, uint16_t port)
{
	for (int i = 0; i < p->n; i++) {
		if (port >= p->lo[i] && port <= p->hi[i])
			return true;
		if (port + 1 == p->lo[i] || port == p->hi[i] + 1) {
			p->lo[i] = port < p->lo[i] ? port : p->lo[i];
			p->hi[i] = port > p->hi[i] ? port : p->hi[i];
			return true;
		}
	}
	if (p->n == DIAG_MAX_RANGES)
		return false;
	p->lo[p->n] = p->hi[p->n] = port;
	p->n++;
	return true;
}

/*
 * inet_diag bytecode for "local port in any range". The kernel's audit
 * walks the "yes" branches, and every jump must land on an op it has
 * walked: so every yes falls through to the next op, and the answers are
 * in the "no" jumps: out of a range goes to the next one (past the last:
 * reject, len + 4), and the JMP after a range's two tests goes to the end
 * (accept).
 */
static size_t port_bytecode(const struct diag_ports *p, struct inet_diag_bc_op *bc)
{
	size_t len = p->n * BC_RANGE_BYTES, at = 0;
	struct inet_diag_bc_op *op = bc;

	for (int i = 0; i < p->n; i++) {
		bool last = i == p->n - 1;
		uint16_t out = last ? len - at + 4 : BC_RANGE_BYTES;

		*op++ = (struct inet_diag_bc_op){ INET_DIAG_BC_S_GE, 8, out };
		*op++ = (struct inet_diag_bc_op){ .no = p->lo[i] };
		out = last ? len - at - 8 + 4 : BC_RANGE_BYTES - 8;
		*op++ = (struct inet_diag_bc_op){ INET_DIAG_BC_S_LE, 8, out };
		*op++ = (struct inet_diag_bc_op){ .no = p->hi[i] };
		*op++ = (struct inet_diag_bc_op){ INET_DIAG_BC_JMP, 4, len - at - 16 };
		at += BC_RANGE_BYTES;
	}
	return len;
}

/*
 * Asks for the established TCP sockets of family (AF_INET or AF_INET6: a
 * dump lists one), on ports if any, with extensions ext (1 << (INET_DIAG_x - 1)).
 */
static int diag_request(int fd, int family, uint8_t ext, const struct diag_ports *ports)
{
	struct {
		struct nlmsghdr nh;
		struct inet_diag_req_v2 req;
		struct rtattr rta;
		struct inet_diag_bc_op bc[DIAG_MAX_RANGES * BC_RANGE_BYTES / sizeof(struct inet_diag_bc_op)];
	} msg = {
		.nh = { .nlmsg_type = SOCK_DIAG_BY_FAMILY, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.req = { .sdiag_family = family, .sdiag_protocol = IPPROTO_TCP,
			 .idiag_ext = ext, .idiag_states = 1 << TCP_ESTABLISHED },
	};
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	size_t bclen = ports && ports->n ? port_bytecode(ports, msg.bc) : 0;

	msg.nh.nlmsg_len = NLMSG_LENGTH(sizeof(msg.req));
	if (bclen) {
		msg.rta.rta_type = INET_DIAG_REQ_BYTECODE;
		msg.rta.rta_len = RTA_LENGTH(bclen);
		msg.nh.nlmsg_len += RTA_ALIGN(msg.rta.rta_len);
	}
	if (sendto(fd, &msg, msg.nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return 0;
}

static int push(struct diag_set *set, const struct inet_diag_msg *m)
{
	if (set->n == set->cap) {
		uint64_t cap = set->cap ? set->cap * 2 : 65536;
		struct diag_entry *e = realloc(set->e, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		set->e = e;
		set->cap = cap;
	}
	set->e[set->n++] = (struct diag_entry){
		.cookie = m->id.idiag_cookie[0] | (uint64_t)m->id.idiag_cookie[1] << 32,
		.rqueue = m->idiag_rqueue,
	};
	return 0;
}

/* One socket of the dump: 0 to go on, 1 to stop reading, or -errno. */
typedef int (*diag_each)(const struct nlmsghdr *nh, void *arg);

/* Reads one datagram of the dump; 1 when NLMSG_DONE was seen or each() said stop. */
static int diag_read(int fd, char *buf, diag_each each, void *arg)
{
	ssize_t len = recv(fd, buf, DIAG_RECV_BYTES, 0);
	struct nlmsghdr *nh;
	int ret;

	if (len < 0)
		return -errno;
	for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)len); nh = NLMSG_NEXT(nh, len)) {
		if (nh->nlmsg_type == NLMSG_DONE)
			return 1;
		if (nh->nlmsg_type == NLMSG_ERROR)
			return -EPROTO;
		ret = each(nh, arg);
		if (ret)
			return ret;
	}
	return 0;
}

static int push_each(const struct nlmsghdr *nh, void *set)
{
	return push(set, NLMSG_DATA(nh));
}

static int by_cookie(const void *a, const void *b)
{
	uint64_t x = ((const struct diag_entry *)a)->cookie, y = ((const struct diag_entry *)b)->cookie;

	return x < y ? -1 : x > y;
}

int diag_dump(int *nlfd, struct diag_set *set, const struct diag_ports *ports)
{
	char *buf = malloc(DIAG_RECV_BYTES);
	int ret = 0;

	set->n = 0;
	if (!buf)
		return -ENOMEM;
	if (*nlfd < 0) {
		*nlfd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
		if (*nlfd < 0) {
			free(buf);
			return -errno;
		}
	}
	/*
	 * One dump per family, into one set. A kernel without IPv6 (or its
	 * sock_diag handler) answers the second with a lone NLMSG_ERROR,
	 * which ends that request: it has no IPv6 sockets to list.
	 */
	ret = diag_request(*nlfd, AF_INET, 0, ports);
	while (!ret)
		ret = diag_read(*nlfd, buf, push_each, set);
	if (ret > 0) {
		ret = diag_request(*nlfd, AF_INET6, 0, ports);
		while (!ret)
			ret = diag_read(*nlfd, buf, push_each, set);
		if (ret == -EPROTO)
			ret = 1;
	}
	free(buf);
	if (ret < 0) {
		/* A half-read dump would desynchronise the next one: start afresh. */
		close(*nlfd);
		*nlfd = -1;
		return ret;
	}
	if (set->n > 1)
		qsort(set->e, set->n, sizeof(*set->e), by_cookie);
	return 0;
}

const struct diag_entry *diag_find(const struct diag_set *set, uint64_t cookie)
{
	uint64_t lo = 0, hi = set->n;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (set->e[mid].cookie < cookie)
			lo = mid + 1;
		else if (set->e[mid].cookie > cookie)
			hi = mid;
		else
			return &set->e[mid];
	}
	return NULL;
}

void diag_free(struct diag_set *set)
{
	free(set->e);
	memset(set, 0, sizeof(*set));
}

struct wscale_find {
	uint16_t lo, hi; /* destination ports of the bench's client sockets */
	int client, server;
	bool found;
};

/* The tcp_info of a socket, from its INET_DIAG_INFO attribute; NULL when absent or short. */
static const struct tcp_info *diag_info(const struct nlmsghdr *nh)
{
	const struct inet_diag_msg *m = NLMSG_DATA(nh);
	int len = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(*m)));
	const struct rtattr *a = (const struct rtattr *)(m + 1);

	for (; len > 0 && RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		/* tcpi_snd_wscale/tcpi_rcv_wscale share the byte before tcpi_rto. */
		if (a->rta_type == INET_DIAG_INFO &&
		    RTA_PAYLOAD(a) >= offsetof(struct tcp_info, tcpi_rto))
			return RTA_DATA(a);
	}
	return NULL;
}

static int wscale_each(const struct nlmsghdr *nh, void *arg)
{
	struct wscale_find *w = arg;
	const struct inet_diag_msg *m = NLMSG_DATA(nh);
	const struct tcp_info *ti;
	uint16_t dport;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return -EPROTO;
	dport = ntohs(m->id.idiag_dport);
	if (dport < w->lo || dport > w->hi)
		return 0;
	ti = diag_info(nh);
	if (!ti)
		return 0;
	/* Without the option on both SYNs, neither side scales: both read 0. */
	w->client = ti->tcpi_rcv_wscale;
	w->server = ti->tcpi_snd_wscale;
	w->found = true;
	return 1;
}

int diag_wscale(uint16_t dport_lo, uint16_t dport_hi, int *client_wscale, int *server_wscale)
{
	struct wscale_find w = { .lo = dport_lo, .hi = dport_hi };
	char *buf = malloc(DIAG_RECV_BYTES);
	int fd, ret = 0;

	if (!buf)
		return -ENOMEM;
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0) {
		ret = -errno;
		free(buf);
		return ret;
	}
	/* IPv4 first; a bench over IPv6 has its sockets in the second dump. */
	for (int i = 0; i < 2 && !w.found && ret >= 0; i++) {
		ret = diag_request(fd, i ? AF_INET6 : AF_INET, 1 << (INET_DIAG_INFO - 1), NULL);
		while (!ret)
			ret = diag_read(fd, buf, wscale_each, &w);
	}
	/* The rest of the dump, if any, goes with the socket. */
	close(fd);
	free(buf);
	if (ret < 0)
		return ret;
	if (!w.found)
		return -ENOENT;
	*client_wscale = w.client;
	*server_wscale = w.server;
	return 0;
}
