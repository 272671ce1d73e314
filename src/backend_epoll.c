/* backend_epoll.c - placeholder until the epoll model lands. */
#include <errno.h>
#include "holder.h"

static int epoll_init(struct holder *h)
{
	(void)h;
	return -ENOSYS;
}

const struct backend_ops backend_epoll = {
	.name = "epoll",
	.init = epoll_init,
};
