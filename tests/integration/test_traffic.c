/*
 * test_traffic.c - traffic patterns end to end: exact byte and message
 * counts with the holder draining, echoing and keeping; stalls; buffers
 * set before or after the handshake.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "proc.h"

TestSuite(traffic, .fini = proc_cleanup);

static struct proc P;
static char line[65536];

#define CONNS 200

/* Runs bench with extra arguments and leaves its summary line in `line`. */
static void bench(const char *const *extra)
{
	const char *args[32] = { "bench", "--conns", "200", "--ports", "2", "--json" };
	int n = 6;

	while (*extra)
		args[n++] = *extra++;
	args[n] = NULL;
	cr_assert_eq(run_holdconn(&P, args, 0, 60), 0, "%s", P.err);
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, sizeof(line)), "%s", P.out);
}

/* A number in the summary's traffic object, for the "server" or "client" side. */
static double side(const char *which, const char *key)
{
	char obj[32];
	const char *t = strstr(line, "\"traffic\":{"), *s;
	double v;

	cr_assert_not_null(t, "no traffic object: %s", line);
	snprintf(obj, sizeof(obj), "\"%s\":{", which);
	s = strstr(t, obj);
	cr_assert_not_null(s, "no %s in traffic: %s", which, line);
	cr_assert(json_num(s, key, &v), "no %s.%s: %s", which, key, line);
	return v;
}

Test(traffic, drain_reads_every_byte_sent_and_writes_none, .timeout = 70)
{
	const char *extra[] = { "--send-once", "1000", "--send", "64", "--every", "200ms",
				"--hold", "1s", NULL };
	double sent, once_and_beats;

	bench(extra);
	sent = side("client", "messages_sent");
	/* 200 first messages, then each connection beats 5 times in 1 s (the hold is ~1 s). */
	cr_assert_geq(sent, CONNS + 4 * CONNS, "%s", line);
	cr_assert_leq(sent, CONNS + 6 * CONNS, "%s", line);
	once_and_beats = CONNS * 1000.0 + (sent - CONNS) * 64;
	cr_assert_eq(side("client", "bytes_out"), once_and_beats, "%s", line);
	cr_assert_eq(side("server", "bytes_in"), once_and_beats, "%s", line);
	cr_assert_eq(side("server", "messages_received"), sent, "%s", line);
	cr_assert_eq(side("server", "messages_timed"), sent, "every message timed: %s", line);
	cr_assert_eq(side("server", "bytes_out"), 0, "%s", line);
	cr_assert_eq(side("client", "beats_blocked"), 0, "%s", line);
	cr_assert_eq(side("client", "send_errors"), 0, "%s", line);
	cr_assert_gt(side("server", "latency_max_seconds"), 0, "%s", line);
}

Test(traffic, echo_writes_back_exactly_what_it_read_and_the_client_times_it, .timeout = 70)
{
	const char *extra[] = { "--send-once", "1000", "--on-data", "echo", "--hold", "1s", NULL };

	bench(extra);
	cr_assert_eq(side("server", "bytes_in"), CONNS * 1000.0, "%s", line);
	cr_assert_eq(side("server", "bytes_out"), CONNS * 1000.0, "%s", line);
	cr_assert_eq(side("client", "bytes_in"), CONNS * 1000.0, "%s", line);
	cr_assert_eq(side("server", "messages_received"), CONNS, "%s", line);
	cr_assert_eq(side("client", "messages_received"), CONNS, "%s", line);
	cr_assert_eq(side("client", "messages_timed"), CONNS, "round trips timed: %s", line);
	cr_assert_gt(side("client", "latency_p50_seconds"), 0, "%s", line);
}

