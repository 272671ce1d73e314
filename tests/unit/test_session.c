/* test_session.c - each protocol's opening, answers and keepalive, byte for byte. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "session/proto.h"
#include "session/session.h"

static char buf[8192];
static struct session_out out;
static struct session s;

static void reset_out(void)
{
	memset(&out, 0, sizeof(out));
	out.buf = buf;
	out.cap = sizeof(buf);
}

static void open_as(const struct session_config *cfg, uint64_t id)
{
	reset_out();
	cr_assert_eq(session_open(cfg, &s, id, &out), 0);
}

/* Feeds text whole (step 0) or step bytes at a time; the answers pile up in out. */
static void feed(const struct session_config *cfg, uint64_t id, const char *in, size_t n,
		 size_t step)
{
	reset_out();
	if (!step)
		step = n;
	for (size_t i = 0; i < n; i += step)
		cr_assert_eq(session_input(cfg, &s, id, in + i, n - i < step ? n - i : step, &out),
			     0);
}
#define FEED(cfg, id, lit, step) feed(cfg, id, lit, sizeof(lit) - 1, step)

static void expect_out(const char *bytes, size_t n)
{
	cr_assert_eq(out.len, n, "sent %zu bytes, expected %zu", out.len, n);
	cr_assert(memcmp(out.buf, bytes, n) == 0);
}
#define EXPECT_OUT(lit) expect_out(lit, sizeof(lit) - 1)

static const char *why(void)
{
	static char text[128];

	return session_why(&s, text, sizeof(text));
}

Test(session, the_record_is_12_bytes_and_names_parse_back)
{
	enum proto p;

	cr_expect_eq(sizeof(struct session), 12);
	for (int i = 0; i < PROTO_COUNT; i++) {
		cr_assert_eq(parse_proto(proto_name(i), &p), 0);
		cr_expect_eq((int)p, i);
	}
	cr_expect_eq(parse_proto("smtp", &p), -EINVAL);
}

/* http */
static const struct session_config http = { .proto = PROTO_HTTP, .host = "127.0.0.1:8080" };

Test(session, http_opens_with_one_keep_alive_get)
{
	open_as(&http, 0);
	EXPECT_OUT("GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: holdconn\r\n"
		   "Connection: keep-alive\r\n\r\n");
	cr_expect_eq(s.state, SESSION_OPENING);
	cr_expect_eq(session_period_us(&http), 0);
}

Test(session, http_is_established_once_the_whole_body_is_read)
{
	static const char r[] = "HTTP/1.1 200 OK\r\nServer: x\r\nContent-Length: 5\r\n\r\nhello";

	for (size_t step = 0; step < 3; step++) {
		open_as(&http, 0);
		feed(&http, 0, r, sizeof(r) - 2, step);
		cr_expect_eq(s.state, SESSION_OPENING, "one body byte short (step %zu)", step);
		feed(&http, 0, r + sizeof(r) - 2, 1, 0);
		cr_expect_eq(s.state, SESSION_ESTABLISHED, "step %zu", step);
		cr_expect_eq(out.len, 0);
	}
}

Test(session, http_reads_a_chunked_body_to_its_last_chunk)
{
	static const char r[] = "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, CHUNKED\r\n\r\n"
				"5;x=y\r\nhello\r\nA\r\n0123456789\r\n0\r\nT: 1\r\n\r\n";

	open_as(&http, 0);
	feed(&http, 0, r, sizeof(r) - 3, 1);
	cr_expect_eq(s.state, SESSION_OPENING);
	feed(&http, 0, r + sizeof(r) - 3, 2, 1);
	cr_expect_eq(s.state, SESSION_ESTABLISHED);
}

