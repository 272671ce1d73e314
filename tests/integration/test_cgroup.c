/*
 * test_cgroup.c - holdconn in a memory cgroup of the test's own making:
 * bench stops on the cgroup's limit (reason cgroup) where `holdconn
 * limits` said it would, nothing is OOM-killed; and a side killed mid-ramp
 * is named in bench's summary, which exits non-zero.
 *
 * The cgroup is v1's memory hierarchy when it is mounted and writable
 * (made below this process's own memory cgroup), else a child of the v2
 * root with the memory controller enabled. The test process moves into it,
 * so holdconn and its sides start there; it moves back and removes the
 * cgroup at the end, whatever happened.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "proc.h"

#define LIMIT (256ull << 20) /* ~45,000 pairs here: a ramp of about a second */
/*
 * ~9,000 TLS pairs. Under make check's ASan a window of 1,024 handshakes in
 * flight (with its redzones and freed-memory quarantine) reached 256 MiB in
 * 2 s, before the first point the limit is checked at: the OOM killer won.
 */
#define TLS_LIMIT (512ull << 20)

static struct proc P;

static struct {
	char dir[512];  /* the cgroup made for the test; "" when none */
	char home[512]; /* cgroup.procs of where the test process was */
	int version;
} cg;

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int ret = 0;

	if (!f)
		return -errno;
	if (fputs(text, f) < 0)
		ret = -errno;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

static bool read_line(const char *path, const char *prefix, char *out, size_t len)
{
	FILE *f = fopen(path, "r");
	char line[512];
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, prefix, strlen(prefix)))
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(out, len, "%s", line + strlen(prefix));
		found = true;
	}
	if (f)
		fclose(f);
	return found;
}

static int write_in(const char *dir, const char *file, const char *text)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return write_file(path, text);
}

static bool join(void)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	return !write_in(cg.dir, "cgroup.procs", pid);
}

/* v1: a child of this process's memory cgroup, under the memory hierarchy's mount. */
static bool make_v1(const char *limit, char *why, size_t len)
{
	char rel[256], mount[64] = "/sys/fs/cgroup/memory";
	struct stat st;

	FILE *f = fopen("/proc/self/cgroup", "r");
	char line[512];

	/* "ID:memory:PATH"; the hierarchy ID varies from box to box. */
	rel[0] = 0;
	while (f && fgets(line, sizeof(line), f)) {
		char *c = strstr(line, ":memory:");

		if (c) {
			line[strcspn(line, "\n")] = 0;
			snprintf(rel, sizeof(rel), "%s", c + 8);
		}
	}
	if (f)
		fclose(f);
	if (!rel[0] || stat(mount, &st)) {
		snprintf(why, len, "v1: no memory hierarchy in /proc/self/cgroup or at %s", mount);
		return false;
	}
	snprintf(cg.home, sizeof(cg.home), "%s%s/cgroup.procs", mount, strcmp(rel, "/") ? rel : "");
	snprintf(cg.dir, sizeof(cg.dir), "%s%s/holdconn-test-%d", mount, strcmp(rel, "/") ? rel : "",
		 (int)getpid());
	if (mkdir(cg.dir, 0755)) {
		snprintf(why, len, "v1: mkdir %.400s: %s", cg.dir, strerror(errno));
		cg.dir[0] = 0;
		return false;
	}
	if (write_in(cg.dir, "memory.limit_in_bytes", limit)) {
		snprintf(why, len, "v1: %.400s/memory.limit_in_bytes is not writable", cg.dir);
		rmdir(cg.dir);
		cg.dir[0] = 0;
		return false;
	}
	cg.version = 1;
	return true;
}

