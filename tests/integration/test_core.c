/*
 * test_core.c - the real binary on loopback: direct descriptors beyond
 * RLIMIT_NOFILE, peer closes free every slot, bad usage exits 2.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "proc.h"

TestSuite(core, .fini = proc_cleanup);

static struct proc P, Q;

Test(core, bench_holds_20000_pairs_with_nofile_1024, .timeout = 120)
{
	const char *args[] = { "bench", "--conns", "20000", "--report-every", "5000", "--json",
			       "--ports", "4", NULL };
	uint64_t base = tcp_inuse();
	char line[65536], reason[64];
	double held, conns;

	cr_assert_eq(run_holdconn(&P, args, 1024, 100), 0, "stderr: %s", P.err);
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, sizeof(line)), "out: %s", P.out);
	cr_assert(json_num(line, "held", &held));
	cr_assert_eq(held, 20000, "held %.0f: %s", held, line);
	cr_assert(json_str(line, "stop_reason", reason, sizeof(reason)));
	cr_assert_str_eq(reason, "target");
	cr_assert_not_null(proc_line(&P, "\"connections\":5000,", line, sizeof(line)), "no report at 5000");
	cr_assert_not_null(proc_line(&P, "\"connections\":20000,", line, sizeof(line)));
	cr_assert(json_num(line, "kernel_bytes_per_socket", &conns));
	cr_assert_gt(conns, 2000, "kernel bytes per socket %.0f is implausibly low", conns);
	cr_assert(tcp_back_to(base, 30), "sockets left behind: %lu in use, %lu before",
		  (unsigned long)tcp_inuse(), (unsigned long)base);
}

Test(core, killed_client_frees_every_server_slot, .timeout = 60)
{
	int port = free_port_base(1);
	char listen[64], line[65536];
	double held, closed;
	uint64_t base = tcp_inuse();

	cr_assert_gt(port, 0);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	const char *sargs[] = { "serve", "--listen", listen, "--json", "--report-every", "1000", NULL };
	const char *cargs[] = { "connect", "--target", listen, "--conns", "3000", "--json",
				"--report-every", "1000", NULL };

	proc_start(&P, sargs, 0);
	cr_assert(proc_wait_for(&P, "\"event\":\"start\"", 10), "serve did not start: %s", P.err);
	proc_start(&Q, cargs, 0);
	cr_assert(proc_wait_for(&Q, "\"connections\":3000,", 30), "client: %s %s", Q.out, Q.err);
	cr_assert(proc_wait_for(&P, "\"connections\":3000,", 10), "server: %s %s", P.out, P.err);
	proc_signal(&Q, SIGKILL);
	cr_assert_eq(proc_finish(&Q, 10), 128 + SIGKILL);
	sleep(2);
	proc_signal(&P, SIGTERM);
	cr_assert_eq(proc_finish(&P, 20), 0, "serve: %s", P.err);
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, sizeof(line)), "%s", P.out);
	cr_assert(json_num(line, "held", &held));
	cr_assert_eq(held, 0, "slots still held after the peer died: %s", line);
	cr_assert(json_num(line, "closed_early", &closed));
	cr_assert_eq(closed, 3000, "%s", line);
	cr_assert(tcp_back_to(base, 30), "sockets left behind");
}

Test(core, killed_server_is_noticed_by_client, .timeout = 60)
{
	int port = free_port_base(1);
	char listen[64], line[65536];
	double held, closed;

	cr_assert_gt(port, 0);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	const char *sargs[] = { "serve", "--listen", listen, "--json", NULL };
	const char *cargs[] = { "connect", "--target", listen, "--conns", "2000", "--json",
				"--report-every", "1000", NULL };

	proc_start(&P, sargs, 0);
	cr_assert(proc_wait_for(&P, "\"event\":\"start\"", 10));
	proc_start(&Q, cargs, 0);
	cr_assert(proc_wait_for(&Q, "\"connections\":2000,", 30), "client: %s %s", Q.out, Q.err);
	proc_signal(&P, SIGKILL);
	proc_finish(&P, 10);
	/* Every connection closes under it: the client reports and exits by itself, short (3). */
	cr_assert_eq(proc_finish(&Q, 20), 3, "client: %s", Q.err);
	cr_assert_not_null(proc_line(&Q, "\"event\":\"summary\"", line, sizeof(line)), "%s", Q.out);
	cr_assert(json_num(line, "closed_early", &closed));
	cr_assert_eq(closed, 2000, "%s", line);
	cr_assert(json_num(line, "held", &held));
	cr_assert_eq(held, 0);
}

Test(core, sigint_during_bench_prints_summary_and_releases, .timeout = 60)
{
	const char *args[] = { "bench", "--conns", "5000000", "--json", "--ports", "4", NULL };
	uint64_t base = tcp_inuse();
	char line[65536], reason[64];

	proc_start(&P, args, 0);
	cr_assert(proc_wait_for(&P, "\"connections\":100000,", 40), "%s %s", P.out, P.err);
	proc_signal(&P, SIGINT);
	/* Stopped short of --conns by the signal: 3, with its summary. */
	cr_assert_eq(proc_finish(&P, 40), 3, "%s", P.err);
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, sizeof(line)));
	cr_assert(json_str(line, "stop_reason", reason, sizeof(reason)));
	cr_assert_str_eq(reason, "signal");
	cr_assert(tcp_back_to(base, 30), "sockets left behind");
}

