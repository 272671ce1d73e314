/*
 * test_faults.c - hostile peers, busy ports, refused targets, signals at
 * odd moments and io_uring switched off, against the real binary. Each
 * test closes every socket and process it opened, even when it fails.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "proc.h"

#define MAX_PEERS 256
#define FLOOD_BYTES (32 << 20)       /* per flooding peer: far beyond what socket buffers absorb */
#define RSS_GROWTH_MAX_KB (16 << 10) /* the server drains through one fixed buffer */
#define SETTLE_US 500000             /* after the kernel shows a close, for the holder to count it */
#define TCP_LISTEN_STATE 0x0A        /* /proc/net/tcp "st" of a listening socket */
#define IO_URING_DISABLED "/proc/sys/kernel/io_uring_disabled"

static struct proc P;
static int peers[MAX_PEERS];
static int npeers;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- cleanup: every test's fini, so a failed assertion leaks nothing ---- */

static void close_peers(void)
{
	for (int i = 0; i < npeers; i++)
		if (peers[i] >= 0)
			close(peers[i]);
	npeers = 0;
}

static void cleanup(void)
{
	close_peers();
	proc_cleanup();
}

/* ---- peers ---------------------------------------------------------------- */

/* A blocking connection to 127.0.0.1:port; retried while the listener is not up yet. */
static int peer_connect(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	double deadline = now() + 10;

	cr_assert_lt(npeers, MAX_PEERS);
	for (;;) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		cr_assert_geq(fd, 0, "socket: %s", strerror(errno));
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
			peers[npeers++] = fd;
			return fd;
		}
		close(fd);
		cr_assert(errno == ECONNREFUSED && now() < deadline, "connect to %d: %s", port,
			  strerror(errno));
		usleep(20000);
	}
}

static void peer_close(int i)
{
	close(peers[i]);
	peers[i] = -1;
}

static void peer_reset(int i)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(peers[i], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	peer_close(i);
}

/* ---- what the kernel and the server say ---------------------------------- */

/* Server-side sockets on local port `port` (not the listener), and their unread bytes. */
static int server_sockets(int port, unsigned long *rx_queued)
{
	FILE *f = fopen("/proc/net/tcp", "r");
	char line[512];
	int n = 0;

	if (rx_queued)
		*rx_queued = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned int laddr, lport, st;
		unsigned long tx, rx;

		if (sscanf(line, " %*d: %x:%x %*x:%*x %x %lx:%lx", &laddr, &lport, &st, &tx, &rx) != 5)
			continue;
		/* The server's side: 127.0.0.1:port (a client elsewhere may use port as its source). */
		if (laddr != htonl(INADDR_LOOPBACK) || (int)lport != port || st == TCP_LISTEN_STATE)
			continue;
		n++;
		if (rx_queued)
			*rx_queued += rx;
	}
	fclose(f);
	return n;
}

/* Waits until exactly n server-side sockets remain, then gives the holder time to count. */
static void expect_server_sockets(int port, int n)
{
	double deadline = now() + 10;
	int have;

	while ((have = server_sockets(port, NULL)) != n && now() < deadline)
		usleep(20000);
	cr_assert_eq(have, n, "server-side sockets on port %d: %d, want %d", port, have, n);
	usleep(SETTLE_US);
}