/* v2: a child of the unified root, where the no-internal-process rule does not apply. */
static bool make_v2(const char *limit, char *why, size_t len)
{
	const char *roots[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	char controllers[256] = "", path[300];

	for (unsigned i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/cgroup.controllers", roots[i]);
		if (!read_line(path, "", controllers, sizeof(controllers)))
			continue;
		if (!strstr(controllers, "memory")) {
			snprintf(why, len, "v2: %.200s lists no memory controller (\"%.60s\")", path, controllers);
			continue;
		}
		snprintf(path, sizeof(path), "%s/cgroup.subtree_control", roots[i]);
		write_file(path, "+memory");
		snprintf(cg.home, sizeof(cg.home), "%s/cgroup.procs", roots[i]);
		snprintf(cg.dir, sizeof(cg.dir), "%s/holdconn-test-%d", roots[i], (int)getpid());
		if (mkdir(cg.dir, 0755) || write_in(cg.dir, "memory.max", limit)) {
			snprintf(why, len, "v2: %.400s/memory.max cannot be written: %s", cg.dir, strerror(errno));
			rmdir(cg.dir);
			cg.dir[0] = 0;
			continue;
		}
		cg.version = 2;
		return true;
	}
	return false;
}

/*
 * Makes a fresh memory cgroup limited to limit bytes, or skips saying why:
 * before the test starts any process, since a skip ends it without .fini.
 */
static void make_cgroup(uint64_t limit)
{
	char text[32], why1[1024] = "", why2[1024] = "v2: no cgroup2 hierarchy at /sys/fs/cgroup";

	snprintf(text, sizeof(text), "%llu", (unsigned long long)limit);
	if (!make_v1(text, why1, sizeof(why1)) && !make_v2(text, why2, sizeof(why2)))
		cr_skip_test("no memory controller can be written here (%s; %s)", why1, why2);
}

/* ... and moves the test into it. */
static void enter_cgroup(uint64_t limit)
{
	make_cgroup(limit);
	cr_assert(join(), "cannot move into %s", cg.dir);
}

/* .fini: back to where the test began, every process of the cgroup gone, the cgroup removed. */
static void leave_cgroup(void)
{
	char pid[32];
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	proc_cleanup();
	if (!cg.dir[0])
		return;
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	write_file(cg.home, pid);
	for (int i = 0; i < 100 && rmdir(cg.dir) && errno == EBUSY; i++)
		nanosleep(&ts, NULL);
	cr_expect_eq(access(cg.dir, F_OK), -1, "%s left behind", cg.dir);
	cg.dir[0] = 0;
}

TestSuite(cgroup, .fini = leave_cgroup);

static uint64_t oom_kills(void)
{
	char v[64] = "0";

	if (cg.version == 1) {
		char path[600];

		snprintf(path, sizeof(path), "%s/memory.oom_control", cg.dir);
		read_line(path, "oom_kill ", v, sizeof(v));
	} else {
		char path[600];

		snprintf(path, sizeof(path), "%s/memory.events", cg.dir);
		read_line(path, "oom_kill ", v, sizeof(v));
	}
	return strtoull(v, NULL, 10);
}

/*
 * Runs bench (args) in the test's cgroup: it must end by itself, not by
 * SIGKILL, with a summary in line whose stop reason is the cgroup's.
 */
static void bench_stops_on_cgroup(const char **args, int timeout, char *line, size_t len)
{
	char reason[64];
	int code = run_holdconn(&P, args, 0, timeout);

	cr_expect_neq(code, 128 + SIGKILL, "killed: %s", P.err);
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, len), "%s %s", P.out, P.err);
	cr_assert(json_str(line, "stop_reason", reason, sizeof(reason)));
	cr_expect_str_eq(reason, "cgroup", "%s", line);
}

/* Neither bench's summary nor the cgroup's counters saw the OOM killer. */
static void expect_no_oom_kill(const char *line)
{
	cr_expect_null(strstr(line, "\"killed\""), "%s", line);
	cr_expect_eq(oom_kills(), 0, "the OOM killer ran in the cgroup");
}

