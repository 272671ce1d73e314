/*
 * test_latency.c - connect latency, from the start of each connect to its
 * completion on the generator: at every report point (the connects since
 * the one before) and in the summary (all of them), in every client mode.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "proc.h"

TestSuite(latency, .fini = proc_cleanup);

static struct proc P, Q;

/* The "connect_latency" object of a JSON line: ordered quantiles; its count in *count. */
static void expect_latency(const char *line, double *count)
{
	const char *o = strstr(line, "\"connect_latency_seconds\":{");
	double p50, p99, p999, max;

	cr_assert_not_null(o, "no connect_latency: %s", line);
	cr_assert(json_num(o, "count", count));
	cr_assert(json_num(o, "p50", &p50) && json_num(o, "p99", &p99) &&
		  json_num(o, "p999", &p999) && json_num(o, "max", &max), "%s", o);
	cr_assert(p50 > 0 && p50 <= p99 && p99 <= p999 && p999 <= max, "%s", o);
	cr_assert_lt(max, 60e6, "a connect over a minute on loopback: %s", o);
}

static void bench_has_latency(const char *client_mode, int conns)
{
	char n[16], every[16], line[65536];
	const char *args[] = { "bench", "--client-mode", client_mode, "--conns", n, "--report-every",
			       every, "--json", NULL };
	double count, held, sum = 0;
	const char *s;

	snprintf(n, sizeof(n), "%d", conns);
	snprintf(every, sizeof(every), "%d", conns / 2);
	cr_assert_eq(run_holdconn(&P, args, 0, 50), 0, "%s: %s", client_mode, P.err);
	/* Each point counts the connects since the one before: they add up to the whole ramp. */
	for (s = P.out; (s = strstr(s, "\"event\":\"report\"")); s++) {
		const char *e = strchr(s, '\n');

		cr_assert_not_null(e);
		snprintf(line, sizeof(line), "%.*s", (int)(e - s), s);
		expect_latency(line, &count);
		sum += count;
	}
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, sizeof(line)), "%s", P.out);
	cr_assert(json_num(line, "held", &held));
	cr_assert_eq(held, conns, "%s", line);
	expect_latency(line, &count);
	cr_assert_eq(count, held, "every connect timed once (%s): %s", client_mode, line);
	cr_assert_eq(sum, count, "the points' counts add up to the summary's: %s", P.out);
}

Test(latency, bench_uring_client_times_every_connect, .timeout = 60)
{
	bench_has_latency("uring", 4000);
}

Test(latency, bench_epoll_client_times_every_connect, .timeout = 60)
{
	bench_has_latency("epoll", 2000);
}

Test(latency, bench_threads_client_times_every_connect, .timeout = 60)
{
	bench_has_latency("threads", 1000);
}

Test(latency, connect_reports_latency_and_serve_has_no_ramp_average, .timeout = 60)
{
	int port = free_port_base(1);
	char listen[64], line[65536];
	double count, rate;

	cr_assert_gt(port, 0);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	const char *sargs[] = { "serve", "--listen", listen, "--json", NULL };
	const char *cargs[] = { "connect", "--target", listen, "--conns", "2000", "--json",
				"--report-every", "1000", NULL };

	proc_start(&P, sargs, 0);
	cr_assert(proc_wait_for(&P, "\"event\":\"start\"", 10), "serve did not start: %s", P.err);
	proc_start(&Q, cargs, 0);
	cr_assert(proc_wait_for(&Q, "\"connections\":2000,", 30), "client: %s %s", Q.out, Q.err);
	/* The first point comes at a tick (100 ms), which may be past 1000 already. */
	cr_assert_not_null(proc_line(&Q, "\"event\":\"report\"", line, sizeof(line)), "%s", Q.out);
	expect_latency(line, &count);
	proc_signal(&Q, SIGINT);
	cr_assert_eq(proc_finish(&Q, 20), 0, "client: %s", Q.err);
	cr_assert_not_null(proc_line(&Q, "\"event\":\"summary\"", line, sizeof(line)), "%s", Q.out);
	expect_latency(line, &count);
	cr_assert_eq(count, 2000, "%s", line);
	proc_signal(&P, SIGINT);
	cr_assert_eq(proc_finish(&P, 20), 0, "serve: %s", P.err);
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, sizeof(line)), "%s", P.out);
	cr_assert_null(strstr(line, "\"connect_latency_seconds\""), "serve connects nothing: %s", line);
	/* It accepts until the signal: an average over that would mean nothing. */
	cr_assert(strstr(line, "\"avg_connections_per_second\":null") || !json_num(line, "avg_connections_per_second", &rate), "%s", line);
}

Test(latency, bench_hold_holds_idle_pairs_for_that_long, .timeout = 60)
{
	const char *args[] = { "bench", "--conns", "2000", "--hold", "2s", "--json", NULL };
	char line[65536];
	double hold;

	cr_assert_eq(run_holdconn(&P, args, 0, 50), 0, "%s", P.err);
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, sizeof(line)), "%s", P.out);
	cr_assert(json_num(line, "hold_seconds", &hold), "%s", line);
	cr_assert(hold >= 2.0 && hold < 3.0, "held %.2f s for --hold 2s: %s", hold, line);
}
