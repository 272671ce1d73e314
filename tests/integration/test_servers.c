/*
 * test_servers.c - connect against servers holdconn did not write: each
 * started by the test on loopback with its own settings and a temp dir,
 * always stopped. What connect must say: why the ramp stopped, how many it
 * holds, and what the server said before it closed.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "proc.h"

static struct proc P;
static pid_t server = -1;
static char tmpdir[64];

static void stop_server(void)
{
	proc_cleanup();
	if (server > 0) {
		kill(server, SIGKILL);
		waitpid(server, NULL, 0);
		server = -1;
	}
	if (tmpdir[0]) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		if (system(cmd)) {
		}
		tmpdir[0] = '\0';
	}
}

TestSuite(servers, .fini = stop_server);

static void need(const char *path)
{
	if (access(path, X_OK))
		cr_skip_test("%s is not installed (tools/deps.sh installs it)", path);
}

/* True once something listens on 127.0.0.1:port (/proc/net/tcp, state 0A): no probe connection. */
static bool listening(int port)
{
	char line[256], want[32];
	FILE *f = fopen("/proc/net/tcp", "r");
	bool found = false;

	if (!f)
		return false;
	snprintf(want, sizeof(want), "0100007F:%04X 00000000:0000 0A", port);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, want) != NULL;
	fclose(f);
	return found;
}

/* Starts argv (the server) in its own temp dir; it dies with the test. */
static void start_server(const char *const *argv, int port)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/holdconn-srv-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
	server = fork();
	cr_assert_geq(server, 0);
	if (!server) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* Only stdio: memcached counts its descriptors against -c. */
		close_range(3, ~0U, 0);
		if (chdir(tmpdir) || !freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
			_exit(127);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 500 && !listening(port); i++)
		usleep(10000);
	cr_assert(listening(port), "%s did not listen on %d", argv[0], port);
}

/* connect --conns N at port; waits for a report at `held`, then SIGINT; the summary line. */
static void connect_and_stop(int port, const char *conns, const char *rate, int held,
			     double within_s, char *line, size_t len)
{
	char target[64], want[64];

	snprintf(target, sizeof(target), "127.0.0.1:%d", port);
	snprintf(want, sizeof(want), "\"connections\":%d,", held);
	const char *args[] = { "connect", "--target", target, "--conns", conns, "--json",
			       "--rate", rate, NULL };

	proc_start(&P, args, 0);
	cr_assert(proc_wait_for(&P, want, within_s), "no report at %d within %.0f s: %s %s", held,
		  within_s, P.out, P.err);
	usleep(200000); /* the ramp's stop and last closes land */
	proc_signal(&P, SIGINT);
	/* Each of these servers stops the ramp short of --conns: 3. */
	cr_assert_eq(proc_finish(&P, 20), held < atoi(conns) ? 3 : 0, "%s", P.err);
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, len), "%s", P.out);
}

static void expect(const char *line, const char *reason, double held, const char *first)
{
	char got[256];
	double v;

	cr_assert(json_str(line, "stop_reason", got, sizeof(got)), "%s", line);
	cr_assert_str_eq(got, reason, "%s", line);
	cr_assert(json_num(line, "held", &v), "%s", line);
	cr_assert_eq(v, held, "%s", line);
	if (first) {
		cr_assert(json_str(line, "first_bytes", got, sizeof(got)), "%s", line);
		cr_assert_str_eq(got, first, "%s", line);
	} else {
		cr_assert(strstr(line, "\"first_bytes\":null"), "%s", line);
	}
}

Test(servers, redis_holds_every_connection_under_its_maxclients, .timeout = 60)
{
	int port = free_port_base(1);
	char portstr[16], line[65536];

	need("/usr/bin/redis-server");
	snprintf(portstr, sizeof(portstr), "%d", port);
	const char *argv[] = { "/usr/bin/redis-server", "--port", portstr, "--bind", "127.0.0.1",
			       "--save", "", "--appendonly", "no", "--protected-mode", "no",
			       "--maxclients", "1000", NULL };

	start_server(argv, port);
	connect_and_stop(port, "500", "0", 500, 20, line, sizeof(line));
	expect(line, "target", 500, NULL);
}

