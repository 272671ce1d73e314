/*
 * backend.h - the one interface between the holder and an event model.
 *
 * The holder (holder.c) decides what to open, when to stop and what to
 * publish; flow.c decides what flows over held connections (messages,
 * heartbeats, echo). A backend only does I/O primitives (open, accept,
 * write, read, close, reap) and reports back through the holder_* and
 * flow_* up-calls. Adding a mode is one new file and one line in
 * backend.c's table, as redis's ae.c sits over ae_epoll.c and friends.
 */
#ifndef HOLDCONN_BACKEND_H
#define HOLDCONN_BACKEND_H

#include <netinet/in.h>
#include <stdint.h>
#include "base/addr.h"
#include "base/mode.h"

struct holder;

struct backend_ops {
	const char *name;
	/* Allocates private state into h->be; 0 or -errno (-ENOSYS: mode unavailable here). */
	int (*init)(struct holder *h);
	/* serve: listen on addr (the sockopt table applied) and start accepting. */
	int (*listen)(struct holder *h, const union sockaddr_inet *addr);
	/* serve: stop taking new connections (listeners stay, so peers queue, not fail). */
	void (*stop_accepting)(struct holder *h);
	/*
	 * connect: start one connection from src (port 0: kernel picks) to dst,
	 * the sockopt table applied. 0 started, -EAGAIN no room right now (try
	 * after the next wait), other -errno: failed at once (a stop reason).
	 */
	int (*open)(struct holder *h, uint64_t tuple, const union sockaddr_inet *src,
		    const union sockaddr_inet *dst);
	/* Pushes out what was queued, sleeps up to timeout_us, reaps completions into up-calls. */
	void (*wait)(struct holder *h, int timeout_us);
	/* Releases every connection held, as fast as the model allows, and frees h->be. */
	void (*release)(struct holder *h);
	/*
	 * The I/O of held connections, for flow.c. A connection is an id below
	 * nrings x slots (geometry); conn() is its record.
	 *
	 * write: one write of len bytes of data (or, data NULL, a fresh message
	 * stamped now); what the kernel does not take at once the backend keeps,
	 * and flow_written() reports the end, perhaps before write returns. 0, or
	 * -ENOMEM (nothing started), or another -errno (the connection is broken).
	 * arm: read again after flow_read() paused it. close: from above (a failed
	 * send, bench's probe); holder_closed() follows once the slot is free.
	 */
	void (*geometry)(struct holder *h, uint32_t *nrings, uint32_t *slots);
	struct conn *(*conn)(struct holder *h, uint32_t id);
	int (*write)(struct holder *h, uint32_t id, const char *data, uint32_t len);
	void (*arm)(struct holder *h, uint32_t id);
	void (*close)(struct holder *h, uint32_t id);
	/*
	 * connect: the heartbeats due between prev_us and now_us, and closing n
	 * held connections (bench's close-detection probe): flow_beat and
	 * flow_drop over the primitives above. NULL: a backend that cannot
	 * write or close on request.
	 */
	void (*beat)(struct holder *h, uint64_t prev_us, uint64_t now_us);
	void (*drop)(struct holder *h, uint64_t n);
};

/* A wait's timeout for calls that count whole milliseconds (poll, epoll_wait): rounded up. */
static inline int backend_wait_ms(int timeout_us)
{
	return (timeout_us + 999) / 1000;
}

extern const struct backend_ops backend_uring;
extern const struct backend_ops backend_epoll;
extern const struct backend_ops backend_threads;

const struct backend_ops *backend_for(enum mode m);

#endif
