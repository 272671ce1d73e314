/*
 * backend_epoll.c - connections held as ordinary descriptors, watched by
 * one level-triggered epoll instance: the C10K answer.
 *
 * connect: non-blocking socket, options, bind, connect; EPOLLOUT until the
 * handshake ends (SO_ERROR says how), then EPOLLIN | EPOLLRDHUP.
 * serve: non-blocking listeners; accept4 until EAGAIN on every wake.
 * Every connection is a descriptor, so RLIMIT_NOFILE bounds this mode:
 * EMFILE is where it stops, and that is a finding, not a failure.
 *
 * Traffic: a message or an echo goes out with non-blocking writes; what
 * the kernel does not take at once (a zero window, a full send buffer)
 * waits for EPOLLOUT in the connection's tx record, and the connection is
 * stalled until it is out: a heartbeat due then is skipped. An echoing
 * holder stops watching EPOLLIN meanwhile; --on-data keep never does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include "hold/conn.h"
#include "hold/holder.h"
#include "hold/sockopt.h"

#define EVENT_BATCH 512
#define MAX_BATCHES 8 /* full batches per wait before the holder gets a turn */
#define DRAIN_BYTES 65536
#define BODY_BYTES 65536 /* the 'h's every message starts with, sent from one shared buffer */
#define CLOSE_EVENTS (EPOLLRDHUP | EPOLLHUP | EPOLLERR)
/* epoll data: a listener carries this bit and its index, a connection its fd. */
#define LISTENER_TAG (1ull << 32)

#define CONN_F_WRITING 0x04 /* its tx is partly out: EPOLLOUT is watched */
#define CONN_F_STALLED 0x08 /* a heartbeat was skipped on this connection, once at least */

/*
 * What a connection has going out, in the arena beside its conn record,
 * only when there is traffic. A message needs no copy: it is 'h's and
 * its stamp. An echo is a copy of what was read, made only when the
 * kernel did not take all of it at once. The receiver's offset in the
 * stream lives in conn.next, free once the connection is established.
 */
struct tx {
	union {
		uint64_t stamp; /* connect: the message's send time */
		char *echo;     /* serve: the bytes read, going back */
	};
	uint32_t len;           /* 0: nothing going out */
	uint32_t off;           /* bytes the kernel has taken */
};
_Static_assert(sizeof(struct tx) == 16, "per-connection tx record must stay 16 bytes");

struct epoll_be {
	int epfd;
	int lfd[HOLDER_MAX_LISTEN];
	int nlisten;
	bool accepting;
	bool echo, keep;    /* serve: --on-data echo / keep */
	struct conn *conns; /* indexed by fd */
	struct tx *tx;      /* indexed by fd; NULL without traffic or echo */
	uint32_t nconns;    /* RLIMIT_NOFILE: no fd can reach it */
	uint32_t top;       /* one past the highest fd held yet: the heartbeat table */
	struct epoll_event events[EVENT_BATCH];
	char drain[DRAIN_BYTES]; /* shared by every read: the bytes are dropped */
	char body[BODY_BYTES];   /* connect with traffic: all 'h' */
};

static struct epoll_be *BE(struct holder *h)
{
	return h->be;
}

static int fd_table_size(uint32_t *n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	*n = rl.rlim_cur > UINT32_MAX ? UINT32_MAX : (uint32_t)rl.rlim_cur;
	return 0;
}

/* Idle runs allocate nothing here: the tx table only exists when bytes go out. */
static int traffic_init(struct holder *h, struct epoll_be *be)
{
	const struct traffic *t = &h->cfg->traffic;
	bool serve = h->cfg->role == ROLE_SERVE;

	be->echo = serve && t->on_data == ON_DATA_ECHO;
	be->keep = serve && t->on_data == ON_DATA_KEEP;
	if (!serve && traffic_on(t))
		memset(be->body, 'h', sizeof(be->body));
	if (!be->echo && (serve || !traffic_on(t)))
		return 0;
	be->tx = conn_arena_zalloc((size_t)be->nconns * sizeof(*be->tx));
	return be->tx ? 0 : -ENOMEM;
}

