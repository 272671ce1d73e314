/*
 * test_opener.c - sessions wired into the holder (hold/opener.c through
 * flow.c), for every mode: a holder connects to the test's plain sockets,
 * which play the server. --hello/--expect and resp keep the server's side
 * a few lines.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "holder_test.h"
#include "hold/holder.h"
#include "hold/opener.h"
#include "session/sessions.h"

#define NCONNS HT_NCONNS
#define DEADLINE_S HT_DEADLINE_S

struct peer {
	int lfd, fds[NCONNS], nfds;
	uint16_t port;
	double t0;
	const char *answer;  /* written once to each connection that spoke */
	bool answered[NCONNS];
	size_t bytes[NCONNS]; /* read from each */
	bool seen;
};

static struct side_stats stats;

static void accept_all(struct peer *p)
{
	int fd;

	while (p->nfds < NCONNS && (fd = accept4(p->lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0)
		p->fds[p->nfds++] = fd;
}

/* Reads what each connection sent; answers each once, after its first bytes. */
static void serve(struct peer *p)
{
	char buf[4096];

	accept_all(p);
	for (int i = 0; i < p->nfds; i++) {
		ssize_t n;

		while ((n = read(p->fds[i], buf, sizeof(buf))) > 0)
			p->bytes[i] += (size_t)n;
		if (p->bytes[i] && !p->answered[i] && p->answer) {
			cr_assert_eq(write(p->fds[i], p->answer, strlen(p->answer)),
				     (ssize_t)strlen(p->answer));
			p->answered[i] = true;
		}
	}
}

static void finish(struct peer *p, bool seen)
{
	p->seen = seen;
	holder_signalled = SIGTERM;
}

static bool late(const struct peer *p)
{
	return now_s() - p->t0 > DEADLINE_S;
}

/*
 * Connects HT_NCONNS holder connections in mode m to p's listener, each
 * speaking session, and runs the holder with tick until a tick ends it:
 * the holder, or NULL when the mode is unavailable here (the test skipped).
 */
static struct holder *run_peer(enum mode m, struct peer *p, const struct session_config *session,
			       void (*tick)(void *, struct holder *))
{
	static struct holder h;
	static struct holder_config cfg;
	static struct plan plan;

	p->lfd = ht_listener(&p->port);
	p->t0 = now_s();
	ht_connect_config(&cfg, &plan, m, p->port, 41000, &stats, p);
	cfg.session = session;
	cfg.traffic.every_us = session_period_us(session);
	cfg.tick = tick;
	return ht_run(&h, &cfg, m) ? &h : NULL;
}

static void cleanup(struct peer *p)
{
	for (int i = 0; i < p->nfds; i++)
		close(p->fds[i]);
	close(p->lfd);
	holder_signalled = 0;
}

/* ---- every connection's session is opened and established ---- */

static const struct session_config hello = { .proto = PROTO_HELLO, .hello = "PING\r\n",
					     .hello_len = 6, .expect = "PONG", .expect_len = 4 };

static void established_tick(void *arg, struct holder *h)
{
	struct peer *p = arg;
	const struct sessions_stats *st = opener_stats(h);

	serve(p);
	if (st && st->established == NCONNS && h->held == NCONNS)
		finish(p, true);
	if (late(p))
		finish(p, false);
}

static void expect_sessions_established(enum mode m)
{
	struct peer p = { .answer = "PONG\r\n" };
	struct holder *h;

	h = run_peer(m, &p, &hello, established_tick);
	if (h) {
		cr_expect(p.seen, "%s: sessions established", mode_name(m));
		for (int i = 0; i < NCONNS; i++)
			cr_expect_eq(p.bytes[i], 6, "%s: connection %d sent --hello once", mode_name(m),
				     i);
	}
	cleanup(&p);
}

Test(opener, uring_opens_every_session, .timeout = 5)
{
	expect_sessions_established(MODE_URING);
}

Test(opener, epoll_opens_every_session, .timeout = 5)
{
	expect_sessions_established(MODE_EPOLL);
}

Test(opener, threads_open_every_session, .timeout = 5)
{
	expect_sessions_established(MODE_THREADS);
}

/* ---- a refusal stops the run, the reply kept ---- */

static void refused_tick(void *arg, struct holder *h)
{
	struct peer *p = arg;

	(void)h;
	serve(p);
	if (late(p))
		finish(p, false);
}

static void expect_refusal_stops(enum mode m)
{
	struct peer p = { .answer = "NOPE go away\r\n" };
	struct holder *h;

	p.seen = true; /* the holder ends the run itself: every connection refused and closed */
	h = run_peer(m, &p, &hello, refused_tick);
	if (h) {
		cr_expect(p.seen, "%s: the run went on past its deadline", mode_name(m));
		cr_expect_eq(h->stop, STOP_SESSION, "%s: stop %s", mode_name(m),
			     stop_reason_name(h->stop));
		cr_expect_str_eq(h->session_refusal, "the reply does not start with --expect");
		cr_expect_eq(h->first_len, 14);
		cr_expect(memcmp(h->first, "NOPE go away\r\n", 14) == 0);
	}
	cleanup(&p);
}

Test(opener, uring_stops_at_a_refusal_with_the_reply, .timeout = 5)
{
	expect_refusal_stops(MODE_URING);
}

Test(opener, epoll_stops_at_a_refusal_with_the_reply, .timeout = 5)
{
	expect_refusal_stops(MODE_EPOLL);
}

Test(opener, threads_stop_at_a_refusal_with_the_reply, .timeout = 5)
{
	expect_refusal_stops(MODE_THREADS);
}

/* ---- keepalives go out on the heartbeat schedule ---- */

#define PING_BYTES 14 /* "*1\r\n$4\r\nPING\r\n" */
static const struct session_config resp = { .proto = PROTO_RESP, .every_us = 100000 };

static void keepalive_tick(void *arg, struct holder *h)
{
	struct peer *p = arg;
	int pinged = 0;

	serve(p);
	for (int i = 0; i < p->nfds; i++)
		pinged += p->bytes[i] >= 22 + 2 * PING_BYTES; /* HELLO 3, then two PINGs */
	if (pinged == NCONNS && h->held == NCONNS)
		finish(p, true);
	if (late(p))
		finish(p, false);
}

static void expect_keepalives(enum mode m)
{
	struct peer p = { .answer = "+OK\r\n" };
	struct holder *h;

	h = run_peer(m, &p, &resp, keepalive_tick);
	if (h)
		cr_expect(p.seen, "%s: bytes read %zu %zu %zu", mode_name(m), p.bytes[0], p.bytes[1],
			  p.bytes[2]);
	cleanup(&p);
}

Test(opener, uring_sends_keepalives_on_the_schedule, .timeout = 5)
{
	expect_keepalives(MODE_URING);
}

Test(opener, epoll_sends_keepalives_on_the_schedule, .timeout = 5)
{
	expect_keepalives(MODE_EPOLL);
}

Test(opener, threads_send_keepalives_on_the_schedule, .timeout = 5)
{
	expect_keepalives(MODE_THREADS);
}

/* ---- held once the session is established, not at TCP's handshake ---- */

static void held_late_tick(void *arg, struct holder *h)
{
	struct peer *p = arg;
	int spoke = 0;

	serve(p);
	for (int i = 0; i < p->nfds; i++)
		spoke += p->bytes[i] > 0;
	if (!p->answer && spoke == NCONNS) {
		/* Every connection is up and has sent its opening: none is held yet. */
		cr_expect_eq(h->held, 0, "held %" PRIu64 " before any session was established",
			     h->held);
		cr_expect_eq(h->opening, NCONNS, "opening %" PRIu64, h->opening);
		cr_expect_eq(h->stop, STOP_NONE, "the run stopped before its sessions were up");
		p->answer = "PONG\r\n";
	}
	if (p->answer && h->held == NCONNS && !h->opening)
		finish(p, true);
	if (late(p))
		finish(p, false);
}

static void expect_held_once_established(enum mode m)
{
	struct peer p = { .answer = NULL };
	struct holder *h;

	h = run_peer(m, &p, &hello, held_late_tick);
	if (h) {
		cr_expect(p.seen, "%s: held %" PRIu64 " opening %" PRIu64, mode_name(m), h->held_final,
			  h->opening);
		cr_expect_eq(h->opened, NCONNS);
		cr_expect_eq(h->session_failed, 0);
	}
	cleanup(&p);
}

Test(opener, uring_counts_a_connection_held_once_its_session_is_established, .timeout = 5)
{
	expect_held_once_established(MODE_URING);
}

Test(opener, epoll_counts_a_connection_held_once_its_session_is_established, .timeout = 5)
{
	expect_held_once_established(MODE_EPOLL);
}

Test(opener, threads_count_a_connection_held_once_its_session_is_established, .timeout = 5)
{
	expect_held_once_established(MODE_THREADS);
}

/* ---- a refused session was never held: it is counted apart, not closed ---- */

static void expect_refused_never_held(enum mode m)
{
	struct peer p = { .answer = "NOPE go away\r\n" };
	struct holder *h;

	h = run_peer(m, &p, &hello, refused_tick);
	if (h) {
		cr_expect_eq(h->stop, STOP_SESSION, "%s: stop %s", mode_name(m),
			     stop_reason_name(h->stop));
		cr_expect_eq(h->opened, 0, "%s: opened %" PRIu64, mode_name(m), h->opened);
		cr_expect_eq(h->closed, 0, "%s: closed %" PRIu64, mode_name(m), h->closed);
		cr_expect_geq(h->session_failed, 1, "%s: session_failed %" PRIu64, mode_name(m),
			      h->session_failed);
		cr_expect_eq(h->opening, 0, "%s: opening %" PRIu64 " after the release", mode_name(m),
			     h->opening);
	}
	cleanup(&p);
}

Test(opener, uring_counts_a_refused_session_apart_never_held, .timeout = 5)
{
	expect_refused_never_held(MODE_URING);
}

Test(opener, epoll_counts_a_refused_session_apart_never_held, .timeout = 5)
{
	expect_refused_never_held(MODE_EPOLL);
}

Test(opener, threads_count_a_refused_session_apart_never_held, .timeout = 5)
{
	expect_refused_never_held(MODE_THREADS);
}
