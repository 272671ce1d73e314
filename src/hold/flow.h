/*
 * flow.h - what flows over held connections, written once above every
 * backend: the first message, the heartbeat schedule, what is read (the
 * peer's first bytes, each message's latency), the echo, and sessions
 * (opener.c). A backend calls flow_* when a connection is established,
 * bytes were read or a write ended; flow asks the backend to write, read
 * again or close, through struct backend_ops. flow is code for one thread
 * at a time: uring and epoll call it from the holder's thread, the threads
 * backend's workers under its holder lock (backend_threads.c).
 *
 * Per-connection state is the backend's 8-byte struct conn: `next` is the
 * receiver's offset in the stream once established, and flow owns the
 * flags CONN_F_SENDING, CONN_F_STALLED and CONN_F_SPOKE (conn.h).
 */
#ifndef HOLDCONN_FLOW_H
#define HOLDCONN_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct holder;

/*
 * id is up (connected, or accepted): it counts as held from now (its
 * receiver at offset 0, connect's --send-once), or with a session (--proto,
 * --tls) once the session is established; the backend counts nothing.
 */
void flow_established(struct holder *h, uint32_t id);
/*
 * id, which flow_established saw, is closed and about to be free for reuse
 * (called before the backend clears its struct conn): counted closed if it
 * was held, else a session that failed; what its session kept is freed.
 */
void flow_closed(struct holder *h, uint32_t id);
/*
 * The peer ended id, which is held (err 0 for a FIN, else ECONNRESET or the
 * error): counted (holder_peer_closed), and its session told, before the
 * backend closes it.
 */
void flow_peer_closed(struct holder *h, uint32_t id, int err);
/*
 * n bytes read from id (buf is the backend's, valid for the call): counted,
 * timed, the first kept (connect), echoed (serve --on-data echo). False:
 * read no more on id until the backend's arm() (an echo is going out).
 */
bool flow_read(struct holder *h, uint32_t id, const char *buf, size_t n);
/* A write of len bytes on id ended: res bytes went out, or -errno. */
void flow_written(struct holder *h, uint32_t id, int res, uint32_t len);
/*
 * connect with --send: the heartbeats whose phase (traffic_due_set) passed
 * between prev_us and now_us, over the backend's table of ids; a beat due
 * while the connection's last message has not gone out is skipped and
 * counted (traffic_blocked).
 */
void flow_beat(struct holder *h, uint64_t prev_us, uint64_t now_us);
/* Closes n held connections (bench's close-detection probe). */
void flow_drop(struct holder *h, uint64_t n);
/* The backend has closed every connection: what flow keeps for them (sessions) is freed. */
void flow_release(struct holder *h);

#endif
