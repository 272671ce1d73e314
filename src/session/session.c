/* session.c - the protocols' table, what they share, and --hello/--expect (see session.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "session/proto.h"
#include "session/session.h"

int out_put(struct session_out *o, const void *p, size_t n)
{
	if (o->cap - o->len < n)
		return -ENOSPC;
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	return 0;
}

int out_str(struct session_out *o, const char *s)
{
	return out_put(o, s, strlen(s));
}

int out_fmt(struct session_out *o, const char *fmt, ...)
{
	size_t room = o->cap - o->len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		return -ENOSPC;
	o->len += n;
	return 0;
}

bool session_over(const struct session *s)
{
	return s->state == SESSION_REFUSED || s->state == SESSION_CLOSED;
}

void session_end(struct session *s, int st, int why)
{
	s->state = st;
	s->phase = why;
}

void session_fail(struct session *s, int why)
{
	session_end(s, s->state == SESSION_OPENING ? SESSION_REFUSED : SESSION_CLOSED, why);
}

void auth_split(const char *auth, const char **user, size_t *ulen, const char **pass,
		size_t *plen)
{
	const char *colon = auth ? strchr(auth, ':') : NULL;

	*user = NULL;
	*ulen = 0;
	*pass = auth ? auth : "";
	if (colon) {
		*user = auth;
		*ulen = colon - auth;
		*pass = colon + 1;
	}
	*plen = strlen(*pass);
}

/* --hello FILE / --expect TEXT: need counts the bytes of expect matched. */
static int hello_open(const struct session_config *cfg, struct session *s, uint64_t id,
		      struct session_out *out)
{
	(void)id;
	if (!cfg->expect_len)
		s->state = SESSION_ESTABLISHED;
	return out_put(out, cfg->hello, cfg->hello_len);
}

static int hello_input(const struct session_config *cfg, struct session *s, uint64_t id,
		       const char *in, size_t n, struct session_out *out)
{
	(void)id;
	(void)out;
	for (size_t i = 0; i < n && s->state == SESSION_OPENING; i++) {
		if (in[i] != cfg->expect[s->need]) {
			session_fail(s, WHY_EXPECT);
			break;
		}
		if (++s->need == cfg->expect_len)
			s->state = SESSION_ESTABLISHED;
	}
	return 0;
}

static const struct proto_ops proto_hello = {
	.open = hello_open,
	.input = hello_input,
};

static const struct proto_ops *const protos[PROTO_COUNT] = {
	[PROTO_HTTP] = &proto_http,   [PROTO_WEBSOCKET] = &proto_websocket,
	[PROTO_MQTT] = &proto_mqtt,   [PROTO_NATS] = &proto_nats,
	[PROTO_RESP] = &proto_resp,   [PROTO_HELLO] = &proto_hello,
};

static const char *const proto_names[PROTO_COUNT] = {
	[PROTO_NONE] = "none", [PROTO_HTTP] = "http", [PROTO_WEBSOCKET] = "websocket",
	[PROTO_MQTT] = "mqtt", [PROTO_NATS] = "nats", [PROTO_RESP] = "resp",
	[PROTO_HELLO] = "hello",
};

static const struct proto_ops *ops_of(const struct session_config *cfg)
{
	return (unsigned)cfg->proto < PROTO_COUNT ? protos[cfg->proto] : NULL;
}

int session_open(const struct session_config *cfg, struct session *s, uint64_t id,
		 struct session_out *out)
{
	const struct proto_ops *ops = ops_of(cfg);

	memset(s, 0, sizeof(*s));
	if (!ops) {
		s->state = SESSION_ESTABLISHED;
		return 0;
	}
	return ops->open(cfg, s, id, out);
}

int session_input(const struct session_config *cfg, struct session *s, uint64_t id,
		  const char *in, size_t n, struct session_out *out)
{
	const struct proto_ops *ops = ops_of(cfg);

	if (!ops || session_over(s))
		return 0;
	return ops->input(cfg, s, id, in, n, out);
}

int session_beat(const struct session_config *cfg, struct session *s, uint64_t id,
		 struct session_out *out)
{
	const struct proto_ops *ops = ops_of(cfg);

	if (s->state != SESSION_ESTABLISHED)
		return -EAGAIN;
	if (!ops || !ops->beat)
		return 0;
	return ops->beat(cfg, s, id, out);
}

uint64_t session_period_us(const struct session_config *cfg)
{
	const struct proto_ops *ops = ops_of(cfg);

	if (!ops || !ops->beat)
		return 0;
	if (cfg->proto == PROTO_MQTT && !cfg->every_us)
		return (uint64_t)(cfg->keepalive_s ? cfg->keepalive_s : SESSION_MQTT_KEEPALIVE_S) *
		       1000000;
	return cfg->every_us;
}

void session_eof(struct session *s)
{
	if (!session_over(s))
		session_fail(s, WHY_EOF);
}

void session_idle_start(const struct session_config *cfg, struct session *s, uint32_t now_ms)
{
	if (cfg->proto != PROTO_HTTP || s->state != SESSION_ESTABLISHED)
		return;
	s->need = now_ms;
	s->flags |= SESSION_F_IDLE;
}

int64_t session_idle_ms(const struct session *s, uint32_t now_ms)
{
	if (s->state != SESSION_ESTABLISHED || !(s->flags & SESSION_F_IDLE))
		return -1;
	return (uint32_t)(now_ms - s->need);
}

static const char *connack_text(uint32_t rc)
{
	static const char *const text[] = {
		"accepted", "unacceptable protocol version", "identifier rejected",
		"server unavailable", "bad user name or password", "not authorized",
	};
	return rc < sizeof(text) / sizeof(text[0]) ? text[rc] : "unknown";
}

const char *session_why(const struct session *s, char *buf, size_t len)
{
	if (!session_over(s)) {
		snprintf(buf, len, "%s", s->state == SESSION_OPENING ? "opening" : "established");
		return buf;
	}
	switch (s->phase) {
	case WHY_STATUS:
		snprintf(buf, len, "HTTP status %u", s->acc);
		break;
	case WHY_ACCEPT:
		snprintf(buf, len, "Sec-WebSocket-Accept missing or not the key's");
		break;
	case WHY_CONNACK:
		snprintf(buf, len, "CONNACK code %u: %s", s->acc, connack_text(s->acc));
		break;
	case WHY_ERROR:
		snprintf(buf, len, "the server replied with an error");
		break;
	case WHY_EXPECT:
		snprintf(buf, len, "the reply does not start with --expect");
		break;
	case WHY_MALFORMED:
		snprintf(buf, len, "the server's bytes break the protocol");
		break;
	case WHY_GOODBYE:
		snprintf(buf, len, "the server closed the session");
		break;
	default:
		snprintf(buf, len, "the connection ended");
	}
	return buf;
}

const char *proto_name(enum proto p)
{
	return (unsigned)p < PROTO_COUNT ? proto_names[p] : "?";
}

int parse_proto(const char *s, enum proto *out)
{
	for (unsigned i = 0; s && i < PROTO_COUNT; i++) {
		if (strcmp(s, proto_names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}