Test(traffic, keep_leaves_bytes_queued_in_the_holders_buffers, .timeout = 70)
{
	const char *extra[] = { "--send-once", "60000", "--on-data", "keep", "--hold", "1s", NULL };
	double buf;

	bench(extra);
	cr_assert_eq(side("client", "messages_sent"), CONNS, "%s", line);
	cr_assert_eq(side("client", "bytes_out"), CONNS * 60000.0, "%s", line);
	cr_assert_eq(side("client", "messages_waiting"), 0, "all of it queued: %s", line);
	cr_assert_eq(side("server", "bytes_in"), 0, "%s", line);
	cr_assert_eq(side("server", "messages_received"), 0, "%s", line);
	/*
	 * 60 KB queued per connection is charged to the sockets' buffers. (sockstat's
	 * figure lags by up to 1 MiB per CPU, the kernel's per-CPU batch: so not 1 KB.)
	 */
	cr_assert(json_num(strstr(line, "\"traffic\""), "buffer_bytes_per_socket", &buf), "%s",
		  line);
	cr_assert_geq(buf, 20000, "half of the pairs' sockets hold 60000 B each: %s", line);
}

Test(traffic, a_holder_that_keeps_stalls_every_sender, .timeout = 70)
{
	const char *extra[] = { "--send", "16Ki", "--every", "100ms", "--on-data", "keep",
				"--rcvbuf", "4Ki", "--sndbuf", "4Ki", "--hold", "1s", NULL };

	bench(extra);
	/* 16 KiB cannot fit in a 4 KiB window plus an 8 KiB send buffer: nothing completes. */
	cr_assert_eq(side("client", "messages_sent"), 0, "%s", line);
	cr_assert_eq(side("client", "stalled_connections"), CONNS, "%s", line);
	cr_assert_eq(side("client", "messages_waiting"), CONNS, "one message each, never out: %s", line);
	cr_assert_geq(side("client", "beats_blocked"), 5 * CONNS, "%s", line);
	cr_assert_eq(side("client", "send_errors"), 0, "%s", line);
}

/*
 * 16 KiB heartbeats into 4 KiB buffers that the holder drains: a heartbeat
 * never goes whole at once (backend_uring_beat.c), the rest follows when
 * there is room, and the holder reads and times each one whole.
 */
Test(traffic, a_heartbeat_that_does_not_go_at_once_goes_whole_later, .timeout = 70)
{
	const char *extra[] = { "--send", "16Ki", "--every", "200ms", "--rcvbuf", "4Ki",
				"--sndbuf", "4Ki", "--hold", "1s", NULL };
	double sent;

	bench(extra);
	sent = side("client", "messages_sent");
	cr_assert_geq(sent, 4 * CONNS, "%s", line);
	cr_assert_eq(side("client", "bytes_out"), sent * 16384, "%s", line);
	cr_assert_eq(side("server", "messages_timed"), sent, "every one whole: %s", line);
	cr_assert_eq(side("server", "bytes_in"), sent * 16384, "%s", line);
	cr_assert_eq(side("client", "send_errors"), 0, "%s", line);
}

Test(traffic, a_small_buffer_set_before_the_handshake_loses_the_window_scale, .timeout = 70)
{
	const char *before[] = { "--send-once", "100", "--rcvbuf", "4Ki", "--hold", "0", NULL };
	const char *after[] = { "--send-once", "100", "--rcvbuf", "4Ki", "--hold", "0",
				"--set-buffers", "after", NULL };
	double rcv;

	bench(before);
	cr_assert(json_num(strstr(line, "\"wscale\""), "client", &rcv), "%s", line);
	cr_assert_eq(rcv, 0, "%s", line);
	cr_assert(json_num(strstr(line, "\"rcvbuf_bytes\""), "server", &rcv));
	cr_assert_eq(rcv, 8192, "the kernel doubles SO_RCVBUF: %s", line);
	bench(after);
	cr_assert(json_num(strstr(line, "\"wscale\""), "client", &rcv), "%s", line);
	cr_assert_gt(rcv, 0, "%s", line);
	cr_assert(json_num(strstr(line, "\"rcvbuf_bytes\""), "server", &rcv));
	cr_assert_eq(rcv, 8192, "set after, still in force: %s", line);
}

