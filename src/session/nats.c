/*
 * nats.c - --proto nats (the NATS client protocol): wait for INFO, send
 * CONNECT and a PING, count the session established at the PONG; answer
 * every PING with PONG (the server closes a client that misses
 * max_pings_out of them); -ERR refuses or closes. Lines are read a byte at
 * a time: only their first four bytes (acc) decide what they are.
 */
#include <errno.h>
#include <string.h>
#include "session/proto.h"
#include "session/session.h"

#define OP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (c) << 8 | (d))
#define OP_INFO OP('I', 'N', 'F', 'O')
#define OP_PING OP('P', 'I', 'N', 'G')
#define OP_PONG OP('P', 'O', 'N', 'G')
#define OP_ERR OP('-', 'E', 'R', 'R')
#define NATS_F_CONNECT 0x01 /* CONNECT and PING are out */

static int nats_open(const struct session_config *cfg, struct session *s, uint64_t id,
		     struct session_out *out)
{
	(void)cfg;
	(void)s;
	(void)id;
	(void)out;
	return 0; /* the server speaks first */
}

/* A JSON string of n bytes, quoted, with " and \ escaped. */
static int json_string(struct session_out *o, const char *s, size_t n)
{
	int ret = out_put(o, "\"", 1);

	for (size_t i = 0; i < n && !ret; i++) {
		if (s[i] == '"' || s[i] == '\\')
			ret = out_put(o, "\\", 1);
		if (!ret)
			ret = out_put(o, s + i, 1);
	}
	return ret ? ret : out_put(o, "\"", 1);
}

static int send_connect(const struct session_config *cfg, struct session_out *o)
{
	const char *user, *pass;
	size_t ulen, plen;
	int ret = out_str(o, "CONNECT {\"verbose\":false,\"pedantic\":false,\"name\":\"holdconn\","
			     "\"lang\":\"c\",\"version\":\"0\",\"protocol\":1");

	if (!ret && cfg->auth) {
		auth_split(cfg->auth, &user, &ulen, &pass, &plen);
		if (user) {
			ret = out_str(o, ",\"user\":");
			ret = ret ? ret : json_string(o, user, ulen);
			ret = ret ? ret : out_str(o, ",\"pass\":");
		} else {
			ret = out_str(o, ",\"auth_token\":");
		}
		ret = ret ? ret : json_string(o, pass, plen);
	}
	return ret ? ret : out_str(o, "}\r\nPING\r\n");
}

/* A whole line is in: acc holds its first four bytes. */
static int line_end(const struct session_config *cfg, struct session *s, struct session_out *out)
{
	uint32_t op = s->acc;

	s->acc = s->pos = 0;
	if (op == OP_INFO && !(s->flags & NATS_F_CONNECT)) {
		s->flags |= NATS_F_CONNECT;
		return send_connect(cfg, out);
	}
	if (op == OP_PING) {
		out->answered++;
		return out_str(out, "PONG\r\n");
	}
	if (op == OP_PONG && s->state == SESSION_OPENING && (s->flags & NATS_F_CONNECT))
		s->state = SESSION_ESTABLISHED;
	else if (op == OP_PONG)
		out->acked++;
	if (op == OP_ERR)
		session_fail(s, WHY_ERROR);
	return 0;
}

static int nats_input(const struct session_config *cfg, struct session *s, uint64_t id,
		      const char *in, size_t n, struct session_out *out)
{
	int ret = 0;

	(void)id;
	for (size_t i = 0; i < n && !ret && !session_over(s); i++) {
		char c = in[i];

		if (c == '\n') {
			ret = line_end(cfg, s, out);
		} else if (s->pos < 4 && c != '\r' && c != ' ' && c != '\t') {
			s->acc = s->acc << 8 | (unsigned char)(c >= 'a' && c <= 'z' ? c - 32 : c);
			s->pos++;
		} else {
			s->pos = 4; /* past the op: the rest of the line does not matter */
		}
	}
	return ret;
}

static int nats_beat(const struct session_config *cfg, struct session *s, uint64_t id,
		     struct session_out *out)
{
	(void)cfg;
	(void)s;
	(void)id;
	return out_str(out, "PING\r\n");
}

const struct proto_ops proto_nats = {
	.open = nats_open,
	.input = nats_input,
	.beat = nats_beat,
};
