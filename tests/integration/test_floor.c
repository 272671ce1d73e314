/*
 * test_floor.c - the floor under bench (bench/floor/floor) keeps working:
 * it holds pairs over several rings, watches them as bench's serve does and
 * tears down as bench does, prints its points and summary, and leaves
 * nothing behind (its namespace, the ehash sysctl it sets around unshare).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <liburing.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "base/uring_compat.h"
#include "proc.h"

TestSuite(floor, .fini = proc_cleanup);

static struct proc P;

/* A private network namespace, as the floor makes one (root, not in a locked-down container). */
static bool can_unshare_net(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(unshare(CLONE_NEWNET | CLONE_NEWNS) ? 1 : 0);
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

static bool has_bind_op(void)
{
	struct io_uring_probe *p = io_uring_get_probe();
	bool ok = p && io_uring_opcode_supported(p, HC_OP_BIND) &&
		  io_uring_opcode_supported(p, HC_OP_URING_CMD);

	if (p)
		io_uring_free_probe(p);
	return ok;
}

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f && fscanf(f, "%ld", &v) != 1)
		v = -1;
	if (f)
		fclose(f);
	return v;
}

/* Any process still in the namespace named ns ("net:[N]")? */
static bool netns_alive(const char *ns)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	bool found = false;

	while (d && !found && (e = readdir(d))) {
		char path[300], link[64];
		ssize_t n;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = 0;
			found = !strcmp(link, ns);
		}
	}
	if (d)
		closedir(d);
	return found;
}

static double field(const char *line, const char *key)
{
	char pat[64];
	const char *s;

	snprintf(pat, sizeof(pat), " %s=", key);
	s = strstr(line, pat);
	return s ? strtod(s + strlen(pat), NULL) : -1;
}

/* 60,000 pairs take three rings of 20,000 slots a side, whose CQs of 128 overflow. */
Test(floor, holds_60000_pairs_over_three_rings_and_leaves_nothing, .timeout = 60)
{
	const char *args[] = { "60000", "--report-every", "20000", "--ports", "4", NULL };
	long ehash = read_long("/proc/sys/net/ipv4/tcp_child_ehash_entries");
	char line[1024], ns[64] = "";
	const char *s;

	if (!can_unshare_net())
		cr_skip_test("cannot unshare a network namespace here (needs root): the floor needs one");
	if (!has_bind_op())
		cr_skip_test("io_uring lacks BIND (6.11) or socket uring_cmd (6.7): the floor needs both");
	proc_start_path(&P, floor_path(), args, 0);
	cr_assert_eq(proc_finish(&P, 50), 0, "stderr: %s", P.err);
	cr_assert_not_null(proc_line(&P, "point conns=20000 ", line, sizeof(line)), "out: %s", P.out);
	cr_assert_not_null(proc_line(&P, "point conns=40000 ", line, sizeof(line)), "out: %s", P.out);
	cr_assert_not_null(proc_line(&P, "point conns=60000 ", line, sizeof(line)), "out: %s", P.out);
	cr_assert_gt(field(line, "rate"), 0, "%s", line);
	cr_assert_not_null(proc_line(&P, "summary pairs=60000 ", line, sizeof(line)), "out: %s", P.out);
	cr_assert_gt(field(line, "ramp_s"), 0, "%s", line);
	cr_assert_gt(field(line, "rate"), 0, "%s", line);
	cr_assert_gt(field(line, "last10_rate"), 0, "%s", line);
	cr_assert_gt(field(line, "teardown_s"), 0, "%s", line);
	/* bench's teardown: the server closed every slot as its reset arrived, on its own CPU. */
	cr_assert_not_null(strstr(line, " teardown=on-reset"), "%s", line);
	cr_assert_eq(field(line, "reset_closed"), 60000, "%s", line);
	cr_assert_not_null(proc_line(&P, "floor: 60000 pairs, 4 ports", line, sizeof(line)), "%s", P.out);
	cr_assert_not_null(strstr(line, " watch poll,"), "%s", line);
	cr_assert_not_null(strstr(line, ", unpinned"), "%s", line);
	s = strstr(line, "netns ");
	cr_assert_not_null(s, "%s", line);
	sscanf(s + strlen("netns "), "%63s", ns);
	cr_assert_not_null(strstr(ns, "net:["), "%s", line);
	cr_assert_not(netns_alive(ns), "a process is still in the floor's namespace %s", ns);
	cr_assert_eq(read_long("/proc/sys/net/ipv4/tcp_child_ehash_entries"), ehash,
		     "tcp_child_ehash_entries was not put back");
}