static long vm_rss_kb(pid_t pid)
{
	char path[64], buf[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	while (f && fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "VmRSS: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static int start_serve(const char *mode, int n_expected)
{
	int port = free_port_base(1);
	char listen[64], every[32];

	cr_assert_gt(port, 0);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	snprintf(every, sizeof(every), "%d", n_expected);
	const char *args[] = { "serve", "--listen", listen, "--mode", mode, "--json", "--report-every",
			       every, NULL };

	proc_start(&P, args, 0);
	cr_assert(proc_wait_for(&P, "\"event\":\"start\"", 10), "serve did not start: %s", P.err);
	return port;
}

/* n peers, all accepted: the server's report point at n says so. */
static void open_peers(int port, int n)
{
	char needle[64];

	for (int i = 0; i < n; i++)
		peer_connect(port);
	snprintf(needle, sizeof(needle), "\"connections\":%d,", n);
	cr_assert(proc_wait_for(&P, needle, 10), "server never held %d: %s %s", n, P.out, P.err);
}

/* SIGTERM, exit 0, and the summary's counts; its line is left in summary. */
static char summary[65536];

static void expect_summary(double held, double closed)
{
	char *line = summary, reason[64];
	double v;

	proc_signal(&P, SIGTERM);
	cr_assert_eq(proc_finish(&P, 20), 0, "serve: %s", P.err);
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, sizeof(summary)), "%s",
			   P.out);
	cr_assert(json_str(line, "stop_reason", reason, sizeof(reason)));
	cr_assert_str_eq(reason, "signal", "%s", line);
	cr_assert(json_num(line, "held", &v));
	cr_assert_eq(v, held, "held: %s", line);
	cr_assert(json_num(line, "closed_early", &v));
	cr_assert_eq(v, closed, "closed_early: %s", line);
	cr_assert(json_num(line, "lost", &v));
	cr_assert_eq(v, 0, "lost: %s", line);
}

/* ---- hostile peers against serve, in every mode ----------------------------- */

TestSuite(faults, .fini = cleanup);

/* Arrays, not pointers: Criterion hands parameters to a fresh worker process. */
struct mode_case {
	char mode[8];
};

#define EVERY_MODE(name)                                                                           \
	ParameterizedTestParameters(faults, name)                                                  \
	{                                                                                          \
		static struct mode_case modes[] = { { "uring" }, { "epoll" }, { "threads" } };     \
		return cr_make_param_array(struct mode_case, modes, 3);                            \
	}                                                                                          \
	ParameterizedTest(struct mode_case *m, faults, name, .timeout = 60)

/* Writes FLOOD_BYTES into each flooder; false if the server stopped taking them. */
static bool flood(const int *fds, int n, pid_t server, long *rss_max_kb)
{
	static char chunk[1 << 16];
	size_t left[4];
	double deadline = now() + 30;
	int busy = n;

	for (int i = 0; i < n; i++) {
		left[i] = FLOOD_BYTES;
		fcntl(fds[i], F_SETFL, O_NONBLOCK);
	}
	memset(chunk, 'x', sizeof(chunk));
	while (busy && now() < deadline) {
		struct pollfd pfd[4];

		for (int i = 0; i < n; i++)
			pfd[i] = (struct pollfd){ left[i] ? fds[i] : -1, POLLOUT, 0 };
		poll(pfd, n, 100);
		for (int i = 0; i < n; i++) {
			ssize_t w;

			if (!(pfd[i].revents & POLLOUT))
				continue;
			w = write(fds[i], chunk, left[i] < sizeof(chunk) ? left[i] : sizeof(chunk));
			if (w > 0 && !(left[i] -= w))
				busy--;
		}
		long rss = vm_rss_kb(server);

		if (rss > *rss_max_kb)
			*rss_max_kb = rss;
	}
	return busy == 0;
}

EVERY_MODE(flooding_peer_is_drained_in_bounded_memory)
{
	int port = start_serve(m->mode, 4), fds[2];
	unsigned long queued;
	long base_kb, max_kb = 0;
	double deadline, drained;

	open_peers(port, 4);
	fds[0] = peers[0];
	fds[1] = peers[1];
	base_kb = vm_rss_kb(P.pid);
	cr_assert_gt(base_kb, 0);
	cr_assert(flood(fds, 2, P.pid, &max_kb), "the server stopped reading: %s", P.err);
	/* Drained: nothing left unread in the server's sockets. */
	deadline = now() + 10;
	while ((server_sockets(port, &queued), queued) && now() < deadline)
		usleep(20000);
	cr_assert_eq(queued, 0, "%lu bytes left unread", queued);
	cr_assert_lt(max_kb - base_kb, RSS_GROWTH_MAX_KB, "VmRSS grew from %ld to %ld kB", base_kb,
		     max_kb);
	peer_close(0);
	expect_server_sockets(port, 3);
	expect_summary(3, 1);
	cr_assert(json_num(summary, "bytes_in", &drained), "%s", summary);
	cr_assert_eq(drained, 2.0 * FLOOD_BYTES, "%s", summary);
}

EVERY_MODE(resetting_peers_are_counted_closed)
{
	int port = start_serve(m->mode, 20);

	open_peers(port, 20);
	for (int i = 0; i < 5; i++)
		peer_reset(i);
	expect_server_sockets(port, 15);
	expect_summary(15, 5);
}

EVERY_MODE(half_closing_peers_are_closed_and_counted)
{
	int port = start_serve(m->mode, 20);
	char c;

	open_peers(port, 20);
	for (int i = 0; i < 5; i++)
		shutdown(peers[i], SHUT_WR);
	expect_server_sockets(port, 15);
	/* The server closed its end too: the peer reads end of stream or a reset. */
	for (int i = 0; i < 5; i++)
		cr_assert_leq(recv(peers[i], &c, 1, MSG_DONTWAIT), 0);
	expect_summary(15, 5);
}

EVERY_MODE(connect_and_close_at_once_is_counted)
{
	int port = start_serve(m->mode, 5);

	open_peers(port, 5);
	for (int i = 0; i < 200; i++) {
		peer_connect(port);
		peer_close(npeers - 1);
		npeers--;
	}
	expect_server_sockets(port, 5);
	expect_summary(5, 200);
}

EVERY_MODE(peers_that_never_read_stay_held)
{
	int port = start_serve(m->mode, 50), tiny = 1;
	char c;

	for (int i = 0; i < 50; i++)
		setsockopt(peer_connect(port), SOL_SOCKET, SO_RCVBUF, &tiny, sizeof(tiny));
	cr_assert(proc_wait_for(&P, "\"connections\":50,", 10), "%s %s", P.out, P.err);
	sleep(1);
	cr_assert_eq(server_sockets(port, NULL), 50);
	expect_summary(50, 0);
	/* Released with SO_LINGER 0: every peer sees a reset, none is left half-open. */
	for (int i = 0; i < 50; i++) {
		struct pollfd pfd = { peers[i], POLLIN, 0 };

		cr_assert_eq(poll(&pfd, 1, 2000), 1, "peer %d not told", i);
		cr_assert_leq(recv(peers[i], &c, 1, MSG_DONTWAIT), 0);
	}
}

/* ---- start-up failures ---------------------------------------------------- */

Test(faults, listen_port_in_use_exits_1_with_one_line, .timeout = 30)
{
	static const char *const modes[] = { "uring", "epoll", "threads" };
	int port = free_port_base(1);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char listen_at[64];

	cr_assert_gt(port, 0);
	peers[npeers++] = fd;
	cr_assert(!bind(fd, (struct sockaddr *)&sa, sizeof(sa)) && !listen(fd, 1), "%s",
		  strerror(errno));
	snprintf(listen_at, sizeof(listen_at), "127.0.0.1:%d", port);
	for (int i = 0; i < 3; i++) {
		const char *args[] = { "serve", "--listen", listen_at, "--mode", modes[i], NULL };

		cr_assert_eq(run_holdconn(&P, args, 0, 10), 1, "%s: %s", modes[i], P.err);
		cr_assert_not_null(strstr(P.err, "in use"), "%s: %s", modes[i], P.err);
		cr_assert_eq(strchr(P.err, '\n'), P.err + strlen(P.err) - 1, "not one line: %s", P.err);
	}
}

/* Documented: a stop is a finding (exit 0) and the summary names it. */
Test(faults, refused_target_stops_with_reason_refused, .timeout = 30)
{
	int port = free_port_base(1);
	char target[64], line[65536], reason[64];
	double held;

	cr_assert_gt(port, 0);
	snprintf(target, sizeof(target), "127.0.0.1:%d", port);
	const char *args[] = { "connect", "--target", target, "--conns", "10", "--json", NULL };

	/* None of --conns held: 3. */
	cr_assert_eq(run_holdconn(&P, args, 0, 20), 3, "%s", P.err);
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, sizeof(line)), "%s", P.out);
	cr_assert(json_str(line, "stop_reason", reason, sizeof(reason)));
	cr_assert_str_eq(reason, "refused", "%s", line);
	cr_assert(json_num(line, "held", &held));
	cr_assert_eq(held, 0);
}