Test(cgroup, bench_stops_on_the_limit_where_limits_predicted, .timeout = 120)
{
	const char *lim[] = { "limits", "--json", NULL };
	const char *bench[] = { "bench", "--conns", "1000000", "--json", NULL };
	char line[1 << 16], reason[64];
	double predicted, held, limit;

	enter_cgroup(LIMIT);
	cr_assert_eq(run_holdconn(&P, lim, 0, 60), 0, "%s", P.err);
	cr_assert_not_null(proc_line(&P, "\"predicted_connections\"", line, sizeof(line)), "%s", P.out);
	cr_assert(json_str(line, "binding_stop", reason, sizeof(reason)), "%s", line);
	cr_expect_str_eq(reason, "cgroup", "%s", line);
	cr_assert(json_num(strstr(line, "\"predicted_connections\""), "uring", &predicted), "%s", line);

	bench_stops_on_cgroup(bench, 60, line, sizeof(line));
	cr_assert(json_num(line, "held", &held));
	cr_expect_lt(fabs(held - predicted) / predicted, 0.05, "held %.0f, limits predicted %.0f",
		     held, predicted);
	cr_assert(json_num(strstr(line, "\"cgroup\""), "limit_bytes", &limit), "%s", line);
	cr_expect_eq((uint64_t)limit, LIMIT);
	expect_no_oom_kill(line);
}

/* Kills bench's n-th side (1: serve, 2: connect) with SIGKILL once 20,000 pairs are held. */
static void kill_side_mid_ramp(int n, const char *side)
{
	const char *bench[] = { "bench", "--conns", "400000", "--report-every", "10000", "--json", NULL };
	char line[1 << 16], reason[64], name[32], detail[512];
	double held, sig, kernel;
	pid_t victim;

	enter_cgroup(4ull << 30); /* no limit that binds: the oom_kill count is read, and is 0 */
	proc_start(&P, bench, 0);
	cr_assert(proc_wait_for(&P, "\"connections\":20000,", 40), "%s %s", P.out, P.err);
	victim = proc_child(P.pid, n);
	cr_assert_gt(victim, 0);
	cr_assert_eq(kill(victim, SIGKILL), 0);
	cr_expect_eq(proc_finish(&P, 60), 1, "a side killed is a failure: %s", P.err);
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, sizeof(line)), "%s %s", P.out,
			   P.err);
	cr_assert(json_str(line, "stop_reason", reason, sizeof(reason)));
	cr_expect_str_eq(reason, "killed", "%s", line);
	cr_assert(json_str(line, "stop_detail", detail, sizeof(detail)));
	cr_expect(strstr(detail, side) && strstr(detail, "SIGKILL"), "%s", detail);
	cr_expect_null(strstr(detail, "reset"), "the other side's resets are not the cause: %s", detail);
	cr_assert_not_null(strstr(line, "\"killed\""), "%s", line);
	cr_assert(json_str(strstr(line, "\"killed\""), "side", name, sizeof(name)));
	cr_expect_str_eq(name, side);
	cr_assert(json_num(strstr(line, "\"killed\""), "signal", &sig));
	cr_expect_eq((int)sig, SIGKILL);
	cr_assert(json_num(strstr(line, "\"killed\""), "cgroup_oom_kills", &sig));
	cr_expect_eq((int)sig, 0, "the test killed it, not the OOM killer");
	/* The figures of the last point before it died stand. */
	cr_assert(json_num(line, "held", &held));
	cr_expect_geq(held, 20000);
	cr_assert(json_num(line, "kernel_bytes_per_socket", &kernel));
	cr_expect_gt(kernel, 1000);
}

Test(cgroup, serve_killed_mid_ramp_is_named_and_bench_fails, .timeout = 120)
{
	kill_side_mid_ramp(1, "serve");
}

Test(cgroup, connect_killed_mid_ramp_is_named_and_bench_fails, .timeout = 120)
{
	kill_side_mid_ramp(2, "connect");
}

