/*
 * test_modes.c - the epoll and threads event models against the real
 * binary: each holds 3000 pairs, epoll stops at RLIMIT_NOFILE with EMFILE,
 * threads runs one thread per connection and leaves none behind.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>
#include "proc.h"

TestSuite(modes, .fini = proc_cleanup);

#define PAIRS 3000
#define NOFILE 8192 /* room for PAIRS descriptors per side, listeners and stdio */

static struct proc P, Q;

/* Both sides of a bench need a descriptor per connection in epoll and threads modes. */
static long nofile_for_pairs(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_max < NOFILE)
		cr_skip_test("RLIMIT_NOFILE hard limit is below %d: raise it with ulimit -Hn", NOFILE);
	return NOFILE;
}

/* The Threads: line of /proc/PID/status, -1 if the process is gone. */
static long thread_count(pid_t pid)
{
	char path[64], buf[256];
	long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	while (f && fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "Threads: %ld", &n) == 1)
			break;
	if (f)
		fclose(f);
	return n;
}

/* Processes whose parent is us: with PR_SET_CHILD_SUBREAPER that includes orphans. */
static int children_left(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d))) {
		char path[300], buf[512];
		int ppid = 0;
		FILE *f;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		/* pid (comm) state ppid: comm may hold spaces, so read after the last ')'. */
		if (fgets(buf, sizeof(buf), f) && strrchr(buf, ')') &&
		    sscanf(strrchr(buf, ')') + 2, "%*c %d", &ppid) == 1 && ppid == getpid())
			n++;
		fclose(f);
	}
	if (d)
		closedir(d);
	return n;
}

struct mode_case {
	char mode[16];
	char client[16];
};

ParameterizedTestParameters(modes, bench_holds_3000_pairs)
{
	static struct mode_case cases[] = {
		{ "uring", "uring" },
		{ "epoll", "uring" },
		{ "threads", "uring" },
		{ "epoll", "epoll" },
		{ "threads", "threads" },
	};
	return cr_make_param_array(struct mode_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct mode_case *c, modes, bench_holds_3000_pairs, .timeout = 40)
{
	const char *args[] = { "bench", "--conns", "3000", "--ports", "4", "--json", "--mode", c->mode,
			       "--client-mode", c->client, NULL };
	long nofile = nofile_for_pairs();
	uint64_t base = tcp_inuse();
	char line[65536], reason[64];
	double held;

	cr_assert_eq(run_holdconn(&P, args, nofile, 30), 0, "%s/%s: %s", c->mode, c->client, P.err);
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, sizeof(line)), "%s", P.out);
	cr_assert(json_num(line, "held", &held));
	cr_assert_eq(held, PAIRS, "%s/%s held %.0f: %s", c->mode, c->client, held, line);
	cr_assert(json_str(line, "stop_reason", reason, sizeof(reason)));
	cr_assert_str_eq(reason, "target", "%s", line);
	cr_assert(tcp_back_to(base, 20), "sockets left behind: %lu in use, %lu before",
		  (unsigned long)tcp_inuse(), (unsigned long)base);
}

Test(modes, epoll_bench_stops_at_emfile_under_nofile_1024, .timeout = 30)
{
	/* The client runs epoll too, so the descriptor limit binds on both sides. */
	const char *args[] = { "bench", "--conns", "3000", "--ports", "4", "--json", "--mode", "epoll",
			       "--client-mode", "epoll", NULL };
	char line[65536], reason[64];
	double held;

	/* Short of --conns: 3. */
	cr_assert_eq(run_holdconn(&P, args, 1024, 25), 3, "%s", P.err);
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, sizeof(line)), "%s", P.out);
	cr_assert(json_str(line, "stop_reason", reason, sizeof(reason)));
	cr_assert_str_eq(reason, "EMFILE", "%s", line);
	cr_assert(json_num(line, "held", &held));
	cr_assert_lt(held, 1024, "%s", line);
	cr_assert_gt(held, 900, "stopped long before the limit: %s", line);
}