static int epoll_init(struct holder *h)
{
	struct epoll_be *be = calloc(1, sizeof(*be));
	int ret;

	if (!be)
		return -ENOMEM;
	be->epfd = epoll_create1(EPOLL_CLOEXEC);
	ret = be->epfd < 0 ? -errno : conn_arena_init();
	if (!ret)
		ret = fd_table_size(&be->nconns);
	if (!ret) {
		be->conns = conn_array_alloc(be->nconns);
		ret = be->conns ? 0 : -ENOMEM;
	}
	if (!ret)
		ret = traffic_init(h, be);
	if (ret) {
		if (be->epfd >= 0)
			close(be->epfd);
		conn_array_free(be->conns);
		free(be);
		return ret;
	}
	h->be = be;
	h->nrings = 0;
	h->ring_bytes = 0;
	return 0;
}

/* ---- connections -------------------------------------------------------- */

static struct traffic_stats *TS(struct holder *h)
{
	return &h->cfg->stats->traffic;
}

static int watch(struct epoll_be *be, int op, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u64 = (uint32_t)fd };

	return epoll_ctl(be->epfd, op, fd, &ev) ? -errno : 0;
}

/* A held connection reads unless it keeps or echoes; it waits to write while its tx is out. */
static uint32_t held_events(const struct epoll_be *be, uint8_t flags)
{
	bool writing = flags & CONN_F_WRITING;
	uint32_t events = EPOLLRDHUP;

	if (writing)
		events |= EPOLLOUT;
	if (!be->keep && !(be->echo && writing))
		events |= EPOLLIN;
	return events;
}

/* close() also drops the fd from the epoll set: nothing else holds the file. */
static void forget(struct epoll_be *be, int fd)
{
	if (be->tx) {
		if (be->echo && be->tx[fd].len)
			conn_arena_free(be->tx[fd].echo); /* half written: it goes with the socket */
		be->tx[fd] = (struct tx){ 0 };
	}
	be->conns[fd] = (struct conn){ .state = CONN_FREE };
	close(fd);
}

static void close_held(struct holder *h, int fd)
{
	forget(BE(h), fd);
	holder_closed(h);
}

/* The peer ended a held connection (err 0 for a FIN): counted, then closed. */
static void peer_closed(struct holder *h, int fd, int err)
{
	holder_peer_closed(h, err);
	close_held(h, fd);
}

/* ---- traffic ------------------------------------------------------------ */

/* Hands the kernel what it takes of fd's tx: 0 all of it, 1 some is left, or -errno. */
static int push(struct holder *h, int fd)
{
	struct epoll_be *be = BE(h);
	struct tx *t = &be->tx[fd];

	while (t->off < t->len) {
		struct iovec iov[2];
		struct msghdr mh = { .msg_iov = iov };
		ssize_t n;

		if (be->echo) {
			iov[0] = (struct iovec){ t->echo + t->off, t->len - t->off };
			mh.msg_iovlen = 1;
		} else {
			mh.msg_iovlen = traffic_iov(be->body, sizeof(be->body), t->len, t->off, &t->stamp, iov);
		}
		n = sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 1 : -errno;
		t->off += n;
	}
	atomic_fetch_add_explicit(&TS(h)->msgs_sent, 1, memory_order_relaxed);
	h->bytes_out += t->len;
	if (be->echo)
		conn_arena_free(t->echo);
	*t = (struct tx){ 0 };
	return 0;
}

/* A send failed (EPIPE, ECONNRESET): the peer is gone, as if it had closed. */
static void send_failed(struct holder *h, int fd)
{
	atomic_fetch_add_explicit(&TS(h)->send_errors, 1, memory_order_relaxed);
	close_held(h, fd);
}

/* Pushes fd's tx and watches EPOLLOUT while some is left; false: fd was closed. */
static bool send_out(struct holder *h, int fd)
{
	struct epoll_be *be = BE(h);
	struct conn *c = &be->conns[fd];
	int ret = push(h, fd);
	bool writing = ret > 0;

	if (ret < 0) {
		send_failed(h, fd);
		return false;
	}
	if (writing == !!(c->flags & CONN_F_WRITING))
		return true;
	c->flags ^= CONN_F_WRITING;
	if (watch(be, EPOLL_CTL_MOD, fd, held_events(be, c->flags))) {
		close_held(h, fd);
		return false;
	}
	return true;
}

