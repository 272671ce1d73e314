/*
 * test_sessions.c - --proto against the real servers, each started by bench
 * --server from its wrapper in bench/servers (its own config in a temp dir,
 * on loopback, stopped by bench), and against holdconn serve: every session
 * established and kept alive past the server's own timeout, and a refusal
 * stopping the run at once with the reason and the server's words.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "proc.h"

static struct proc P;

TestSuite(sessions, .fini = proc_cleanup);

static void need(const char *path, const char *what)
{
	if (access(path, R_OK))
		cr_skip_test("%s is not installed (%s; tools/deps.sh installs it)", path, what);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Runs bench with args (NULL-terminated) and returns its exit code; the
 * summary's JSON line in line, its "sessions" object at *sess.
 */
static int bench(const char *const *args, char *line, size_t len, const char **sess)
{
	int code = run_holdconn(&P, args, 0, 120);

	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, len), "no summary: %s %s",
			   P.out, P.err);
	*sess = strstr(line, "\"sessions\":{");
	cr_assert_not_null(*sess, "no sessions in %s", line);
	return code;
}

static double num(const char *obj, const char *key)
{
	double v = -1;

	cr_assert(json_num(obj, key, &v), "no %s in %s", key, obj);
	return v;
}

/* Every one of n established, none refused or ended, held at the end. */
static void expect_all_held(const char *line, const char *sess, int n)
{
	cr_expect_eq(num(line, "held"), n, "%s", line);
	cr_expect_eq(num(sess, "established"), n, "%s", sess);
	cr_expect_eq(num(sess, "refused"), 0, "%s", sess);
	cr_expect_eq(num(sess, "closed"), 0, "the server ended sessions: %s", sess);
}

/* MQTT: CONNACKed, and PINGREQs within a 2 s keep alive (mosquitto drops a client at 1.5x). */
Test(sessions, mqtt_sessions_outlive_the_brokers_keepalive_check)
{
	static char line[1 << 16];
	const char *sess;
	const char *args[] = { "bench", "--conns", "50", "--hold", "4s", "--json", "--proto", "mqtt",
			       "--keepalive", "2s", "--server", "sh bench/servers/mosquitto.sh {port}",
			       NULL };

	need("/usr/sbin/mosquitto", "mosquitto");
	cr_assert_eq(bench(args, line, sizeof(line), &sess), 0, "%s", P.err);
	expect_all_held(line, sess, 50);
	cr_expect_geq(num(sess, "keepalives_acked"), 50, "a PINGRESP for each PINGREQ: %s", sess);
}

/* NATS pings every 1 s and closes a client that leaves 2 unanswered: each PING gets its PONG. */
Test(sessions, nats_answers_every_server_ping)
{
	static char line[1 << 16];
	const char *sess;
	const char *args[] = { "bench", "--conns", "50", "--hold", "4s", "--json", "--proto", "nats",
			       "--server", "sh bench/servers/nats.sh {port} 1s", NULL };

	need("/usr/sbin/nats-server", "nats-server");
	cr_assert_eq(bench(args, line, sizeof(line), &sess), 0, "%s", P.err);
	expect_all_held(line, sess, 50);
	cr_expect_geq(num(sess, "keepalives_answered"), 100, "PONGs to the server's PINGs: %s", sess);
}

/* WebSocket: upgraded (the accept key checked), pongs to its 1 s pings, our masked pings ponged. */
Test(sessions, websocket_pings_answered_both_ways)
{
	static char line[1 << 16];
	const char *sess;
	const char *args[] = { "bench", "--conns", "50", "--hold", "4s", "--json", "--proto",
			       "websocket", "--every", "1s", "--server",
			       "/usr/bin/python3 bench/servers/websocket.py {port} 1", NULL };

	need("/usr/lib/python3/dist-packages/websockets", "python3-websockets");
	cr_assert_eq(bench(args, line, sizeof(line), &sess), 0, "%s", P.err);
	expect_all_held(line, sess, 50);
	cr_expect_geq(num(sess, "keepalives_answered"), 100, "pongs to the server's pings: %s", sess);
	cr_expect_geq(num(sess, "keepalives_acked"), 100, "the server's pongs to ours: %s", sess);
}

