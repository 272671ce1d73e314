/*
 * backend_threads.c - one blocking thread per connection: the model the
 * C10K problem was named against, kept honest and simple for comparison.
 *
 * serve: the main thread accepts (non-blocking listeners, polled) and
 * starts a thread per connection that blocks in recv() until the peer goes.
 * connect: the main thread makes and binds the socket (so the ramp stops at
 * EMFILE at once and release always finds the fd); a thread per connection
 * does the blocking connect(), then blocks in recv() the same way.
 *
 * The holder is single-threaded: workers never call holder_*. They report
 * through a mutex-protected list and an eventfd, and the main thread
 * reconciles in wait(). A worker never closes its own fd: the main thread
 * closes it after the join, so an fd number cannot be reused while a
 * worker or release() might still name it.
 *
 * Traffic: a worker with bytes to send, to echo or to keep talks instead:
 * it blocks in poll() on its socket, with the time of its next heartbeat as
 * the timeout. Its writes never block (MSG_DONTWAIT): what the kernel does
 * not take waits for POLLOUT, a heartbeat due meanwhile is skipped, and
 * release's SHUT_RD still wakes every worker. Each keeps its own schedule,
 * on the phase the holder's schedule gives its fd; the main thread starts
 * and stops them all through a second eventfd, readable while they run.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "hold/conn.h"
#include "hold/holder.h"
#include "hold/sendout.h"
#include "hold/sockopt.h"

#define DRAIN_BYTES 65536
#define BODY_BYTES 65536 /* the 'h's every message starts with, shared by every worker */
#define RX_BYTES 2048    /* a talking worker's own receive buffer, on its stack */
#define TALK_STACK (RX_BYTES + 1024) /* the buffer and talk()'s frame */
#define MIN_STACK (16 * 1024)
#define NO_WORKER UINT32_MAX
#define JOIN_RETRY_NS 100000000L /* release: re-shutdown a worker still running after this */
#define CLOSE_EVENTS (POLLRDHUP | POLLHUP | POLLERR)

struct threads_be;

/* Indexed by fd, like the conn records. */
struct worker {
	pthread_t tid;
	struct threads_be *be;
	uint32_t tuple; /* connect: planner index, which names the destination */
	uint32_t link;  /* next on the done list */
	int err;        /* connect: why it failed; 0 once established */
};

struct threads_be {
	const struct plan *plan;
	const struct holder_config *cfg; /* read by workers: it never changes */
	pthread_attr_t attr;
	bool talk;            /* workers run talk(), not hold() */
	bool echo, keep;      /* serve: --on-data echo / keep */
	bool heartbeats;      /* connect with --send */
	int beat_efd;         /* readable while heartbeats run */
	_Atomic bool beats_on;
	uint32_t npos;        /* heartbeat positions in a period: nconns up to a power of two */
	int efd;              /* workers post here after reporting */
	int lfd[HOLDER_MAX_LISTEN];
	int nlisten;
	bool accepting;
	struct conn *conns;   /* indexed by fd; main thread only */
	struct worker *workers;
	uint32_t nconns;      /* RLIMIT_NOFILE: no fd can reach it */
	/* Reported by workers, under lock. */
	pthread_mutex_t lock;
	uint64_t established; /* connects that completed since the last reconcile */
	uint32_t done;        /* workers that finished, linked by worker.link */
	int got[2];           /* rcvbuf, sndbuf of the first established connect */
	bool have_buffers;
	_Atomic uint64_t bytes_in, bytes_out;
	struct pollfd pfd[1 + HOLDER_MAX_LISTEN]; /* the eventfd, then the listeners */
	char drain[DRAIN_BYTES]; /* shared by every recv: the bytes are dropped unread */
	char body[BODY_BYTES];   /* connect with traffic: all 'h' */
};

static struct threads_be *BE(struct holder *h)
{
	return h->be;
}

