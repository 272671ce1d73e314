/*
 * backend_threads.c - one blocking thread per connection: the model the
 * C10K problem was named against, kept honest and simple for comparison.
 *
 * serve: the main thread accepts (non-blocking listeners, polled) and
 * starts a thread per connection. connect: the main thread makes and binds
 * the socket (so the ramp stops at EMFILE at once and release always finds
 * the fd); a thread per connection does the blocking connect(). Either
 * way the worker then blocks in poll() on its socket until the peer goes.
 *
 * The holder and flow.c (traffic, heartbeats, sessions) are code for one
 * thread at a time, so they run under one lock: the main thread holds it
 * except while it sleeps in wait(), and a worker takes it to report what
 * it saw (established, bytes read, a write's end, the peer gone). A worker
 * never closes its own fd: the main thread closes it after the join, so an
 * fd number cannot be reused while a worker or release() might name it.
 *
 * Writes never block: they go out from the thread that asks (a worker's
 * echo or opener, the main thread's heartbeats); what the kernel does not
 * take waits in the connection's sendout record, and its worker pushes it
 * on POLLOUT, woken by WAKE_SIGNAL, which only its poll lets in.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "hold/conn.h"
#include "hold/flow.h"
#include "hold/holder.h"
#include "hold/sendout.h"
#include "hold/sockopt.h"

#define DRAIN_BYTES 65536 /* every read lands here, under the lock: no buffer on a worker's stack */
#define BODY_BYTES 65536  /* the 'h's every message starts with, shared by every worker */
#define MIN_STACK (16 * 1024)
#define FLOW_STACK (4 * 1024)     /* a worker that reads traffic or echoes: flow's frames */
#define SESSION_STACK (64 * 1024) /* ... that runs sessions: a TLS handshake's frames */
#define NO_WORKER UINT32_MAX
#define JOIN_RETRY_NS 100000000L /* release: re-shutdown a worker still running after this */
#define CLOSE_EVENTS (POLLRDHUP | POLLHUP | POLLERR)
#define WAKE_SIGNAL (SIGRTMIN + 2) /* a write another thread began needs its worker's POLLOUT */

#define CONN_F_PEER 0x10   /* the peer ended it (worker.err says how) */
#define CONN_F_PAUSED 0x20 /* flow_read paused reading until arm() (an echo is going out) */

struct threads_be;

/* Indexed by fd, like the conn records. */
struct worker {
	pthread_t tid;
	struct threads_be *be;
	uint32_t tuple; /* connect: planner index, which names the destination */
	uint32_t link;  /* next on the done list */
	int err;        /* a failed connect's errno, or how the peer ended it */
};

struct threads_be {
	struct holder *h;
	pthread_mutex_t lock; /* the holder lock: whoever runs holder or flow code holds it */
	pthread_attr_t attr;
	bool releasing;
	bool keep, copies;    /* serve --on-data keep; writes carry data (echo, sessions) */
	sigset_t wake_mask;   /* a worker's mask while it polls: WAKE_SIGNAL let in */
	int efd;              /* workers post here when they finish */
	int lfd[HOLDER_MAX_LISTEN];
	int nlisten;
	bool accepting;
	struct conn *conns;   /* indexed by fd */
	struct sendout *tx;   /* indexed by fd; NULL when nothing is ever written */
	struct worker *workers;
	uint32_t nconns;      /* RLIMIT_NOFILE: no fd can reach it */
	uint32_t top;         /* one past the highest fd held yet: the heartbeat table */
	uint32_t done;        /* workers that finished, linked by worker.link */
	struct pollfd pfd[1 + HOLDER_MAX_LISTEN]; /* the eventfd, then the listeners */
	char drain[DRAIN_BYTES];
	char body[BODY_BYTES];
};

static struct threads_be *BE(struct holder *h)
{
	return h->be;
}

static void on_wake(int sig)
{
	(void)sig; /* only to end a worker's poll with EINTR */
}

/*
 * A worker only calls connect, poll, a mutex and, under it, the holder's
 * and flow's short paths: a few hundred bytes of stack. PTHREAD_STACK_MIN
 * (16 KiB on x86-64, more where signal frames are larger) is what glibc
 * promises is enough to start a thread at all; workers block every signal
 * but WAKE_SIGNAL, whose handler is empty. The default guard page stays:
 * an overflow faults instead of corrupting a neighbour. glibc carves TLS
 * and its thread descriptor out of this size too. Only pages touched
 * count: a larger size for traffic or sessions costs address space.
 */
