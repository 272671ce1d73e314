/*
 * test_fleet.c - beyond one box: shards, the /metrics endpoint read by
 * promtool, and a server with 4 sharded generators in namespaces of their
 * own, each scraped by a real Prometheus.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "proc.h"

TestSuite(fleet, .fini = proc_cleanup);

static struct proc S, C;

/* GET /metrics from 127.0.0.1:port into buf, body only; its length or -1. */
static long get_metrics(int port, char *buf, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	static const char req[] = "GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n";
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	size_t got = 0;
	ssize_t n;
	char *body;

	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    write(fd, req, sizeof(req) - 1) != sizeof(req) - 1) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = 0;
	if (strncmp(buf, "HTTP/1.", 7) || !strstr(buf, " 200 ") || !(body = strstr(buf, "\r\n\r\n")))
		return -1;
	body += 4;
	memmove(buf, body, strlen(body) + 1);
	return (long)strlen(buf);
}

/* promtool check metrics on text: its exit status, its complaints in out. */
static int promtool_check(const char *text, char *out, size_t len)
{
	char path[] = "/tmp/holdconn-scrape-XXXXXX", cmd[128];
	int fd = mkstemp(path), status;
	FILE *f;
	size_t n;

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s 2>&1", path);
	f = popen(cmd, "r");
	n = fread(out, 1, len - 1, f);
	out[n] = 0;
	status = pclose(f);
	unlink(path);
	return status;
}

Test(fleet, serve_metrics_says_the_connections_held_and_promtool_accepts_it, .timeout = 60)
{
	static char text[1 << 18];
	char listen[32], metrics[32], target[32], out[4096], want[96];
	int base = free_port_base(2);

	if (access("/usr/bin/promtool", X_OK))
		cr_skip_test("promtool is not installed (tools/deps.sh installs prometheus)");
	cr_assert_gt(base, 0);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", base);
	snprintf(metrics, sizeof(metrics), "127.0.0.1:%d", base + 1);
	snprintf(target, sizeof(target), "127.0.0.1:%d", base);
	const char *sargs[] = { "serve", "--listen", listen, "--metrics", metrics, "--json", NULL };
	const char *cargs[] = { "connect", "--target", target, "--conns", "3000", "--report-every",
				"3000", "--json", NULL };

	proc_start(&S, sargs, 0);
	cr_assert(proc_wait_for(&S, "\"event\":\"start\"", 10), "serve did not start: %s", S.err);
	proc_start(&C, cargs, 0);
	cr_assert(proc_wait_for(&C, "\"connections\":3000,", 20), "connect did not reach 3000: %s", C.err);
	/* The server accepts the last of them a moment after connect has them: scrape until then. */
	snprintf(want, sizeof(want), "\nholdconn_connections_held{side=\"serve\"} 3000\n");
	for (int i = 0; i < 50; i++) {
		cr_assert_gt(get_metrics(base + 1, text, sizeof(text)), 0, "no answer from /metrics");
		if (strstr(text, want))
			break;
		usleep(100000);
	}
	cr_expect(strstr(text, want), "no '%s' in:\n%s", want + 1, text);
	cr_expect_eq(promtool_check(text, out, sizeof(out)), 0, "promtool check metrics: %s", out);
	proc_signal(&C, SIGINT);
	cr_expect_eq(proc_finish(&C, 20), 0);
	proc_signal(&S, SIGINT);
	cr_expect_eq(proc_finish(&S, 20), 0);
}

Test(fleet, a_shard_too_small_for_its_count_says_what_it_can_reach, .timeout = 30)
{
	char listen[32];
	int base = free_port_base(1);

	cr_assert_gt(base, 0);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", base);
	const char *sargs[] = { "serve", "--listen", listen, "--json", NULL };
	/* 8 ports split 4 ways: 2 ports, 1 address, 1 destination: 2 connections. */
	const char *cargs[] = { "connect", "--target", listen, "--source", "127.0.0.1",
				"--sport", "2000-2007", "--shard", "1/4", "--conns", "10", "--json", NULL };

	proc_start(&S, sargs, 0);
	cr_assert(proc_wait_for(&S, "\"event\":\"start\"", 10));
	proc_start(&C, cargs, 0);
	cr_assert(proc_wait_for(&C, "\"event\":\"start\"", 10));
	usleep(300000);
	proc_signal(&C, SIGINT);
	/* 2 held of --conns 10: short of the target. */
	cr_expect_eq(proc_finish(&C, 20), 3);
	cr_expect(strstr(C.err, "shard 1/4 reaches 2 connections, fewer than --conns 10"),
		  "stderr: %s", C.err);
	proc_signal(&S, SIGINT);
	proc_finish(&S, 20);
}

/* Root (namespaces, veth) and Debian's prometheus: the two things the fleet needs. */
static void need_fleet(void)
{
	if (geteuid())
		cr_skip_test("network namespaces and veth need root");
	if (access("/usr/bin/prometheus", X_OK))
		cr_skip_test("prometheus is not installed (tools/deps.sh installs it)");
}

Test(fleet, prometheus_sums_four_sharded_generators_to_the_count_held, .timeout = 90)
{
	char dir[] = "/tmp/holdconn-fleet-XXXXXX", cmd[512], out[512] = "";
	FILE *f;
	size_t n;

	need_fleet();
	cr_assert_not_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "timeout 80 unshare -n sh tests/integration/fleet.sh '%s' %s 2>&1",
		 holdconn_path(), dir);
	f = popen(cmd, "r");
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = 0;
	pclose(f);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_expect_eq(system(cmd), 0);
	cr_expect(strstr(out, "prometheus: generators 8000 server 8000 targets 5\n"), "%s", out);
}

Test(fleet, bench_over_veth_adds_up_its_clients, .timeout = 90)
{
	const char *args[] = { "bench", "--clients", "4", "--path", "veth", "--conns", "8000",
			       "--report-every", "4000", "--ports", "2", "--json", NULL };
	char line[65536], path[32];
	double held, clients, sockets;

	if (geteuid())
		cr_skip_test("network namespaces and veth need root");
	cr_assert_eq(run_holdconn(&S, args, 0, 80), 0, "stderr: %s", S.err);
	cr_assert_not_null(proc_line(&S, "\"event\":\"summary\"", line, sizeof(line)), "out: %s", S.out);
	cr_assert(json_num(line, "held", &held));
	cr_expect_eq(held, 8000, "%s", line);
	cr_assert(json_num(line, "sockets", &sockets));
	cr_expect_eq(sockets, 16000);
	cr_assert(json_str(line, "path", path, sizeof(path)));
	cr_expect_str_eq(path, "veth");
	cr_assert(json_num(line, "clients", &clients));
	cr_expect_eq(clients, 4);
	cr_expect_not_null(proc_line(&S, "\"connections\":4000,", line, sizeof(line)), "no report at 4000");
}