/*
 * connect alone (as in a pod of its own) under a limit that binds before
 * its target: stop reason cgroup and the cgroup's block in its summary, as
 * bench gives. serve starts first, outside the cgroup.
 */
Test(cgroup, connect_alone_stops_on_the_limit_and_says_so, .timeout = 60)
{
	const uint64_t limit = 48ull << 20; /* about 12,000 sockets here after start-up */
	char ep[64], line[1 << 16], reason[64];
	int port = free_port_base(1);
	double held, v;
	struct proc Q;

	cr_assert_gt(port, 0);
	snprintf(ep, sizeof(ep), "127.0.0.1:%d", port);
	const char *sargs[] = { "serve", "--listen", ep, "--json", NULL };
	const char *cargs[] = { "connect", "--target", ep, "--conns", "19000", "--reserve", "8M",
				"--duration", "0s", "--json", NULL };

	make_cgroup(limit);
	proc_start(&P, sargs, 0); /* outside the cgroup: only connect is limited */
	cr_assert(proc_wait_for(&P, "\"event\":\"start\"", 10), "serve did not start: %s", P.err);
	cr_assert(join(), "cannot move into %s", cg.dir);
	cr_expect_eq(run_holdconn(&Q, cargs, 0, 40), 3, "short of its target: %s", Q.err);
	cr_assert_not_null(proc_line(&Q, "\"event\":\"summary\"", line, sizeof(line)), "%s %s", Q.out,
			   Q.err);
	cr_assert(json_str(line, "stop_reason", reason, sizeof(reason)));
	cr_expect_str_eq(reason, "cgroup", "%s", line);
	cr_assert(json_num(line, "held", &held));
	cr_expect(held > 1000 && held < 19000, "held %.0f: %s", held, line);
	cr_assert_not_null(strstr(line, "\"cgroup\""), "no cgroup block: %s", line);
	cr_assert(json_num(strstr(line, "\"cgroup\""), "limit_bytes", &v), "%s", line);
	cr_expect_eq((uint64_t)v, limit);
	cr_assert(json_num(strstr(line, "\"cgroup\""), "charged_bytes_per_connection", &v), "%s", line);
	cr_expect(v > 1000 && v < 20000, "charged %.0f B per connection", v);
	cr_expect_eq(oom_kills(), 0, "the OOM killer ran in the cgroup");
	proc_signal(&P, SIGTERM);
	cr_expect_eq(proc_finish(&P, 20), 0, "serve: %s", P.err);
}

/*
 * TLS pairs under a limit: OpenSSL's ~54 KB a pair (both sides' state) is
 * charged as it grows, ~1,000 handshakes a second, and a window of 1,024
 * handshakes in flight holds more (at 128 MiB none was established before
 * the stop); bench still stops on the cgroup, named with its file, before
 * the OOM killer does.
 */
Test(cgroup, bench_tls_stops_on_the_limit_not_the_oom_killer, .timeout = 120)
{
	const uint64_t limit = TLS_LIMIT;
	const char *bench[] = { "bench", "--tls", "--conns", "100000", "--json", NULL };
	char line[1 << 16], detail[512];
	double held, tls;

	enter_cgroup(limit);
	bench_stops_on_cgroup(bench, 90, line, sizeof(line));
	cr_assert(json_str(line, "stop_detail", detail, sizeof(detail)), "%s", line);
	cr_expect(strstr(detail, "memory.limit_in_bytes") || strstr(detail, "memory.max"),
		  "the limit's file is named: %s", detail);
	cr_assert(json_num(line, "held", &held));
	cr_expect(held > 200 && held < 100000, "held %.0f: %s", held, line);
	cr_assert(json_num(strstr(line, "\"tls\":{"), "tls_bytes_per_connection", &tls), "%s", line);
	cr_expect_gt(tls, 10000, "OpenSSL's bytes counted: %s", line);
	expect_no_oom_kill(line);
}