static size_t worker_stack_size(size_t extra)
{
	long min = sysconf(_SC_THREAD_STACK_MIN);
	long page = sysconf(_SC_PAGESIZE);
	size_t size = (min > MIN_STACK ? (size_t)min : MIN_STACK) + extra;

	if (page > 0)
		size = (size + page - 1) / page * page;
	return size;
}

static int worker_attr_init(pthread_attr_t *attr, size_t extra)
{
	sigset_t all;
	int ret = pthread_attr_init(attr);

	if (ret)
		return -ret;
	sigfillset(&all);
	ret = pthread_attr_setstacksize(attr, worker_stack_size(extra));
	if (!ret)
		ret = pthread_attr_setsigmask_np(attr, &all);
	if (ret) {
		pthread_attr_destroy(attr);
		return -ret;
	}
	return 0;
}

static int fd_table_size(uint32_t *n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	*n = rl.rlim_cur > UINT32_MAX ? UINT32_MAX : (uint32_t)rl.rlim_cur;
	return 0;
}

static void free_be(struct threads_be *be)
{
	if (be->efd >= 0)
		close(be->efd);
	if (be->tx)
		conn_arena_free(be->tx);
	conn_array_free(be->conns);
	free(be->workers);
	pthread_mutex_destroy(&be->lock);
	pthread_attr_destroy(&be->attr);
	free(be);
}

/*
 * Idle runs allocate nothing for traffic. Anything that writes gets the
 * sendout table and the wake signal (a heartbeat is written by the main
 * thread, whose leftovers the worker must push).
 */
static int traffic_init(struct holder *h, struct threads_be *be, size_t *stack)
{
	const struct traffic *t = &h->cfg->traffic;
	bool serve = h->cfg->role == ROLE_SERVE;
	bool echo = serve && t->on_data == ON_DATA_ECHO;
	bool sessions = h->cfg->session || h->cfg->tls;
	struct sigaction sa = { .sa_handler = on_wake };

	be->keep = serve && t->on_data == ON_DATA_KEEP;
	be->copies = echo || sessions;
	*stack = sessions ? SESSION_STACK : echo || traffic_on(t) ? FLOW_STACK : 0;
	sigfillset(&be->wake_mask);
	sigdelset(&be->wake_mask, WAKE_SIGNAL);
	if (!be->copies && (serve || !traffic_on(t)))
		return 0;
	if (!be->copies)
		memset(be->body, 'h', sizeof(be->body));
	if (sigaction(WAKE_SIGNAL, &sa, NULL))
		return -errno;
	be->tx = conn_arena_zalloc((size_t)be->nconns * sizeof(*be->tx));
	return be->tx ? 0 : -ENOMEM;
}

static int threads_init(struct holder *h)
{
	struct threads_be *be = calloc(1, sizeof(*be));
	size_t stack = 0;
	int ret;

	if (!be)
		return -ENOMEM;
	pthread_mutex_init(&be->lock, NULL);
	be->h = h;
	be->done = NO_WORKER;
	be->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ret = be->efd < 0 ? -errno : conn_arena_init();
	if (!ret)
		ret = fd_table_size(&be->nconns);
	if (!ret) {
		be->conns = conn_array_alloc(be->nconns);
		be->workers = calloc(be->nconns, sizeof(*be->workers));
		ret = be->conns && be->workers ? 0 : -ENOMEM;
	}
	if (!ret)
		ret = traffic_init(h, be, &stack);
	if (!ret)
		ret = worker_attr_init(&be->attr, stack);
	else
		pthread_attr_init(&be->attr); /* so that free_be may destroy it */
	if (ret) {
		free_be(be);
		return ret;
	}
	h->be = be;
	h->nrings = 0;
	h->ring_bytes = 0;
	pthread_mutex_lock(&be->lock); /* the main thread's, but while it sleeps in wait() */
	return 0;
}

/* ---- the I/O flow.c drives (under the lock) ------------------------------ */

/* The fd table is the schedule's one ring; only its part below top can hold anything. */
static void threads_geometry(struct holder *h, uint32_t *nrings, uint32_t *slots)
{
	*nrings = 1;
	*slots = BE(h)->top;
}

static struct conn *threads_conn(struct holder *h, uint32_t fd)
{
	return &BE(h)->conns[fd];
}

/* fd's worker must look at its socket again (a write left it something, reading resumed). */
static void wake(struct threads_be *be, uint32_t fd)
{
	pthread_t tid = be->workers[fd].tid;

	if (!pthread_equal(tid, pthread_self()))
		pthread_kill(tid, WAKE_SIGNAL);
}