Test(traffic, standalone_connect_times_the_echo_of_its_heartbeats, .timeout = 40)
{
	int port = free_port_base(1);
	char target[64], cline[65536];

	snprintf(target, sizeof(target), "127.0.0.1:%d", port);
	const char *sargs[] = { "serve", "--listen", target, "--json", "--on-data", "echo",
				"--send", "64", NULL };
	const char *cargs[] = { "connect", "--target", target, "--conns", "50", "--json",
				"--send", "64", "--every", "100ms", NULL };
	struct proc C;

	proc_start(&P, sargs, 0);
	cr_assert(proc_wait_for(&P, "\"event\":\"start\"", 10));
	proc_start(&C, cargs, 0);
	cr_assert(proc_wait_for(&C, "\"event\":\"report\"", 10), "%s", C.out);
	usleep(1000000);
	proc_signal(&C, SIGTERM);
	cr_assert_eq(proc_finish(&C, 10), 0, "%s", C.err);
	proc_signal(&P, SIGTERM);
	cr_assert_eq(proc_finish(&P, 10), 0, "%s", P.err);
	cr_assert_not_null(proc_line(&C, "\"event\":\"summary\"", cline, sizeof(cline)));
	memcpy(line, cline, sizeof(line));
	/* About 10 beats per connection in a second: at least half must be back and timed. */
	cr_assert_geq(side("client", "messages_received"), 250, "%s", line);
	cr_assert_geq(side("client", "messages_timed"), 250, "%s", line);
	cr_assert_gt(side("client", "latency_p50_seconds"), 0, "%s", line);
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, sizeof(line)));
	cr_assert_geq(side("server", "messages_received"), 250, "%s", line);
}

/* Every holder mode, answering an io_uring generator and one of its own kind. */
static void echo_in_mode(const char *mode)
{
	const char *extra[] = { "--send-once", "1000", "--send", "64", "--every", "200ms",
				"--on-data", "echo", "--hold", "1s", "--mode", mode,
				"--client-mode", mode, NULL };
	double sent;

	bench(extra);
	sent = side("client", "messages_sent");
	cr_assert_geq(sent, CONNS + 4 * CONNS, "%s", line);
	cr_assert_eq(side("server", "messages_received"), sent, "%s", line);
	cr_assert_eq(side("server", "bytes_in"), CONNS * 1000.0 + (sent - CONNS) * 64, "%s", line);
	cr_assert_eq(side("server", "bytes_out"), side("server", "bytes_in"), "%s", line);
	cr_assert_eq(side("client", "bytes_in"), side("server", "bytes_out"), "%s", line);
	cr_assert_eq(side("client", "messages_received"), sent, "every message came back: %s", line);
	cr_assert_eq(side("client", "beats_blocked"), 0, "%s", line);
}

Test(traffic, epoll_echoes_every_byte, .timeout = 70)
{
	echo_in_mode("epoll");
}

Test(traffic, threads_echo_every_byte, .timeout = 70)
{
	echo_in_mode("threads");
}

/* A number in the summary's recv_buffers object (--watch recv). */
static double rx(const char *key)
{
	const char *o = strstr(line, "\"recv_buffers\":{");
	double v;

	cr_assert_not_null(o, "no recv_buffers: %s", line);
	cr_assert(json_num(o, key, &v), "no recv_buffers.%s: %s", key, line);
	return v;
}

/*
 * 20,000 heartbeats a second into one ring's provided buffers: the
 * multishot recvs read every one, none lost to a set that ran dry.
 */
Test(traffic, recv_watch_reads_every_heartbeat_sent, .timeout = 70)
{
	const char *extra[] = { "--watch", "recv", "--send", "64", "--every", "10ms", "--hold", "2s",
				NULL };
	double sent;

	bench(extra);
	sent = side("client", "messages_sent");
	cr_assert_geq(sent, 30000, "%s", line);
	cr_assert_eq(side("server", "messages_received"), sent, "%s", line);
	cr_assert_eq(side("server", "bytes_in"), sent * 64, "%s", line);
	cr_assert_eq(side("server", "messages_timed"), sent, "every message timed: %s", line);
	cr_assert_eq(side("client", "beats_blocked"), 0, "%s", line);
	cr_assert_geq(rx("bytes"), 16 * 4096, "the starting set: %s", line);
}