Test(core, reserve_stops_the_ramp, .timeout = 60)
{
	/* A reserve 300 MB under what is free now binds within a few ten thousand pairs. */
	FILE *f = fopen("/proc/meminfo", "r");
	unsigned long long kb = 0;
	char buf[256], reserve[64], line[65536], reason[64];
	double held;

	while (f && fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "MemAvailable: %llu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	cr_assert_gt(kb, 400 * 1024);
	snprintf(reserve, sizeof(reserve), "%lluKi", kb - 300 * 1024);
	const char *args[] = { "bench", "--conns", "max", "--json", "--reserve", reserve, "--ports",
			       "4", NULL };

	cr_assert_eq(run_holdconn(&P, args, 0, 55), 0, "%s", P.err);
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, sizeof(line)), "%s", P.out);
	cr_assert(json_str(line, "stop_reason", reason, sizeof(reason)));
	cr_assert_str_eq(reason, "reserve");
	cr_assert(json_num(line, "held", &held));
	cr_assert_gt(held, 1000);
}

/* A source port some service holds on the wildcard address fails the bind: skip it, replace it. */
Test(core, source_port_held_elsewhere_is_skipped_and_replaced, .timeout = 30)
{
	int port = free_port_base(4), busy = port + 1, fd, one = 1;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(busy),
				  .sin_addr.s_addr = htonl(INADDR_ANY) };
	char listen_ep[64], sport[32], line[65536];
	double held, failed;

	cr_assert_gt(port, 0);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "port %d: %s", busy, strerror(errno));
	cr_assert_eq(listen(fd, 1), 0);
	snprintf(listen_ep, sizeof(listen_ep), "127.0.0.1:%d", port);
	snprintf(sport, sizeof(sport), "%d-%d", busy, busy + 2);
	const char *sargs[] = { "serve", "--listen", listen_ep, "--json", NULL };
	const char *cargs[] = { "connect", "--target", listen_ep, "--conns", "2", "--source", "127.2.0.1",
				"--sport", sport, "--json", NULL };

	proc_start(&P, sargs, 0);
	cr_assert(proc_wait_for(&P, "\"event\":\"start\"", 10));
	proc_start(&Q, cargs, 0);
	cr_assert(proc_wait_for(&Q, "\"connections\":2,", 10), "client: %s %s", Q.out, Q.err);
	proc_signal(&Q, SIGTERM);
	cr_assert_eq(proc_finish(&Q, 10), 0, "%s", Q.err);
	close(fd);
	cr_assert_not_null(proc_line(&Q, "\"event\":\"summary\"", line, sizeof(line)), "%s", Q.out);
	cr_assert(json_num(line, "held", &held));
	cr_assert_eq(held, 2, "%s", line);
	cr_assert(json_num(line, "failed", &failed));
	cr_assert_eq(failed, 1, "%s", line);
	proc_signal(&P, SIGTERM);
	proc_finish(&P, 10);
}

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* bench tunes only its own namespace: the host's knobs are as it found them. */
Test(core, bench_leaves_the_hosts_settings_as_it_found_them, .timeout = 60)
{
	const char *ehash = "/proc/sys/net/ipv4/tcp_child_ehash_entries";
	const char *rps = "/sys/class/net/lo/queues/rx-0/rps_cpus";
	const char *args[] = { "bench", "--conns", "3000", "--ports", "2", "--json", NULL };
	long ehash0 = read_long(ehash), rps0 = read_long(rps);

	cr_assert_eq(run_holdconn(&P, args, 0, 50), 0, "%s", P.err);
	cr_assert_eq(read_long(ehash), ehash0, "tcp_child_ehash_entries changed");
	cr_assert_eq(read_long(rps), rps0, "the host's lo rps_cpus changed");
}

/* The one CPU pid may run on, or -1 when it may run on more (or none is read). */
static int only_cpu(pid_t pid)
{
	cpu_set_t set;

	if (sched_getaffinity(pid, sizeof(set), &set) || CPU_COUNT(&set) != 1)
		return -1;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			return c;
	return -1;
}

/* --pin: serve on one CPU, connect on another, as its notice says; on one CPU it names the limit. */
Test(core, pin_puts_serve_and_connect_on_cpus_of_their_own, .timeout = 60)
{
	const char *args[] = { "bench", "--conns", "2000", "--ports", "2", "--hold", "3s", "--pin", "--json",
			       NULL };
	char want[96], line[4096];
	cpu_set_t all, one;
	int s, c;

	cr_assert_eq(sched_getaffinity(0, sizeof(all), &all), 0);
	if (CPU_COUNT(&all) < 2)
		cr_skip_test("this test may run on %d CPU: --pin needs two", CPU_COUNT(&all));
	proc_start(&P, args, 0);
	cr_assert(proc_wait_for(&P, "\"connections\":2000,", 40), "%s %s", P.out, P.err);
	s = only_cpu(proc_child(P.pid, 1));
	c = only_cpu(proc_child(P.pid, 2));
	cr_assert_geq(s, 0, "serve is not pinned to one CPU");
	cr_assert_geq(c, 0, "connect is not pinned to one CPU");
	cr_assert_neq(s, c, "serve and connect share CPU %d", s);
	cr_assert_eq(proc_finish(&P, 30), 0, "%s", P.err);
	snprintf(want, sizeof(want), "--pin: serve on CPU %d, connect on CPU %d", s, c);
	cr_assert_not_null(proc_line(&P, want, line, sizeof(line)), "no '%s' in %s", want, P.out);

	/* Left one CPU, as a cpuset of one would leave it: refused before anything starts. */
	CPU_ZERO(&one);
	CPU_SET(s, &one);
	cr_assert_eq(sched_setaffinity(0, sizeof(one), &one), 0);
	cr_assert_eq(run_holdconn(&Q, args, 0, 20), 2, "%s", Q.err);
	cr_assert_not_null(strstr(Q.err, "--pin needs two CPUs and this process may run on 1"), "%s", Q.err);
	sched_setaffinity(0, sizeof(all), &all);
}