Test(modes, epoll_serve_stops_accepting_at_emfile, .timeout = 40)
{
	int port = free_port_base(1);
	char listen[64], line[65536], reason[64];
	double held;

	cr_assert_gt(port, 0);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	const char *sargs[] = { "serve", "--listen", listen, "--mode", "epoll", "--json", NULL };
	const char *cargs[] = { "connect", "--target", listen, "--conns", "3000", "--json", NULL };

	proc_start(&P, sargs, 1024);
	cr_assert(proc_wait_for(&P, "\"event\":\"start\"", 10), "serve did not start: %s", P.err);
	proc_start(&Q, cargs, 0);
	/* The server's last point comes when its ramp ends: at EMFILE. */
	cr_assert(proc_wait_for(&P, "\"event\":\"report\"", 20), "serve: %s %s", P.out, P.err);
	proc_signal(&P, SIGTERM);
	cr_assert_eq(proc_finish(&P, 20), 0, "serve: %s", P.err);
	proc_signal(&Q, SIGTERM);
	proc_finish(&Q, 20);
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, sizeof(line)), "%s", P.out);
	cr_assert(json_str(line, "stop_reason", reason, sizeof(reason)));
	cr_assert_str_eq(reason, "EMFILE", "%s", line);
	cr_assert(json_num(line, "held", &held));
	cr_assert_lt(held, 1024, "%s", line);
	cr_assert_gt(held, 900, "%s", line);
}

Test(modes, threads_bench_leaves_no_process_behind, .timeout = 40)
{
	const char *args[] = { "bench", "--conns", "3000", "--ports", "4", "--json", "--mode",
			       "threads", "--client-mode", "threads", NULL };
	long nofile = nofile_for_pairs();
	char line[65536];
	double teardown;

	/* Orphaned sides would be handed to us, so children_left() sees them. */
	cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	cr_assert_eq(run_holdconn(&P, args, nofile, 30), 0, "%s", P.err);
	cr_assert_eq(children_left(), 0, "holdconn processes left behind");
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, sizeof(line)), "%s", P.out);
	cr_assert(json_num(line, "teardown_seconds", &teardown), "%s", line);
	cr_assert_lt(teardown, 20, "teardown did not complete: %s", line);
}

Test(modes, threads_runs_one_thread_per_connection, .timeout = 40)
{
	int port = free_port_base(1);
	long nofile = nofile_for_pairs();
	char listen[64], line[65536];
	double held;

	cr_assert_gt(port, 0);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	const char *sargs[] = { "serve", "--listen", listen, "--mode", "threads", "--json",
				"--report-every", "1000", NULL };
	const char *cargs[] = { "connect", "--target", listen, "--conns", "2000", "--mode", "threads",
				"--json", "--report-every", "1000", NULL };

	proc_start(&P, sargs, nofile);
	cr_assert(proc_wait_for(&P, "\"event\":\"start\"", 10), "serve did not start: %s", P.err);
	proc_start(&Q, cargs, nofile);
	cr_assert(proc_wait_for(&Q, "\"connections\":2000,", 20), "client: %s %s", Q.out, Q.err);
	cr_assert(proc_wait_for(&P, "\"connections\":2000,", 10), "server: %s %s", P.out, P.err);
	/* The main thread and one per connection, on each side. */
	cr_assert_eq(thread_count(P.pid), 2001);
	cr_assert_eq(thread_count(Q.pid), 2001);
	proc_signal(&P, SIGTERM);
	cr_assert_eq(proc_finish(&P, 20), 0, "serve: %s", P.err);
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, sizeof(line)), "%s", P.out);
	cr_assert(json_num(line, "held", &held));
	cr_assert_eq(held, 2000, "%s", line);
	/* Every connection closed under the client: it joins its threads and exits by itself,
	 * holding none of its target (3). */
	cr_assert_eq(proc_finish(&Q, 20), 3, "client: %s", Q.err);
	cr_assert_not_null(proc_line(&Q, "\"event\":\"summary\"", line, sizeof(line)), "%s", Q.out);
	cr_assert(json_num(line, "held", &held));
	cr_assert_eq(held, 0, "%s", line);
}
