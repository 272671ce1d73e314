/*
 * test_limits.c - `holdconn limits` against the real binary, and its
 * predictions against what bench and connect then hold: RLIMIT_NOFILE for
 * epoll, the memory reserve for uring, 4-tuples for a single source.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "proc.h"

#define MIB (1024.0 * 1024.0)
/*
 * The reserve sits this far below MemAvailable. Not less: the per-CPU free
 * lists hold up to ~2.6 GB here that MemAvailable leaves out and a ramp
 * may or may not drain (it depends on their pages' kinds, which /proc does
 * not show); against a 300 MB budget they made the prediction 9-49% high,
 * against 2-3 GiB 1-7%.
 */
#define BUDGET_MIB 2048
#define QUIET_TIMEOUT_S 10 /* the longest wait for other holdconn runs to finish */
#define TRIES 2

static struct proc P, Q;
static char line[65536];

static const char *limits_line(struct proc *p)
{
	const char *l = proc_line(p, "\"event\":\"limits\"", line, sizeof(line));

	cr_assert_not_null(l, "no limits object: %s %s", p->out, p->err);
	return l;
}

static const char *summary_line(struct proc *p)
{
	const char *l = proc_line(p, "\"event\":\"summary\"", line, sizeof(line));

	cr_assert_not_null(l, "no summary: %s %s", p->out, p->err);
	return l;
}

static double num(const char *l, const char *key)
{
	double v = -1;

	cr_assert(json_num(l, key, &v), "no \"%s\" in %s", key, l);
	return v;
}

static void expect_str(const char *l, const char *key, const char *want)
{
	char got[128];

	cr_assert(json_str(l, key, got, sizeof(got)), "no \"%s\" in %s", key, l);
	cr_assert_str_eq(got, want, "%s: %s", key, l);
}

static double mem_available(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	unsigned long long kb = 0;
	char buf[256];

	while (f && fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "MemAvailable: %llu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb * 1024.0;
}

static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512], *close;
	int ppid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	/* pid (comm) state ppid: comm may hold spaces, so read after the last ')'. */
	if (fgets(buf, sizeof(buf), f) && (close = strrchr(buf, ')')))
		sscanf(close + 2, "%*c %d", &ppid);
	fclose(f);
	return ppid;
}

/* Ours: this test's child, or a bench side or calibration below it. */
static bool is_ours(pid_t pid)
{
	for (int depth = 0; depth < 4 && pid > 1; depth++) {
		pid = parent_of(pid);
		if (pid == getpid())
			return true;
	}
	return false;
}

