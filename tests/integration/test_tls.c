/*
 * test_tls.c - bench --tls against the real binary: serve --tls and connect
 * --tls hold TLS pairs in uring and epoll modes, and each side's TLS bytes
 * per connection agree with a reading of their own: the unit tests'
 * `--tls-bytes` handshakes pairs in memory, one process, no holder, no
 * socket (tests/unit/test_tls.c).
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <libgen.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proc.h"

TestSuite(tls, .fini = proc_cleanup);

#define PAIRS 200
/* Holder and reading may differ by a connection's odd extra allocation over PAIRS: 1%. */
#define AGREE 0.01

static struct proc P;

/* The in-memory reading: "client B server B" per idle connection, buffers "release" or "keep". */
static void reading(const char *buffers, double *client, double *server)
{
	char bin[4096], path[4200], cmd[4300];
	FILE *f;

	/* UNIT_TESTS (make test, make check: the build's own), else build/ beside the binary. */
	snprintf(bin, sizeof(bin), "%s", holdconn_path());
	if (getenv("UNIT_TESTS"))
		snprintf(path, sizeof(path), "%s", getenv("UNIT_TESTS"));
	else
		snprintf(path, sizeof(path), "%s/build/unit_tests", dirname(bin));
	unsetenv("BXFI_MAP"); /* it is a Criterion program too: not one of our workers */
	snprintf(cmd, sizeof(cmd), "'%s' --tls-bytes %s", path, buffers);
	f = popen(cmd, "r");
	cr_assert(f, "%s", cmd);
	cr_assert_eq(fscanf(f, "client %lf server %lf", client, server), 2, "%s", cmd);
	cr_assert_eq(pclose(f), 0, "%s", cmd);
}

/* The number after key inside the summary's "tls" object for side ("client" or "server"). */
static double side_num(const char *line, const char *side, const char *key)
{
	char pat[64];
	const char *tls = strstr(line, "\"tls\":{"), *s;
	double v = -1;

	cr_assert(tls, "no tls in the summary: %s", line);
	snprintf(pat, sizeof(pat), "\"%s\":{", side);
	s = strstr(tls, pat);
	cr_assert(s, "no tls.%s: %s", side, line);
	cr_assert(json_num(s, key, &v), "no tls.%s.%s: %s", side, key, line);
	return v;
}

/*
 * One side's TLS figures in a summary line: PAIRS connections and
 * handshakes, bytes within AGREE of the in-memory reading want, CPU and a
 * rate. what names the run in a failure.
 */
static void expect_side_tls(const char *line, const char *side, double want, const char *what)
{
	double got = side_num(line, side, "tls_bytes_per_connection");

	cr_expect_eq(side_num(line, side, "connections"), PAIRS, "%s %s: %s", what, side, line);
	cr_expect_eq(side_num(line, side, "handshakes"), PAIRS, "%s %s: %s", what, side, line);
	cr_expect_lt(fabs(got - want), want * AGREE,
		     "%s %s: %.0f B/conn, the in-memory reading %.0f", what, side, got, want);
	cr_expect_gt(side_num(line, side, "handshake_cpu_seconds_per_connection"), 0, "%s", line);
	cr_expect_gt(side_num(line, side, "handshakes_per_second"), 0, "%s", line);
}

struct tls_case {
	char mode[16];
	char buffers[16]; /* the reading's name: release, keep */
};

ParameterizedTestParameters(tls, bench_tls_bytes_agree_with_the_in_memory_reading)
{
	static struct tls_case cases[] = {
		{ "uring", "release" },
		{ "uring", "keep" },
		{ "epoll", "release" },
	};
	return cr_make_param_array(struct tls_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct tls_case *c, tls, bench_tls_bytes_agree_with_the_in_memory_reading,
		  .timeout = 60)
{
	bool keep = !strcmp(c->buffers, "keep");
	const char *args[] = { "bench", "--tls", "--conns", "200", "--json", "--mode", c->mode,
			       "--client-mode", c->mode, keep ? "--tls-keep-buffers" : NULL, NULL };
	char line[65536], buffers[16], what[32];
	double held, rc, rs;
	uint64_t base = tcp_inuse();

	reading(c->buffers, &rc, &rs);
	cr_assert_eq(run_holdconn(&P, args, 4096, 45), 0, "%s: %s", c->mode, P.err);
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, sizeof(line)), "%s", P.out);
	cr_assert(json_num(line, "held", &held));
	cr_assert_eq(held, PAIRS, "%s", line);
	cr_assert(json_str(line, "buffers", buffers, sizeof(buffers)), "%s", line);
	cr_assert_str_eq(buffers, keep ? "kept" : "released");
	cr_assert(strstr(line, "\"kernel_tls\":"), "%s", line);
	snprintf(what, sizeof(what), "%s %s", c->mode, c->buffers);
	expect_side_tls(line, "client", rc, what);
	expect_side_tls(line, "server", rs, what);
	cr_assert(tcp_back_to(base, 20), "sockets left behind");
}

/*
 * serve --tls and connect --tls alone, as bench's sides: each reports its
 * own side's TLS bytes, handshakes, CPU and rate (JSON and words), and the
 * kernel TLS probe, the bytes within 1% of the in-memory reading.
 */
Test(tls, serve_and_connect_alone_report_their_sides_tls, .timeout = 90)
{
	static struct proc S;
	int port = free_port_base(1);
	char ep[64], line[65536], buf[512];
	double rc, rs;

	reading("release", &rc, &rs);
	cr_assert_gt(port, 0);
	snprintf(ep, sizeof(ep), "127.0.0.1:%d", port);
	const char *sargs[] = { "serve", "--listen", ep, "--tls", "--json", NULL };
	const char *cargs[] = { "connect", "--target", ep, "--conns", "200", "--tls",
				"--tls-insecure", "--duration", "2s", "--json", NULL };
	const char *words[] = { "connect", "--target", ep, "--conns", "20", "--tls",
				"--tls-insecure", "--duration", "1s", NULL };

	proc_start(&S, sargs, 4096);
	cr_assert(proc_wait_for(&S, "\"event\":\"start\"", 10), "serve did not start: %s", S.err);
	cr_assert_eq(run_holdconn(&P, cargs, 4096, 30), 0, "connect: %s", P.err);
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, sizeof(line)), "%s", P.out);
	cr_expect(strstr(line, "\"server\":null"), "connect has no server side: %s", line);
	cr_expect(strstr(line, "\"kernel_tls\":"), "%s", line);
	expect_side_tls(line, "client", rc, "connect alone");

	cr_assert_eq(run_holdconn(&P, words, 4096, 30), 0, "connect: %s", P.err);
	cr_expect_not_null(proc_line(&P, "TLS client:    ", buf, sizeof(buf)), "%s", P.out);
	cr_expect(strstr(buf, "B/conn over 20 conns"), "%s", buf);
	cr_expect_not_null(proc_line(&P, "TLS:           OpenSSL's buffers released", buf,
				     sizeof(buf)), "%s", P.out);
	cr_expect(strstr(buf, "kernel TLS"), "the probe's verdict: %s", buf);

	proc_signal(&S, SIGTERM);
	cr_assert_eq(proc_finish(&S, 20), 0, "serve: %s", S.err);
	cr_assert_not_null(proc_line(&S, "\"event\":\"summary\"", line, sizeof(line)), "%s", S.out);
	cr_expect(strstr(line, "\"client\":null"), "serve has no client side: %s", line);
	expect_side_tls(line, "server", rs, "serve alone, at its most");
}
