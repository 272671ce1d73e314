/*
 * backend_epoll.c - connections held as ordinary descriptors, watched by
 * one level-triggered epoll instance: the C10K answer.
 *
 * connect: non-blocking socket, options, bind, connect; EPOLLOUT until the
 * handshake ends (SO_ERROR says how), then EPOLLIN | EPOLLRDHUP.
 * serve: non-blocking listeners; accept4 until EAGAIN on every wake.
 * Every connection is a descriptor, so RLIMIT_NOFILE bounds this mode:
 * EMFILE is where it stops, and that is a finding, not a failure.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include "conn.h"
#include "holder.h"
#include "sockopt.h"

#define EVENT_BATCH 512
#define MAX_BATCHES 8 /* full batches per wait before the holder gets a turn */
#define DRAIN_BYTES 65536
#define WATCH_EVENTS (EPOLLIN | EPOLLRDHUP)
#define CLOSE_EVENTS (EPOLLRDHUP | EPOLLHUP | EPOLLERR)
/* epoll data: a listener carries this bit and its index, a connection its fd. */
#define LISTENER_TAG (1ull << 32)

struct epoll_be {
	int epfd;
	int lfd[HOLDER_MAX_LISTEN];
	int nlisten;
	bool accepting;
	struct conn *conns; /* indexed by fd */
	uint32_t nconns;    /* RLIMIT_NOFILE: no fd can reach it */
	struct epoll_event events[EVENT_BATCH];
	char drain[DRAIN_BYTES]; /* shared by every read: the bytes are dropped */
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
	if (ret) {
		if (be->epfd >= 0)
			close(be->epfd);
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

/* close() also drops the fd from the epoll set: nothing else holds the file. */
static void forget(struct epoll_be *be, int fd)
{
	be->conns[fd].state = CONN_FREE;
	close(fd);
}

static void close_held(struct holder *h, int fd)
{
	forget(BE(h), fd);
	holder_closed(h);
}

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
	if (!err && (ret = watch(be, EPOLL_CTL_MOD, fd, WATCH_EVENTS)))
		err = -ret;
	if (err) {
		forget(be, fd);
		holder_open_failed(h, tuple, err);
		return;
	}
	be->conns[fd].state = CONN_HELD;
	holder_opened(h);
	sockopt_report_buffers(h, fd);
}

/* One read per wake: a level-triggered watch reports what is left next time. */
static void drain(struct holder *h, int fd)
{
	struct epoll_be *be = BE(h);
	ssize_t n = read(fd, be->drain, sizeof(be->drain));

	if (n > 0)
		h->bytes_in += n;
	else if (n == 0 || (errno != EAGAIN && errno != EINTR))
		close_held(h, fd);
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
		if (events & CLOSE_EVENTS)
			close_held(h, fd);
		else if (events & EPOLLIN)
			drain(h, fd);
		break;
	}
}

static int epoll_open(struct holder *h, uint64_t tuple, const struct sockaddr_in *src,
		      const struct sockaddr_in *dst)
{
	struct epoll_be *be = BE(h);
	bool bind_src = h->cfg->plan->bind_source;
	int fd, ret = 0;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno; /* EMFILE/ENFILE: the holder stops the ramp there */
	if ((uint32_t)fd >= be->nconns) {
		close(fd);
		return -EMFILE;
	}
	sockopt_apply(fd, h->cfg, bind_src);
	if (bind_src && bind(fd, (const struct sockaddr *)src, sizeof(*src)))
		ret = -errno;
	if (!ret && connect(fd, (const struct sockaddr *)dst, sizeof(*dst)) && errno != EINPROGRESS)
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
	int ret = (uint32_t)fd < be->nconns ? watch(be, EPOLL_CTL_ADD, fd, WATCH_EVENTS) : -EMFILE;

	if (ret) {
		close(fd);
		holder_stop(h, stop_reason_from_errno(ret), -ret);
		epoll_stop_accepting(h);
		return;
	}
	be->conns[fd] = (struct conn){ .state = CONN_HELD };
	holder_opened(h);
	sockopt_report_buffers(h, fd);
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

static int epoll_listen(struct holder *h, const struct sockaddr_in *addr)
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
	for (uint32_t fd = 0; fd < be->nconns; fd++)
		if (be->conns[fd].state != CONN_FREE)
			close(fd);
	for (int l = 0; l < be->nlisten; l++)
		close(be->lfd[l]);
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
	.release = epoll_release,
};
