/*
 * test_sessions.c - a holder's sessions end to end in memory: a client
 * table (a protocol, maybe over TLS) and a server table (TLS alone, its
 * plaintext answered by the test as a server would), bytes carried between.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include "session/sessions.h"

#define MAX_READ 4096
#define IDS 4

struct wire {
	char buf[1 << 17];
	size_t len;
};

/* What each side sent, per id: a pipe to the other side. */
static struct wire to_server[IDS], to_client[IDS];
static struct wire server_plain[IDS]; /* what the server side's application read */
static const char *server_reply;      /* what it answers with, once per read */

static struct sessions client, server;
static struct session rec[IDS];
static struct tls_conn *client_tls[IDS], *server_tls[IDS];
static struct tls_ctx *client_ctx, *server_ctx;

static int put(struct wire *w, const char *buf, size_t len)
{
	cr_assert_leq(w->len + len, sizeof(w->buf));
	memcpy(w->buf + w->len, buf, len);
	w->len += len;
	return 0;
}

static int client_send(void *arg, uint32_t id, const char *buf, size_t len)
{
	(void)arg;
	return put(&to_server[id], buf, len);
}

static int server_send(void *arg, uint32_t id, const char *buf, size_t len)
{
	(void)arg;
	return put(&to_client[id], buf, len);
}

static void server_deliver(void *arg, uint32_t id, const char *buf, size_t len)
{
	(void)arg;
	put(&server_plain[id], buf, len);
	if (server_reply)
		cr_assert_eq(sessions_write(&server, id, server_reply, strlen(server_reply)), 0);
}

static void setup(const struct session_config *cfg, bool tls, bool verify)
{
	char err[256];

	memset(to_server, 0, sizeof(to_server));
	memset(to_client, 0, sizeof(to_client));
	memset(server_plain, 0, sizeof(server_plain));
	memset(rec, 0, sizeof(rec));
	memset(client_tls, 0, sizeof(client_tls));
	memset(server_tls, 0, sizeof(server_tls));
	client_ctx = server_ctx = NULL;
	if (tls) {
		struct tls_options co = { .insecure = !verify, .sni = "localhost" };
		struct tls_options so = { .server = true };

		cr_assert_eq(tls_ctx_new(&client_ctx, &co, err, sizeof(err)), 0, "%s", err);
		cr_assert_eq(tls_ctx_new(&server_ctx, &so, err, sizeof(err)), 0, "%s", err);
	}
	cr_assert_eq(sessions_init(&client, cfg, client_ctx, IDS, rec, client_tls, MAX_READ), 0);
	client.send = client_send;
	cr_assert_eq(sessions_init(&server, NULL, server_ctx, IDS, NULL, server_tls, MAX_READ), 0);
	server.send = server_send;
	server.deliver = server_deliver;
}

/* Carries bytes both ways on id in reads of at most MAX_READ; the client's last event. */
static enum sessions_event carry(uint32_t id)
{
	enum sessions_event last = SESSIONS_NONE;
	struct wire w;

	for (int round = 0; round < 20 && (to_server[id].len || to_client[id].len); round++) {
		w = to_server[id];
		to_server[id].len = 0;
		for (size_t i = 0; i < w.len && server_ctx; i += MAX_READ)
			sessions_read(&server, id, w.buf + i, w.len - i < MAX_READ ? w.len - i : MAX_READ);
		if (!server_ctx)
			put(&server_plain[id], w.buf, w.len);
		w = to_client[id];
		to_client[id].len = 0;
		for (size_t i = 0; i < w.len; i += MAX_READ) {
			enum sessions_event ev = sessions_read(
				&client, id, w.buf + i, w.len - i < MAX_READ ? w.len - i : MAX_READ);

			if (ev != SESSIONS_NONE)
				last = ev;
		}
	}
	return last;
}

static const struct session_config resp = { .proto = PROTO_RESP };

