/*
 * websocket.c - --proto websocket (RFC 6455): the upgrade with its
 * Sec-WebSocket-Accept checked, a pong for every ping, masked pings at
 * --every, a close frame answered.
 *
 * The key and the mask are derived from the connection's id, so a
 * connection keeps neither. A pong is streamed: its header goes out as soon
 * as the ping's header is read, then each payload byte as it arrives, masked
 * at its offset (acc - need); so no payload is ever buffered, and a ping
 * split over reads is answered in pieces (no ping of ours may go out in
 * between: session_beat waits, -EAGAIN).
 */
#include <errno.h>
#include <openssl/evp.h>
#include <string.h>
#include "session/proto.h"
#include "session/session.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_KEY_LEN 24 /* base64 of 16 bytes */

enum {
	WS_B0 = HP_DONE + 1, /* FIN and opcode */
	WS_B1,               /* MASK and the 7-bit length */
	WS_EXT,              /* pos more bytes of a 16- or 64-bit length */
	WS_PAYLOAD,          /* need bytes */
};
#define WS_OPCODE 0x0f       /* in flags: the frame's opcode */
#define WS_F_PONGING 0x10    /* its payload is being echoed in a pong */
#define WS_OP_CLOSE 0x8
#define WS_OP_PING 0x9
#define WS_OP_PONG 0xa