/* ---- signals -------------------------------------------------------------- */

/* On the host's loopback so that sockstat here counts bench's sockets. */
Test(faults, sigterm_at_any_moment_of_a_ramp_releases_everything, .timeout = 100)
{
	static const int delay_ms[] = { 0, 30, 300 };
	const char *args[] = { "bench", "--conns", "5M", "--json", "--ports", "4", "--no-netns",
			       "--report-every", "1M", NULL };
	char line[65536], reason[64];

	for (unsigned i = 0; i < sizeof(delay_ms) / sizeof(delay_ms[0]); i++) {
		uint64_t base = tcp_inuse();

		proc_start(&P, args, 0);
		cr_assert(proc_wait_for(&P, "\"event\":\"start\"", 30), "%s", P.err);
		usleep(delay_ms[i] * 1000);
		proc_signal(&P, SIGTERM);
		/* Stopped short of --conns by the signal: 3, with its summary. */
		cr_assert_eq(proc_finish(&P, 30), 3, "after %d ms: %s", delay_ms[i], P.err);
		cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, sizeof(line)),
				   "after %d ms: %s", delay_ms[i], P.out);
		cr_assert(json_str(line, "stop_reason", reason, sizeof(reason)));
		cr_assert_str_eq(reason, "signal", "after %d ms: %s", delay_ms[i], line);
		cr_assert(tcp_back_to(base, 30), "after %d ms: %lu sockets in use, %lu before",
			  delay_ms[i], (unsigned long)tcp_inuse(), (unsigned long)base);
	}
}

