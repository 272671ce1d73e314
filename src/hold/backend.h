/*
 * backend.h - the one interface between the holder and an event model.
 *
 * The holder (holder.c) decides what to open, when to stop and what to
 * publish; a backend only does I/O and reports back through the holder_*
 * callbacks below. Adding a mode is one new file and one line in
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
	/* serve: listen on addr and start accepting. */
	int (*listen)(struct holder *h, const union sockaddr_inet *addr);
	/*
	 * connect: start one connection from src (port 0: kernel picks) to dst.
	 * 0 started, -EAGAIN no room right now (try after the next wait),
	 * other -errno: failed at once (the holder maps it to a stop reason).
	 */
	int (*open)(struct holder *h, uint64_t tuple, const union sockaddr_inet *src,
		    const union sockaddr_inet *dst);
	/* Pushes out what open/listen queued, sleeps up to timeout_ms, runs completions. */
	void (*wait)(struct holder *h, int timeout_ms);
	/* serve: stop taking new connections (listeners stay, so peers queue, not fail). */
	void (*stop_accepting)(struct holder *h);
	/*
	 * connect with --send: send the heartbeats whose phase (traffic_due)
	 * passed between prev_us and now_us. NULL: the backend keeps the
	 * schedule itself (threads). A beat due while the connection's last
	 * message has not gone out is skipped and counted (traffic_blocked).
	 */
	void (*beat)(struct holder *h, uint64_t prev_us, uint64_t now_us);
	/* Closes n held connections now (bench's close-detection probe); may be NULL. */
	void (*drop)(struct holder *h, uint64_t n);
	/* Releases every connection held, as fast as the model allows, and frees h->be. */
	void (*release)(struct holder *h);
};

extern const struct backend_ops backend_uring;
extern const struct backend_ops backend_epoll;
extern const struct backend_ops backend_threads;

const struct backend_ops *backend_for(enum mode m);

#endif