/*
 * A worker only calls connect, recv, getsockopt and a mutex: a few hundred
 * bytes of stack. PTHREAD_STACK_MIN (16 KiB on x86-64, more where signal
 * frames are larger) is what glibc promises is enough to start a thread at
 * all; workers block every signal, so no signal frame ever lands on the
 * stack either. The default guard page stays: an overflow faults instead
 * of corrupting a neighbour. glibc carves TLS and its thread descriptor
 * out of this size too, so a larger static TLS raises the floor. A talking
 * worker needs extra on top: its receive buffer and talk()'s frame.
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
	if (be->beat_efd >= 0)
		close(be->beat_efd);
	conn_array_free(be->conns);
	free(be->workers);
	pthread_mutex_destroy(&be->lock);
	pthread_attr_destroy(&be->attr);
	free(be);
}

/* What workers do besides holding; idle runs keep the plain hold() and its stack. */
static void traffic_init(struct holder *h, struct threads_be *be)
{
	const struct traffic *t = &h->cfg->traffic;
	bool serve = h->cfg->role == ROLE_SERVE;

	be->cfg = h->cfg;
	be->echo = serve && t->on_data == ON_DATA_ECHO;
	be->keep = serve && t->on_data == ON_DATA_KEEP;
	be->heartbeats = !serve && t->send && t->every_us;
	be->talk = be->echo || be->keep || traffic_on(t);
	if (!serve && traffic_on(t))
		memset(be->body, 'h', sizeof(be->body));
}

static int threads_init(struct holder *h)
{
	struct threads_be *be = calloc(1, sizeof(*be));
	int ret;

	if (!be)
		return -ENOMEM;
	traffic_init(h, be);
	ret = worker_attr_init(&be->attr, be->talk ? TALK_STACK : 0);
	if (ret) {
		free(be);
		return ret;
	}
	pthread_mutex_init(&be->lock, NULL);
	be->plan = h->cfg->plan;
	be->done = NO_WORKER;
	be->beat_efd = -1;
	be->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ret = be->efd < 0 ? -errno : conn_arena_init();
	if (!ret && be->heartbeats) {
		be->beat_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		ret = be->beat_efd < 0 ? -errno : 0;
	}
	if (!ret)
		ret = fd_table_size(&be->nconns);
	for (be->npos = 1; be->npos < be->nconns && be->npos < 1u << 31; be->npos <<= 1)
		;
	if (!ret) {
		be->conns = conn_array_alloc(be->nconns);
		be->workers = calloc(be->nconns, sizeof(*be->workers));
		ret = be->conns && be->workers ? 0 : -ENOMEM;
	}
	if (ret) {
		free_be(be);
		return ret;
	}
	h->be = be;
	h->nrings = 0;
	h->ring_bytes = 0;
	return 0;
}

/* ---- workers: never touch the holder ------------------------------------ */

static int worker_fd(const struct worker *w)
{
	return (int)(w - w->be->workers);
}

static void post(struct threads_be *be)
{
	eventfd_write(be->efd, 1);
}

/* Blocks until the peer closes, the connection fails, or release shuts it down. */
static void hold(struct threads_be *be, int fd)
{
	ssize_t n;

	while ((n = recv(fd, be->drain, sizeof(be->drain), 0)) != 0) {
		if (n > 0)
			atomic_fetch_add_explicit(&be->bytes_in, n, memory_order_relaxed);
		else if (errno != EINTR)
			return;
	}
}

/* ---- workers that talk: messages, echoes, keep -------------------------- */

/* What a talking worker has going out: a message ('h's and its stamp) or an echo. */
struct out {
	const char *echo; /* serve: the bytes read, going back; NULL: a message */
	uint64_t stamp;   /* a message's send time */
	uint32_t len;     /* 0: nothing going out */
	uint32_t off;     /* bytes the kernel has taken */
};

static struct traffic_stats *TS(struct threads_be *be)
{
	return &be->cfg->stats->traffic;
}

/*
 * Hands the kernel what it takes of o without blocking: 0 all of it, 1
 * some is left (wait for POLLOUT), -1 the send failed (EPIPE, ECONNRESET:
 * the peer is gone, as if it had closed).
 */
static int push(struct threads_be *be, int fd, struct out *o)
{
	int ret = sendout_rest(fd, be->body, sizeof(be->body), o->echo, &o->stamp, o->len, &o->off);

	if (ret > 0)
		return 1;
	if (ret < 0) {
		atomic_fetch_add_explicit(&TS(be)->send_errors, 1, memory_order_relaxed);
		return -1;
	}
	atomic_fetch_add_explicit(&TS(be)->msgs_sent, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&be->bytes_out, o->len, memory_order_relaxed);
	o->len = 0;
	return 0;
}