static int threads_write(struct holder *h, uint32_t id, const char *data, uint32_t len)
{
	struct threads_be *be = BE(h);
	int ret = sendout_start((int)id, &be->tx[id], be->body, sizeof(be->body), data, len);

	if (ret < 0)
		return ret;
	if (ret)
		wake(be, id); /* its worker pushes the rest on POLLOUT */
	else
		flow_written(h, id, (int)len, len);
	return 0;
}

/* Its worker pushed fd's write: flow hears of the end, or of the failure. */
static void send_out(struct holder *h, int fd)
{
	struct threads_be *be = BE(h);
	struct sendout *o = &be->tx[fd];
	int ret = sendout_push(fd, o, be->body, sizeof(be->body), be->copies);
	uint32_t len = o->len;

	if (ret > 0)
		return;
	sendout_clear(o, be->copies);
	flow_written(h, (uint32_t)fd, ret < 0 ? ret : (int)len, len);
}

static void threads_arm(struct holder *h, uint32_t id)
{
	struct threads_be *be = BE(h);

	be->conns[id].flags &= ~CONN_F_PAUSED;
	wake(be, id);
}

/* From above: its worker wakes to SHUT_RD and goes; the main thread closes it after the join. */
static void threads_close(struct holder *h, uint32_t id)
{
	BE(h)->conns[id].state = CONN_CLOSING;
	shutdown((int)id, SHUT_RD);
}

/* ---- workers ------------------------------------------------------------ */

static int worker_fd(const struct worker *w)
{
	return (int)(w - w->be->workers);
}

/* A connection is held from now: its buffers may be set, then flow starts its traffic. */
static void established(struct holder *h, int fd)
{
	struct threads_be *be = BE(h);

	sockopt_set(fd, h->cfg, SOCKOPT_AFTER, false);
	sockopt_report_buffers(h, fd);
	if ((uint32_t)fd >= be->top)
		be->top = (uint32_t)fd + 1;
	flow_established(h, (uint32_t)fd);
}

/*
 * connect: the blocking connect; under the lock on return. False: it
 * failed. Its time is the holder's, from open() on (thread start included).
 */
static bool connected(struct worker *w)
{
	struct threads_be *be = w->be;
	struct holder *h = be->h;
	int fd = worker_fd(w);
	union sockaddr_inet src, dst;
	int err = 0;

	plan_tuple(h->cfg->plan, w->tuple, &src, &dst);
	if (connect(fd, &dst.sa, sockaddr_len(&dst)))
		err = errno;
	pthread_mutex_lock(&be->lock);
	if (be->releasing || err) {
		w->err = err;
		return false;
	}
	h->in_flight--;
	be->conns[fd].state = CONN_HELD;
	established(h, fd);
	return true;
}

/* The peer ended fd (err 0 for a FIN): its worker goes, the main thread counts it at the join. */
static void peer_gone(struct threads_be *be, int fd, int err)
{
	be->conns[fd].state = CONN_CLOSING;
	be->conns[fd].flags |= CONN_F_PEER;
	be->workers[fd].err = err;
}

static short worker_events(const struct threads_be *be, int fd)
{
	short events = POLLRDHUP;

	if (be->tx && be->tx[fd].len)
		events |= POLLOUT;
	if (!be->keep && !(be->conns[fd].flags & CONN_F_PAUSED))
		events |= POLLIN;
	return events;
}

/* One read, into the shared buffer (the lock is held): what flow makes of it. */
static void drain(struct holder *h, int fd)
{
	struct threads_be *be = BE(h);
	ssize_t n = recv(fd, be->drain, sizeof(be->drain), MSG_DONTWAIT);

	if (n > 0) {
		if (!flow_read(h, (uint32_t)fd, be->drain, (size_t)n) &&
		    be->conns[fd].state == CONN_HELD)
			be->conns[fd].flags |= CONN_F_PAUSED;
	} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		peer_gone(be, fd, n ? errno : 0);
	}
}

static void on_events(struct holder *h, int fd, short events, short revents)
{
	struct threads_be *be = BE(h);

	/* connect: what a server said before it closed is read first, then the EOF or reset. */
	if ((revents & POLLIN) && (revents & CLOSE_EVENTS) && h->cfg->role == ROLE_CONNECT) {
		drain(h, fd);
		return;
	}
	if (revents & CLOSE_EVENTS) {
		peer_gone(be, fd, (revents & POLLERR) ? ECONNRESET : 0);
		return;
	}
	if ((revents & POLLOUT) && be->tx[fd].len) {
		send_out(h, fd);
		if (be->conns[fd].state != CONN_HELD)
			return;
	}
	if ((revents & POLLIN) && (events & POLLIN) && !(be->conns[fd].flags & CONN_F_PAUSED))
		drain(h, fd);
}

