/*
 * opener.h - sessions over held connections (--proto, --tls): the glue
 * between flow.c, which sees every connection of every backend, and the
 * sans-I/O sessions of src/session. Written once, for every mode.
 *
 * Only under holder_config.session or .tls; otherwise nothing here runs and
 * nothing is allocated. The records (12 bytes a connection, 8 more under
 * TLS) come from the conn arena, grown with the backend's id table.
 */
#ifndef HOLDCONN_OPENER_H
#define HOLDCONN_OPENER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct holder;
struct sessions_stats;

/*
 * Set up by the first connection up (the backend's id table exists by then);
 * 0, -ENOMEM, -EOPNOTSUPP (a backend that cannot write) or -EINVAL (a uring
 * --watch that never reads: none, diag): the run layer refuses those options
 * together first.
 */
int opener_init(struct holder *h);
/* From flow_release, once the backend closed everything. */
void opener_free(struct holder *h);
/* id is up: the session opens (its opener, or a ClientHello, goes out). */
void opener_established(struct holder *h, uint32_t id);
/* id, which opener_established saw, is closed: its TLS state and queued bytes are freed. */
void opener_closed(struct holder *h, uint32_t id);
/* The server ended id (FIN or reset), before opener_closed: a session it ended, and when. */
void opener_peer_closed(struct holder *h, uint32_t id);
/* n bytes read from id go to its session. False: the connection is being closed. */
bool opener_read(struct holder *h, uint32_t id, const char *buf, size_t n);
/* A write on id ended (flow_written): what the session queued meanwhile goes out. */
void opener_written(struct holder *h, uint32_t id);
/* A keepalive is due on id: true when it went out (or none was needed). */
bool opener_beat(struct holder *h, uint32_t id);
/* The sessions' counts (established, refused, keepalives answered, TLS); NULL when off. */
const struct sessions_stats *opener_stats(const struct holder *h);
/* Why the first refused session was refused, one line; "" when none was. */
const char *opener_refusal(const struct holder *h);

#endif
