/* test_watch.c - each uring watch strategy, measured by bench's close-detection probe. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "proc.h"

TestSuite(watch, .fini = proc_cleanup);

static struct proc P;

static void bench_watch(const char *watch, char *line, size_t len)
{
	const char *args[] = { "bench", "--conns", "5000", "--ports", "4", "--json", "--watch", watch,
			       NULL };

	cr_assert_eq(run_holdconn(&P, args, 0, 60), 0, "%s", P.err);
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, len), "%s", P.out);
}

Test(watch, poll_notices_every_closed_peer, .timeout = 70)
{
	char line[65536];
	double probe, detected, held;

	bench_watch("poll", line, sizeof(line));
	cr_assert(json_num(line, "held", &held));
	cr_assert_eq(held, 5000);
	cr_assert(json_num(line, "probe", &probe));
	cr_assert(json_num(line, "detected", &detected));
	cr_assert_eq(probe, 50, "%s", line);
	cr_assert_eq(detected, 50, "%s", line);
}

Test(watch, recv_notices_every_closed_peer, .timeout = 70)
{
	char line[65536];
	double detected;

	bench_watch("recv", line, sizeof(line));
	cr_assert(json_num(line, "detected", &detected));
	cr_assert_eq(detected, 50, "%s", line);
}

Test(watch, none_never_notices_and_holds_no_request_per_socket, .timeout = 70)
{
	char line[65536];
	double detected, kernel;

	bench_watch("none", line, sizeof(line));
	cr_assert(json_num(line, "detected", &detected));
	cr_assert_eq(detected, 0, "%s", line);
	cr_assert_not_null(strstr(line, "\"seconds\":null"), "%s", line);
	/* No io_kiocb per socket: well under the poll strategy's ~3990 B. */
	cr_assert(json_num(line, "kernel_bytes_per_socket", &kernel));
	/*
	 * Page tables are the process's own: under ASan (make check) its shadow
	 * memory adds ~170 B per socket of them, which is no request per socket.
	 */
	const char *pt = strstr(line, "\"PageTables\":{");
	double tables = 0;

	if (pt)
		cr_assert(json_num(pt, "bytes_per_socket", &tables));
	cr_assert_lt(kernel - tables, 3900, "%s", line);
}

Test(watch, recv_drains_data_from_a_peer, .timeout = 30)
{
	int port = free_port_base(1);
	char listen[64], line[65536];
	double in;

	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	const char *sargs[] = { "serve", "--listen", listen, "--json", "--watch", "recv", NULL };

	proc_start(&P, sargs, 0);
	cr_assert(proc_wait_for(&P, "\"event\":\"start\"", 10));
	cr_assert_eq(send_bytes_to(port, 100000), 100000);
	usleep(300000);
	proc_signal(&P, SIGTERM);
	cr_assert_eq(proc_finish(&P, 10), 0, "%s", P.err);
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, sizeof(line)));
	cr_assert(json_num(line, "bytes_in", &in), "%s", line);
	cr_assert_eq(in, 100000, "%s", line);
}

Test(watch, diag_notices_closed_peers_within_two_scans, .timeout = 70)
{
	const char *args[] = { "bench", "--conns", "5000", "--ports", "4", "--json", "--watch", "diag",
			       "--scan-interval", "500ms", NULL };
	char line[65536];
	double detected, seconds, scans;

	cr_assert_eq(run_holdconn(&P, args, 0, 60), 0, "%s", P.err);
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, sizeof(line)), "%s", P.out);
	cr_assert(json_num(line, "detected", &detected));
	cr_assert_eq(detected, 50, "%s", line);
	cr_assert(json_num(line, "seconds", &seconds), "%s", line);
	cr_assert_leq(seconds, 1.0, "slower than two scan intervals: %s", line);
	cr_assert(json_num(line, "scans", &scans));
	cr_assert_geq(scans, 1);
}

/*
 * 9,000 peers gone at once on one ring: more close completions than its
 * CQ holds (8,192). The kernel keeps the rest aside until the ring is
 * entered; a holder that only reads the CQ would never free those slots.
 */
Test(watch, diag_frees_more_dead_slots_at_once_than_the_cq_holds, .timeout = 60)
{
	int port = free_port_base(1);
	char target[64], line[65536];
	const char *sargs[] = { "serve", "--listen", target, "--json", "--watch", "diag",
				"--scan-interval", "200ms", NULL };
	const char *cargs[] = { "connect", "--target", target, "--conns", "9000", "--json",
				"--watch", "none", NULL };
	struct proc C;
	double closed;

	snprintf(target, sizeof(target), "127.0.0.1:%d", port);
	proc_start(&P, sargs, 0);
	cr_assert(proc_wait_for(&P, "\"event\":\"start\"", 10));
	proc_start(&C, cargs, 0);
	cr_assert(proc_wait_for(&C, "\"connections\":9000", 20), "%s %s", C.out, C.err);
	proc_signal(&C, SIGKILL); /* every socket closes at once, with an RST (SO_LINGER 0) */
	proc_finish(&C, 10);
	usleep(1500000); /* several sweeps */
	proc_signal(&P, SIGTERM);
	cr_assert_eq(proc_finish(&P, 20), 0, "%s", P.err);
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, sizeof(line)), "%s", P.out);
	cr_assert(json_num(line, "closed_early", &closed), "%s", line);
	cr_assert_eq(closed, 9000, "every dead slot freed before the teardown: %s", line);
}