Test(servers, redis_past_maxclients_says_so_and_closes, .timeout = 60)
{
	int port = free_port_base(1);
	char portstr[16], line[65536];
	double v;

	need("/usr/bin/redis-server");
	snprintf(portstr, sizeof(portstr), "%d", port);
	const char *argv[] = { "/usr/bin/redis-server", "--port", portstr, "--bind", "127.0.0.1",
			       "--save", "", "--appendonly", "no", "--protected-mode", "no",
			       "--maxclients", "20", NULL };

	start_server(argv, port);
	connect_and_stop(port, "300", "0", 20, 10, line, sizeof(line));
	/* JSON escapes the backslashes of the one-line form. */
	expect(line, "peer", 20, "-ERR max number of clients reached\\\\r\\\\n");
	cr_assert(json_num(line, "first_bytes_connections", &v));
	cr_assert_geq(v, 100, "every closed connection saw the banner: %s", line);
	cr_assert(json_num(line, "peer_closed", &v));
	cr_assert_geq(v, 100, "%s", line);
}

Test(servers, memcached_past_its_connection_limit_says_so_and_closes, .timeout = 60)
{
	int port = free_port_base(1);
	char portstr[16], line[65536];

	need("/usr/bin/memcached");
	snprintf(portstr, sizeof(portstr), "%d", port);
	/*
	 * -c 50 -t 4: memcached 1.6 keeps 24 of its 50 for its own descriptors
	 * and holds 26. Its count is raised by the worker a connection is handed
	 * to, after the accept: paced, the count is exact; a burst passes it.
	 */
	const char *argv[] = { "/usr/bin/memcached", "-u", "nobody", "-l", "127.0.0.1", "-p", portstr,
			       "-U", "0", "-c", "50", "-t", "4", NULL };

	start_server(argv, port);
	connect_and_stop(port, "300", "500", 26, 10, line, sizeof(line));
	expect(line, "peer", 26, "ERROR Too many open connections\\\\r\\\\n");
}

Test(servers, a_listener_that_never_accepts_stops_the_ramp_as_a_timeout, .timeout = 60)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int port = free_port_base(1), fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char line[65536];
	struct timespec t0, t1;

	cr_assert_geq(fd, 0);
	sa.sin_port = htons(port);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "%s", strerror(errno));
	/* Backlog 1: the kernel completes two handshakes (a queue is full past its backlog), then drops SYNs. */
	cr_assert_eq(listen(fd, 1), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	connect_and_stop(port, "50", "0", 2, 15, line, sizeof(line));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	close(fd);
	expect(line, "timeout", 2, NULL);
	cr_assert_lt(t1.tv_sec - t0.tv_sec, 10, "the stall took %ld s to notice", (long)(t1.tv_sec - t0.tv_sec));
}

/* --- bench --server: the server as bench's holder, in bench's namespace --- */

#define REDIS_CMD "redis-server --port {port} --save '' --appendonly no --protected-mode no"

/* The summary's "server" object, from its opening brace on: its keys shadow the summary's. */
static const char *server_object(const char *line)
{
	const char *s = strstr(line, "\"server\":{\"command\"");

	cr_assert_not_null(s, "no server figures: %s", line);
	return s;
}

/* bench --conns conns --server cmd --json to its end; the summary line. */
static void bench_server(const char *cmd, const char *conns, char *line, size_t len)
{
	const char *args[] = { "bench", "--conns", conns, "--report-every", "1000", "--json",
			       "--server", cmd, NULL };

	int code = run_holdconn(&P, args, 0, 40);
	double held;

	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, len), "%s %s", P.out, P.err);
	cr_assert(json_num(line, "held", &held), "%s", line);
	/* A server that stops the ramp short of --conns makes it exit 3. */
	cr_assert_eq(code, held < atof(conns) ? 3 : 0, "%s %s", P.out, P.err);
}

