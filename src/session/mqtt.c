/*
 * mqtt.c - --proto mqtt (MQTT 3.1.1, OASIS standard): CONNECT with a clean
 * session and the keep alive, CONNACK checked, PINGREQ at every beat and
 * PINGRESP counted. Every packet the broker sends is framed by its fixed
 * header (type, remaining length as a varint) and skipped unless it is one
 * of these. The client id is the prefix and the connection's id: a broker
 * drops the older of two connections with one id.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "session/proto.h"
#include "session/session.h"

enum {
	MQ_TYPE = 0, /* the fixed header's first byte */
	MQ_LENGTH,   /* the remaining length, 7 bits a byte (pos: bytes read) */
	MQ_BODY,     /* need bytes */
};
#define MQ_CONNECT 1
#define MQ_CONNACK 2
#define MQ_PINGREQ 12
#define MQ_PINGRESP 13
#define MQ_CLIENT_PREFIX "holdconn-"

static int put_string(struct session_out *o, const char *s, size_t n)
{
	unsigned char len[2] = { n >> 8, n & 0xff };
	int ret = out_put(o, len, 2);

	return ret ? ret : out_put(o, s, n);
}

static int mqtt_open(const struct session_config *cfg, struct session *s, uint64_t id,
		     struct session_out *out)
{
	const char *user, *pass;
	size_t ulen, plen, rest;
	char cid[96];
	int cidlen = snprintf(cid, sizeof(cid), "%s%llu",
			      cfg->client_prefix ? cfg->client_prefix : MQ_CLIENT_PREFIX,
			      (unsigned long long)id);
	uint32_t ka = cfg->keepalive_s ? cfg->keepalive_s : SESSION_MQTT_KEEPALIVE_S;
	unsigned char head[16] = { MQ_CONNECT << 4 }, *p = head + 1;
	unsigned char flags = 0x02; /* clean session */
	int ret;

	(void)s;
	if (cidlen < 0 || (size_t)cidlen >= sizeof(cid) || ka > 0xffff)
		return -EINVAL;
	rest = 10 + 2 + cidlen;
	if (cfg->auth) {
		auth_split(cfg->auth, &user, &ulen, &pass, &plen);
		if (user) {
			flags |= 0x80;
			rest += 2 + ulen;
		}
		flags |= 0x40;
		rest += 2 + plen;
	}
	if (rest > 16383)
		return -ENOSPC;
	*p++ = (rest & 0x7f) | (rest > 127 ? 0x80 : 0);
	if (rest > 127)
		*p++ = rest >> 7;
	memcpy(p, "\0\4MQTT\4", 7);
	p += 7;
	*p++ = flags;
	*p++ = ka >> 8;
	*p++ = ka & 0xff;
	ret = out_put(out, head, p - head);
	if (!ret)
		ret = put_string(out, cid, cidlen);
	if (!ret && (flags & 0x80))
		ret = put_string(out, user, ulen);
	if (!ret && (flags & 0x40))
		ret = put_string(out, pass, plen);
	return ret;
}

/* A whole packet is in: its type in flags, CONNACK's two bytes in acc. */
static void packet_end(struct session *s, struct session_out *out)
{
	unsigned type = s->flags;

	s->phase = MQ_TYPE;
	if (s->state == SESSION_OPENING) {
		if (s->acc & 0xff) {
			s->acc &= 0xff;
			session_fail(s, WHY_CONNACK);
		} else {
			s->state = SESSION_ESTABLISHED;
		}
		return;
	}
	if (type == MQ_PINGRESP)
		out->acked++;
}

static int mqtt_input(const struct session_config *cfg, struct session *s, uint64_t id,
		      const char *in, size_t n, struct session_out *out)
{
	size_t i = 0;

	(void)cfg;
	(void)id;
	while (i < n && !session_over(s)) {
		unsigned char c = in[i];

		if (s->phase == MQ_BODY) {
			size_t k = n - i < s->need ? n - i : s->need;

			for (size_t j = 0; s->flags == MQ_CONNACK && j < k; j++)
				s->acc = s->acc << 8 | (unsigned char)in[i + j];
			s->need -= k;
			i += k;
		} else if (s->phase == MQ_TYPE) {
			s->flags = c >> 4;
			s->need = s->pos = s->acc = 0;
			s->phase = MQ_LENGTH;
			i++;
			continue;
		} else {
			s->need |= (uint32_t)(c & 0x7f) << (7 * s->pos++);
			i++;
			if (c & 0x80) {
				if (s->pos == 4)
					session_fail(s, WHY_MALFORMED);
				continue;
			}
			s->phase = MQ_BODY;
			/* The broker's first packet is a CONNACK of two bytes. */
			if (s->state == SESSION_OPENING && (s->flags != MQ_CONNACK || s->need != 2)) {
				session_fail(s, WHY_MALFORMED);
				break;
			}
		}
		if (!s->need)
			packet_end(s, out);
	}
	return 0;
}

static int mqtt_beat(const struct session_config *cfg, struct session *s, uint64_t id,
		     struct session_out *out)
{
	static const unsigned char pingreq[2] = { MQ_PINGREQ << 4, 0 };

	(void)cfg;
	(void)s;
	(void)id;
	return out_put(out, pingreq, sizeof(pingreq));
}

const struct proto_ops proto_mqtt = {
	.open = mqtt_open,
	.input = mqtt_input,
	.beat = mqtt_beat,
};
