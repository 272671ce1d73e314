/*
 * test_holder.c - the holder itself, liburing-style: each behaviour in
 * well under a second, for every mode, over loopback with a few
 * connections. The holder's loop runs in the test; its tick callback plays
 * the peer (plain sockets) and ends the run by raising holder_signalled.
 * A mode this kernel lacks (io_uring refused) is skipped, saying so.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "holder_test.h"
#include "hold/holder.h"
#include "hold/traffic.h"

#define NCONNS HT_NCONNS
#define DEADLINE_S HT_DEADLINE_S

struct peer {
	int lfd;              /* connect tests: where the holder connects */
	int fds[NCONNS];      /* the peer's ends */
	int nfds;
	uint16_t port;
	double t0;
	int step;             /* what the test has done so far */
	bool seen;            /* the behaviour under test was seen */
	uint64_t held, closed, peer_closed; /* the holder's counts when the test ended */
	size_t bytes;         /* heartbeat bytes the peer read */
};

static struct side_stats stats;

static void accept_all(struct peer *p)
{
	int fd;

	while (p->nfds < NCONNS && (fd = accept4(p->lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0)
		p->fds[p->nfds++] = fd;
}

static void finish(struct peer *p, const struct holder *h, bool seen)
{
	p->seen = seen;
	p->held = h->held;
	p->closed = h->closed;
	p->peer_closed = h->peer_closed;
	holder_signalled = SIGTERM;
}

static bool late(const struct peer *p)
{
	return now_s() - p->t0 > DEADLINE_S;
}

static void cleanup(struct peer *p)
{
	for (int i = 0; i < p->nfds; i++)
		if (p->fds[i] >= 0)
			close(p->fds[i]);
	if (p->lfd >= 0)
		close(p->lfd);
	holder_signalled = 0;
}

static void base_config(struct holder_config *cfg, enum mode m, enum role role, struct peer *p)
{
	ht_config(cfg, m, role, &stats, p);
	p->t0 = now_s();
	p->lfd = -1;
}

/* Connect NCONNS from a holder of mode m to a listener of the test's. */
static void connect_config(struct holder_config *cfg, struct plan *plan, enum mode m, struct peer *p)
{
	p->lfd = ht_listener(&p->port);
	ht_connect_config(cfg, plan, m, p->port, 40000, &stats, p);
	p->t0 = now_s();
}

/* ---- the peer closes one held connection: the watch notices, the slot is freed ---- */

static void close_one_tick(void *arg, struct holder *h)
{
	struct peer *p = arg;

	accept_all(p);
	if (p->step == 0 && h->held == NCONNS && p->nfds == NCONNS) {
		close(p->fds[0]);
		p->fds[0] = -1;
		p->step = 1;
	} else if (p->step == 1 && h->peer_closed == 1 && h->closed == 1 && h->held == NCONNS - 1) {
		finish(p, h, true);
	}
	if (late(p))
		finish(p, h, false);
}

static void expect_peer_close_noticed(enum mode m)
{
	static struct holder h;
	static struct holder_config cfg;
	static struct plan plan;
	struct peer p = { 0 };

	connect_config(&cfg, &plan, m, &p);
	cfg.tick = close_one_tick;
	if (ht_run(&h, &cfg, m))
		cr_expect(p.seen, "%s: held %" PRIu64 ", peer_closed %" PRIu64 ", closed %" PRIu64
			  " after %.1f s", mode_name(m), p.held, p.peer_closed, p.closed, DEADLINE_S);
	cleanup(&p);
}

Test(holder, uring_notices_a_peer_close_and_frees_the_slot, .timeout = 5)
{
	expect_peer_close_noticed(MODE_URING);
}

Test(holder, epoll_notices_a_peer_close_and_frees_the_slot, .timeout = 5)
{
	expect_peer_close_noticed(MODE_EPOLL);
}

Test(holder, threads_notice_a_peer_close_and_free_the_slot, .timeout = 5)
{
	expect_peer_close_noticed(MODE_THREADS);
}

/* ---- heartbeats: every connection's comes within its period ---- */

#define BEAT_BYTES 64
#define BEAT_EVERY_US 100000

static void beat_tick(void *arg, struct holder *h)
{
	struct peer *p = arg;
	char buf[4096];

	(void)h;
	accept_all(p);
	for (int i = 0; i < p->nfds; i++) {
		ssize_t n;

		while ((n = read(p->fds[i], buf, sizeof(buf))) > 0)
			p->bytes += (size_t)n;
	}
	/* Every connection's first beat falls within one period of the schedule's start. */
	if (p->bytes >= NCONNS * BEAT_BYTES && stats.traffic.beats_on_time >= NCONNS)
		finish(p, h, true);
	if (late(p))
		finish(p, h, false);
}

static void expect_heartbeats_on_time(enum mode m)
{
	static struct holder h;
	static struct holder_config cfg;
	static struct plan plan;
	struct peer p = { 0 };

	connect_config(&cfg, &plan, m, &p);
	cfg.traffic = (struct traffic){ .send = BEAT_BYTES, .every_us = BEAT_EVERY_US };
	cfg.tick = beat_tick;
	if (ht_run(&h, &cfg, m))
		cr_expect(p.seen, "%s: %zu bytes read, %" PRIu64 " beats on time, %" PRIu64 " late",
			  mode_name(m), p.bytes, (uint64_t)stats.traffic.beats_on_time,
			  (uint64_t)stats.traffic.beats_late);
	cleanup(&p);
}

Test(holder, uring_sends_heartbeats_on_time, .timeout = 5)
{
	expect_heartbeats_on_time(MODE_URING);
}

Test(holder, epoll_sends_heartbeats_on_time, .timeout = 5)
{
	expect_heartbeats_on_time(MODE_EPOLL);
}

Test(holder, threads_send_heartbeats_on_time, .timeout = 5)
{
	expect_heartbeats_on_time(MODE_THREADS);
}

/* ---- a message the kernel cannot take at once goes out whole, later ---- */

#define BIG_BYTES (1 << 20) /* far beyond an 8 KiB send buffer and the peer's receive buffer */

static void big_tick(void *arg, struct holder *h)
{
	struct peer *p = arg;
	char buf[65536];

	accept_all(p);
	for (int i = 0; i < p->nfds; i++) {
		ssize_t n;

		while ((n = read(p->fds[i], buf, sizeof(buf))) > 0)
			p->bytes += (size_t)n;
	}
	if (p->bytes >= (size_t)NCONNS * BIG_BYTES && stats.traffic.msgs_sent >= NCONNS)
		finish(p, h, true);
	if (late(p))
		finish(p, h, false);
}

static void expect_big_message_whole(enum mode m)
{
	static struct holder h;
	static struct holder_config cfg;
	static struct plan plan;
	struct peer p = { 0 };

	connect_config(&cfg, &plan, m, &p);
	cfg.traffic = (struct traffic){ .send = BIG_BYTES, .every_us = 10 * BEAT_EVERY_US };
	cfg.sndbuf = 8192; /* the kernel takes a little at a time: the rest waits for writability */
	cfg.tick = big_tick;
	if (ht_run(&h, &cfg, m))
		cr_expect(p.seen, "%s: %zu bytes read, %" PRIu64 " messages sent, %" PRIu64
			  " send errors", mode_name(m), p.bytes, (uint64_t)stats.traffic.msgs_sent,
			  (uint64_t)stats.traffic.send_errors);
	cleanup(&p);
}

Test(holder, uring_sends_a_message_larger_than_the_buffers_whole, .timeout = 5)
{
	expect_big_message_whole(MODE_URING);
}

Test(holder, epoll_sends_a_message_larger_than_the_buffers_whole, .timeout = 5)
{
	expect_big_message_whole(MODE_EPOLL);
}

Test(holder, threads_send_a_message_larger_than_the_buffers_whole, .timeout = 5)
{
	expect_big_message_whole(MODE_THREADS);
}

/* ---- serve: accepts what connects, notices the client go ---- */

static void client_tick(void *arg, struct holder *h)
{
	struct peer *p = arg;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(p->port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	while (p->nfds < NCONNS) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0, "%s", strerror(errno));
		p->fds[p->nfds++] = fd;
	}
	if (p->step == 0 && h->held == NCONNS) {
		close(p->fds[0]);
		p->fds[0] = -1;
		p->step = 1;
	} else if (p->step == 1 && h->peer_closed == 1 && h->held == NCONNS - 1) {
		finish(p, h, true);
	}
	if (late(p))
		finish(p, h, false);
}

static void expect_serve_accepts_and_notices(enum mode m)
{
	static struct holder h;
	static struct holder_config cfg;
	struct peer p = { 0 };

	base_config(&cfg, m, ROLE_SERVE, &p);
	p.port = ht_free_port();
	sockaddr_from(&cfg.listen[0], false, 0x7f000001u, p.port);
	cfg.nlisten = 1;
	cfg.tick = client_tick;
	if (ht_run(&h, &cfg, m))
		cr_expect(p.seen, "%s: held %" PRIu64 ", peer_closed %" PRIu64 " after %.1f s",
			  mode_name(m), p.held, p.peer_closed, DEADLINE_S);
	cleanup(&p);
}

Test(holder, uring_serve_accepts_and_notices_a_client_go, .timeout = 5)
{
	expect_serve_accepts_and_notices(MODE_URING);
}

Test(holder, epoll_serve_accepts_and_notices_a_client_go, .timeout = 5)
{
	expect_serve_accepts_and_notices(MODE_EPOLL);
}

Test(holder, threads_serve_accepts_and_notices_a_client_go, .timeout = 5)
{
	expect_serve_accepts_and_notices(MODE_THREADS);
}

/* ---- serve --on-data echo: what a client sends comes back whole ---- */

#define ECHO_BYTES 64

static void echo_tick(void *arg, struct holder *h)
{
	struct peer *p = arg;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(p->port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char buf[ECHO_BYTES * NCONNS];

	while (p->nfds < NCONNS) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0, "%s", strerror(errno));
		p->fds[p->nfds++] = fd;
	}
	if (p->step == 0 && h->held == NCONNS) {
		char msg[ECHO_BYTES];

		traffic_fill(msg, sizeof(msg), now_ns());
		for (int i = 0; i < NCONNS; i++)
			cr_assert_eq(write(p->fds[i], msg, sizeof(msg)), (ssize_t)sizeof(msg));
		p->step = 1;
	}
	for (int i = 0; p->step == 1 && i < NCONNS; i++) {
		ssize_t n = recv(p->fds[i], buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0)
			p->bytes += (size_t)n;
	}
	if (p->bytes >= NCONNS * ECHO_BYTES)
		finish(p, h, true);
	if (late(p))
		finish(p, h, false);
}