/* What every server that holds its connections must show: a cost, one fd each, its limit. */
static void expect_server_cost(const char *line, double user_lo, double user_hi, int procs)
{
	const char *srv = server_object(line);
	double v;

	cr_assert(json_num(srv, "user_bytes_per_connection", &v), "%s", srv);
	cr_expect(v >= user_lo && v <= user_hi, "user %.1f B/conn not in [%.0f, %.0f]: %s", v,
		  user_lo, user_hi, srv);
	cr_assert(json_num(srv, "kernel_bytes_per_socket", &v), "%s", srv);
	/* Without /proc/slabinfo (not root) a few thousand sockets may not resolve: then ~0, measured beside. */
	if (v == 0) {
		const char *w = strstr(srv, "\"within_resolution\":{");

		cr_assert_not_null(w, "%s", srv);
		cr_assert(json_num(w, "kernel_bytes_per_socket", &v), "%s", srv);
	}
	cr_expect_gt(v, 0, "%s", srv);
	cr_assert(json_num(srv, "fds_per_connection", &v), "%s", srv);
	cr_expect(v >= 0.99 && v <= 1.02, "fds per conn %.3f: %s", v, srv);
	cr_assert(json_num(srv, "rlimit_nofile", &v), "%s", srv);
	cr_expect_gt(v, 0, "%s", srv);
	cr_assert(json_num(srv, "processes", &v), "%s", srv);
	cr_expect_eq(v, procs, "%s", srv);
}

static void expect_stopped_by(const char *line, const char *by)
{
	char got[64];

	cr_assert(json_str(server_object(line), "stopped_by", got, sizeof(got)), "%s", line);
	cr_expect_str_eq(got, by, "%s", line);
}

Test(servers, bench_server_redis_holds_the_target_and_reports_its_cost, .timeout = 60)
{
	char line[65536];

	need("/usr/bin/redis-server");
	bench_server(REDIS_CMD " --maxclients 100000", "3000", line, sizeof(line));
	expect(line, "target", 3000, NULL);
	cr_expect_not_null(strstr(line, "\"mode\":\"redis-server\""), "%s", line);
	/* redis keeps a client struct and its query buffer per connection: about 1.4 KB here. */
	expect_server_cost(line, 500, 5000, 1);
	expect_stopped_by(line, "target");
	cr_expect_not_null(strstr(line, "\"command\":\"redis-server --port 17000 "), "%s", line);
}

Test(servers, bench_server_redis_at_its_rlimit_nofile_names_the_limit, .timeout = 60)
{
	char line[65536];
	double v;

	need("/usr/bin/redis-server");
	need("/usr/bin/prlimit");
	/* redis keeps 32 descriptors of 600 for itself: maxclients becomes 568. */
	bench_server("prlimit --nofile=600 " REDIS_CMD " --maxclients 100000", "2000", line,
		     sizeof(line));
	expect(line, "peer", 568, "-ERR max number of clients reached\\\\r\\\\n");
	expect_stopped_by(line, "RLIMIT_NOFILE");
	cr_expect_not_null(strstr(line, "\"mode\":\"redis-server\""), "prlimit is not the name: %s", line);
	cr_assert(json_num(server_object(line), "rlimit_nofile", &v), "%s", line);
	cr_expect_eq(v, 600, "%s", line);
	cr_expect_not_null(strstr(line, "the server's RLIMIT_NOFILE (600)"), "%s", line);
}

