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
 */
#include <errno.h>
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
#include "conn.h"
#include "holder.h"
#include "sockopt.h"

#define DRAIN_BYTES 65536
#define MIN_STACK (16 * 1024)
#define NO_WORKER UINT32_MAX
#define JOIN_RETRY_NS 100000000L /* release: re-shutdown a worker still running after this */

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
	pthread_attr_t attr;
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
	_Atomic uint64_t bytes_in;
	struct pollfd pfd[1 + HOLDER_MAX_LISTEN]; /* the eventfd, then the listeners */
	char drain[DRAIN_BYTES]; /* shared by every recv: the bytes are dropped unread */
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
 * out of this size too, so a larger static TLS raises the floor.
 */
static size_t worker_stack_size(void)
{
	long min = sysconf(_SC_THREAD_STACK_MIN);
	long page = sysconf(_SC_PAGESIZE);
	size_t size = min > MIN_STACK ? (size_t)min : MIN_STACK;

	if (page > 0)
		size = (size + page - 1) / page * page;
	return size;
}

static int worker_attr_init(pthread_attr_t *attr)
{
	sigset_t all;
	int ret = pthread_attr_init(attr);

	if (ret)
		return -ret;
	sigfillset(&all);
	ret = pthread_attr_setstacksize(attr, worker_stack_size());
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
	conn_array_free(be->conns);
	free(be->workers);
	pthread_mutex_destroy(&be->lock);
	pthread_attr_destroy(&be->attr);
	free(be);
}

static int threads_init(struct holder *h)
{
	struct threads_be *be = calloc(1, sizeof(*be));
	int ret;

	if (!be)
		return -ENOMEM;
	ret = worker_attr_init(&be->attr);
	if (ret) {
		free(be);
		return ret;
	}
	pthread_mutex_init(&be->lock, NULL);
	be->plan = h->cfg->plan;
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
	struct sockaddr_in src, dst;

	plan_tuple(be->plan, w->tuple, &src, &dst);
	if (connect(fd, (const struct sockaddr *)&dst, sizeof(dst))) {
		w->err = errno;
	} else {
		w->err = 0;
		established(be, fd);
		hold(be, fd);
	}
	finish(w);
	return NULL;
}

static void *serve_worker(void *arg)
{
	struct worker *w = arg;

	w->err = 0;
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


static int threads_open(struct holder *h, uint64_t tuple, const struct sockaddr_in *src,
			const struct sockaddr_in *dst)
{
	struct threads_be *be = BE(h);
	bool bind_src = h->cfg->plan->bind_source;
	int fd, ret = 0;

	(void)dst; /* the worker finds it again from the tuple */
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno; /* EMFILE/ENFILE: the holder stops the ramp there */
	if ((uint32_t)fd >= be->nconns)
		ret = -EMFILE;
	if (!ret)
		sockopt_apply(fd, h->cfg, bind_src);
	if (!ret && bind_src && bind(fd, (const struct sockaddr *)src, sizeof(*src)))
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

static int threads_listen(struct holder *h, const struct sockaddr_in *addr)
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
	} else {
		holder_closed(h);
	}
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
