/*
 * proto.h - what each protocol of session.c implements (one file each, as
 * redis's ae backends do), and the helpers they share. Private to src/session.
 */
#ifndef HOLDCONN_PROTO_H
#define HOLDCONN_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Declared in session.h, which includes nothing of this (no include cycle). */
struct session;
struct session_config;
struct session_out;

struct proto_ops {
	int (*open)(const struct session_config *cfg, struct session *s, uint64_t id,
		    struct session_out *out);
	int (*input)(const struct session_config *cfg, struct session *s, uint64_t id,
		     const char *in, size_t n, struct session_out *out);
	/* NULL: the client never beats. */
	int (*beat)(const struct session_config *cfg, struct session *s, uint64_t id,
		    struct session_out *out);
};

extern const struct proto_ops proto_http;
extern const struct proto_ops proto_websocket;
extern const struct proto_ops proto_mqtt;
extern const struct proto_ops proto_nats;
extern const struct proto_ops proto_resp;

/* Appends n bytes; 0 or -ENOSPC. */
int out_put(struct session_out *o, const void *p, size_t n);
int out_str(struct session_out *o, const char *s);
/* printf into out; 0 or -ENOSPC. */
int out_fmt(struct session_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Ends the session: st REFUSED or CLOSED, why a session_why (acc kept as its detail). */
void session_end(struct session *s, int st, int why);
/* REFUSED while opening, CLOSED once established. */
void session_fail(struct session *s, int why);
/* Refused or closed. */
bool session_over(const struct session *s);

/* "user:pass" split; no colon: *user NULL, the whole as *pass. Lengths out. */
void auth_split(const char *auth, const char **user, size_t *ulen, const char **pass,
		size_t *plen);

/*
 * The HTTP response head parser that http.c and websocket share: status
 * line and headers, Content-Length, Transfer-Encoding: chunked and (with
 * accept, 28 bytes) Sec-WebSocket-Accept. Returns the bytes consumed: all
 * of n, or up to the end of the head, when s->phase is HP_DONE.
 */
enum { HP_START = 0, HP_DONE = 100 };
size_t http_head(struct session *s, const char *in, size_t n, const char *accept);
/* After HP_DONE: the status, whether the accept matched, the body's framing. */
#define HTTP_F_CHUNKED 0x01
#define HTTP_F_LENGTH 0x02
#define HTTP_F_ACCEPT_OK 0x04
#define HTTP_F_ACCEPT_BAD 0x08

/* websocket.c: connection id's Sec-WebSocket-Key (24 characters), and a key's accept (28). */
void ws_key(uint64_t id, char key[25]);
void ws_accept_for(const char *key, char accept[29]);

#endif