/* Waits on its socket (the lock let go meanwhile) until it is no longer held. */
static void hold(struct worker *w)
{
	struct threads_be *be = w->be;
	int fd = worker_fd(w);

	while (!be->releasing && be->conns[fd].state == CONN_HELD) {
		struct pollfd pfd = { .fd = fd, .events = worker_events(be, fd) };
		int n;

		pthread_mutex_unlock(&be->lock);
		n = ppoll(&pfd, 1, NULL, be->tx ? &be->wake_mask : NULL);
		pthread_mutex_lock(&be->lock);
		if (n < 0 && errno != EINTR)
			peer_gone(be, fd, errno);
		else if (n > 0 && !be->releasing && be->conns[fd].state == CONN_HELD)
			on_events(be->h, fd, pfd.events, pfd.revents);
	}
}

static void *worker(void *arg)
{
	struct worker *w = arg;
	struct threads_be *be = w->be;

	if (be->h->cfg->role == ROLE_SERVE)
		pthread_mutex_lock(&be->lock);
	if (be->h->cfg->role == ROLE_SERVE || connected(w))
		hold(w);
	w->link = be->done;
	be->done = (uint32_t)worker_fd(w);
	pthread_mutex_unlock(&be->lock);
	eventfd_write(be->efd, 1);
	return NULL;
}

/* ---- the main thread's side --------------------------------------------- */

/* pthread_create's EAGAIN is threads-max, RLIMIT_NPROC, pid_max or the map count. */
static int spawn(struct holder *h, int fd)
{
	struct threads_be *be = BE(h);
	struct worker *w = &be->workers[fd];
	int ret;

	w->be = be;
	w->err = 0;
	ret = pthread_create(&w->tid, &be->attr, worker, w);
	if (ret) {
		holder_stop(h, ret == EAGAIN ? STOP_THREADS : stop_reason_from_errno(ret), ret);
		return -ret;
	}
	return 0;
}