/* A fresh message of len bytes, unless the last is still going out: then the beat is skipped. */
static int send_message(struct threads_be *be, int fd, struct out *o, uint32_t len, bool *stalled)
{
	if (o->len) {
		traffic_blocked(TS(be), !*stalled);
		*stalled = true;
		return 0;
	}
	*o = (struct out){ .stamp = now_ns(), .len = len };
	atomic_fetch_add_explicit(&TS(be)->msgs_started, 1, memory_order_relaxed);
	return push(be, fd, o) < 0 ? -1 : 0;
}

/* One read: counted, timed, echoed when asked. 0, or -1: the connection is over. */
static int take(struct threads_be *be, int fd, char *buf, uint32_t *rx, struct out *o)
{
	ssize_t n = recv(fd, buf, RX_BYTES, MSG_DONTWAIT);

	if (n <= 0)
		return n < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : -1;
	atomic_fetch_add_explicit(&be->bytes_in, n, memory_order_relaxed);
	traffic_rx(&be->cfg->traffic, TS(be), rx, buf, n, now_ns());
	if (!be->echo)
		return 0;
	*o = (struct out){ .echo = buf, .len = (uint32_t)n };
	atomic_fetch_add_explicit(&TS(be)->msgs_started, 1, memory_order_relaxed);
	return push(be, fd, o) < 0 ? -1 : 0;
}

/* Reads unless it keeps or is echoing; waits to write while something is going out. */
static short talk_events(const struct threads_be *be, const struct out *o)
{
	short events = POLLRDHUP;

	if (o->len)
		events |= POLLOUT;
	if (!be->keep && !(be->echo && o->len))
		events |= POLLIN;
	return events;
}

/*
 * The first beat of fd once they run: at its phase in the period, the
 * position the holder's schedule gives slot fd (bit reversal is its own
 * inverse), so the workers' beats spread as one ring's slots do.
 */
static uint64_t first_beat(const struct threads_be *be, int fd, uint64_t now)
{
	uint64_t every = be->cfg->traffic.every_us * 1000;
	uint32_t pos = traffic_slot(be->nconns, 0, (uint32_t)fd);
	uint64_t next = now - now % every + (uint64_t)((unsigned __int128)pos * every / be->npos);

	return next > now ? next : next + every;
}

static int ms_until(uint64_t when)
{
	uint64_t now = now_ns(), ms;

	if (when <= now)
		return 0;
	ms = (when - now + 999999) / 1000000;
	return ms < INT_MAX ? (int)ms : INT_MAX;
}

/* Heartbeats at their time while they run; 0 or -1 (a send failed). *next: 0 while stopped. */
static int beat(struct threads_be *be, int fd, struct out *o, uint64_t *next, bool *stalled)
{
	uint64_t every = be->cfg->traffic.every_us * 1000, now = now_ns();

	if (!*next || now < *next)
		return 0;
	if (!atomic_load(&be->beats_on)) {
		*next = 0;
		return 0;
	}
	struct beat_tally tally = { .due = 1 };
	uint64_t due = *next;
	int ret;

	*next += every;
	if (*next <= now) { /* late (the box is busy): beat once, then back on the phase */
		tally.due += (now - *next) / every + 1; /* the periods passed unseen: never sent */
		*next += (now - *next) / every * every + every;
	}
	bool blocked = o->len != 0; /* the last message is still going out */

	ret = send_message(be, fd, o, be->cfg->traffic.send, stalled);
	if (!blocked && !ret)
		traffic_beat_sent(TS(be), &tally, traffic_late_us(&be->cfg->traffic) * 1000, now - due);
	traffic_tally(TS(be), &tally);
	return ret;
}

/*
 * Holds a connection that carries traffic until the peer closes, a send
 * fails, or release shuts it down (SHUT_RD: POLLIN | POLLRDHUP). Not
 * inlined: only talking workers' stacks carry the receive buffer.
 */