/* RESP: HELLO 3 answered, then PINGs at --every. */
Test(sessions, resp_hello_then_pings)
{
	static char line[1 << 16];
	const char *sess;
	const char *args[] = { "bench", "--conns", "50", "--hold", "3s", "--json", "--proto", "resp",
			       "--every", "1s", "--server", "sh bench/servers/redis.sh {port}", NULL };

	need("/usr/bin/redis-server", "redis");
	cr_assert_eq(bench(args, line, sizeof(line), &sess), 0, "%s", P.err);
	expect_all_held(line, sess, 50);
	cr_expect_geq(num(sess, "keepalives_acked"), 50, "+PONG to PING: %s", sess);
}

/* requirepass: the first -NOAUTH stops the run within seconds, named, the reply shown; no churn. */
Test(sessions, resp_refused_by_requirepass_stops_the_run)
{
	static char line[1 << 16];
	char reason[32], first[256];
	const char *sess;
	const char *args[] = { "bench", "--conns", "200", "--hold", "60s", "--json", "--proto",
			       "resp", "--server", "sh bench/servers/redis.sh {port} --auth sekret",
			       NULL };
	double t0 = now();

	need("/usr/bin/redis-server", "redis");
	cr_assert_eq(bench(args, line, sizeof(line), &sess), 3, "exit 3, short of --conns: %s", P.err);
	cr_expect_lt(now() - t0, 30, "the refusal stops the run, not --hold 60s");
	cr_assert(json_str(line, "stop_reason", reason, sizeof(reason)), "%s", line);
	cr_expect_str_eq(reason, "session");
	cr_assert(json_str(line, "first_bytes", first, sizeof(first)), "%s", line);
	cr_expect(!strncmp(first, "-NOAUTH", 7), "the server's reply: %s", first);
	cr_expect_eq(num(line, "held"), 0, "%s", line);
	cr_expect_geq(num(sess, "refused"), 1, "%s", sess);
	cr_expect_leq(num(line, "failed"), 0, "no reconnecting: %s", line);
}

/* The same server with --auth: held. */
Test(sessions, resp_auth_is_accepted)
{
	static char line[1 << 16];
	const char *sess;
	const char *args[] = { "bench", "--conns", "50", "--json", "--proto", "resp", "--auth",
			       "sekret", "--server", "sh bench/servers/redis.sh {port} --auth sekret",
			       NULL };

	need("/usr/bin/redis-server", "redis");
	cr_assert_eq(bench(args, line, sizeof(line), &sess), 0, "%s", P.err);
	expect_all_held(line, sess, 50);
}

/* HTTP: one GET with keep-alive, nginx's 204 read whole, then idle. */
Test(sessions, http_get_then_idle_keepalive)
{
	static char line[1 << 16];
	const char *sess;
	const char *args[] = { "bench", "--conns", "50", "--hold", "2s", "--json", "--proto", "http",
			       "--http-path", "/idle", "--server", "sh bench/servers/nginx.sh {port}",
			       NULL };

	need("/usr/sbin/nginx", "nginx");
	cr_assert_eq(bench(args, line, sizeof(line), &sess), 0, "%s", P.err);
	expect_all_held(line, sess, 50);
}

/*
 * nginx closes an idle keep-alive after its keepalive_timeout (2 s here):
 * every session ended by the server, and the summary says after how long.
 */
static void expect_idle_closes_at_2s(const char *line, const char *sess, int n)
{
	const char *idle = strstr(sess, "\"idle_close_seconds\":{");

	cr_expect_eq(num(sess, "established"), n, "%s", sess);
	cr_expect_eq(num(sess, "closed"), n, "ended by the server: %s", sess);
	cr_expect_eq(num(sess, "idle_closed"), n, "%s", sess);
	cr_assert_not_null(idle, "%s", sess);
	cr_expect(num(idle, "min") >= 1.9 && num(idle, "max") <= 2.6, "%s", idle);
	cr_expect(num(idle, "median") >= 1.9 && num(idle, "median") <= 2.6, "%s", idle);
	cr_expect_eq(num(line, "peer_closed"), n, "%s", line);
}

Test(sessions, http_says_when_the_server_closes_an_idle_keepalive)
{
	static char line[1 << 16];
	const char *sess;
	const char *args[] = { "bench", "--conns", "50", "--hold", "5s", "--json", "--proto", "http",
			       "--server", "sh bench/servers/nginx.sh {port} --keepalive-timeout 2s",
			       NULL };

	need("/usr/sbin/nginx", "nginx");
	bench(args, line, sizeof(line), &sess);
	expect_idle_closes_at_2s(line, sess, 50);
}