/* connect: the n-th message (0: --send-once) unless the last is still going out; false: not begun. */
static bool send_message(struct holder *h, int fd, uint64_t n)
{
	struct epoll_be *be = BE(h);
	struct conn *c = &be->conns[fd];

	if (be->tx[fd].len) {
		traffic_blocked(TS(h), !(c->flags & CONN_F_STALLED));
		c->flags |= CONN_F_STALLED;
		return false;
	}
	be->tx[fd] = (struct tx){ .stamp = now_ns(), .len = traffic_msg_len(&h->cfg->traffic, n) };
	atomic_fetch_add_explicit(&TS(h)->msgs_started, 1, memory_order_relaxed);
	send_out(h, fd);
	return true;
}

/* The fd table is the schedule's one ring; only its part below top can hold anything. */
static void epoll_beat(struct holder *h, uint64_t prev_us, uint64_t now_us)
{
	struct epoll_be *be = BE(h);
	const struct traffic *t = &h->cfg->traffic;
	uint64_t late_ns = traffic_late_us(t) * 1000;
	uint64_t at_us = now_ns() / 1000; /* when they are handed over: now_us may be a turn's share */
	struct beat_tally tally = { 0 };
	uint32_t slots = be->top;
	struct beat_span sp;

	if (!be->tx)
		return;
	traffic_due(t, slots, prev_us, now_us, &sp);
	for (uint32_t k = 0; k < sp.n; k++) {
		uint64_t point = sp.first + k;
		uint32_t fd = traffic_slot(slots, 0, (uint32_t)point);

		if (fd >= slots || be->conns[fd].state != CONN_HELD)
			continue;
		tally.due++;
		if (send_message(h, (int)fd, 1))
			traffic_beat_sent(TS(h), &tally, late_ns,
					  (at_us - traffic_point_us(t, sp.npos, point)) * 1000);
	}
	tally.due += sp.missed * h->held / sp.npos;
	traffic_tally(TS(h), &tally);
}