static __attribute__((noinline)) void talk(struct worker *w)
{
	struct threads_be *be = w->be;
	const struct traffic *t = &be->cfg->traffic;
	int fd = worker_fd(w);
	struct out o = { 0 };
	uint64_t next = 0; /* the next heartbeat, ns; 0: heartbeats are not running */
	uint32_t rx = 0;   /* the receiver's offset in the stream */
	bool stalled = false;
	char buf[RX_BYTES];

	if (be->cfg->role == ROLE_CONNECT && t->once && send_message(be, fd, &o, t->once, &stalled))
		return;
	for (;;) {
		struct pollfd pfd[2] = { { .fd = fd, .events = talk_events(be, &o) },
					 { .fd = be->beat_efd, .events = POLLIN } };
		nfds_t n = be->heartbeats && !next ? 2 : 1;

		if (poll(pfd, n, next ? ms_until(next) : -1) < 0 && errno != EINTR)
			return;
		if (pfd[0].revents & CLOSE_EVENTS)
			return;
		if ((pfd[0].revents & POLLOUT) && o.len && push(be, fd, &o) < 0)
			return;
		if ((pfd[0].revents & POLLIN) && !(be->echo && o.len) && take(be, fd, buf, &rx, &o))
			return;
		if (n == 2 && (pfd[1].revents & POLLIN) && atomic_load(&be->beats_on))
			next = first_beat(be, fd, now_ns());
		if (beat(be, fd, &o, &next, &stalled))
			return;
	}
}

static void finish(struct worker *w)
{
	struct threads_be *be = w->be;

	pthread_mutex_lock(&be->lock);
	w->link = be->done;
	be->done = (uint32_t)worker_fd(w);
	pthread_mutex_unlock(&be->lock);
	post(be);
}

static void established(struct threads_be *be, int fd)
{
	socklen_t len = sizeof(int);

	pthread_mutex_lock(&be->lock);
	be->established++;
	if (!be->have_buffers &&
	    !getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &be->got[0], &len) &&
	    !getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &be->got[1], &len))
		be->have_buffers = true;
	pthread_mutex_unlock(&be->lock);
	post(be);
}

static void *connect_worker(void *arg)
{
	struct worker *w = arg;
	struct threads_be *be = w->be;
	int fd = worker_fd(w);
	union sockaddr_inet src, dst;
	struct side_stats *st = be->cfg->stats;
	uint64_t t0;

	plan_tuple(be->plan, w->tuple, &src, &dst);
	t0 = now_ns();
	if (connect(fd, &dst.sa, sockaddr_len(&dst))) {
		w->err = errno;
	} else {
		/* Timed here, around the blocking connect: the loop learns of it in bulk. */
		uint64_t ns = now_ns() - t0;

		hist_record(&st->connect_lat, &st->connect_lat_max_ns, ns);
		atomic_fetch_add_explicit(&st->connect_lat_sum_ns, ns, memory_order_relaxed);
		w->err = 0;
		sockopt_set(fd, be->cfg, SOCKOPT_AFTER, false);
		established(be, fd);
		if (be->talk)
			talk(w);
		else
			hold(be, fd);
	}
	finish(w);
	return NULL;
}

static void *serve_worker(void *arg)
{
	struct worker *w = arg;

	w->err = 0;
	if (w->be->talk)
		talk(w);
	else
		hold(w->be, worker_fd(w));
	finish(w);
	return NULL;
}

/* ---- the main thread's side --------------------------------------------- */

/* pthread_create's EAGAIN is threads-max, RLIMIT_NPROC, pid_max or the map count. */
static int spawn(struct holder *h, int fd, void *(*fn)(void *))
{
	struct threads_be *be = BE(h);
	struct worker *w = &be->workers[fd];
	int ret;

	w->be = be;
	ret = pthread_create(&w->tid, &be->attr, fn, w);
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
	if (spawn(h, fd, connect_worker)) {
		close(fd);
		return -EAGAIN; /* the ramp is stopped: the holder asks no more */
	}
	be->conns[fd] = (struct conn){ .next = (uint32_t)tuple, .state = CONN_OPENING };
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
	sockopt_set(fd, h->cfg, SOCKOPT_AFTER, false);
	sockopt_report_buffers(h, fd);
	if (spawn(h, fd, serve_worker)) {
		close(fd);
		threads_stop_accepting(h);
		return;
	}
	be->conns[fd] = (struct conn){ .state = CONN_HELD };
	holder_opened(h);
}

