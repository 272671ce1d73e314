/*
 * metrics_http.h - GET /metrics over HTTP (libmicrohttpd), from a thread
 * of its own. It reads only what the holders already publish (side_stats
 * atomics, in shared memory under bench) and /proc, never the event loop:
 * a scrape costs the same at ten connections or three million.
 */
#ifndef HOLDCONN_METRICS_HTTP_H
#define HOLDCONN_METRICS_HTTP_H

#include "base/addr.h"
#include "run/metrics.h"

struct metrics_server;

/*
 * The listening socket, apart from the serving: a socket belongs to the
 * network namespace it was made in, so bench makes it before entering its
 * own (and starts the thread after, as unshare wants one thread). A
 * descriptor, or -errno (-EADDRINUSE: the port is taken).
 */
int metrics_listen(const union sockaddr_inet *addr);
/*
 * Serves the sides (copied; the side_stats they point to must outlive the
 * server) on the socket fd (taken over, closed on failure too). The
 * kernel's deltas are against a baseline taken now. 0 or -errno.
 */
int metrics_start(struct metrics_server **out, int fd, const struct metrics_side *sides, int nsides);
/* Stops serving and frees the server; NULL is a no-op. */
void metrics_stop(struct metrics_server *s);

#endif
