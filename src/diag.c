/* diag.c - a dump of established TCP sockets over NETLINK_SOCK_DIAG (see diag.h). */
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "diag.h"

#define DIAG_RECV_BYTES (256 << 10)

static int diag_request(int fd)
{
	struct {
		struct nlmsghdr nh;
		struct inet_diag_req_v2 req;
	} msg = {
		.nh = { .nlmsg_len = sizeof(msg), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.req = { .sdiag_family = AF_INET, .sdiag_protocol = IPPROTO_TCP,
			 .idiag_states = 1 << TCP_ESTABLISHED },
	};
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
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

/* Reads one datagram of the dump; 1 when NLMSG_DONE was seen. */
static int diag_read(int fd, char *buf, struct diag_set *set)
{
	ssize_t len = recv(fd, buf, DIAG_RECV_BYTES, 0);
	struct nlmsghdr *nh;

	if (len < 0)
		return -errno;
	for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)len); nh = NLMSG_NEXT(nh, len)) {
		if (nh->nlmsg_type == NLMSG_DONE)
			return 1;
		if (nh->nlmsg_type == NLMSG_ERROR)
			return -EPROTO;
		if (push(set, NLMSG_DATA(nh)))
			return -ENOMEM;
	}
	return 0;
}

static int by_cookie(const void *a, const void *b)
{
	uint64_t x = ((const struct diag_entry *)a)->cookie, y = ((const struct diag_entry *)b)->cookie;

	return x < y ? -1 : x > y;
}

int diag_dump(int *nlfd, struct diag_set *set)
{
	char *buf = malloc(DIAG_RECV_BYTES);
	int ret;

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
	ret = diag_request(*nlfd);
	while (!ret)
		ret = diag_read(*nlfd, buf, set);
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