/* ---- io_uring switched off ------------------------------------------------ */

static char uring_saved[16];
static pid_t uring_guard;

static void write_sysctl(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, v, strlen(v)) < 0)
			perror(path);
		close(fd);
	}
}

/*
 * Restores the sysctl in every path: fini on a failed assertion, and a
 * guard process for a worker killed by the timeout (its pipe closes).
 */
static void uring_restore(void)
{
	if (uring_saved[0])
		write_sysctl(IO_URING_DISABLED, uring_saved);
	if (uring_guard > 0) {
		kill(uring_guard, SIGKILL);
		waitpid(uring_guard, NULL, 0);
		uring_guard = 0;
	}
	cleanup();
}

static void uring_disable(void)
{
	int fd = open(IO_URING_DISABLED, O_RDWR | O_CLOEXEC), pipefd[2];
	ssize_t n;
	char c;

	if (fd < 0)
		cr_skip_test("%s: %s (needs root and Linux 6.6)", IO_URING_DISABLED, strerror(errno));
	n = read(fd, uring_saved, sizeof(uring_saved) - 1);
	close(fd);
	cr_assert_gt(n, 0);
	uring_saved[n] = 0;
	cr_assert(!pipe2(pipefd, O_CLOEXEC));
	uring_guard = fork();
	if (uring_guard == 0) {
		close(pipefd[1]);
		while (read(pipefd[0], &c, 1) < 0 && errno == EINTR)
			;
		write_sysctl(IO_URING_DISABLED, uring_saved);
		_exit(0);
	}
	close(pipefd[0]); /* the write end stays open for as long as this worker lives */
	write_sysctl(IO_URING_DISABLED, "2");
}

Test(faults, io_uring_disabled_exits_4_offering_epoll, .fini = uring_restore, .timeout = 30)
{
	int port = free_port_base(1);
	char listen_at[64];

	cr_assert_gt(port, 0);
	snprintf(listen_at, sizeof(listen_at), "127.0.0.1:%d", port);
	/* bench's client is a uring side too: the advice must name both flags. */
	const struct {
		const char *args[8];
		const char *advice;
		int code;
	} cases[] = {
		{ { "bench", "--conns", "100", "--ports", "2", NULL }, "--mode epoll --client-mode epoll",
		  4 },
		{ { "bench", "--conns", "100", "--ports", "2", "--mode", "epoll", NULL },
		  "--client-mode epoll", 4 },
		{ { "serve", "--listen", listen_at, NULL }, "--mode epoll", 4 },
	};
	const char *epoll[] = { "bench", "--conns", "100", "--ports", "2", "--mode", "epoll",
				"--client-mode", "epoll", NULL };

	uring_disable();
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *what = cases[i].args[0];

		cr_assert_eq(run_holdconn(&P, cases[i].args, 0, 20), cases[i].code, "%s: %s", what,
			     P.err);
		cr_assert_not_null(strstr(P.err, cases[i].advice), "%s: %s", what, P.err);
		cr_assert_eq(strchr(P.err, '\n'), P.err + strlen(P.err) - 1, "not one line: %s",
			     P.err);
	}
	/* And the advice works. */
	cr_assert_eq(run_holdconn(&P, epoll, 0, 20), 0, "%s", P.err);
}