/*
 * 100,000 bytes from each of 200 connections at once: 20 MB against a
 * starting set of 64 KiB. Recvs end with -ENOBUFS, the set grows, and the
 * re-armed recvs read every byte.
 */
Test(traffic, recv_watch_grows_a_set_that_ran_dry_and_loses_no_byte, .timeout = 70)
{
	const char *extra[] = { "--watch", "recv", "--send-once", "100000", "--hold", "2s", NULL };

	bench(extra);
	cr_assert_eq(side("client", "messages_sent"), CONNS, "%s", line);
	cr_assert_eq(side("server", "bytes_in"), CONNS * 100000.0, "%s", line);
	cr_assert_eq(side("server", "messages_received"), CONNS, "%s", line);
	cr_assert_gt(rx("empty"), 0, "the starting set ran dry: %s", line);
	cr_assert_gt(rx("bytes"), 16 * 4096, "and grew: %s", line);
	cr_assert_leq(rx("bytes"), 256 * 4096, "never past 1 MiB a ring: %s", line);
}

/*
 * Each connection must get its own bytes back: serve --on-data echo in
 * mode (and watch), ECHO_CONNS plain sockets of the test's, each sending a
 * message that names it, every round all at once so that the server reads
 * many connections in one turn (where a read buffer shared between
 * connections gives one connection's bytes to another).
 */
#define ECHO_CONNS 200
#define ECHO_ROUNDS 5
#define ECHO_BYTES 64

static void expect_own_bytes_echoed(const char *mode, const char *watch)
{
	static int fds[ECHO_CONNS];
	int port = free_port_base(1), wrong = 0;
	char listen[64], msg[ECHO_BYTES + 1], got[ECHO_BYTES];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	const char *sargs[] = { "serve", "--listen", listen, "--json", "--on-data", "echo",
				"--mode", mode, "--watch", watch, NULL };

	proc_start(&P, sargs, 0);
	cr_assert(proc_wait_for(&P, "\"event\":\"start\"", 10), "%s", P.err);
	for (int i = 0; i < ECHO_CONNS; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		cr_assert_eq(connect(fds[i], (struct sockaddr *)&a, sizeof(a)), 0, "%s",
			     strerror(errno));
	}
	for (int r = 0; r < ECHO_ROUNDS; r++) {
		for (int i = 0; i < ECHO_CONNS; i++) {
			snprintf(msg, sizeof(msg), "connection %04d round %d %*s", i, r,
				 ECHO_BYTES - 24, "");
			cr_assert_eq(write(fds[i], msg, ECHO_BYTES), ECHO_BYTES);
		}
		for (int i = 0; i < ECHO_CONNS; i++) {
			size_t n = 0;
			ssize_t k;

			while (n < ECHO_BYTES && (k = read(fds[i], got + n, ECHO_BYTES - n)) > 0)
				n += (size_t)k;
			cr_assert_eq(n, ECHO_BYTES, "%s: connection %d got %zu bytes back", mode, i, n);
			snprintf(msg, sizeof(msg), "connection %04d round %d %*s", i, r,
				 ECHO_BYTES - 24, "");
			wrong += memcmp(got, msg, ECHO_BYTES) != 0;
		}
	}
	for (int i = 0; i < ECHO_CONNS; i++)
		close(fds[i]);
	proc_signal(&P, SIGTERM);
	cr_assert_eq(proc_finish(&P, 10), 0, "%s", P.err);
	cr_assert_eq(wrong, 0, "%s --watch %s: %d of %d echoes carried another connection's bytes",
		     mode, watch, wrong, ECHO_CONNS * ECHO_ROUNDS);
}

Test(traffic, uring_poll_echoes_each_connection_its_own_bytes, .timeout = 30)
{
	expect_own_bytes_echoed("uring", "poll");
}

Test(traffic, epoll_echoes_each_connection_its_own_bytes, .timeout = 30)
{
	expect_own_bytes_echoed("epoll", "poll");
}

Test(traffic, threads_echo_each_connection_its_own_bytes, .timeout = 30)
{
	expect_own_bytes_echoed("threads", "poll");
}
