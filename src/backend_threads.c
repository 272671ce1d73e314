/* backend_threads.c - placeholder until the threads model lands. */
#include <errno.h>
#include "holder.h"

static int threads_init(struct holder *h)
{
	(void)h;
	return -ENOSYS;
}

const struct backend_ops backend_threads = {
	.name = "threads",
	.init = threads_init,
};
