/*
 * test_disturbed.c - sockets someone else opens while bench measures: the
 * report points say so, and the per-socket kernel figure stays right.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "proc.h"

static struct proc B;
static pid_t extra = -1; /* the second process holding its own pairs */

static void cleanup(void)
{
	if (extra > 0) {
		kill(extra, SIGKILL);
		waitpid(extra, NULL, 0);
		extra = -1;
	}
	proc_cleanup();
}

TestSuite(disturbed, .fini = cleanup);

#define PAIRS "50000"
#define EXTRA_PAIRS 5000 /* 10,000 sockets on the box against bench's 100,000: 10% */

static const char *const bench_args[] = { "bench", "--conns", PAIRS, "--report-every", "10000",
					  "--ports", "4", "--json", NULL };

static void need_slabinfo(void)
{
	if (access("/proc/slabinfo", R_OK))
		cr_skip_test("/proc/slabinfo is unreadable (needs root): no TCP object count");
}

/* n connected loopback pairs, closed with a reset when the process goes (no TIME_WAIT left). */
static int open_pairs(int n)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct linger rst = { 1, 0 };
	socklen_t len = sizeof(sa);
	struct rlimit rl;
	int l;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -1;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur < (rlim_t)(2 * n + 16))
		return -1;
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, 4096) ||
	    getsockname(l, (struct sockaddr *)&sa, &len))
		return -1;
	for (int i = 0; i < n; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);

		if (c < 0 || setsockopt(c, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst)) ||
		    connect(c, (struct sockaddr *)&sa, sizeof(sa)) || accept(l, NULL, NULL) < 0)
			return -1;
	}
	return 0;
}

/*
 * A second process on the host's loopback opens and holds n pairs: it
 * returns once they are open, in tens of milliseconds, well inside the
 * rest of bench's ramp.
 */
static void disturb(int n)
{
	int ready[2];
	char c = 1;

	cr_assert_eq(pipe(ready), 0);
	extra = fork();
	cr_assert_geq(extra, 0);
	if (extra == 0) {
		close(ready[0]);
		c = open_pairs(n) ? 1 : 0;
		if (write(ready[1], &c, 1) == 1)
			pause();
		_exit(1);
	}
	close(ready[1]);
	cr_assert_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	cr_assert_eq(c, 0, "the second process could not open %d pairs", n);
}

static double summary_kernel(struct proc *p, char *line, size_t len)
{
	double k;

	cr_assert_not_null(proc_line(p, "\"event\":\"summary\"", line, len), "%s %s", p->out,
			   p->err);
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
	cr_assert(proc_wait_for(&B, "\"connections\":10000,", 30), "%s", B.err);
	disturb(EXTRA_PAIRS);
	cr_assert_eq(proc_finish(&B, 60), 0, "%s", B.err);
	/* The first point came before the extra sockets. */
	cr_assert_not_null(proc_line(&B, "\"connections\":10000,", line, sizeof(line)));
	cr_assert_null(strstr(line, "\"disturbed\""), "%s", line);

	k = summary_kernel(&B, line, sizeof(line));
	cr_assert_not_null(strstr(line, "\"disturbed\":{"), "not flagged: %s", line);
	cr_assert(json_num(line, "expected_sockets", &expected));
	cr_assert_eq(expected, 100004, "%s", line); /* the pairs' sockets and 4 listeners */
	cr_assert(json_num(line, "seen_sockets", &seen));
	cr_assert_gt(seen, 100004 + 2 * EXTRA_PAIRS * 0.9, "%s", line);
	cr_assert(json_num(line, "raw_kernel_bytes_per_socket", &raw));
	cr_log_info("alone %.1f B/socket; disturbed %.1f (raw %.1f), %.0f sockets seen", alone, k,
		    raw, seen);
	cr_assert_gt(raw, alone * 1.08, "the raw figure should carry the extra sockets: %s", line);
	cr_assert_lt(k > alone ? k - alone : alone - k, alone * 0.05,
		     "corrected %.1f B/socket, %.1f alone: %s", k, alone, line);

	cleanup();
	cr_assert(tcp_back_to(base, 30), "sockets left behind");
}
