/* sockopt.c - the options every holder sets on its sockets, in one table (see sockopt.h). */
#include <errno.h>
#include <netinet/tcp.h>
#include <unistd.h>
#include "hold/sockopt.h"

const int sockopt_one = 1;
const struct linger sockopt_linger_rst = { .l_onoff = 1, .l_linger = 0 };

int sockopt_list(const struct holder_config *cfg, enum sockopt_when when, bool reuse,
		 struct sockopt out[SOCKOPT_MAX])
{
	bool sizes = cfg->traffic.late_buffers == (when == SOCKOPT_AFTER);
	int n = 0;

	if (when == SOCKOPT_BEFORE && reuse)
		out[n++] = (struct sockopt){ SOL_SOCKET, SO_REUSEADDR, &sockopt_one, sizeof(int) };
	if (when == SOCKOPT_BEFORE && cfg->linger_rst)
		out[n++] = (struct sockopt){ SOL_SOCKET, SO_LINGER, &sockopt_linger_rst,
					     sizeof(sockopt_linger_rst) };
	if (sizes && cfg->rcvbuf)
		out[n++] = (struct sockopt){ SOL_SOCKET, SO_RCVBUF, &cfg->rcvbuf, sizeof(int) };
	if (sizes && cfg->sndbuf)
		out[n++] = (struct sockopt){ SOL_SOCKET, SO_SNDBUF, &cfg->sndbuf, sizeof(int) };
	/*
	 * --tcp-keepalive, --user-timeout: what a NAT or a load balancer in the
	 * path needs to keep (or drop) an idle connection. A listener's are
	 * inherited by every socket it accepts.
	 */
	if (when == SOCKOPT_BEFORE && cfg->keepalive.on) {
		const struct tcp_keepalive *k = &cfg->keepalive;

		out[n++] = (struct sockopt){ SOL_SOCKET, SO_KEEPALIVE, &k->on, sizeof(int) };
		out[n++] = (struct sockopt){ IPPROTO_TCP, TCP_KEEPIDLE, &k->idle_s, sizeof(int) };
		out[n++] = (struct sockopt){ IPPROTO_TCP, TCP_KEEPINTVL, &k->intvl_s, sizeof(int) };
		out[n++] = (struct sockopt){ IPPROTO_TCP, TCP_KEEPCNT, &k->cnt, sizeof(int) };
	}
	if (when == SOCKOPT_BEFORE && cfg->user_timeout_ms)
		out[n++] = (struct sockopt){ IPPROTO_TCP, TCP_USER_TIMEOUT, &cfg->user_timeout_ms,
					     sizeof(unsigned int) };
	return n;
}

void sockopt_set(int fd, const struct holder_config *cfg, enum sockopt_when when, bool reuse)
{
	struct sockopt o[SOCKOPT_MAX];
	int n = sockopt_list(cfg, when, reuse, o);

	for (int i = 0; i < n; i++)
		setsockopt(fd, o[i].level, o[i].name, o[i].val, o[i].len);
}

int sockopt_listener(const union sockaddr_inet *addr, const struct holder_config *cfg, bool nonblock)
{
	int fd = socket(addr->sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);

	if (fd < 0)
		return -errno;
	sockopt_set(fd, cfg, SOCKOPT_BEFORE, true);
	if (bind(fd, &addr->sa, sockaddr_len(addr)) || listen(fd, cfg->backlog)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

void sockopt_report_buffers(struct holder *h, int fd)
{
	int rcv, snd;
	socklen_t len = sizeof(int);

	if (h->rcvbuf >= 0)
		return; /* read back already */
	if (!getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, &len) &&
	    !getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, &len))
		holder_buffers(h, rcv, snd);
}