static void accept_all(struct holder *h, int l)
{
	struct threads_be *be = BE(h);

	while (be->accepting) {
		/* No SOCK_NONBLOCK: the worker's recv must block (Linux does not copy O_NONBLOCK). */
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

/* A finished worker: join it, close its fd, and tell the holder what it was. */
static void reap(struct holder *h, int fd)
{
	struct threads_be *be = BE(h);
	struct worker *w = &be->workers[fd];
	bool failed = be->conns[fd].state == CONN_OPENING && w->err;

	pthread_join(w->tid, NULL);
	close(fd);
	be->conns[fd].state = CONN_FREE;
	if (failed) {
		h->in_flight--;
		holder_open_failed(h, w->tuple, w->err);
		return;
	}
	/* Reaped before the release: the peer ended it (the release joins its own). */
	holder_peer_closed(h, 0);
	holder_closed(h);
}

/*
 * Takes one snapshot of what workers reported. Every connect counted as
 * established was counted before its worker joined the done list, so
 * applying the opens first keeps h->held from ever dipping below zero.
 */
static void reconcile(struct holder *h)
{
	struct threads_be *be = BE(h);
	uint64_t opened;
	uint32_t fd;
	int got[2];
	bool buffers;

	pthread_mutex_lock(&be->lock);
	opened = be->established;
	be->established = 0;
	fd = be->done;
	be->done = NO_WORKER;
	buffers = be->have_buffers && h->rcvbuf < 0;
	memcpy(got, be->got, sizeof(got));
	pthread_mutex_unlock(&be->lock);

	if (buffers)
		holder_buffers(h, got[0], got[1]);
	for (; opened; opened--) {
		h->in_flight--;
		holder_opened(h);
	}
	while (fd != NO_WORKER) {
		uint32_t next = be->workers[fd].link;

		reap(h, (int)fd);
		fd = next;
	}
	h->bytes_in = atomic_load_explicit(&be->bytes_in, memory_order_relaxed);
	h->bytes_out = atomic_load_explicit(&be->bytes_out, memory_order_relaxed);
}

/*
 * Starts or stops every worker's heartbeats. Started: beats_on, then the
 * eventfd made readable, so a worker woken by it finds beats_on set.
 * Stopped: the eventfd drained first, so no worker spins on it; each
 * notices beats_on at its next beat and sends no more.
 */
static void steer_beats(struct holder *h)
{
	struct threads_be *be = BE(h);
	bool on = holder_beating(h);
	eventfd_t ignored;

	if (on == atomic_load(&be->beats_on))
		return;
	if (on) {
		atomic_store(&be->beats_on, true);
		eventfd_write(be->beat_efd, 1);
	} else {
		eventfd_read(be->beat_efd, &ignored);
		atomic_store(&be->beats_on, false);
	}
}

static void threads_wait(struct holder *h, int timeout_ms)
{
	struct threads_be *be = BE(h);
	int n = be->accepting ? 1 + be->nlisten : 1;
	eventfd_t ignored;

	be->pfd[0] = (struct pollfd){ .fd = be->efd, .events = POLLIN };
	for (int l = 0; l < be->nlisten; l++)
		be->pfd[1 + l] = (struct pollfd){ .fd = be->lfd[l], .events = POLLIN };
	if (poll(be->pfd, n, timeout_ms) > 0) {
		if (be->pfd[0].revents)
			eventfd_read(be->efd, &ignored);
		for (int l = 0; l < n - 1; l++)
			if (be->pfd[1 + l].revents)
				accept_all(h, l);
	}
	reconcile(h);
	if (be->heartbeats)
		steer_beats(h);
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
 * this returns. SHUT_RD is enough to end a blocked recv (it returns 0) or
 * a connect still in SYN_SENT, without sending a FIN first; the linger-0
 * close after the join turns each into an RST, so nothing sits in TIME_WAIT.
 */
static void threads_release(struct holder *h)
{
	struct threads_be *be = BE(h);

	if (!be)
		return;
	for (uint32_t fd = 0; fd < be->nconns; fd++)
		if (be->conns[fd].state != CONN_FREE)
			shutdown(fd, SHUT_RD);
	for (uint32_t fd = 0; fd < be->nconns; fd++) {
		if (be->conns[fd].state == CONN_FREE)
			continue;
		join_worker(be, fd);
		close(fd);
	}
	for (int l = 0; l < be->nlisten; l++)
		close(be->lfd[l]);
	free_be(be);
	h->be = NULL;
}

const struct backend_ops backend_threads = {
	.name = "threads",
	.init = threads_init,
	.listen = threads_listen,
	.open = threads_open,
	.wait = threads_wait,
	.stop_accepting = threads_stop_accepting,
	.release = threads_release,
};