Test(servers, bench_server_memcached_holds_the_target_and_reports_its_cost, .timeout = 60)
{
	char line[65536];

	need("/usr/bin/memcached");
	bench_server("memcached -u nobody -l 127.0.0.1 -p {port} -U 0 -c 5000 -t 4", "3000", line,
		     sizeof(line));
	expect(line, "target", 3000, NULL);
	expect_server_cost(line, 200, 5000, 1);
	expect_stopped_by(line, "target");
}

Test(servers, bench_server_nginx_is_read_as_its_master_and_worker, .timeout = 60)
{
	char line[65536], script[PATH_MAX], cmd[PATH_MAX + 100];

	need("/usr/sbin/nginx");
	/* The suites run from the checkout, or (as nobody) from a copy with bench/servers. */
	cr_assert_not_null(realpath("bench/servers/nginx.sh", script), "bench/servers/nginx.sh: %s",
			   strerror(errno));
	snprintf(cmd, sizeof(cmd), "sh %s {port}", script);
	bench_server(cmd, "2000", line, sizeof(line));
	expect(line, "target", 2000, NULL);
	cr_expect_not_null(strstr(line, "\"mode\":\"nginx\""), "%s", line);
	/*
	 * sh exec's nothing here: the wrapper, nginx's master and its worker share
	 * the group. Its worker touches the pages of its preallocated connection
	 * array as it fills them: at 2,000, up to several KB a connection.
	 */
	expect_server_cost(line, 200, 20000, 3);
	cr_expect_not_null(strstr(line, "\"command\":\"sh "), "%s", line);
}

Test(servers, bench_server_that_exits_before_listening_fails_at_once, .timeout = 30)
{
	const char *args[] = { "bench", "--conns", "1000", "--server", "false {port}", NULL };

	cr_assert_eq(run_holdconn(&P, args, 0, 20), 1, "%s %s", P.out, P.err);
	cr_expect_not_null(strstr(P.err, "'false 17000' exited (status 1) before it listened on port 17000"),
			   "%s", P.err);
}

Test(servers, bench_server_without_its_port_is_a_usage_error, .timeout = 10)
{
	const char *args[] = { "bench", "--server", "redis-server", NULL };

	cr_assert_eq(run_holdconn(&P, args, 0, 5), 2, "%s", P.err);
	cr_expect_not_null(strstr(P.err, "--server: 'redis-server' has no {port}"), "%s", P.err);
}

Test(servers, bench_server_with_traffic_is_a_usage_error, .timeout = 10)
{
	const char *args[] = { "bench", "--server", "redis-server --port {port}", "--send", "64", NULL };

	cr_assert_eq(run_holdconn(&P, args, 0, 5), 2, "%s", P.err);
	cr_expect_not_null(strstr(P.err, "--server holds idle connections"), "%s", P.err);
}

Test(servers, compare_puts_a_server_beside_the_modes, .timeout = 60)
{
	const char *args[] = { "compare", "--conns", "1000", "--modes", "uring", "--json", "--server",
			       "memcached -u nobody -l 127.0.0.1 -p {port} -U 0 -c 5000", NULL };
	char line[65536];
	double v;

	need("/usr/bin/memcached");
	cr_assert_eq(run_holdconn(&P, args, 0, 40), 0, "%s %s", P.out, P.err);
	cr_assert_not_null(proc_line(&P, "\"event\":\"comparison\"", line, sizeof(line)), "%s", P.out);
	cr_expect_not_null(strstr(line, "{\"mode\":\"uring\",\"ok\":true,\"server\":null"), "%s", line);
	const char *m = strstr(line, "{\"mode\":\"memcached\",\"ok\":true,\"server\":\"memcached ");

	cr_assert_not_null(m, "%s", line);
	cr_assert(json_num(m, "held", &v), "%s", m);
	cr_expect_eq(v, 1000, "%s", m);
	cr_assert(json_num(m, "server_rlimit_nofile", &v), "%s", m);
	cr_expect_eq(v, 5000, "memcached raises its limit to -c: %s", m);
}
