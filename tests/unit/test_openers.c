/*
 * test_openers.c - each protocol's session against the real server it was
 * written for, each started by its wrapper in bench/servers (its own config
 * in a temp dir, loopback only) and stopped at the end. The test is the I/O:
 * one blocking socket and poll, the sessions table doing the rest, as a
 * holder's flow will once wired (the integration tests then drive holdconn).
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "session/sessions.h"

#define READ_MAX 16384

static pid_t server_pid;
static int fd = -1;
static struct sessions sess;
static struct session rec;
static struct tls_conn *conn;
static struct tls_ctx *ctx;

static int fd_send(void *arg, uint32_t id, const char *buf, size_t len)
{
	(void)arg;
	(void)id;
	return write(fd, buf, len) == (ssize_t)len ? 0 : -EIO;
}

static void need(const char *bin)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null", bin);
	if (system(cmd) != 0)
		cr_skip_test("%s is not installed (tools/deps.sh installs it)", bin);
}

static uint16_t free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert(bind(s, (struct sockaddr *)&a, sizeof(a)) == 0);
	cr_assert(getsockname(s, (struct sockaddr *)&a, &alen) == 0);
	close(s);
	return ntohs(a.sin_port);
}

/* Starts `script PORT args...` from bench/servers in a process group of its own; connects. */
static void start(const char *script, const char *args)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char path[4096], cmd[4400];
	uint16_t port = free_port();

	cr_assert_not_null(realpath(script, path), "%s: run from the checkout", script);
	snprintf(cmd, sizeof(cmd), "exec %s %s %u %s >/dev/null 2>&1",
		 strstr(script, ".py") ? "" : "sh", path, port, args);
	server_pid = fork();
	cr_assert_geq(server_pid, 0);
	if (!server_pid) {
		setpgid(0, 0);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	a.sin_port = htons(port);
	for (int i = 0; i < 200; i++) { /* up to 10 s: a certificate is made first */
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
			return;
		close(fd);
		fd = -1;
		usleep(50000);
	}
	cr_assert_fail("%s did not listen on %u within 10 s", script, port);
}

static void stop(void)
{
	if (sess.out) {
		sessions_end(&sess, 0);
		sessions_free(&sess);
	}
	tls_ctx_free(ctx);
	ctx = NULL;
	if (fd >= 0)
		close(fd);
	fd = -1;
	if (server_pid > 0) {
		kill(-server_pid, SIGTERM);
		waitpid(server_pid, NULL, 0);
	}
	server_pid = 0;
}

TestSuite(openers, .fini = stop, .timeout = 30);

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reads for up to secs or until done() says so; the last event that was not NONE. */
static enum sessions_event run(struct sessions *t, double secs, bool (*done)(struct sessions *))
{
	enum sessions_event last = SESSIONS_NONE;
	double end = now() + secs;
	char buf[READ_MAX];

	while (now() < end && !(done && done(t))) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 50) <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return SESSIONS_CLOSED;
		enum sessions_event ev = sessions_read(t, 0, buf, n);
		if (ev != SESSIONS_NONE)
			last = ev;
		if (ev == SESSIONS_REFUSED || ev == SESSIONS_CLOSED)
			break;
	}
	return last;
}

static bool established(struct sessions *t)
{
	return sessions_established(t, 0);
}

static bool answered(struct sessions *t)
{
	return t->st.answered > 0;
}

static bool acked(struct sessions *t)
{
	return t->st.acked > 0;
}

/* Opens the session on the connection made; tls: a client that trusts anything. */
static struct sessions *open_session(const struct session_config *cfg, bool tls)
{
	struct sessions *t = &sess;
	struct tls_options o = { .insecure = true, .sni = "localhost" };
	char err[256];

