/* backend.c - the table of event models. */
#include <stddef.h>
#include "hold/backend.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct backend_ops *const backends[] = {
	[MODE_URING] = &backend_uring,
	[MODE_EPOLL] = &backend_epoll,
	[MODE_THREADS] = &backend_threads,
};

const struct backend_ops *backend_for(enum mode m)
{
	if ((unsigned)m >= ARRAY_SIZE(backends))
		return NULL;
	return backends[m];
}
