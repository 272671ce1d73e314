/*
 * session.h - what a held connection says once TCP is up: a protocol's
 * opening, its keepalive and its answers to the server, with no socket in
 * sight (sans-I/O). The caller reads and writes; a session only turns bytes
 * read into bytes to send and a state:
 *
 *   OPENING --reply accepted--> ESTABLISHED --server says goodbye--> CLOSED
 *      \--reply refuses--> REFUSED (the server's reply is in the bytes read)
 *
 * Written once for every event model. Nothing per connection is kept but a
 * 12-byte struct session (in its own arena, only under --proto): MQTT client
 * ids, WebSocket keys and masks are derived from the connection's id (its
 * planner tuple), so they cost no memory. Bytes each protocol uses of it:
 *   http       12: parse phase, header match, status code, body/chunk bytes left;
 *                  once idle, when it went idle (session_idle_start)
 *   websocket  12: the same for the upgrade, then frame header, payload left, pong offset
 *   mqtt       10: packet type, remaining length, CONNACK code
 *   nats        8: the line's first four bytes, CONNECT sent
 *   resp       12: value kind, bulk bytes left, values left in the reply
 *   hello       6: bytes of --expect matched
 * The keepalive has no per-connection timer: the holder's beat schedule
 * spreads connections over session_period_us() and calls session_beat().
 */
#ifndef HOLDCONN_SESSION_H
#define HOLDCONN_SESSION_H

#include <stddef.h>
#include <stdint.h>

enum proto {
	PROTO_NONE = 0,  /* hold TCP alone: no session */
	PROTO_HTTP,      /* GET with keep-alive, read the whole response, idle */
	PROTO_WEBSOCKET, /* RFC 6455 upgrade, pong every ping, masked pings at --every */
	PROTO_MQTT,      /* 3.1.1 CONNECT / CONNACK, PINGREQ within the keep alive */
	PROTO_NATS,      /* INFO, CONNECT + PING, PONG; PONG to every PING */
	PROTO_RESP,      /* HELLO 3 [AUTH], the reply checked; PING at --every */
	PROTO_HELLO,     /* --hello FILE sent, reply must start with --expect TEXT */
};
#define PROTO_COUNT 7

enum session_state {
	SESSION_OPENING = 0,
	SESSION_ESTABLISHED,
	SESSION_REFUSED, /* the server turned the opening down; why: session_why() */
	SESSION_CLOSED,  /* the server ended an established session, or the connection ended */
};

/* Why a session was refused or closed (kept in the record's phase once it is). */
enum session_why {
	WHY_NONE = 0,
	WHY_STATUS,    /* HTTP status not accepted (acc: the status) */
	WHY_ACCEPT,    /* Sec-WebSocket-Accept missing or not the key's */
	WHY_CONNACK,   /* CONNACK with a return code (acc) */
	WHY_ERROR,     /* an error reply: -ERR (nats), -NOAUTH/-WRONGPASS/-ERR (resp) */
	WHY_EXPECT,    /* the reply does not start with --expect */
	WHY_MALFORMED, /* the server's bytes break the protocol */
	WHY_GOODBYE,   /* the server closed the session: WebSocket close frame */
	WHY_EOF,       /* the connection ended (session_eof) */
};

/* What every connection of a run says: read-only, shared. */
struct session_config {
	enum proto proto;
	const char *host;          /* Host header (http, websocket) */
	const char *path;          /* request target (http, websocket); NULL: "/" */
	uint32_t keepalive_s;      /* mqtt: CONNECT's keep alive; 0: SESSION_MQTT_KEEPALIVE_S */
	uint64_t every_us;         /* client keepalive period (ws ping, nats/resp PING, PINGREQ) */
	const char *auth;          /* "user:pass" or "pass" (resp, mqtt, nats: a token) */
	const char *client_prefix; /* mqtt client id before the connection id; NULL: "holdconn-" */
	const char *hello;         /* PROTO_HELLO: bytes sent after connect */
	size_t hello_len;
	const char *expect;        /* PROTO_HELLO: what the reply must start with; 0 long: nothing */
	size_t expect_len;
};

#define SESSION_MQTT_KEEPALIVE_S 60

struct session {
	uint8_t state; /* enum session_state */
	uint8_t phase; /* the protocol's parse phase; enum session_why once refused or closed */
	uint8_t flags; /* per protocol */
	uint8_t pos;   /* bytes matched of a token, a header name or value, a length */
	uint32_t need; /* bytes left of a body, chunk, frame or value; a number being read */
	uint32_t acc;  /* a status code, return code, line head or values left in a reply */
};
_Static_assert(sizeof(struct session) == 12, "a session record must stay 12 bytes");

/*
 * Bytes to send, appended by the calls below. An opening fits in
 * SESSION_OPEN_MAX; input of n bytes never makes more than
 * SESSION_OUT_FOR(n) bytes of answers.
 */
struct session_out {
	char *buf;
	size_t cap, len;
	uint32_t answered; /* server keepalives answered (PONG, WebSocket pong) */
	uint32_t acked;    /* our keepalives the server answered (PINGRESP, PONG, pong) */
};
#define SESSION_OPEN_MAX 1024
#define SESSION_OUT_FOR(n) (4 * (size_t)(n) + SESSION_OPEN_MAX)

/* The opening for connection id (zeroes *s first). 0, or -ENOSPC: out too small. */
int session_open(const struct session_config *cfg, struct session *s, uint64_t id,
		 struct session_out *out);
/*
 * n bytes read from connection id: advances the state, appends answers.
 * Bytes after a refusal or a close are ignored. 0, or -ENOSPC.
 */
int session_input(const struct session_config *cfg, struct session *s, uint64_t id,
		  const char *in, size_t n, struct session_out *out);
/*
 * A keepalive is due: appends it. -EAGAIN when none can go now (not
 * established, or half an answer is out), 0 otherwise (nothing appended
 * when the protocol has none).
 */
int session_beat(const struct session_config *cfg, struct session *s, uint64_t id,
		 struct session_out *out);
/* How often session_beat is due, µs; 0: the client never beats. */
uint64_t session_period_us(const struct session_config *cfg);
/* The connection ended: CLOSED (why WHY_EOF) unless already refused or closed. */
void session_eof(struct session *s);

/*
 * --proto http idles once its response is read, and its record's need is
 * free from then on: it keeps when the session went idle, on a clock in
 * milliseconds truncated to 32 bits (SESSION_F_IDLE in flags says it is
 * set), so that a server's close can say after how long (its keep-alive
 * timeout) at no cost per connection. Other protocols keep nothing.
 */
#define SESSION_F_IDLE 0x80
void session_idle_start(const struct session_config *cfg, struct session *s, uint32_t now_ms);
/* Milliseconds idle at now_ms (modulo 2^32: ~49 days); -1 when no start was kept. */
int64_t session_idle_ms(const struct session *s, uint32_t now_ms);

/* Why a refused or closed session ended, one line ("CONNACK code 5: not authorized"). */
const char *session_why(const struct session *s, char *buf, size_t len);
/* "http", "websocket", ...; "none" for PROTO_NONE. */
const char *proto_name(enum proto p);
/* 0 or -EINVAL. */
int parse_proto(const char *s, enum proto *out);

#endif