/* A holdconn that is not this test's: another run moves MemAvailable by gigabytes. */
static bool others_running(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	bool found = false;

	while (d && !found && (e = readdir(d))) {
		char path[300], comm[64] = "";
		FILE *f;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (f && fgets(comm, sizeof(comm), f))
			found = !strcmp(comm, "holdconn\n") && !is_ours(atoi(e->d_name));
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return found;
}

static bool wait_quiet(void)
{
	for (int i = 0; i < QUIET_TIMEOUT_S * 10; i++) {
		if (!others_running())
			return true;
		usleep(100000);
	}
	return false;
}

/* Runs to the end; false when another holdconn ran meanwhile. */
static bool run_alone(struct proc *p, const char *const *args, double timeout_s)
{
	bool alone = true;

	proc_start(p, args, 0);
	for (int i = 0; i < timeout_s * 5; i++) {
		if (proc_wait_for(p, "\"event\":\"summary\"", 0.2) ||
		    proc_wait_for(p, "\"event\":\"limits\"", 0))
			break;
		alone = alone && !others_running();
	}
	cr_assert_eq(proc_finish(p, 30), 0, "%s", p->err);
	return alone;
}

Test(limits, nofile_1024_binds_epoll_below_it, .timeout = 40)
{
	const char *args[] = { "limits", "--mode", "epoll", "--json", NULL };
	const char *l;
	double epoll;

	cr_assert_eq(run_holdconn(&P, args, 1024, 30), 0, "%s", P.err);
	l = limits_line(&P);
	expect_str(l, "binding", "RLIMIT_NOFILE");
	expect_str(l, "binding_stop", "EMFILE");
	epoll = num(l, "epoll");
	cr_assert_lt(epoll, 1024, "%s", l);
	cr_assert_gt(epoll, 900, "listeners and stdio take ~20 descriptors, not more: %s", l);
	cr_assert_eq(num(l, "binding_allows"), epoll);
}

Test(limits, epoll_bench_stops_at_emfile_where_limits_said, .timeout = 40)
{
	const char *largs[] = { "limits", "--mode", "epoll", "--json", "--no-calibrate", NULL };
	const char *bargs[] = { "bench", "--mode", "epoll", "--conns", "max", "--json", NULL };
	const char *l;
	double predicted, held;

	cr_assert_eq(run_holdconn(&P, largs, 1024, 20), 0, "%s", P.err);
	predicted = num(limits_line(&P), "epoll");
	cr_assert_eq(run_holdconn(&Q, bargs, 1024, 30), 0, "%s", Q.err);
	cr_assert_not_null(proc_line(&Q, "\"text\":\"predicted: ", line, sizeof(line)),
			   "no prediction before the ramp: %s", Q.out);
	l = summary_line(&Q);
	expect_str(l, "stop_reason", "EMFILE");
	expect_str(l, "predicted_binding", "RLIMIT_NOFILE");
	cr_assert_eq(num(l, "predicted_connections"), predicted, "%s", l);
	held = num(l, "held");
	cr_assert_leq(held > predicted ? held - predicted : predicted - held, 10,
		      "held %.0f, predicted %.0f: %s", held, predicted, l);
}

/*
 * One try: limits' prediction, then bench's count, for one reserve. 1 when
 * within 10%, 0 when not, -1 when another holdconn ran meanwhile.
 */
static int reserve_try(double *predicted, double *held)
{
	char reserve[32], binding[64];
	const char *largs[] = { "limits", "--json", "--reserve", reserve, NULL };
	const char *bargs[] = { "bench", "--conns", "max", "--reserve", reserve, "--json", NULL };
	bool alone;
	const char *l;

	if (!wait_quiet())
		return -1;
	snprintf(reserve, sizeof(reserve), "%.0f", mem_available() - BUDGET_MIB * MIB);
	alone = run_alone(&P, largs, 15);
	l = limits_line(&P);
	cr_assert(json_str(l, "binding", binding, sizeof(binding)), "%s", l);
	if (!strcmp(binding, "io_uring"))
		cr_skip_test("io_uring is disabled on this box right now");
	cr_assert_str_eq(binding, "memory reserve", "%s", l);
	expect_str(l, "binding_stop", "reserve");
	*predicted = num(l, "uring");
	alone = run_alone(&Q, bargs, 40) && alone;
	l = summary_line(&Q);
	expect_str(l, "stop_reason", "reserve");
	expect_str(l, "predicted_binding", "memory reserve");
	*held = num(l, "held");
	if (!alone)
		return -1;
	return fabs(*held - *predicted) <= *held / 10;
}

/*
 * The reserve is checked against MemAvailable, which the whole box moves:
 * a try that another holdconn overlapped does not count, and is tried
 * once more.
 */
Test(limits, memory_reserve_prediction_within_10_percent_of_bench, .timeout = 100)
{
	double predicted = 0, held = 0;

	for (int i = 0; i < TRIES; i++) {
		int r = reserve_try(&predicted, &held);

		if (r < 0)
			continue;
		cr_assert_eq(r, 1, "limits predicted %.0f pairs, bench held %.0f", predicted, held);
		cr_log_info("limits predicted %.0f pairs, bench held %.0f", predicted, held);
		return;
	}
	cr_skip_test("other holdconn runs overlapped every try: MemAvailable was not ours");
}

/*
 * Source ports a bound connect plans by default: the larger side outside
 * net.ipv4.ip_local_port_range (1024 up to it, or above it), the range
 * itself when neither side has 1024 ports.
 */
static double local_ports(void)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	unsigned lo = 0, hi = 0, below, above;

	cr_assert_not_null(f);
	cr_assert_eq(fscanf(f, "%u %u", &lo, &hi), 2);
	fclose(f);
	below = lo > 1024 ? lo - 1024 : 0;
	above = 65535 - hi;
	if (below < 1024 && above < 1024)
		return hi - lo + 1;
	return below >= above ? below : above;
}

Test(limits, one_source_one_destination_binds_at_the_port_range, .timeout = 20)
{
	const char *args[] = { "limits", "--target", "127.0.0.1:5000", "--source", "127.0.0.2",
			       "--conns", "50000", "--json", "--no-calibrate", NULL };
	const char *l;

	cr_assert_eq(run_holdconn(&P, args, 0, 15), 0, "%s", P.err);
	l = limits_line(&P);
	expect_str(l, "binding", "4-tuples");
	expect_str(l, "binding_stop", "EADDRNOTAVAIL");
	cr_assert_eq(num(l, "binding_allows"), local_ports(), "%s", l);
}