/* The heartbeat floor: a window at every mark, every beat read, judged against the SLO. */
Test(floor, heartbeat_windows_read_every_beat_and_find_the_knee, .timeout = 60)
{
	/* A beat is on time within 1% of its period: 100 ms, wide enough for a busy test box. */
	const char *args[] = { "2000", "--report-every", "1000", "--ports", "2", "--send", "64",
			       "--every", "10s", "--hold", "2s", "--slo", "p99=1s", NULL };
	char line[1024];

	if (!can_unshare_net())
		cr_skip_test("cannot unshare a network namespace here (needs root): the floor needs one");
	if (!has_bind_op())
		cr_skip_test("io_uring lacks BIND (6.11) or socket uring_cmd (6.7): the floor needs both");
	proc_start_path(&P, floor_path(), args, 0);
	cr_assert_eq(proc_finish(&P, 50), 0, "stderr: %s\nout: %s", P.err, P.out);
	for (int conns = 1000; conns <= 2000; conns += 1000) {
		char want[64];

		snprintf(want, sizeof(want), "window conns=%d ", conns);
		cr_assert_not_null(proc_line(&P, want, line, sizeof(line)), "out: %s", P.out);
		/* 2 s of a 10 s period: a fifth of the pairs beat, every beat read whole. */
		cr_assert_eq(field(line, "due"), conns / 5, "%s", line);
		cr_assert_eq(field(line, "sent"), conns / 5, "%s", line);
		cr_assert_eq(field(line, "msgs"), conns / 5, "%s", line);
		cr_assert_eq(field(line, "failed"), 0, "%s", line);
		cr_assert_eq(field(line, "partial"), 0, "%s", line);
		cr_assert_gt(field(line, "one_way_p99_us"), 0, "%s", line);
		cr_assert_gt(field(line, "server_cpu_ms_per_1k"), 0, "%s", line);
		cr_assert_gt(field(line, "client_cpu_ms_per_1k"), 0, "%s", line);
		cr_assert_not_null(strstr(line, " slo=met"), "%s", line);
	}
	cr_assert_not_null(proc_line(&P, "beat pairs=2000 ", line, sizeof(line)), "out: %s", P.out);
	cr_assert_eq(field(line, "knee"), 2000, "%s", line);
	/* The recv is each server slot's watch: the teardown closed all on their resets. */
	cr_assert_not_null(proc_line(&P, "summary pairs=2000 ", line, sizeof(line)), "out: %s", P.out);
	cr_assert_eq(field(line, "reset_closed"), 2000, "%s", line);
}

/* --pin, as bench's: the server on one CPU, the client on another, said in its first line. */
Test(floor, pin_puts_its_server_and_client_on_cpus_of_their_own, .timeout = 60)
{
	const char *args[] = { "2000", "--ports", "2", "--pin", "--report-every", "1000", NULL };
	char line[1024];
	cpu_set_t all;
	int s = -1, c = -1;
	const char *p;

	if (!can_unshare_net())
		cr_skip_test("cannot unshare a network namespace here (needs root): the floor needs one");
	if (!has_bind_op())
		cr_skip_test("io_uring lacks BIND (6.11) or socket uring_cmd (6.7): the floor needs both");
	if (sched_getaffinity(0, sizeof(all), &all) || CPU_COUNT(&all) < 2)
		cr_skip_test("this test may run on one CPU: --pin needs two");
	proc_start_path(&P, floor_path(), args, 0);
	cr_assert_eq(proc_finish(&P, 50), 0, "stderr: %s", P.err);
	cr_assert_not_null(proc_line(&P, "summary pairs=2000 ", line, sizeof(line)), "out: %s", P.out);
	cr_assert_not_null(proc_line(&P, "floor: 2000 pairs", line, sizeof(line)), "%s", P.out);
	p = strstr(line, "pinned: server CPU ");
	cr_assert_not_null(p, "%s", line);
	cr_assert_eq(sscanf(p, "pinned: server CPU %d, client CPU %d", &s, &c), 2, "%s", line);
	cr_assert(CPU_ISSET(s, &all) && CPU_ISSET(c, &all) && s != c, "%s", line);
}