/* The same over TLS (nginx's close_notify) from an epoll generator, and in words. */
Test(sessions, https_idle_close_from_epoll_reads_in_the_human_summary)
{
	static char line[1 << 16];
	char buf[512];
	const char *sess;
	const char *args[] = { "bench", "--conns", "20", "--hold", "5s", "--json", "--proto", "http",
			       "--tls", "--tls-insecure", "--client-mode", "epoll", "--server",
			       "sh bench/servers/nginx.sh {port} --tls --keepalive-timeout 2s", NULL };
	const char *human[] = { "bench", "--conns", "5", "--hold", "4s", "--proto", "http",
				"--server", "sh bench/servers/nginx.sh {port} --keepalive-timeout 2s",
				NULL };

	need("/usr/sbin/nginx", "nginx");
	need("/usr/bin/openssl", "openssl, for the wrapper's certificate");
	bench(args, line, sizeof(line), &sess);
	expect_idle_closes_at_2s(line, sess, 20);
	run_holdconn(&P, human, 0, 120);
	cr_expect_not_null(proc_line(&P, "idle close:    5 idle sessions closed by the server "
				     "after 2.", buf, sizeof(buf)), "%s", P.out);
}

/* A server that answers the upgrade with anything but 101 refuses the session: named, shown. */
Test(sessions, websocket_without_101_is_a_refusal)
{
	static char line[1 << 16];
	char reason[32], first[256];
	const char *sess;
	const char *args[] = { "bench", "--conns", "50", "--json", "--proto", "websocket",
			       "--server", "sh bench/servers/nginx.sh {port}", NULL };

	need("/usr/sbin/nginx", "nginx");
	cr_assert_eq(bench(args, line, sizeof(line), &sess), 3, "%s", P.err);
	cr_assert(json_str(line, "stop_reason", reason, sizeof(reason)), "%s", line);
	cr_expect_str_eq(reason, "session");
	cr_assert(json_str(line, "first_bytes", first, sizeof(first)), "%s", line);
	cr_expect(!strncmp(first, "HTTP/1.1 204", 12), "nginx's answer is shown: %s", first);
	cr_expect_geq(num(sess, "refused"), 1, "%s", sess);
}

/* A file of bytes of one's own, against serve --on-data echo: the reply must start with --expect. */
static void hello_file(char *path, size_t len)
{
	int fd;

	snprintf(path, len, "/tmp/holdconn-hello-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "HELLO holdconn\r\n", 16), 16);
	close(fd);
}

Test(sessions, hello_and_expect_against_serve)
{
	static char line[1 << 16];
	char path[64];
	const char *sess;

	hello_file(path, sizeof(path));
	const char *args[] = { "bench", "--conns", "100", "--json", "--on-data", "echo", "--proto",
			       "hello", "--hello", path, "--expect", "HELLO hold", NULL };
	int code = bench(args, line, sizeof(line), &sess);

	unlink(path);
	cr_assert_eq(code, 0, "%s", P.err);
	expect_all_held(line, sess, 100);
}

Test(sessions, an_expect_mismatch_is_a_refusal)
{
	static char line[1 << 16];
	char path[64], reason[32];
	const char *sess;

	hello_file(path, sizeof(path));
	const char *args[] = { "bench", "--conns", "100", "--json", "--on-data", "echo", "--proto",
			       "hello", "--hello", path, "--expect", "+OK", NULL };
	int code = bench(args, line, sizeof(line), &sess);

	unlink(path);
	cr_assert_eq(code, 3, "%s", P.err);
	cr_assert(json_str(line, "stop_reason", reason, sizeof(reason)), "%s", line);
	cr_expect_str_eq(reason, "session");
	cr_expect_eq(num(line, "held"), 0, "%s", line);
}

/* The human summary says it in words: the stop, the reason, the server's reply. */
Test(sessions, a_refusal_reads_in_the_human_summary)
{
	char buf[512];
	const char *args[] = { "bench", "--conns", "20", "--proto", "resp", "--server",
			       "sh bench/servers/redis.sh {port} --auth sekret", NULL };

	need("/usr/bin/redis-server", "redis");
	cr_assert_eq(run_holdconn(&P, args, 0, 120), 3, "%s", P.err);
	cr_expect_not_null(proc_line(&P, "stop:          session: ", buf, sizeof(buf)), "%s", P.out);
	cr_expect_not_null(proc_line(&P, "server said:   \"-NOAUTH", buf, sizeof(buf)), "%s", P.out);
	cr_expect_not_null(proc_line(&P, "sessions:      resp, 0 established", buf, sizeof(buf)),
			   "%s", P.out);
}