Test(session, http_skips_100_continue_and_takes_204_without_a_body)
{
	open_as(&http, 0);
	FEED(&http, 0, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", 0);
	cr_expect_eq(s.state, SESSION_ESTABLISHED);
}

Test(session, http_4xx_refuses_and_says_its_status)
{
	open_as(&http, 0);
	FEED(&http, 0, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", 0);
	cr_expect_eq(s.state, SESSION_REFUSED);
	cr_expect_str_eq(why(), "HTTP status 403");
}

Test(session, http_garbage_is_malformed)
{
	open_as(&http, 0);
	FEED(&http, 0, "SSH-2.0-OpenSSH\r\n", 0);
	cr_expect_eq(s.state, SESSION_REFUSED);
	cr_expect_eq(s.phase, WHY_MALFORMED);
}

Test(session, http_eof_after_established_is_closed)
{
	open_as(&http, 0);
	FEED(&http, 0, "HTTP/1.0 200 OK\r\n\r\n", 0);
	cr_expect_eq(s.state, SESSION_ESTABLISHED);
	session_eof(&s);
	cr_expect_eq(s.state, SESSION_CLOSED);
	cr_expect_str_eq(why(), "the connection ended");
}

Test(session, http_keeps_when_it_went_idle_in_the_freed_record)
{
	open_as(&http, 0);
	session_idle_start(&http, &s, 1000);
	cr_expect_eq(session_idle_ms(&s, 3000), -1, "opening: not idle yet");
	FEED(&http, 0, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0);
	session_idle_start(&http, &s, 1000);
	cr_expect_eq(session_idle_ms(&s, 3000), 2000);
	cr_expect_eq(s.state, SESSION_ESTABLISHED);
	/* A clock of 32 bits of milliseconds wraps every ~49 days: the difference does not. */
	session_idle_start(&http, &s, UINT32_MAX - 499);
	cr_expect_eq(session_idle_ms(&s, 1500), 2000);
	session_eof(&s);
	cr_expect_eq(session_idle_ms(&s, 1500), -1, "closed: no longer idle");
}

Test(session, only_http_keeps_an_idle_start)
{
	static const struct session_config hello = { .proto = PROTO_HELLO, .hello = "x",
						      .hello_len = 1 };

	open_as(&hello, 0);
	cr_expect_eq(s.state, SESSION_ESTABLISHED);
	session_idle_start(&hello, &s, 1000);
	cr_expect_eq(session_idle_ms(&s, 3000), -1);
}

/* websocket */
static const struct session_config ws = { .proto = PROTO_WEBSOCKET, .host = "h", .path = "/ws",
					  .every_us = 20000000 };

Test(session, websocket_accept_is_rfc_6455s_example)
{
	char accept[29];

	ws_accept_for("dGhlIHNhbXBsZSBub25jZQ==", accept);
	cr_expect_str_eq(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

/* The 101 a server sends connection id's key. */
static size_t upgrade_reply(uint64_t id, char *r, size_t cap)
{
	char key[25], accept[29];

	ws_key(id, key);
	ws_accept_for(key, accept);
	return snprintf(r, cap,
			"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
			"Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
			accept);
}

static void ws_established(uint64_t id)
{
	char r[256];
	size_t n;

	open_as(&ws, id);
	n = upgrade_reply(id, r, sizeof(r));
	feed(&ws, id, r, n, 1);
	cr_assert_eq(s.state, SESSION_ESTABLISHED);
}

Test(session, websocket_opens_with_the_upgrade_and_a_per_connection_key)
{
	char key[25], other[25], want[512];

	ws_key(1, key);
	ws_key(2, other);
	cr_expect_eq(strlen(key), 24);
	cr_expect_str_neq(key, other);
	open_as(&ws, 1);
	snprintf(want, sizeof(want),
		 "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		 "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nUser-Agent: holdconn\r\n\r\n",
		 key);
	expect_out(want, strlen(want));
}

Test(session, websocket_is_established_by_a_101_with_the_keys_accept)
{
	ws_established(1);
}

Test(session, websocket_refuses_another_keys_accept)
{
	char r[256];
	size_t n = upgrade_reply(2, r, sizeof(r));

	open_as(&ws, 1);
	feed(&ws, 1, r, n, 0);
	cr_expect_eq(s.state, SESSION_REFUSED);
	cr_expect_str_eq(why(), "Sec-WebSocket-Accept missing or not the key's");
}

Test(session, websocket_refuses_a_4xx_instead_of_101)
{
	open_as(&ws, 1);
	FEED(&ws, 1, "HTTP/1.1 426 Upgrade Required\r\nContent-Length: 0\r\n\r\n", 0);
	cr_expect_eq(s.state, SESSION_REFUSED);
	cr_expect_str_eq(why(), "HTTP status 426");
}

Test(session, websocket_answers_a_ping_with_a_masked_pong_even_split)
{
	unsigned char mask[4], want[10] = { 0x8a, 0x84 };
	char ping[] = "\x89\x04" "abcd";

	ws_established(5);
	FEED(&ws, 5, "\x89\x00", 0); /* an empty ping: a pong with only the mask */
	cr_assert_eq(out.len, 6);
	memcpy(mask, out.buf + 2, 4);
	cr_expect_eq(out.answered, 1);
	memcpy(want + 2, mask, 4);
	for (int i = 0; i < 4; i++)
		want[6 + i] = "abcd"[i] ^ mask[i];
	for (size_t step = 0; step < 4; step++) {
		feed(&ws, 5, ping, 6, step);
		expect_out((char *)want, sizeof(want));
		cr_expect_eq(out.answered, 1);
	}
}

Test(session, websocket_skips_data_frames_and_counts_pongs)
{
	char frames[4 + 300 + 2];

	ws_established(5);
	memcpy(frames, "\x82\x7e\x01\x2c", 4); /* binary, 16-bit length 300 */
	memset(frames + 4, 'x', 300);
	memcpy(frames + 304, "\x8a\x00", 2); /* a pong */
	feed(&ws, 5, frames, sizeof(frames), 7);
	cr_expect_eq(out.len, 0);
	cr_expect_eq(out.acked, 1);
	cr_expect_eq(s.state, SESSION_ESTABLISHED);
}

Test(session, websocket_beats_masked_pings_but_not_inside_a_pong)
{
	unsigned char want[6] = { 0x89, 0x80 };

	ws_established(5);
	FEED(&ws, 5, "\x89\x00", 0);
	memcpy(want + 2, out.buf + 2, 4);
	reset_out();
	cr_assert_eq(session_beat(&ws, &s, 5, &out), 0);
	expect_out((char *)want, 6);
	FEED(&ws, 5, "\x89\x04" "ab", 0); /* half a ping: half a pong is out */
	reset_out();
	cr_expect_eq(session_beat(&ws, &s, 5, &out), -EAGAIN);
	cr_expect_eq(session_period_us(&ws), 20000000);
}

Test(session, websocket_answers_a_close_and_is_closed)
{
	ws_established(5);
	FEED(&ws, 5, "\x88\x02\x03\xe8", 0);
	cr_expect_eq(s.state, SESSION_CLOSED);
	cr_expect_str_eq(why(), "the server closed the session");
	cr_expect_eq(out.len, 6);
	cr_expect_eq((unsigned char)out.buf[0], 0x88);
}

Test(session, websocket_masked_server_frame_is_malformed)
{
	ws_established(5);
	FEED(&ws, 5, "\x81\x81\x00\x00\x00\x00x", 0);
	cr_expect_eq(s.state, SESSION_CLOSED);
	cr_expect_eq(s.phase, WHY_MALFORMED);
}

/* mqtt */
static const struct session_config mqtt = { .proto = PROTO_MQTT, .keepalive_s = 30 };

Test(session, mqtt_connects_with_a_clean_session_and_its_keep_alive)
{
	open_as(&mqtt, 7);
	EXPECT_OUT("\x10\x16\x00\x04MQTT\x04\x02\x00\x1e\x00\x0aholdconn-7");
	cr_expect_eq(session_period_us(&mqtt), 30000000);
}

Test(session, mqtt_sends_user_and_password_from_auth)
{
	struct session_config c = { .proto = PROTO_MQTT, .auth = "u:pw", .client_prefix = "c" };

	open_as(&c, 12);
	EXPECT_OUT("\x10\x16\x00\x04MQTT\x04\xc2\x00\x3c\x00\x03" "c12\x00\x01u\x00\x02pw");
}

Test(session, mqtt_is_established_by_connack_0_even_split)
{
	for (size_t step = 0; step < 2; step++) {
		open_as(&mqtt, 7);
		FEED(&mqtt, 7, "\x20\x02\x00\x00", step);
		cr_expect_eq(s.state, SESSION_ESTABLISHED);
	}
}

Test(session, mqtt_connack_code_refuses_and_is_named)
{
	open_as(&mqtt, 7);
	FEED(&mqtt, 7, "\x20\x02\x00\x05", 0);
	cr_expect_eq(s.state, SESSION_REFUSED);
	cr_expect_str_eq(why(), "CONNACK code 5: not authorized");
}

Test(session, mqtt_pingreq_beats_and_pingresp_is_counted)
{
	open_as(&mqtt, 7);
	FEED(&mqtt, 7, "\x20\x02\x00\x00", 0);
	reset_out();
	cr_assert_eq(session_beat(&mqtt, &s, 7, &out), 0);
	EXPECT_OUT("\xc0\x00");
	FEED(&mqtt, 7, "\x30\x83\x01" "xyz", 0); /* not a PUBLISH of 131 bytes, only 3 of it */
	cr_expect_eq(s.state, SESSION_ESTABLISHED);
	reset_out();
	{
		char rest[128 + 2];

		memset(rest, 'p', 128);
		memcpy(rest + 128, "\xd0\x00", 2);
		feed(&mqtt, 7, rest, sizeof(rest), 0);
	}
	cr_expect_eq(out.acked, 1);
}

Test(session, mqtt_anything_but_connack_first_is_malformed)
{
	open_as(&mqtt, 7);
	FEED(&mqtt, 7, "\xd0\x00", 0);
	cr_expect_eq(s.state, SESSION_REFUSED);
	cr_expect_eq(s.phase, WHY_MALFORMED);
}

/* nats */
static const struct session_config nats = { .proto = PROTO_NATS };
#define NATS_CONNECT                                                                              \
	"CONNECT {\"verbose\":false,\"pedantic\":false,\"name\":\"holdconn\",\"lang\":\"c\","   \
	"\"version\":\"0\",\"protocol\":1}\r\nPING\r\n"

Test(session, nats_waits_for_info_then_connects_and_pings)
{
	open_as(&nats, 0);
	cr_expect_eq(out.len, 0);
	FEED(&nats, 0, "INFO {\"server_id\":\"x\",\"max_payload\":1048576}\r\n", 5);
	EXPECT_OUT(NATS_CONNECT);
	cr_expect_eq(s.state, SESSION_OPENING);
	FEED(&nats, 0, "PONG\r\n", 1);
	cr_expect_eq(s.state, SESSION_ESTABLISHED);
	cr_expect_eq(out.len, 0);
}

Test(session, nats_answers_every_ping)
{
	open_as(&nats, 0);
	FEED(&nats, 0, "INFO {}\r\n+OK\r\nPONG\r\nPING\r\n", 0);
	cr_expect_eq(s.state, SESSION_ESTABLISHED);
	EXPECT_OUT(NATS_CONNECT "PONG\r\n");
	FEED(&nats, 0, "PI", 0);
	FEED(&nats, 0, "NG\r\nping\r\n", 0);
	EXPECT_OUT("PONG\r\nPONG\r\n");
	cr_expect_eq(out.answered, 2);
}

Test(session, nats_sends_auth_and_err_refuses)
{
	struct session_config c = { .proto = PROTO_NATS, .auth = "tok\"en" };

	open_as(&c, 0);
	FEED(&c, 0, "INFO {\"auth_required\":true}\r\n", 0);
	cr_expect(strstr(out.buf, ",\"auth_token\":\"tok\\\"en\"}\r\nPING\r\n") != NULL);
	FEED(&c, 0, "-ERR 'Authorization Violation'\r\n", 0);
	cr_expect_eq(s.state, SESSION_REFUSED);
	cr_expect_eq(s.phase, WHY_ERROR);
}

/* resp */
static const struct session_config resp = { .proto = PROTO_RESP, .every_us = 1000000 };
/* Redis 7.0's HELLO 3 reply, whole. */
static const char hello_reply[] = "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n"
				  "7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:3\r\n$4\r\nmode\r\n"
				  "$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\n"
				  "modules\r\n*0\r\n";

Test(session, resp_opens_with_hello_3)
{
	open_as(&resp, 0);
	EXPECT_OUT("*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n");
}

Test(session, resp_opens_with_hello_3_auth_default_user)
{
	struct session_config c = { .proto = PROTO_RESP, .auth = "s3cret" };

	open_as(&c, 0);
	EXPECT_OUT("*5\r\n$5\r\nHELLO\r\n$1\r\n3\r\n$4\r\nAUTH\r\n$7\r\ndefault\r\n$6\r\ns3cret\r\n");
}

Test(session, resp_is_established_only_once_the_whole_reply_is_in)
{
	for (size_t step = 0; step < 3; step++) {
		open_as(&resp, 0);
		feed(&resp, 0, hello_reply, sizeof(hello_reply) - 2, step);
		cr_expect_eq(s.state, SESSION_OPENING, "step %zu", step);
		feed(&resp, 0, hello_reply + sizeof(hello_reply) - 2, 1, 0);
		cr_expect_eq(s.state, SESSION_ESTABLISHED, "step %zu", step);
	}
}

Test(session, resp_error_reply_refuses)
{
	open_as(&resp, 0);
	FEED(&resp, 0, "-NOAUTH HELLO must be called with the client already authenticated\r\n", 0);
	cr_expect_eq(s.state, SESSION_REFUSED);
	cr_expect_eq(s.phase, WHY_ERROR);
}

Test(session, resp_pings_and_counts_pongs_and_nulls)
{
	open_as(&resp, 0);
	FEED(&resp, 0, "|1\r\n+a\r\n+b\r\n*2\r\n$-1\r\n_\r\n", 0); /* attribute, then the reply */
	cr_expect_eq(s.state, SESSION_ESTABLISHED);
	reset_out();
	cr_assert_eq(session_beat(&resp, &s, 0, &out), 0);
	EXPECT_OUT("*1\r\n$4\r\nPING\r\n");
	FEED(&resp, 0, "+PONG\r\n+PONG\r\n", 3);
	cr_expect_eq(out.acked, 2);
}

/* hello / expect */
Test(session, hello_sends_the_file_and_checks_the_reply_start)
{
	struct session_config c = { .proto = PROTO_HELLO, .hello = "HI\n", .hello_len = 3,
				    .expect = "OK ", .expect_len = 3 };

	open_as(&c, 0);
	EXPECT_OUT("HI\n");
	FEED(&c, 0, "OK", 0);
	cr_expect_eq(s.state, SESSION_OPENING);
	FEED(&c, 0, " welcome\r\n", 0);
	cr_expect_eq(s.state, SESSION_ESTABLISHED);
	open_as(&c, 0);
	FEED(&c, 0, "NO", 0);
	cr_expect_eq(s.state, SESSION_REFUSED);
	cr_expect_str_eq(why(), "the reply does not start with --expect");
}

Test(session, hello_without_expect_is_established_once_sent)
{
	struct session_config c = { .proto = PROTO_HELLO, .hello = "x", .hello_len = 1 };

	open_as(&c, 0);
	cr_expect_eq(s.state, SESSION_ESTABLISHED);
	reset_out();
	cr_expect_eq(session_beat(&c, &s, 0, &out), 0);
	cr_expect_eq(out.len, 0);
}
