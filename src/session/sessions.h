/*
 * sessions.h - the sessions of one holder's connections, by connection id:
 * what the layer above the backends calls from its up-calls (a connection is
 * up, bytes were read, a beat is due, it ended), still without a socket. The
 * bytes to send go out through one callback, the plaintext a server side
 * reads through another. TLS, when on, sits under the protocol.
 *
 * Per connection: a 12-byte struct session when a protocol is spoken, and an
 * 8-byte pointer to its TLS connection under --tls; both arrays are the
 * caller's (the conn arena), sized once for every id.
 */
#ifndef HOLDCONN_SESSIONS_H
#define HOLDCONN_SESSIONS_H

#include <stdbool.h>
#include <stdint.h>
#include "session/session.h"
#include "session/tls.h"

/* What a call did to its connection's session. */
enum sessions_event {
	SESSIONS_NONE = 0,    /* nothing new: still opening, or still established */
	SESSIONS_ESTABLISHED, /* just now: count it held */
	SESSIONS_REFUSED,     /* just now: the server refused; stop the run (sessions_refusal) */
	SESSIONS_CLOSED,      /* the server ended it, or TLS failed: close the connection */
};

struct sessions_stats {
	uint64_t established, refused, closed;
	uint64_t answered, acked;     /* server keepalives answered; ours the server answered */
	uint64_t tls_established, tls_failed;
	uint64_t tls_handshake_cpu_ns; /* thread CPU inside TLS calls until each was established */
};

struct sessions {
	const struct session_config *cfg; /* NULL or PROTO_NONE: TLS alone, or nothing */
	struct tls_ctx *tls;              /* NULL: plain */
	uint32_t n;
	struct session *rec;              /* n records when a protocol is spoken */
	struct tls_conn **conn;           /* n pointers under TLS */
	/* bytes to send on id; 0 or -errno (the caller closes the connection) */
	int (*send)(void *arg, uint32_t id, const char *buf, size_t len);
	/* a server side's plaintext (no protocol): traffic's business, not ours; may be NULL */
	void (*deliver)(void *arg, uint32_t id, const char *buf, size_t len);
	/* the server ended an idle --proto http session after idle_ms; may be NULL */
	void (*idle_closed)(void *arg, uint32_t id, uint64_t idle_ms);
	void *arg;
	struct sessions_stats st;
	/* the first refusal: why, and the start of the server's reply */
	char refusal[128];
	char reply[96];
	uint32_t reply_len;
	/* scratch, sized for reads of up to max_read bytes */
	size_t max_read;
	char *out, *net, *plain;
};

/*
 * Sets up t for ids below n (rec and conn as the caller allocated them,
 * zeroed; either may be NULL when not needed). 0 or -ENOMEM.
 */
int sessions_init(struct sessions *t, const struct session_config *cfg, struct tls_ctx *tls,
		  uint32_t n, struct session *rec, struct tls_conn **conn, size_t max_read);
void sessions_free(struct sessions *t);
/* Whether connections need sessions_* calls at all (a protocol or TLS). */
bool sessions_on(const struct sessions *t);

/* Connection id is up (connected, or accepted): the opening, or a ClientHello. */
enum sessions_event sessions_start(struct sessions *t, uint32_t id);
/* n bytes (n <= max_read) read from id. */
enum sessions_event sessions_read(struct sessions *t, uint32_t id, const char *buf, size_t n);
/* A keepalive is due on id. -EAGAIN: none can go now; 0 sent (or none needed); -errno. */
int sessions_beat(struct sessions *t, uint32_t id);
/* Application bytes to send on id (a server's echo, under TLS). 0 or -errno. */
int sessions_write(struct sessions *t, uint32_t id, const char *buf, size_t n);
/*
 * The server ended id (a FIN or a reset): an established session counts
 * as closed by the server, and an idle http one says after how long
 * (idle_closed). Before sessions_end.
 */
void sessions_peer_closed(struct sessions *t, uint32_t id);
/* id ended (closed by either side): its TLS state freed, its record cleared. */
void sessions_end(struct sessions *t, uint32_t id);
/* Whether id's session is established (TLS done and the protocol's opening accepted). */
bool sessions_established(const struct sessions *t, uint32_t id);

#endif
