/* sockopt.c - the options every holder sets on its sockets. */
#include <errno.h>
#include <unistd.h>
#include "hold/sockopt.h"

const int sockopt_one = 1;
const struct linger sockopt_linger_rst = { .l_onoff = 1, .l_linger = 0 };

void sockopt_apply(int fd, const struct holder_config *cfg, bool reuse)
{
	if (reuse)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &sockopt_one, sizeof(sockopt_one));
	if (cfg->linger_rst)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &sockopt_linger_rst, sizeof(sockopt_linger_rst));
	if (!cfg->traffic.late_buffers)
		sockopt_buffers(fd, cfg);
}

void sockopt_buffers(int fd, const struct holder_config *cfg)
{
	if (cfg->rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &cfg->rcvbuf, sizeof(cfg->rcvbuf));
	if (cfg->sndbuf)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &cfg->sndbuf, sizeof(cfg->sndbuf));
}

int sockopt_listener(const union sockaddr_inet *addr, const struct holder_config *cfg, bool nonblock)
{
	int fd = socket(addr->sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);

	if (fd < 0)
		return -errno;
	sockopt_apply(fd, cfg, true);
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
