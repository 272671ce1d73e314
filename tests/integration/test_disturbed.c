/*
 * test_disturbed.c - sockets someone else opens while bench measures: the
 * report points say so, and the per-socket kernel figure stays right.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "proc.h"

TestSuite(disturbed, .fini = proc_cleanup);

static struct proc B, S, C;

#define PAIRS "30000"
#define EXTRA_CONNS "5000" /* 10,000 sockets on the box against bench's 60,000: 17% */

static const char *const bench_args[] = { "bench", "--conns", PAIRS, "--report-every", "10000",
					  "--ports", "4", "--json", NULL };

static void need_slabinfo(void)
{
	if (access("/proc/slabinfo", R_OK))
		cr_skip_test("/proc/slabinfo is unreadable (needs root): no TCP object count");
}

/* A second holdconn pair on the host's loopback, holding EXTRA_CONNS connections. */
static void disturb(void)
{
	int port = free_port_base(1);
	char listen[64];

	cr_assert_gt(port, 0);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	const char *sargs[] = { "serve", "--listen", listen, "--json", NULL };
	const char *cargs[] = { "connect", "--target", listen, "--conns", EXTRA_CONNS, "--json", NULL };

	proc_start(&S, sargs, 0);
	cr_assert(proc_wait_for(&S, "\"event\":\"start\"", 10), "serve: %s", S.err);
	proc_start(&C, cargs, 0);
}

static double summary_kernel(struct proc *p, char *line, size_t len)
{
	double k;

	cr_assert_not_null(proc_line(p, "\"event\":\"summary\"", line, len), "%s %s", p->out, p->err);
	cr_assert(json_num(line, "kernel_bytes_per_socket", &k), "%s", line);
	return k;
}

Test(disturbed, extra_sockets_mid_ramp_are_flagged_and_divided_over, .timeout = 120)
{
	static char line[65536];
	double alone, k, raw, expected, seen;
	uint64_t base = tcp_inuse();

	need_slabinfo();
	cr_assert_eq(run_holdconn(&B, bench_args, 0, 60), 0, "%s", B.err);
	alone = summary_kernel(&B, line, sizeof(line));
	cr_assert_null(strstr(line, "\"disturbed\""), "a lone bench was disturbed: %s", line);

	proc_start(&B, bench_args, 0);
	cr_assert(proc_wait_for(&B, "\"conns\":10000,", 30), "%s", B.err);
	disturb();
	cr_assert_eq(proc_finish(&B, 60), 0, "%s", B.err);
	/* The first point came before the extra sockets. */
	cr_assert_not_null(proc_line(&B, "\"conns\":10000,", line, sizeof(line)));
	cr_assert_null(strstr(line, "\"disturbed\""), "%s", line);

	k = summary_kernel(&B, line, sizeof(line));
	cr_assert_not_null(strstr(line, "\"disturbed\":{"), "not flagged: %s", line);
	cr_assert(json_num(line, "expected_sockets", &expected));
	cr_assert_eq(expected, 60004, "%s", line); /* the pairs' sockets and 4 listeners */
	cr_assert(json_num(line, "seen_sockets", &seen));
	cr_assert_gt(seen, 60004 + 9000, "%s", line);
	cr_assert(json_num(line, "raw_kernel_bytes_per_socket", &raw));
	cr_log_info("alone %.1f B/socket; disturbed %.1f (raw %.1f), %.0f sockets seen", alone, k,
		    raw, seen);
	cr_assert_gt(raw, alone * 1.10, "the raw figure should carry the extra sockets: %s", line);
	cr_assert_lt(k > alone ? k - alone : alone - k, alone * 0.05,
		     "corrected %.1f B/socket, %.1f alone: %s", k, alone, line);

	proc_signal(&C, SIGTERM);
	cr_assert_eq(proc_finish(&C, 20), 0, "connect: %s", C.err);
	proc_signal(&S, SIGTERM);
	cr_assert_eq(proc_finish(&S, 20), 0, "serve: %s", S.err);
	cr_assert(tcp_back_to(base, 30), "sockets left behind");
}