/* serve --on-data echo: back what was read; what the kernel does not take waits in a copy. */
static void echo(struct holder *h, int fd, size_t n)
{
	struct epoll_be *be = BE(h);
	struct tx *t = &be->tx[fd];
	ssize_t w;

	atomic_fetch_add_explicit(&TS(h)->msgs_started, 1, memory_order_relaxed);
	do
		w = send(fd, be->drain, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	if (w == (ssize_t)n) {
		atomic_fetch_add_explicit(&TS(h)->msgs_sent, 1, memory_order_relaxed);
		h->bytes_out += n;
		return;
	}
	if ((w < 0 && errno != EAGAIN) || !(t->echo = conn_arena_zalloc(n))) {
		send_failed(h, fd);
		return;
	}
	memcpy(t->echo, be->drain, n);
	t->len = (uint32_t)n;
	t->off = w > 0 ? (uint32_t)w : 0;
	send_out(h, fd); /* stops reading until the rest is out */
}

/* Bytes read from a held connection: counted, timed, echoed when asked. */
static void received(struct holder *h, int fd, size_t n)
{
	struct epoll_be *be = BE(h);
	struct conn *c = &be->conns[fd];

	if (h->cfg->role == ROLE_CONNECT && !(c->flags & CONN_F_SPOKE)) {
		c->flags |= CONN_F_SPOKE;
		holder_first_bytes(h, be->drain, n);
	}
	h->bytes_in += n;
	traffic_rx(&h->cfg->traffic, TS(h), &be->conns[fd].next, be->drain, n, now_ns());
	if (be->echo)
		echo(h, fd, n);
}

/* A connection is held from now: its buffers may be set, its first message goes out. */
static void established(struct holder *h, int fd)
{
	struct epoll_be *be = BE(h);

	sockopt_set(fd, h->cfg, SOCKOPT_AFTER, false);
	sockopt_report_buffers(h, fd);
	be->conns[fd].next = 0; /* the receiver's offset in the stream from here on */
	if ((uint32_t)fd >= be->top)
		be->top = (uint32_t)fd + 1;
	if (h->cfg->role == ROLE_CONNECT && h->cfg->traffic.once)
		send_message(h, fd, 0);
}

/* ---- the connection's life ---------------------------------------------- */

static void on_connect(struct holder *h, int fd, uint32_t events)
{
	struct epoll_be *be = BE(h);
	uint32_t tuple = be->conns[fd].next;
	socklen_t len = sizeof(int);
	int err = 0, ret;

	/* Writable or failed: either way the handshake is over and SO_ERROR says how. */
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno;
	else if (!err && (events & CLOSE_EVENTS))
		err = ECONNRESET;
	h->in_flight--;
	if (!err && (ret = watch(be, EPOLL_CTL_MOD, fd, held_events(be, 0))))
		err = -ret;
	if (err) {
		forget(be, fd);
		holder_open_failed(h, tuple, err);
		return;
	}
	be->conns[fd].state = CONN_HELD;
	holder_connected(h, (uint32_t)tuple);
	established(h, fd);
}

/* One read per wake: a level-triggered watch reports what is left next time. */
static void drain(struct holder *h, int fd)
{
	struct epoll_be *be = BE(h);
	ssize_t n = read(fd, be->drain, sizeof(be->drain));

	if (n > 0)
		received(h, fd, (size_t)n);
	else if (n == 0 || (errno != EAGAIN && errno != EINTR))
		peer_closed(h, fd, n ? errno : 0);
}

static void on_held(struct holder *h, int fd, uint32_t events)
{
	struct epoll_be *be = BE(h);
	struct conn *c = &be->conns[fd];

	/*
	 * connect: what a server said before it closed is read first (its
	 * banner), then the EOF or the reset (read answers -ECONNRESET once).
	 */
	if ((events & EPOLLIN) && (events & CLOSE_EVENTS) && h->cfg->role == ROLE_CONNECT) {
		drain(h, fd);
		return;
	}
	if (events & CLOSE_EVENTS) {
		peer_closed(h, fd, (events & EPOLLERR) ? ECONNRESET : 0);
		return;
	}
	if ((events & EPOLLOUT) && (c->flags & CONN_F_WRITING) && !send_out(h, fd))
		return;
	if ((events & EPOLLIN) && (held_events(be, c->flags) & EPOLLIN))
		drain(h, fd);
}

static void on_conn(struct holder *h, int fd, uint32_t events)
{
	struct epoll_be *be = BE(h);

	if ((uint32_t)fd >= be->nconns)
		return;
	switch (be->conns[fd].state) {
	case CONN_OPENING:
		on_connect(h, fd, events);
		break;
	case CONN_HELD:
		on_held(h, fd, events);
		break;
	}
}

static int epoll_open(struct holder *h, uint64_t tuple, const union sockaddr_inet *src,
		      const union sockaddr_inet *dst)
{
	struct epoll_be *be = BE(h);
	bool bind_src = h->cfg->plan->bind_source;
	int fd, ret = 0;

	fd = socket(dst->sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno; /* EMFILE/ENFILE: the holder stops the ramp there */
	if ((uint32_t)fd >= be->nconns) {
		close(fd);
		return -EMFILE;
	}
	sockopt_set(fd, h->cfg, SOCKOPT_BEFORE, bind_src);
	if (bind_src && bind(fd, &src->sa, sockaddr_len(src)))
		ret = -errno;
	if (!ret && connect(fd, &dst->sa, sockaddr_len(dst)) && errno != EINPROGRESS)
		ret = -errno;
	/* Even a connect that finished at once is reported writable: one path for both. */
	if (!ret)
		ret = watch(be, EPOLL_CTL_ADD, fd, EPOLLOUT | EPOLLRDHUP);
	if (ret) {
		close(fd);
		return ret;
	}
	be->conns[fd] = (struct conn){ .next = (uint32_t)tuple, .state = CONN_OPENING };
	return 0;
}

/* ---- serve --------------------------------------------------------------- */

static void unwatch_listeners(struct epoll_be *be)
{
	for (int l = 0; l < be->nlisten; l++)
		epoll_ctl(be->epfd, EPOLL_CTL_DEL, be->lfd[l], NULL);
}

static void epoll_stop_accepting(struct holder *h)
{
	struct epoll_be *be = BE(h);

	if (!be->accepting)
		return;
	be->accepting = false;
	/* The listeners stay open, so peers queue instead of being refused. */
	unwatch_listeners(be);
}

/*
 * accept4 failed: true to try again at once. A limit stops the ramp, and
 * the listeners too, or the queued connection would wake us forever.
 */
static bool accept_again(struct holder *h, int err)
{
	if (err == ECONNABORTED || err == EINTR)
		return true; /* that peer gave up; the next may be queued behind it */
	if (err != EAGAIN) {
		holder_stop(h, stop_reason_from_errno(err), err);
		epoll_stop_accepting(h);
	}
	return false;
}

static void adopt(struct holder *h, int fd)
{
	struct epoll_be *be = BE(h);
	int ret = (uint32_t)fd < be->nconns ? watch(be, EPOLL_CTL_ADD, fd, held_events(be, 0))
					    : -EMFILE;

	if (ret) {
		close(fd);
		holder_stop(h, stop_reason_from_errno(ret), -ret);
		epoll_stop_accepting(h);
		return;
	}
	be->conns[fd] = (struct conn){ .state = CONN_HELD };
	holder_opened(h);
	established(h, fd);
}

static void on_listener(struct holder *h, int l)
{
	struct epoll_be *be = BE(h);

	while (be->accepting) {
		int fd = accept4(be->lfd[l], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0)
			adopt(h, fd);
		else if (!accept_again(h, errno))
			return;
	}
}

static int epoll_listen(struct holder *h, const union sockaddr_inet *addr)
{
	struct epoll_be *be = BE(h);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = LISTENER_TAG | be->nlisten };
	int fd, ret = 0;

	if (be->nlisten == HOLDER_MAX_LISTEN)
		return -E2BIG;
	fd = sockopt_listener(addr, h->cfg, true);
	if (fd < 0)
		return fd;
	if (epoll_ctl(be->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	be->lfd[be->nlisten++] = fd;
	be->accepting = true;
	return 0;
}

/* ---- the loop ------------------------------------------------------------ */

static void dispatch(struct holder *h, const struct epoll_event *ev)
{
	struct epoll_be *be = BE(h);

	if (ev->data.u64 & LISTENER_TAG) {
		/* Events already fetched may still name a listener we stopped watching. */
		if (be->accepting)
			on_listener(h, (int)(uint32_t)ev->data.u64);
		return;
	}
	on_conn(h, (int)ev->data.u64, ev->events);
}

static void epoll_wait_events(struct holder *h, int timeout_ms)
{
	struct epoll_be *be = BE(h);
	int n;

	for (int round = 0; round < MAX_BATCHES; round++) {
		n = epoll_wait(be->epfd, be->events, EVENT_BATCH, round ? 0 : timeout_ms);
		for (int i = 0; i < n; i++)
			dispatch(h, &be->events[i]);
		if (n < EVENT_BATCH)
			return;
	}
}

/* Linger 0 turns every close into an RST: no FIN handshake, no TIME_WAIT. */
static void epoll_release(struct holder *h)
{
	struct epoll_be *be = BE(h);

	if (!be)
		return;
	/* Closing the epoll instance first spares each close its unregistering. */
	close(be->epfd);
	for (uint32_t fd = 0; fd < be->nconns; fd++) {
		if (be->conns[fd].state == CONN_FREE)
			continue;
		if (be->echo && be->tx[fd].len)
			conn_arena_free(be->tx[fd].echo);
		close(fd);
	}
	for (int l = 0; l < be->nlisten; l++)
		close(be->lfd[l]);
	if (be->tx)
		conn_arena_free(be->tx);
	conn_array_free(be->conns);
	free(be);
	h->be = NULL;
}

const struct backend_ops backend_epoll = {
	.name = "epoll",
	.init = epoll_init,
	.listen = epoll_listen,
	.open = epoll_open,
	.wait = epoll_wait_events,
	.stop_accepting = epoll_stop_accepting,
	.beat = epoll_beat,
	.release = epoll_release,
};