Test(sessions, plain_mqtt_opens_answers_and_beats)
{
	static const struct session_config mqtt = { .proto = PROTO_MQTT, .client_prefix = "t" };

	setup(&mqtt, false, false);
	cr_expect(sessions_on(&client));
	cr_assert_eq(sessions_start(&client, 2), SESSIONS_NONE);
	cr_expect_eq(to_server[2].len, 16, "CONNECT for client id t2");
	cr_expect_eq(sessions_read(&client, 2, "\x20\x02\x00\x00", 4), SESSIONS_ESTABLISHED);
	cr_expect(sessions_established(&client, 2));
	to_server[2].len = 0;
	cr_assert_eq(sessions_beat(&client, 2), 0);
	cr_expect_eq(to_server[2].len, 2);
	cr_expect(memcmp(to_server[2].buf, "\xc0\x00", 2) == 0);
	cr_expect_eq(sessions_read(&client, 2, "\xd0\x00", 2), SESSIONS_NONE);
	cr_expect_eq(client.st.acked, 1);
	cr_expect_eq(client.st.established, 1);
}

Test(sessions, resp_over_tls_is_established_after_both_handshakes)
{
	setup(&resp, true, false);
	server_reply = "%1\r\n+server\r\n+holdconn\r\n";
	cr_assert_eq(sessions_start(&client, 1), SESSIONS_NONE);
	cr_assert_eq(sessions_start(&server, 1), SESSIONS_NONE);
	cr_expect_eq(carry(1), SESSIONS_ESTABLISHED);
	cr_expect(sessions_established(&client, 1));
	cr_expect(sessions_established(&server, 1));
	cr_expect_eq(client.st.tls_established, 1);
	cr_expect_eq(server.st.tls_established, 1);
	cr_expect_gt(client.st.tls_handshake_cpu_ns, 0);
	cr_expect_eq(server_plain[1].len, 22, "HELLO 3, decrypted by the server");
	cr_expect(memcmp(server_plain[1].buf, "*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n", 22) == 0);

	server_plain[1].len = 0;
	server_reply = "+PONG\r\n";
	cr_assert_eq(sessions_beat(&client, 1), 0);
	cr_expect_eq(carry(1), SESSIONS_NONE);
	cr_expect_eq(server_plain[1].len, 14);
	cr_expect_eq(client.st.acked, 1);
	sessions_end(&client, 1);
	sessions_end(&server, 1);
	cr_expect_null(client_tls[1]);
	cr_expect(!sessions_established(&client, 1));
}

Test(sessions, a_refusal_over_tls_keeps_the_servers_reply)
{
	setup(&resp, true, false);
	server_reply = "-NOAUTH HELLO must be called with the client already authenticated\r\n";
	sessions_start(&client, 0);
	sessions_start(&server, 0);
	cr_expect_eq(carry(0), SESSIONS_REFUSED);
	cr_expect_str_eq(client.refusal, "the server replied with an error");
	cr_expect(client.reply_len > 7 && memcmp(client.reply, "-NOAUTH", 7) == 0);
	cr_expect_eq(client.st.refused, 1);
}

Test(sessions, a_failed_handshake_refuses_and_says_why)
{
	setup(&resp, true, true); /* verifying a self-signed server against the system store */
	sessions_start(&client, 3);
	sessions_start(&server, 3);
	cr_expect_eq(carry(3), SESSIONS_REFUSED);
	cr_expect(strncmp(client.refusal, "TLS handshake: ", 15) == 0, "%s", client.refusal);
	cr_expect(strstr(client.refusal, "self-signed") != NULL, "%s", client.refusal);
	cr_expect_eq(client.st.tls_failed, 1);
	cr_expect_eq(server.st.tls_established, 0);
}

Test(sessions, tls_alone_is_established_by_its_handshake)
{
	setup(NULL, true, false);
	cr_expect(sessions_on(&client));
	sessions_start(&client, 0);
	sessions_start(&server, 0);
	cr_expect_eq(carry(0), SESSIONS_ESTABLISHED);
	server_reply = NULL;
	cr_assert_eq(sessions_write(&client, 0, "hello", 5), 0);
	carry(0);
	cr_expect_eq(server_plain[0].len, 5);
	cr_expect_eq(server.st.established, 1);
}