static void expect_echo(enum mode m)
{
	static struct holder h;
	static struct holder_config cfg;
	struct peer p = { 0 };

	base_config(&cfg, m, ROLE_SERVE, &p);
	p.port = ht_free_port();
	sockaddr_from(&cfg.listen[0], false, 0x7f000001u, p.port);
	cfg.nlisten = 1;
	cfg.traffic = (struct traffic){ .send = ECHO_BYTES, .every_us = BEAT_EVERY_US,
					.on_data = ON_DATA_ECHO };
	cfg.tick = echo_tick;
	if (ht_run(&h, &cfg, m)) {
		cr_expect(p.seen, "%s: %zu of %d bytes came back", mode_name(m), p.bytes,
			  NCONNS * ECHO_BYTES);
		cr_expect_eq(stats.traffic.msgs_recv, NCONNS, "%s: messages read", mode_name(m));
	}
	cleanup(&p);
}

Test(holder, uring_serve_echoes_what_it_reads, .timeout = 5)
{
	expect_echo(MODE_URING);
}

Test(holder, epoll_serve_echoes_what_it_reads, .timeout = 5)
{
	expect_echo(MODE_EPOLL);
}

Test(holder, threads_serve_echo_what_they_read, .timeout = 5)
{
	expect_echo(MODE_THREADS);
}
