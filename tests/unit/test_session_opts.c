/* test_session_opts.c - --proto, its options and --tls*: what each fills, and each conflict refused. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cmdline.h"
#include "hold/holder.h"
#include "run/configure.h"

#define T "--target", "127.0.0.1:5000", "-c", "10"

Test(session_opts, proto_and_its_options_fill_the_session)
{
	cr_assert_eq(PARSE("connect", T, "--proto", "mqtt", "--keepalive", "30s", "--auth", "u:p"), 0,
		     "%s", err);
	cr_expect_eq(co.session.cfg.proto, PROTO_MQTT);
	cr_expect_eq(co.session.cfg.keepalive_s, 30);
	cr_expect_str_eq(co.session.cfg.auth, "u:p");
	cr_assert_eq(PARSE("connect", T, "--proto", "websocket", "--http-path", "/ws", "--host", "a.b"),
		     0, "%s", err);
	cr_expect_str_eq(co.session.cfg.path, "/ws");
	cr_expect_str_eq(co.session.cfg.host, "a.b");
	cr_assert_eq(PARSE("bench", "--proto", "resp", "--server", "redis-server --port {port}"), 0,
		     "%s", err);
	cr_expect_eq(bo.session.cfg.proto, PROTO_RESP);
	cr_assert_eq(PARSE("connect", T), 0, "%s", err);
	cr_expect_eq(co.session.cfg.proto, PROTO_NONE, "no session unless asked");
}

Test(session_opts, hello_reads_the_file_and_expect_the_text)
{
	char path[] = "/tmp/holdconn-hello-XXXXXX";
	int fd = mkstemp(path);

	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, "PING\r\n", 6), 6);
	close(fd);
	cr_assert_eq(PARSE("connect", T, "--proto", "hello", "--hello", path, "--expect", "+PONG"), 0,
		     "%s", err);
	unlink(path);
	cr_expect_eq(co.session.cfg.hello_len, 6);
	cr_expect_eq(memcmp(co.session.cfg.hello, "PING\r\n", 6), 0);
	cr_expect_eq(co.session.cfg.expect_len, 5);
	cr_expect_str_eq(co.session.cfg.expect, "+PONG");
}

Test(session_opts, an_unknown_protocol_names_those_known)
{
	EXPECT_ERROR("--proto: 'smtp' is not http, websocket, mqtt, nats, resp or hello", "connect", T,
		     "--proto", "smtp");
}

Test(session_opts, a_protocols_option_without_it_is_refused)
{
	EXPECT_ERROR("--auth needs --proto NAME: it is part of a protocol's opening", "connect", T,
		     "--auth", "x");
	EXPECT_ERROR("--keepalive is MQTT's keep alive: give --proto mqtt, or --every for nats's "
		     "keepalive", "connect", T, "--proto", "nats", "--keepalive", "10s");
	EXPECT_ERROR("--http-path is for --proto http or websocket, not resp", "connect", T,
		     "--proto", "resp", "--http-path", "/x");
	EXPECT_ERROR("--expect goes with --proto hello, not --proto http", "connect", T, "--proto",
		     "http", "--expect", "x");
	EXPECT_ERROR("--proto hello needs --hello FILE (what to send) and/or --expect TEXT (what the "
		     "reply must start with)", "connect", T, "--proto", "hello");
}

Test(session_opts, keepalive_is_whole_seconds_mqtt_can_say)
{
	EXPECT_ERROR("--keepalive: '70000s' is not whole seconds from 1s to 65535s (MQTT's keep "
		     "alive): write 30s or 2m", "connect", T, "--proto", "mqtt", "--keepalive", "70000s");
	EXPECT_ERROR("--keepalive: '1500ms' is not whole seconds from 1s to 65535s (MQTT's keep "
		     "alive): write 30s or 2m", "connect", T, "--proto", "mqtt", "--keepalive", "1500ms");
}

Test(session_opts, send_beside_a_protocol_is_refused)
{
	EXPECT_ERROR("--send: with --proto the protocol's keepalive is the traffic (at --every): drop "
		     "--send and --send-once", "connect", T, "--proto", "resp", "--send", "64");
}

Test(session_opts, every_paces_a_protocols_keepalive)
{
	cr_assert_eq(PARSE("connect", T, "--proto", "resp", "--every", "5s"), 0, "%s", err);
	cr_expect_eq(co.holder.traffic.every_us, 5000000);
}

Test(session_opts, a_generator_that_cannot_speak_is_refused)
{
	cr_expect_eq(PARSE("connect", T, "--proto", "resp", "--mode", "threads"), 0,
		     "threads speak sessions since issue 24: %s", err);
	EXPECT_ERROR("--proto: --watch none never reads what the server says: use --watch poll or recv",
		     "connect", T, "--proto", "resp", "--watch", "none");
	EXPECT_ERROR("--tls: --watch diag never reads what the server says: use --watch poll or recv",
		     "connect", T, "--tls", "--tls-insecure", "--watch", "diag");
	cr_expect_eq(PARSE("serve", "--listen", "127.0.0.1:5000", "--tls", "--mode", "threads"), 0,
		     "serve --tls holds TLS in threads mode too (test_opener_tls): %s", err);
	cr_expect_eq(PARSE("connect", T, "--proto", "resp", "--mode", "epoll"), 0, "%s", err);
}

Test(session_opts, bench_own_serve_answers_only_hello)
{
	EXPECT_ERROR("--proto mqtt needs a server that speaks it: give --server (e.g. --server 'sh "
		     "bench/servers/mosquitto.sh {port}'); bench's own serve answers --proto hello "
		     "with --on-data echo", "bench", "--proto", "mqtt");
}

Test(session_opts, tls_options_go_with_tls_and_their_side)
{
	EXPECT_ERROR("--tls-sni needs --tls", "connect", T, "--tls-sni", "x");
	EXPECT_ERROR("--tls-insecure verifies nothing, so --tls-ca would go unused: drop one",
		     "connect", T, "--tls", "--tls-insecure", "--tls-ca", "/x.pem");
	EXPECT_ERROR("--tls-cert needs --tls-key: a certificate and its key go together", "serve",
		     "--listen", "127.0.0.1:5000", "--tls", "--tls-cert", "/c.pem");
	cr_expect_eq(PARSE("compare", "--tls"), 0, "every mode holds TLS (threads too): %s", err);
	cr_assert_eq(PARSE("serve", "--listen", "127.0.0.1:5000", "--tls", "--tls-keep-buffers"), 0,
		     "%s", err);
	cr_expect(so.session.tls);
	cr_expect(so.session.tls_opts.keep_buffers);
	cr_assert_eq(PARSE("connect", T, "--tls", "--tls-sni", "localhost", "--tls-ca", "/c.pem"), 0,
		     "%s", err);
	cr_expect_str_eq(co.session.tls_opts.sni, "localhost");
	cr_expect_str_eq(co.session.tls_opts.ca_file, "/c.pem");
}

/* Each generator's MQTT ids carry its own process and client: no broker takeover between them. */
Test(session_opts, each_generator_has_its_own_client_ids)
{
	struct holder_config a = { 0 }, b = { 0 };
	struct run_session ra, rb;
	char want[32];

	cr_assert_eq(PARSE("bench", "--proto", "mqtt", "--keepalive", "30s", "--server", "x {port}"), 0,
		     "%s", err);
	configure_session(&a, &bo.session, &bo.holder, &ra, 0);
	configure_session(&b, &bo.session, &bo.holder, &rb, 1);
	cr_expect_neq(strcmp(ra.cfg.client_prefix, rb.cfg.client_prefix), 0);
	snprintf(want, sizeof(want), "hc%d.1-", (int)getpid());
	cr_expect_str_eq(rb.cfg.client_prefix, want);
	cr_expect_eq(a.session, &ra.cfg);
	cr_expect_eq(a.traffic.every_us, 30000000, "MQTT pings within its keep alive");
}