	memset(&rec, 0, sizeof(rec));
	conn = NULL;
	ctx = NULL;
	if (tls)
		cr_assert_eq(tls_ctx_new(&ctx, &o, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(sessions_init(t, cfg, ctx, 1, &rec, &conn, READ_MAX), 0);
	t->send = fd_send;
	cr_assert_neq(sessions_start(t, 0), SESSIONS_CLOSED);
	return t;
}

static void expect_held(const char *script, const char *args, const struct session_config *cfg,
			bool tls)
{
	struct sessions *t;

	start(script, args);
	t = open_session(cfg, tls);
	cr_assert_eq(run(t, 5, established), SESSIONS_ESTABLISHED, "%s %s: %s [%.*s]", script,
		     args, t->refusal, (int)t->reply_len, t->reply);
	cr_assert_eq(sessions_beat(t, 0), 0);
	if (session_period_us(cfg))
		cr_expect_neq(run(t, 5, acked), SESSIONS_CLOSED);
	if (session_period_us(cfg))
		cr_expect_eq(t->st.acked, 1, "the server answered our keepalive");
}

static const struct session_config mqtt = { .proto = PROTO_MQTT, .keepalive_s = 30 };
static const struct session_config nats = { .proto = PROTO_NATS };
static const struct session_config resp = { .proto = PROTO_RESP, .every_us = 1000000 };
static const struct session_config http = { .proto = PROTO_HTTP, .host = "localhost" };
static const struct session_config ws = { .proto = PROTO_WEBSOCKET, .host = "localhost",
					   .every_us = 1000000 };

Test(openers, mqtt_is_connacked_by_mosquitto_and_pings)
{
	need("mosquitto");
	expect_held("bench/servers/mosquitto.sh", "", &mqtt, false);
}

Test(openers, mqtt_over_tls_is_connacked_by_mosquitto)
{
	need("mosquitto");
	expect_held("bench/servers/mosquitto.sh", "--tls", &mqtt, true);
}

Test(openers, nats_answers_nats_servers_pings)
{
	struct sessions *t;

	need("nats-server");
	start("bench/servers/nats.sh", "1s");
	t = open_session(&nats, false);
	cr_assert_eq(run(t, 5, established), SESSIONS_ESTABLISHED, "%s", t->refusal);
	run(t, 5, answered);
	cr_expect_geq(t->st.answered, 1, "a PING within 1 s, answered");
	cr_expect(sessions_established(t, 0), "still held after the server's ping");
}

Test(openers, resp_hello_is_answered_by_redis)
{
	need("redis-server");
	expect_held("bench/servers/redis.sh", "", &resp, false);
}

Test(openers, resp_over_tls_is_answered_by_redis)
{
	need("redis-server");
	expect_held("bench/servers/redis.sh", "--tls", &resp, true);
}

Test(openers, resp_is_refused_by_redis_with_requirepass_and_shows_the_reply)
{
	struct sessions *t;

	need("redis-server");
	start("bench/servers/redis.sh", "--auth s3cret");
	t = open_session(&resp, false);
	cr_assert_eq(run(t, 5, NULL), SESSIONS_REFUSED);
	cr_expect_str_eq(t->refusal, "the server replied with an error");
	cr_expect(t->reply_len > 7 && memcmp(t->reply, "-NOAUTH", 7) == 0, "%.*s",
		  (int)t->reply_len, t->reply);
}

Test(openers, resp_with_auth_is_answered_by_redis_with_requirepass)
{
	struct session_config c = resp;

	need("redis-server");
	c.auth = "s3cret";
	expect_held("bench/servers/redis.sh", "--auth s3cret", &c, false);
}

Test(openers, http_gets_nginxs_response_and_https_too)
{
	need("nginx");
	expect_held("bench/servers/nginx.sh", "", &http, false);
	stop();
	expect_held("bench/servers/nginx.sh", "--tls", &http, true);
}

Test(openers, http_over_tls_is_answered_by_haproxy_terminating_tls)
{
	need("haproxy");
	expect_held("bench/servers/haproxy.sh", "--tls", &http, true);
}

Test(openers, websocket_upgrades_and_answers_the_python_servers_pings)
{
	struct sessions *t;

	if (system("/usr/bin/python3 -c 'import websockets' 2>/dev/null") != 0)
		cr_skip_test("python3-websockets is not installed (tools/deps.sh installs it)");
	start("bench/servers/websocket.py", "0.5");
	t = open_session(&ws, false);
	cr_assert_eq(run(t, 5, established), SESSIONS_ESTABLISHED, "%s [%.*s]", t->refusal,
		     (int)t->reply_len, t->reply);
	cr_assert_eq(sessions_beat(t, 0), 0);
	run(t, 5, answered);
	cr_expect_geq(t->st.answered, 1, "a ping within 0.5 s, ponged");
	cr_expect_eq(t->st.acked, 1, "our masked ping, ponged");
	cr_expect_neq(run(t, 1.2, NULL), SESSIONS_CLOSED, "held past its ping timeout");
}
