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
#include <unistd.h>
#include "hold/conn.h"
#include "hold/flow.h"
#include "hold/holder.h"
#include "hold/sendout.h"
#include "hold/sockopt.h"

#define EVENT_BATCH 512
#define MAX_BATCHES 8 /* full batches per wait before the holder gets a turn */
#define DRAIN_BYTES 65536
#define BODY_BYTES 65536 /* the 'h's every message starts with, sent from one shared buffer */
#define CLOSE_EVENTS (EPOLLRDHUP | EPOLLHUP | EPOLLERR)
/* epoll data: a listener carries this bit and its index, a connection its fd. */
#define LISTENER_TAG (1ull << 32)

#define CONN_F_WRITING 0x10 /* its tx is partly out: EPOLLOUT is watched */

struct epoll_be {
	int epfd;
	int lfd[HOLDER_MAX_LISTEN];
	int nlisten;
	bool accepting;
	bool echo, keep;    /* serve: --on-data echo / keep */
	bool copies;        /* writes carry data (an echo, a session's bytes): a copy waits in tx */
	struct conn *conns; /* indexed by fd */
	struct sendout *tx; /* indexed by fd, what goes out; NULL when nothing is ever written */
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
	be->copies = be->echo || h->cfg->session || h->cfg->tls;
	if (!serve && traffic_on(t))
		memset(be->body, 'h', sizeof(be->body));
	if (!be->copies && (serve || !traffic_on(t)))
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
	if (be->tx)
		sendout_clear(&be->tx[fd], be->copies); /* half written: it goes with the socket */
	be->conns[fd] = (struct conn){ .state = CONN_FREE };
	close(fd);
}

static void close_held(struct holder *h, int fd)
{
	flow_closed(h, (uint32_t)fd);
	forget(BE(h), fd);
}

/* The peer ended a held connection (err 0 for a FIN): counted, then closed. */
static void peer_closed(struct holder *h, int fd, int err)
{
	flow_peer_closed(h, (uint32_t)fd, err);
	close_held(h, fd);
}

/* ---- traffic: the primitives flow.c drives ------------------------------- */

/* The fd table is the schedule's one ring; only its part below top can hold anything. */
static void epoll_geometry(struct holder *h, uint32_t *nrings, uint32_t *slots)
{
	*nrings = 1;
	*slots = BE(h)->top;
}

static struct conn *epoll_conn(struct holder *h, uint32_t fd)
{
	return &BE(h)->conns[fd];
}

/* A write ended (res: its length, or -errno): the tx is cleared, then flow is told. */
static void sent(struct holder *h, int fd, int res)
{
	struct epoll_be *be = BE(h);
	uint32_t len = be->tx[fd].len;

	sendout_clear(&be->tx[fd], be->copies);
	flow_written(h, (uint32_t)fd, res < 0 ? res : (int)len, len);
}

/* Pushes fd's tx, watching EPOLLOUT while some is left; tells flow when it is out or failed. */
static void send_out(struct holder *h, int fd)
{
	struct epoll_be *be = BE(h);
	struct conn *c = &be->conns[fd];
	int ret = sendout_push(fd, &be->tx[fd], be->body, sizeof(be->body), be->copies);
	bool writing = ret > 0;

	if (ret >= 0 && writing != !!(c->flags & CONN_F_WRITING)) {
		int err;

		c->flags ^= CONN_F_WRITING;
		err = watch(be, EPOLL_CTL_MOD, fd, held_events(be, c->flags));
		ret = err ? err : ret;
	}
	if (ret <= 0)
		sent(h, fd, ret);
}

/* What the kernel does not take at once waits in the tx, watched for EPOLLOUT. */
static int epoll_write(struct holder *h, uint32_t id, const char *data, uint32_t len)
{
	struct epoll_be *be = BE(h);
	int ret = sendout_start((int)id, &be->tx[id], be->body, sizeof(be->body), data, len);

	if (ret < 0)
		return ret;
	if (ret)
		send_out(h, (int)id);
	else
		flow_written(h, id, (int)len, len);
	return 0;
}

/* Level-triggered: reading resumes when send_out puts EPOLLIN back. */
static void epoll_arm(struct holder *h, uint32_t id)
{
	(void)h;
	(void)id;
}

static void epoll_close(struct holder *h, uint32_t id)
{
	close_held(h, (int)id);
}

/* A connection is held from now: its buffers may be set, then flow starts its traffic. */
static void established(struct holder *h, int fd)
{
	struct epoll_be *be = BE(h);

	sockopt_set(fd, h->cfg, SOCKOPT_AFTER, false);
	sockopt_report_buffers(h, fd);
	if ((uint32_t)fd >= be->top)
		be->top = (uint32_t)fd + 1;
	flow_established(h, (uint32_t)fd);
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
	established(h, fd);
}

/* One read per wake: a level-triggered watch reports what is left next time. */
static void drain(struct holder *h, int fd)
{
	struct epoll_be *be = BE(h);
	ssize_t n = read(fd, be->drain, sizeof(be->drain));

	if (n > 0)
		flow_read(h, (uint32_t)fd, be->drain, (size_t)n);
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
	if ((events & EPOLLOUT) && (c->flags & CONN_F_WRITING)) {
		send_out(h, fd);
		if (c->state != CONN_HELD)
			return;
	}
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

static void epoll_wait_events(struct holder *h, int timeout_us)
{
	struct epoll_be *be = BE(h);
	int n, timeout_ms = backend_wait_ms(timeout_us);

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
		if (be->tx)
			sendout_clear(&be->tx[fd], be->copies);
		close(fd);
	}
	for (int l = 0; l < be->nlisten; l++)
		close(be->lfd[l]);
	if (be->tx)
		conn_arena_free(be->tx);
	conn_array_free(be->conns);
	free(be);
	h->be = NULL;
	flow_release(h);
}

const struct backend_ops backend_epoll = {
	.name = "epoll",
	.init = epoll_init,
	.listen = epoll_listen,
	.open = epoll_open,
	.wait = epoll_wait_events,
	.stop_accepting = epoll_stop_accepting,
	.release = epoll_release,
	.geometry = epoll_geometry,
	.conn = epoll_conn,
	.write = epoll_write,
	.arm = epoll_arm,
	.close = epoll_close,
	.beat = flow_beat,
	.drop = flow_drop,
};