static int threads_open(struct holder *h, uint64_t tuple, const union sockaddr_inet *src,
			const union sockaddr_inet *dst)
{
	struct threads_be *be = BE(h);
	bool bind_src = h->cfg->plan->bind_source;
	int fd, ret = 0;

	/* The worker finds dst again from the tuple. */
	fd = socket(dst->sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno; /* EMFILE/ENFILE: the holder stops the ramp there */
	if ((uint32_t)fd >= be->nconns)
		ret = -EMFILE;
	if (!ret)
		sockopt_set(fd, h->cfg, SOCKOPT_BEFORE, bind_src);
	if (!ret && bind_src && bind(fd, &src->sa, sockaddr_len(src)))
		ret = -errno;
	if (ret) {
		close(fd);
		return ret;
	}
	be->workers[fd].tuple = (uint32_t)tuple;
	be->conns[fd] = (struct conn){ .next = (uint32_t)tuple, .state = CONN_OPENING };
	if (spawn(h, fd)) {
		be->conns[fd].state = CONN_FREE;
		close(fd);
		return -EAGAIN; /* the ramp is stopped: the holder asks no more */
	}
	return 0;
}

static void threads_stop_accepting(struct holder *h)
{
	/* The listeners stay open but unpolled: peers queue instead of being refused. */
	BE(h)->accepting = false;
}

static void adopt(struct holder *h, int fd)
{
	struct threads_be *be = BE(h);

	if ((uint32_t)fd >= be->nconns) {
		close(fd);
		holder_stop(h, STOP_EMFILE, EMFILE);
		threads_stop_accepting(h);
		return;
	}
	be->conns[fd] = (struct conn){ .state = CONN_HELD };
	if (spawn(h, fd)) {
		be->conns[fd].state = CONN_FREE;
		close(fd);
		threads_stop_accepting(h);
		return;
	}
	established(h, fd);
}

static void accept_all(struct holder *h, int l)
{
	struct threads_be *be = BE(h);

	while (be->accepting) {
		/* No SOCK_NONBLOCK: Linux does not copy O_NONBLOCK, and the worker's connect blocks. */
		int fd = accept4(be->lfd[l], NULL, NULL, SOCK_CLOEXEC);

		if (fd >= 0) {
			adopt(h, fd);
		} else if (errno == ECONNABORTED || errno == EINTR) {
			continue; /* that peer gave up; the next may be queued behind it */
		} else {
			if (errno != EAGAIN) {
				holder_stop(h, stop_reason_from_errno(errno), errno);
				threads_stop_accepting(h);
			}
			return;
		}
	}
}

static int threads_listen(struct holder *h, const union sockaddr_inet *addr)
{
	struct threads_be *be = BE(h);
	int fd;

	if (be->nlisten == HOLDER_MAX_LISTEN)
		return -E2BIG;
	fd = sockopt_listener(addr, h->cfg, true);
	if (fd < 0)
		return fd;
	be->lfd[be->nlisten++] = fd;
	be->accepting = true;
	return 0;
}

/* A finished worker: join it, tell the holder and flow what it was, close its fd. */
static void reap(struct holder *h, int fd)
{
	struct threads_be *be = BE(h);
	struct worker *w = &be->workers[fd];
	struct conn *c = &be->conns[fd];

	pthread_join(w->tid, NULL);
	if (c->state == CONN_OPENING) {
		h->in_flight--;
		holder_open_failed(h, w->tuple, w->err);
	} else {
		if (c->flags & CONN_F_PEER)
			flow_peer_closed(h, (uint32_t)fd, w->err);
		flow_closed(h, (uint32_t)fd);
	}
	if (be->tx)
		sendout_clear(&be->tx[fd], be->copies);
	*c = (struct conn){ .state = CONN_FREE };
	close(fd);
}

static void threads_wait(struct holder *h, int timeout_us)
{
	struct threads_be *be = BE(h);
	int npfd = be->accepting ? 1 + be->nlisten : 1, n;
	eventfd_t ignored;
	uint32_t fd;

	be->pfd[0] = (struct pollfd){ .fd = be->efd, .events = POLLIN };
	for (int l = 0; l < be->nlisten; l++)
		be->pfd[1 + l] = (struct pollfd){ .fd = be->lfd[l], .events = POLLIN };
	pthread_mutex_unlock(&be->lock); /* workers report while the main thread sleeps */
	n = poll(be->pfd, npfd, backend_wait_ms(timeout_us));
	pthread_mutex_lock(&be->lock);
	if (n > 0) {
		if (be->pfd[0].revents)
			eventfd_read(be->efd, &ignored);
		for (int l = 0; l < npfd - 1; l++)
			if (be->pfd[1 + l].revents && be->accepting)
				accept_all(h, l);
	}
	for (fd = be->done, be->done = NO_WORKER; fd != NO_WORKER;) {
		uint32_t next = be->workers[fd].link;

		reap(h, (int)fd);
		fd = next;
	}
}

/* Waits for one worker, shutting its socket down again if it missed the first. */
static void join_worker(struct threads_be *be, int fd)
{
	struct timespec ts;

	for (;;) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += JOIN_RETRY_NS;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (pthread_timedjoin_np(be->workers[fd].tid, NULL, &ts) != ETIMEDOUT)
			return;
		/* A worker that had not reached connect() yet when we shut it down. */
		shutdown(fd, SHUT_RD);
	}
}

/*
 * Wakes every worker, then joins every one: nothing is left running when
 * this returns. SHUT_RD is enough to end a blocked poll or a connect still
 * in SYN_SENT, without sending a FIN first; the linger-0 close after the
 * join turns each into an RST, so nothing sits in TIME_WAIT. Workers that
 * wake find `releasing` under the lock and report nothing more.
 */
static void threads_release(struct holder *h)
{
	struct threads_be *be = BE(h);

	if (!be)
		return;
	be->releasing = true;
	for (uint32_t fd = 0; fd < be->nconns; fd++)
		if (be->conns[fd].state != CONN_FREE)
			shutdown(fd, SHUT_RD);
	pthread_mutex_unlock(&be->lock);
	for (uint32_t fd = 0; fd < be->nconns; fd++) {
		if (be->conns[fd].state == CONN_FREE)
			continue;
		join_worker(be, fd);
		if (be->tx)
			sendout_clear(&be->tx[fd], be->copies);
		close(fd);
	}
	for (int l = 0; l < be->nlisten; l++)
		close(be->lfd[l]);
	free_be(be);
	h->be = NULL;
	flow_release(h);
}

const struct backend_ops backend_threads = {
	.name = "threads",
	.init = threads_init,
	.listen = threads_listen,
	.open = threads_open,
	.wait = threads_wait,
	.stop_accepting = threads_stop_accepting,
	.release = threads_release,
	.geometry = threads_geometry,
	.conn = threads_conn,
	.write = threads_write,
	.arm = threads_arm,
	.close = threads_close,
	.beat = flow_beat,
	.drop = flow_drop,
};