static uint64_t mix(uint64_t x)
{
	/* splitmix64's finaliser: ids 0, 1, 2 give unrelated keys */
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* The connection's Sec-WebSocket-Key (WS_KEY_LEN characters and a NUL). */
void ws_key(uint64_t id, char key[WS_KEY_LEN + 1])
{
	uint64_t nonce[2] = { mix(id), mix(~id) };

	EVP_EncodeBlock((unsigned char *)key, (const unsigned char *)nonce, sizeof(nonce));
}

/* The Sec-WebSocket-Accept the server must answer key with (28 characters and a NUL). */
void ws_accept_for(const char *key, char accept[29])
{
	char both[WS_KEY_LEN + sizeof(WS_GUID)];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t klen = strlen(key);

	memcpy(both, key, klen);
	memcpy(both + klen, WS_GUID, sizeof(WS_GUID) - 1);
	EVP_Digest(both, klen + sizeof(WS_GUID) - 1, md, &mdlen, EVP_sha1(), NULL);
	EVP_EncodeBlock((unsigned char *)accept, md, mdlen);
}

static void ws_mask(uint64_t id, unsigned char mask[4])
{
	uint64_t m = mix(id ^ 0x6d61736bull);

	memcpy(mask, &m, 4);
}

static int ws_open(const struct session_config *cfg, struct session *s, uint64_t id,
		   struct session_out *out)
{
	char key[WS_KEY_LEN + 1];

	(void)s;
	ws_key(id, key);
	return out_fmt(out,
		       "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
		       "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
		       "Sec-WebSocket-Version: 13\r\nUser-Agent: holdconn\r\n\r\n",
		       cfg->path ? cfg->path : "/", cfg->host ? cfg->host : "localhost", key);
}

/* A masked frame with no payload: a ping, or a close answering the server's. */
static int empty_frame(struct session_out *out, unsigned opcode, uint64_t id)
{
	unsigned char f[6] = { 0x80 | opcode, 0x80 };

	ws_mask(id, f + 2);
	return out_put(out, f, sizeof(f));
}

static int frame_end(struct session *s, uint64_t id, struct session_out *out)
{
	unsigned op = s->flags & WS_OPCODE;

	s->flags = 0;
	s->phase = WS_B0;
	if (op == WS_OP_PING)
		out->answered++;
	if (op == WS_OP_PONG)
		out->acked++;
	if (op == WS_OP_CLOSE) {
		session_end(s, SESSION_CLOSED, WHY_GOODBYE);
		return empty_frame(out, WS_OP_CLOSE, id);
	}
	return 0;
}

/* The frame's header is in (need: its payload length). */
static int frame_start(struct session *s, uint64_t id, struct session_out *out)
{
	if ((s->flags & WS_OPCODE) == WS_OP_PING) {
		unsigned char h[6] = { 0x80 | WS_OP_PONG, 0x80 | s->need };
		int ret;

		ws_mask(id, h + 2);
		ret = out_put(out, h, sizeof(h));
		if (ret)
			return ret;
		s->flags |= WS_F_PONGING;
		s->acc = s->need;
	}
	s->phase = WS_PAYLOAD;
	return s->need ? 0 : frame_end(s, id, out);
}

/* One byte of a frame header; -EPROTO when it breaks the protocol. */
static int header_byte(struct session *s, unsigned char c, uint64_t id, struct session_out *out)
{
	switch (s->phase) {
	case WS_B0:
		s->flags = c & WS_OPCODE;
		s->phase = WS_B1;
		return 0;
	case WS_B1:
		/* A server never masks; a control frame carries at most 125 bytes. */
		if ((c & 0x80) || ((s->flags & 0x8) && (c & 0x7f) > 125))
			return -EPROTO;
		s->need = c & 0x7f;
		if (s->need < 126)
			return frame_start(s, id, out);
		s->pos = s->need == 126 ? 2 : 8;
		s->need = 0;
		s->phase = WS_EXT;
		return 0;
	default: /* WS_EXT */
		if (s->need > 0x00ffffff) /* a frame of 4 GiB or more: not from an idle server */
			return -EPROTO;
		s->need = s->need << 8 | c;
		return --s->pos ? 0 : frame_start(s, id, out);
	}
}

static int payload(struct session *s, const unsigned char *in, size_t k, uint64_t id,
		   struct session_out *out)
{
	if (s->flags & WS_F_PONGING) {
		unsigned char mask[4];
		uint32_t off = s->acc - s->need;

		if (out->cap - out->len < k)
			return -ENOSPC;
		ws_mask(id, mask);
		for (size_t j = 0; j < k; j++)
			out->buf[out->len++] = in[j] ^ mask[(off + j) & 3];
	}
	s->need -= k;
	return s->need ? 0 : frame_end(s, id, out);
}

static int frames(struct session *s, const unsigned char *in, size_t n, uint64_t id,
		  struct session_out *out)
{
	size_t i = 0;
	int ret = 0;

	while (i < n && s->state == SESSION_ESTABLISHED && !ret) {
		if (s->phase == WS_PAYLOAD) {
			size_t k = n - i < s->need ? n - i : s->need;

			ret = payload(s, in + i, k, id, out);
			i += k;
		} else {
			ret = header_byte(s, in[i++], id, out);
		}
	}
	if (ret == -EPROTO) {
		session_fail(s, WHY_MALFORMED);
		ret = 0;
	}
	return ret;
}

static int ws_input(const struct session_config *cfg, struct session *s, uint64_t id,
		    const char *in, size_t n, struct session_out *out)
{
	size_t i = 0;

	(void)cfg;
	if (s->state == SESSION_OPENING) {
		char key[WS_KEY_LEN + 1], accept[29];

		ws_key(id, key);
		ws_accept_for(key, accept);
		i = http_head(s, in, n, accept);
		if (s->phase != HP_DONE)
			return 0;
		if (s->acc != 101)
			session_fail(s, WHY_STATUS);
		else if (!(s->flags & HTTP_F_ACCEPT_OK))
			session_fail(s, WHY_ACCEPT);
		if (session_over(s))
			return 0;
		s->state = SESSION_ESTABLISHED;
		s->phase = WS_B0;
		s->flags = s->pos = 0;
		s->need = s->acc = 0;
	}
	return frames(s, (const unsigned char *)in + i, n - i, id, out);
}

static int ws_beat(const struct session_config *cfg, struct session *s, uint64_t id,
		   struct session_out *out)
{
	(void)cfg;
	if (s->flags & WS_F_PONGING)
		return -EAGAIN;
	return empty_frame(out, WS_OP_PING, id);
}

const struct proto_ops proto_websocket = {
	.open = ws_open,
	.input = ws_input,
	.beat = ws_beat,
};