Test(limits, connect_stops_at_the_predicted_tuple_capacity, .timeout = 40)
{
	int port = free_port_base(1);
	char target[64];
	const char *l;
	double predicted;

	cr_assert_gt(port, 0);
	snprintf(target, sizeof(target), "127.0.0.1:%d", port);
	const char *largs[] = { "limits", "--target", target, "--source", "127.0.0.2", "--sport",
				"45000-45999", "--conns", "5000", "--json", "--no-calibrate", NULL };
	const char *sargs[] = { "serve", "--listen", target, "--json", NULL };
	const char *cargs[] = { "connect", "--target", target, "--source", "127.0.0.2", "--sport",
				"45000-45999", "--conns", "5000", "--json", NULL };

	cr_assert_eq(run_holdconn(&P, largs, 0, 15), 0, "%s", P.err);
	l = limits_line(&P);
	expect_str(l, "binding", "4-tuples");
	predicted = num(l, "binding_allows");
	cr_assert_eq(predicted, 1000, "%s", l);
	proc_start(&P, sargs, 0);
	cr_assert(proc_wait_for(&P, "\"event\":\"start\"", 10), "serve did not start: %s", P.err);
	proc_start(&Q, cargs, 0);
	/* The ramp is over at the 1000th tuple: its last point is at the count held. */
	cr_assert(proc_wait_for(&Q, "\"connections\":1000,", 20), "connect: %s %s", Q.out, Q.err);
	proc_signal(&Q, SIGTERM);
	/* 1000 of --conns 5000: short of the target, 3. */
	cr_assert_eq(proc_finish(&Q, 20), 3, "connect: %s", Q.err);
	proc_signal(&P, SIGTERM);
	proc_finish(&P, 20);
	l = summary_line(&Q);
	expect_str(l, "stop_reason", "EADDRNOTAVAIL");
	cr_assert_eq(num(l, "failed"), 0, "%s", l);
}

Test(limits, no_calibrate_says_the_costs_are_documented, .timeout = 20)
{
	const char *args[] = { "limits", "--no-calibrate", NULL };

	cr_assert_eq(run_holdconn(&P, args, 0, 15), 0, "%s", P.err);
	cr_assert(strstr(P.out, "cost: documented figures (--no-calibrate"), "%s", P.out);
	cr_assert(strstr(P.out, "binds first: "), "%s", P.out);
	cr_assert(strstr(P.out, "predicted max: uring "), "%s", P.out);
}

Test(limits, conns_max_is_for_bench_only, .timeout = 10)
{
	const char *args[] = { "limits", "--conns", "max", NULL };

	cr_assert_eq(run_holdconn(&P, args, 0, 5), 2);
	cr_assert(strstr(P.err, "--conns: 'max' is only for bench"), "%s", P.err);
}

/*
 * Without CAP_IPC_LOCK each ring's queues (8 KiB) are charged to
 * RLIMIT_MEMLOCK: at 256 KiB and 1024-slot tables both bench sides share
 * 32 rings. limits names it and bench stops there, within 5%.
 */
Test(limits, bench_stops_at_rlimit_memlock_where_limits_said, .timeout = 60)
{
	struct proc_limits pl = { .nofile_soft = 1024, .nofile_hard = 1024, .memlock = 256 << 10,
				  .drop_ipc_lock = true };
	const char *largs[] = { "limits", "--json", "--no-calibrate", NULL };
	const char *bargs[] = { "bench", "--conns", "max", "--json", NULL };
	const char *l;
	double predicted, held;

	if (!proc_can_charge_memlock())
		cr_skip_test("this process has CAP_IPC_LOCK and cannot drop it (no CAP_SETPCAP): "
			     "its rings would not be charged to RLIMIT_MEMLOCK");
	proc_start_with(&P, largs, &pl);
	cr_assert_eq(proc_finish(&P, 20), 0, "%s", P.err);
	l = limits_line(&P);
	expect_str(l, "binding", "RLIMIT_MEMLOCK");
	expect_str(l, "binding_stop", "RLIMIT_MEMLOCK");
	predicted = num(l, "uring");
	proc_start_with(&Q, bargs, &pl);
	cr_assert_eq(proc_finish(&Q, 50), 0, "%s", Q.err);
	l = summary_line(&Q);
	expect_str(l, "stop_reason", "RLIMIT_MEMLOCK");
	expect_str(l, "predicted_binding", "RLIMIT_MEMLOCK");
	held = num(l, "held");
	cr_assert_leq(fabs(held - predicted), 0.05 * predicted, "held %.0f, predicted %.0f: %s", held,
		      predicted, l);
}
