/*
 * test_unpriv.c - the per-user limits an unprivileged run meets, each a
 * stop reason that names the resource and the fix: RLIMIT_MEMLOCK (which
 * io_uring rings are charged to without CAP_IPC_LOCK), RLIMIT_NOFILE (one
 * descriptor per connection in epoll mode), and the soft RLIMIT_NOFILE
 * raised to the hard limit at start.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include "proc.h"

TestSuite(unpriv, .fini = proc_cleanup);

static struct proc P;

static void need_memlock_charge(void)
{
	if (!proc_can_charge_memlock())
		cr_skip_test("this process has CAP_IPC_LOCK and cannot drop it (no CAP_SETPCAP): "
			     "its rings would not be charged to RLIMIT_MEMLOCK");
}

Test(unpriv, bench_stops_at_rlimit_memlock_and_names_it, .timeout = 60)
{
	/* 64 KiB: eight 8 KiB rings between both sides, 1024 slots each. */
	struct proc_limits l = { .nofile_soft = 1024, .nofile_hard = 1024, .memlock = 65536,
				 .drop_ipc_lock = true };
	const char *args[] = { "bench", "--conns", "20000", "--json", NULL };
	char line[65536], reason[64], detail[512];
	double held;
	uint64_t base = tcp_inuse();

	need_memlock_charge();
	proc_start_with(&P, args, &l);
	/* Short of --conns: 3. */
	cr_assert_eq(proc_finish(&P, 50), 3, "stderr: %s", P.err);
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, sizeof(line)), "out: %s", P.out);
	cr_assert(json_str(line, "stop_reason", reason, sizeof(reason)));
	cr_assert_str_eq(reason, "RLIMIT_MEMLOCK", "%s", line);
	cr_assert(json_num(line, "held", &held));
	cr_assert(held > 0 && held < 8 * 1024, "held %.0f with room for 8 rings of 1024: %s", held, line);
	cr_assert(json_str(line, "stop_detail", detail, sizeof(detail)));
	cr_expect_not_null(strstr(detail, "RLIMIT_MEMLOCK (64 KiB) is used up"), "%s", detail);
	cr_expect_not_null(strstr(detail, "ulimit -l"), "%s", detail);
	cr_assert(tcp_back_to(base, 30), "sockets left behind");
}

Test(unpriv, bench_without_room_for_one_ring_names_rlimit_memlock, .timeout = 30)
{
	struct proc_limits l = { .memlock = 4096, .drop_ipc_lock = true };
	const char *args[] = { "bench", "--conns", "1000", NULL };

	need_memlock_charge();
	proc_start_with(&P, args, &l);
	cr_assert_eq(proc_finish(&P, 20), 1, "out: %s err: %s", P.out, P.err);
	cr_assert_not_null(strstr(P.err, "no room for one io_uring ring under RLIMIT_MEMLOCK (4 KiB"),
			   "%s", P.err);
	cr_assert_eq(strchr(P.err, '\n'), P.err + strlen(P.err) - 1, "one line: %s", P.err);
}

Test(unpriv, epoll_bench_stops_at_rlimit_nofile_and_names_it, .timeout = 60)
{
	struct proc_limits l = { .nofile_soft = 1024, .nofile_hard = 1024 };
	const char *args[] = { "bench", "--mode", "epoll", "--conns", "3000", "--json", NULL };
	char line[65536], reason[64], detail[512];
	double held;
	uint64_t base = tcp_inuse();

	proc_start_with(&P, args, &l);
	/* Short of --conns: 3. */
	cr_assert_eq(proc_finish(&P, 50), 3, "stderr: %s", P.err);
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, sizeof(line)), "out: %s", P.out);
	cr_assert(json_str(line, "stop_reason", reason, sizeof(reason)));
	cr_assert_str_eq(reason, "EMFILE", "%s", line);
	cr_assert(json_num(line, "held", &held));
	cr_assert(held > 900 && held < 1024, "held %.0f: %s", held, line);
	cr_assert(json_str(line, "stop_detail", detail, sizeof(detail)));
	cr_expect_not_null(strstr(detail, "serve: RLIMIT_NOFILE (soft 1024, hard 1024): one descriptor "
				  "per connection in this mode"), "%s", detail);
	cr_assert(tcp_back_to(base, 30), "sockets left behind");
}

Test(unpriv, soft_nofile_is_raised_to_the_hard_limit_and_said, .timeout = 30)
{
	struct proc_limits l = { .nofile_soft = 1024 };
	const char *args[] = { "bench", "--conns", "2000", "--json", NULL };
	struct rlimit rl;
	char line[4096];
	double from, to;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_max <= 1024)
		cr_skip_test("the hard RLIMIT_NOFILE is %lu: nothing above 1024 to raise to",
			     (unsigned long)rl.rlim_max);
	proc_start_with(&P, args, &l);
	cr_assert_eq(proc_finish(&P, 25), 0, "stderr: %s", P.err);
	cr_assert_not_null(proc_line(&P, "\"event\":\"start\"", line, sizeof(line)), "out: %s", P.out);
	cr_assert(json_num(line, "rlimit_nofile_raised_from", &from), "%s", line);
	cr_assert(json_num(line, "rlimit_nofile", &to), "%s", line);
	cr_assert_eq(from, 1024);
	cr_assert_eq(to, (double)rl.rlim_max);
}
