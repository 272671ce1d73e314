/*
 * floor.c - the floor under `holdconn bench`: the least a program must do
 * to hold N loopback pairs the way bench does, so that holdconn's rates
 * can be read against it in the same run (bench/ratio.sh).
 *
 * The same set-up as bench, by construction (holdconn's own netns, plan,
 * sysinfo and meter objects): a private network namespace with a run-sized
 * established hash and RPS on lo, 16 listeners on 127.0.0.1:17000-17015,
 * tuples planned from 127.1.0.0/16 and the ports outside the ephemeral
 * range, the slab settled before the start. Then two single-threaded
 * processes, as bench's two sides:
 *   client: SOCKET(direct) -> SETSOCKOPT REUSEADDR -> SETSOCKOPT LINGER{1,0}
 *           -> BIND -> CONNECT, one linked chain into the next slot, at most
 *           1024 connects in flight or unaccepted;
 *   server: multishot accept-direct on every listener (the kernel picks the
 *           slot), moving to a fresh ring 2048 slots before a table fills,
 *           and (--watch poll, the default) a one-shot poll for POLLIN |
 *           POLLRDHUP on every accepted slot, as bench's serve arms: the
 *           work that lets a holder notice a peer close, which bench pays
 *           for in every run, so the floor does it too (--watch none: not).
 * Nothing per connection but the slot and its poll: no records, no reports.
 * The parent only waits; the sides stamp when they pass each mark.
 *
 * Teardown (--teardown), timed like bench's, from the release order until
 * /proc/net/sockstat's TCP inuse is back at the baseline, with RPS off:
 *   on-reset      bench's (the default): the client closes every slot and
 *                 exits while the server, on its own CPU, closes each slot
 *                 as its poll reports the RST; what it has not seen 250 ms
 *                 after the client is gone goes with its rings
 *   client-first  the client closes every slot and exits, then the server
 *                 closes every slot
 *   server-first  the other way round
 *   both          both close their slots at once, one per CPU
 *   ring-exit     client first, each side closing its rings, not its slots
 *   exit          both exit at once without closing anything
 *
 * Output, one line each: `floor: ...` (the set-up), `point conns=N
 * elapsed_s=T rate=R` per mark, `summary pairs=N ramp_s=T rate=R
 * last10_rate=R teardown_s=T released_s=T teardown=MODE reset_closed=N`
 * (released_s: until every socket file is gone too, see teardown();
 * reset_closed: server slots on-reset closed as their RST arrived). Exit 0, 1 on a failure, 2 on
 * bad usage.
 */
#include <errno.h>
#include <poll.h>
#include <inttypes.h>
#include <liburing.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "floor.h"
#include "base/uring_compat.h"
#include "measure/meter.h"
#include "base/cpus.h"
#include "measure/netns.h"
#include "measure/sysinfo.h"

static const char *const teardown_names[] = { "on-reset", "client-first", "server-first", "both",
					      "ring-exit", "exit" };

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void pause_us(long us)
{
	struct timespec ts = { us / 1000000, us % 1000000 * 1000 };

	nanosleep(&ts, NULL);
}

static const int one = 1;
static const struct linger linger_rst = { 1, 0 };

int ring_add(struct rings *rs, uint32_t slots, uint32_t cq_entries, struct io_uring **out)
{
	struct io_uring_params p = {
		.flags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_CQSIZE,
		.cq_entries = cq_entries,
	};
	struct io_uring *r;
	int ret;

	if (rs->n == MAX_RINGS || !(r = calloc(1, sizeof(*r))))
		return -ENOMEM;
	ret = io_uring_queue_init_params(SQ_ENTRIES, r, &p);
	if (!ret && (ret = io_uring_register_files_sparse(r, slots)))
		io_uring_queue_exit(r);
	if (ret) {
		free(r);
		return ret;
	}
	rs->used[rs->n] = 0;
	rs->r[rs->n++] = r;
	*out = r;
	return 0;
}

struct io_uring_sqe *sqe_get(struct io_uring *r)
{
	struct io_uring_sqe *sqe;

	while (!(sqe = io_uring_get_sqe(r)))
		io_uring_submit(r);
	return sqe;
}

/* The slot's watch: one-shot, so once it fires for a close the slot closes with no cancel. */
static void arm_poll(struct io_uring *r, uint32_t slot)
{
	struct io_uring_sqe *sqe = sqe_get(r);

	io_uring_prep_poll_add(sqe, (int)slot, WATCH_EVENTS);
	sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, OP_POLL | (uint64_t)slot << 8);
}

/*
 * After the CQ was emptied: true when the kernel moved completions it had
 * kept aside into it. A CQ of 128 entries overflows under a window of 1,024
 * connects, and the rest waits until the ring is entered for events, which
 * a ring no longer submitted to never is.
 */
bool overflow_flushed(struct io_uring *r)
{
	return io_uring_cq_has_overflow(r) && io_uring_get_events(r) >= 0;
}

static void mark(struct floor *f, int side, uint64_t count, int *next)
{
	double t = now_s();

	while (*next < f->nmarks && count >= f->marks[*next])
		f->sh->t[side][(*next)++] = t;
}

/* ---- release ---------------------------------------------------------- */

/* Closes every used slot of every ring from this process, then drops the rings. */
static void close_slots(struct rings *rs)
{
	for (int i = 0; i < rs->n; i++) {
		struct io_uring *r = rs->r[i];
		struct io_uring_cqe *cqe;

		for (uint32_t s = 0; s < rs->used[i]; s++) {
			struct io_uring_sqe *sqe = sqe_get(r);

			io_uring_prep_close_direct(sqe, s);
			sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
			io_uring_sqe_set_data64(sqe, OP_CLOSE);
		}
		io_uring_submit(r);
		/* A close runs at submit: what is left are failures, if any. */
		while (io_uring_peek_cqe(r, &cqe) == 0)
			io_uring_cqe_seen(r, cqe);
	}
}

/*
 * Ring i's fired polls: each slot whose peer reset is closed here, on this
 * CPU; a poll that fired for anything else is armed again. Returns the closes.
 */
static uint64_t close_reset(struct floor *f, struct rings *rs, int i)
{
	struct io_uring *r = rs->r[i];
	struct io_uring_cqe *cqe;
	unsigned head, n = 0;
	uint64_t closed = 0;

again:
	io_uring_for_each_cqe(r, head, cqe) {
		uint32_t slot = (uint32_t)(cqe->user_data >> 8);
		struct io_uring_sqe *sqe;

		n++;
		if ((cqe->user_data & 0xff) == OP_RECV && !beat_recv(f, rs, i, cqe))
			continue; /* data: read, and the recv goes on */
		if ((cqe->user_data & 0xff) != OP_POLL && (cqe->user_data & 0xff) != OP_RECV)
			continue;
		if ((cqe->user_data & 0xff) == OP_POLL && cqe->res >= 0 && !(cqe->res & CLOSE_EVENTS)) {
			arm_poll(r, slot);
			continue;
		}
		sqe = sqe_get(r);
		io_uring_prep_close_direct(sqe, slot);
		sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
		io_uring_sqe_set_data64(sqe, OP_CLOSE);
		closed++;
	}
	io_uring_cq_advance(r, n);
	if (overflow_flushed(r)) {
		n = 0;
		goto again;
	}
	beat_flush(rs);
	return closed;
}

/*
 * The server's side of on-reset: while the client closes its slots, close
 * each of ours as its RST arrives (holdconn serve's poll watch does this),
 * until all are closed or the client is gone and nothing came for a while.
 */
static void close_on_reset(struct floor *f, struct rings *rs)
{
	struct __kernel_timespec wait = { 0, 1000000L };
	struct io_uring_cqe *cqe;
	uint32_t *open = rs->pending; /* the server's are unused: slots not yet closed */
	int first = 0;
	uint64_t total = 0;
	double quiet = now_s();

	for (int i = 0; i < rs->n; i++)
		open[i] = rs->used[i];
	for (;;) {
		uint64_t closed = 0;

		atomic_store_explicit(&f->sh->reset_closed, total, memory_order_relaxed);
		for (int i = first; i < rs->n; i++) {
			uint64_t c = open[i] ? close_reset(f, rs, i) : 0;

			if (c)
				io_uring_submit(rs->r[i]);
			open[i] -= c < open[i] ? c : open[i];
			closed += c;
		}
		total += closed;
		while (first < rs->n && !open[first])
			first++; /* the client closes in ring order: so do the resets arrive */
		if (first == rs->n)
			break;
		if (closed) {
			quiet = now_s();
		} else if (atomic_load(&f->sh->client_gone)) {
			if (now_s() - quiet > RESET_QUIET_S)
				break; /* the rest go with the rings */
			pause_us(1000);
		} else {
			io_uring_submit_and_wait_timeout(rs->r[first], &cqe, 1, &wait, NULL);
		}
	}
	atomic_store(&f->sh->reset_closed, total);
}

static void release(struct floor *f, struct rings *rs, int side)
{
	while (atomic_load(&f->sh->go[side]) == GO_WAIT)
		pause_us(1000);
	if (side == 0 && f->teardown == T_ON_RESET) {
		close_on_reset(f, rs);
		for (int i = 0; i < rs->n; i++)
			io_uring_queue_exit(rs->r[i]);
		_exit(0);
	}
	if (atomic_load(&f->sh->go[side]) == GO_EXIT)
		_exit(0); /* the kernel closes the rings, with every slot */
	if (f->teardown != T_RING_EXIT)
		close_slots(rs);
	for (int i = 0; i < rs->n; i++)
		io_uring_queue_exit(rs->r[i]);
	_exit(0);
}

static void fail(struct floor *f, int side, int err)
{
	atomic_store(&f->sh->err[side], err);
	_exit(1);
}

/* ---- server ----------------------------------------------------------- */

static int listener(uint16_t port)
{
	union sockaddr_inet sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	sockaddr_from(&sa, false, LISTEN_ADDR, port);
	/* Accepted sockets inherit the linger: every close sends RST, none waits in TIME_WAIT. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger_rst, sizeof(linger_rst));
	if (bind(fd, &sa.sa, sockaddr_len(&sa)) || listen(fd, BACKLOG)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* user_data of listener l's accept: the op in the low byte. */
#define ACCEPT_UD(l) (OP_ACCEPT | (uint64_t)(l) << 8)

static void arm_accept(struct io_uring *r, int lfd, int l)
{
	struct io_uring_sqe *sqe = sqe_get(r);

	io_uring_prep_multishot_accept_direct(sqe, lfd, NULL, NULL, 0);
	io_uring_sqe_set_data64(sqe, ACCEPT_UD(l));
}

static void cancel_accepts(struct io_uring *r, int n)
{
	for (int l = 0; l < n; l++) {
		struct io_uring_sqe *sqe = sqe_get(r);

		io_uring_prep_cancel64(sqe, ACCEPT_UD(l), 0);
		io_uring_sqe_set_data64(sqe, 0);
	}
}

/*
 * Counts the accepts among ring i's completions; -errno on a failure. A
 * multishot accept the kernel ended (no F_MORE) is armed again on the
 * active ring, as holdconn does.
 */
static int reap_accepts(struct floor *f, struct rings *rs, int i, bool active, const int *lfd,
			uint64_t *accepted)
{
	struct io_uring *r = rs->r[i];
	struct io_uring_cqe *cqe;
	unsigned head, n = 0;
	int err = 0;

again:
	io_uring_for_each_cqe(r, head, cqe) {
		n++;
		if ((cqe->user_data & 0xff) == OP_RECV)
			beat_recv(f, rs, i, cqe); /* a reset before the teardown: the recv ends, the slot stays */
		if ((cqe->user_data & 0xff) != OP_ACCEPT)
			continue;
		if (active && !(cqe->flags & IORING_CQE_F_MORE) && cqe->res != -ECANCELED)
			arm_accept(r, lfd[cqe->user_data >> 8], (int)(cqe->user_data >> 8));
		if (cqe->res >= 0) {
			(*accepted)++;
			if (f->send)
				beat_arm_recv(r, (uint32_t)cqe->res);
			else if (f->watch)
				arm_poll(r, (uint32_t)cqe->res);
			/* The kernel allocates slots in order: used is the high mark. */
			if ((uint32_t)cqe->res + 1 > rs->used[i])
				rs->used[i] = cqe->res + 1;
		} else if (cqe->res != -ECANCELED && !err) {
			err = cqe->res;
		}
	}
	io_uring_cq_advance(r, n);
	if (overflow_flushed(r)) {
		n = 0;
		goto again;
	}
	if (f->send)
		beat_flush(rs);
	return err;
}

/* A fresh ring to accept on: with --send, its recv buffers and the shared eventfd too. */
static struct io_uring *serve_ring(struct floor *f, struct rings *rs)
{
	struct io_uring *r;
	int ret = ring_add(rs, f->slots, f->send ? BEAT_CQ_ENTRIES : CQ_ENTRIES, &r);

	if (!ret && f->send)
		ret = beat_ring_setup(rs, rs->n - 1);
	if (ret)
		fail(f, 0, -ret);
	return r;
}

/*
 * Accepts N; with --send it goes on reading (every ring: the windows may
 * come at any mark) until the parent releases it.
 */
static void serve(struct floor *f, struct rings *rs)
{
	struct __kernel_timespec wait = { 0, 10 * 1000000L };
	int lfd[1024], active = 0, next_mark = 0, ret;
	struct io_uring *r;
	struct io_uring_cqe *cqe;
	uint64_t accepted = 0;

	for (int l = 0; l < f->ports; l++)
		if ((lfd[l] = listener(BASE_PORT + l)) < 0)
			fail(f, 0, -lfd[l]);
	r = serve_ring(f, rs);
	for (int l = 0; l < f->ports; l++)
		arm_accept(r, lfd[l], l);
	io_uring_submit(r);
	atomic_store(&f->sh->server_up, 1);
	while ((accepted < f->n || f->send) && atomic_load(&f->sh->go[0]) == GO_WAIT) {
		uint64_t before = accepted;
		/* The ring before the active one may still post accepts that raced its cancel. */
		int first = f->send ? 0 : active ? active - 1 : 0;

		for (int i = first; i <= active; i++)
			if ((ret = reap_accepts(f, rs, i, i == active, lfd, &accepted)))
				fail(f, 0, -ret);
		if (f->send)
			for (int i = 0; i <= active; i++)
				io_uring_submit(rs->r[i]); /* recvs armed again, if any */
		else if (f->watch && accepted != before)
			io_uring_submit(rs->r[active]); /* the polls; an older ring's go at its next enter */
		if (accepted != before) {
			atomic_store_explicit(&f->sh->accepted, accepted, memory_order_release);
			mark(f, 0, accepted, &next_mark);
		}
		if (rs->used[active] >= f->slots - ACCEPT_MARGIN && accepted < f->n) {
			struct io_uring *old = rs->r[active];

			/*
			 * The old ring's accepts go first. An accept's poll is
			 * exclusive: with both rings armed, a connection wakes one
			 * of them, and if that one is being cancelled the wake is
			 * lost, the connection left queued until another arrives
			 * on its port; at a window's limit none does (the ramp
			 * stalled at ~200K at 14:14 and 16:39, at a rotation). A
			 * new accept tries the queue before it waits: it takes
			 * whatever came in between.
			 */
			cancel_accepts(old, f->ports);
			io_uring_submit(old);
			r = serve_ring(f, rs);
			active = rs->n - 1;
			for (int l = 0; l < f->ports; l++)
				arm_accept(r, lfd[l], l);
			io_uring_submit(r);
			continue;
		}
		if (accepted == before && f->send)
			beat_wait(rs, 10);
		else if (accepted == before)
			io_uring_submit_and_wait_timeout(rs->r[active], &cqe, 1, &wait, NULL);
	}
	for (int l = 0; l < f->ports; l++)
		close(lfd[l]);
	release(f, rs, 0);
}

/* ---- client ----------------------------------------------------------- */

static void chain_sockopt(struct io_uring *r, int slot, int name, const void *val, uint32_t len)
{
	struct io_uring_sqe *sqe = sqe_get(r);

	hc_prep_sockopt(sqe, slot, HC_SOCKET_URING_OP_SETSOCKOPT, SOL_SOCKET, name, val, len);
	sqe->flags |= IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;
	io_uring_sqe_set_data64(sqe, OP_CHAIN);
}

/* Connection i into the next slot of r: one chain of five, only CONNECT posts on success. */
static void open_one(struct floor *f, struct rings *rs, struct io_uring *r, uint32_t slot,
		     uint64_t i)
{
	union sockaddr_inet src, dst, *sa;
	struct io_uring_sqe *sqe;

	if (io_uring_sq_space_left(r) < 5)
		io_uring_submit(r); /* a chain split over two submits would run its tail unlinked */
	plan_tuple(&f->plan, i, &src, &dst);
	sqe = sqe_get(r);
	io_uring_prep_socket_direct(sqe, AF_INET, SOCK_STREAM, 0, slot, 0);
	sqe->flags |= IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;
	io_uring_sqe_set_data64(sqe, OP_CHAIN);
	chain_sockopt(r, slot, SO_REUSEADDR, &one, sizeof(one));
	chain_sockopt(r, slot, SO_LINGER, &linger_rst, sizeof(linger_rst));
	sqe = sqe_get(r);
	sa = &rs->sa[0][sqe - r->sq.sqes];
	*sa = src;
	hc_prep_bind(sqe, slot, sa, sockaddr_len(sa));
	sqe->flags |= IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;
	io_uring_sqe_set_data64(sqe, OP_CHAIN);
	sqe = sqe_get(r);
	sa = &rs->sa[1][sqe - r->sq.sqes];
	*sa = dst;
	io_uring_prep_connect(sqe, slot, &sa->sa, sockaddr_len(sa));
	sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, OP_CONNECT);
}

/* Established connections among ring i's completions; -errno on any failure. */
static int reap_connects(struct floor *f, struct rings *rs, int i, uint64_t *connected)
{
	struct io_uring *r = rs->r[i];
	struct io_uring_cqe *cqe;
	unsigned head, n = 0;
	int err = 0;

again:
	io_uring_for_each_cqe(r, head, cqe) {
		n++;
		if ((cqe->user_data & 0xff) == OP_SEND) {
			f->sh->beat[1].failed++; /* a heartbeat's send failed (only failures post) */
			continue;
		}
		if (cqe->res < 0 && !err)
			err = cqe->res;
		else if (cqe->user_data == OP_CONNECT)
			(*connected)++;
		rs->pending[i]--;
	}
	io_uring_cq_advance(r, n);
	if (overflow_flushed(r)) {
		n = 0;
		goto again;
	}
	return err;
}

static void connect_all(struct floor *f, struct rings *rs)
{
	uint64_t next = 0, connected = 0;
	int active = -1, oldest = 0, next_mark = 0, ret;
	struct io_uring *r = NULL;

	for (;;) {
		uint64_t accepted = atomic_load_explicit(&f->sh->accepted, memory_order_acquire);
		uint64_t limit = atomic_load(&f->sh->ramp_limit);
		uint64_t in_flight = next - connected;
		uint64_t busy = in_flight + (connected > accepted ? connected - accepted : 0);
		uint64_t before = connected;

		if (!limit || limit > f->n)
			limit = f->n;
		if (connected >= limit) {
			if (!f->send)
				break;
			/* Heartbeat windows at this count until the parent raises the limit or releases. */
			beat_client_wait(f, rs, connected);
			if (atomic_load(&f->sh->go[1]) != GO_WAIT)
				break;
			continue;
		}
		for (; busy < WINDOW && next < limit; busy++, next++) {
			if (!r || rs->used[active] == f->slots) {
				if (r)
					io_uring_submit(r);
				if ((ret = ring_add(rs, f->slots, CQ_ENTRIES, &r)))
					fail(f, 1, -ret);
				active = rs->n - 1;
			}
			open_one(f, rs, r, rs->used[active]++, next);
			rs->pending[active]++;
		}
		io_uring_submit(r);
		for (int i = oldest; i <= active; i++)
			if ((ret = reap_connects(f, rs, i, &connected)))
				fail(f, 1, -ret);
		while (oldest < active && !rs->pending[oldest])
			oldest++; /* connects in flight span the rings from oldest to active */
		if (connected != before) {
			atomic_store_explicit(&f->sh->connected, connected, memory_order_release);
			mark(f, 1, connected, &next_mark);
		} else if (next > connected) {
			/* Wait on the ring with the oldest connects: they complete first. */
			io_uring_submit_and_wait(rs->r[oldest], 1);
		} else {
			pause_us(20); /* the server is a whole window behind */
		}
	}
	release(f, rs, 1);
}

/* ---- the parent ------------------------------------------------------- */

static pid_t spawn(struct floor *f, int side)
{
	static struct rings rs; /* each child gets its own copy */
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(1);
	if (f->cpu[side] >= 0 && cpus_pin(f->cpu[side]))
		fprintf(stderr, "floor: --pin: CPU %d: %s\n", f->cpu[side], strerror(errno));
	if (side == 0)
		serve(f, &rs);
	else
		connect_all(f, &rs);
	_exit(0);
}

/*
 * After a stall, where the pairs wait (/proc/net/tcp, this namespace's):
 * in the listeners' accept queues (the server stopped accepting) or half
 * open (the handshake did not finish).
 */
static void print_queues(void)
{
	FILE *fp = fopen("/proc/net/tcp", "r");
	unsigned long rxq, listeners = 0, queued = 0, half_open = 0;
	unsigned port, st;
	char line[256];

	while (fp && fgets(line, sizeof(line), fp)) {
		if (meter_parse_tcp_row(line, &port, &st, &rxq))
			continue; /* the header */
		if (st == 0x0A) {
			listeners++;
			queued += rxq; /* a listener's rx_queue is its accept queue */
		}
		half_open += st == 0x03;
	}
	if (fp)
		fclose(fp);
	fprintf(stderr, "floor: %lu listeners hold %lu connections not accepted; %lu half open (SYN_RECV)\n",
		listeners, queued, half_open);
}

static bool gone(pid_t *pid, int *status)
{
	if (*pid && waitpid(*pid, status, WNOHANG) == *pid) {
		*pid = 0;
		return true;
	}
	return false;
}

static void add_mark(struct floor *f, uint64_t m)
{
	int i = f->nmarks;

	for (int k = 0; k < f->nmarks; k++)
		if (f->marks[k] == m)
			return;
	while (i > 0 && f->marks[i - 1] > m) {
		f->marks[i] = f->marks[i - 1];
		i--;
	}
	f->marks[i] = m;
	f->nmarks++;
}

/* Every report point, the start of the last tenth, and N. */
static void plan_marks(struct floor *f)
{
	for (uint64_t m = f->every; m < f->n; m += f->every)
		add_mark(f, m);
	if (f->n - f->n / 10)
		add_mark(f, f->n - f->n / 10);
	add_mark(f, f->n);
}

static int mark_index(const struct floor *f, uint64_t m)
{
	for (int i = 0; i < f->nmarks; i++)
		if (f->marks[i] == m)
			return i;
	return -1;
}

static double pair_time(const struct floor *f, int i)
{
	double s = f->sh->t[0][i], c = f->sh->t[1][i];

	return s > c ? s : c;
}

static int side_error(struct floor *f, const char *what)
{
	int s = atomic_load(&f->sh->err[0]), c = atomic_load(&f->sh->err[1]);

	fprintf(stderr, "floor: %s: %s\n", s ? "server" : c ? "client" : what,
		strerror(s ? s : c ? c : EIO));
	return 1;
}

static int setup(struct floor *f)
{
	struct addr_range src = { .first = SOURCE_FIRST, .last = SOURCE_LAST };
	struct endpoint_range dst = { .addr = LISTEN_ADDR,
				      .ports = { BASE_PORT, BASE_PORT + f->ports - 1 } };
	struct port_range sport;
	struct rlimit rl;
	char why[256], ns[64];
	int rps = 0;
	ssize_t n;

	if (sysinfo_source_ports(&sport))
		sport = (struct port_range){ 32768, 60999 };
	if (plan_init(&f->plan, &src, &sport, &dst, 1, f->n)) {
		fprintf(stderr, "floor: %" PRIu64 " pairs need more 4-tuples than the plan has\n", f->n);
		return 2;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur > MAX_SLOTS)
		rl.rlim_cur = MAX_SLOTS;
	f->slots = (uint32_t)rl.rlim_cur;
	if (f->slots <= 2 * ACCEPT_MARGIN) {
		fprintf(stderr, "floor: RLIMIT_NOFILE %u is too small for its tables: raise it with ulimit -n\n",
			f->slots);
		return 2;
	}
	if (netns_enter(2 * f->n, why, sizeof(why), &rps)) {
		fprintf(stderr, "floor: %s: the floor runs only where bench has its own namespace\n", why);
		return 1;
	}
	if (!rps && why[0]) /* as bench: said, and carried on */
		fprintf(stderr, "floor: %s\n", why);
	n = readlink("/proc/self/ns/net", ns, sizeof(ns) - 1);
	ns[n > 0 ? n : 0] = 0;
	printf("floor: %" PRIu64 " pairs, %d ports, RPS on %d CPUs, %u slots per ring, watch %s, "
	       "teardown %s, netns %s, ",
	       f->n, f->ports, rps, f->slots, f->watch ? "poll" : "none", teardown_names[f->teardown], ns);
	if (f->cpu[0] >= 0)
		printf("pinned: server CPU %d, client CPU %d\n", f->cpu[0], f->cpu[1]);
	else
		printf("unpinned\n");
	return 0;
}

static bool supported(void)
{
	struct io_uring_probe *p = io_uring_get_probe();
	bool ok = p && io_uring_opcode_supported(p, HC_OP_BIND) &&
		  io_uring_opcode_supported(p, HC_OP_URING_CMD);

	if (p)
		io_uring_free_probe(p);
	return ok;
}

/* "sockets: used N" from /proc/net/sockstat: socket files open in this namespace; -1 unread. */
static long sockets_used(void)
{
	FILE *fp = fopen("/proc/net/sockstat", "r");
	long n = -1;

	if (fp && fscanf(fp, "sockets: used %ld", &n) != 1)
		n = -1;
	if (fp)
		fclose(fp);
	return n;
}

/*
 * Releases in the order asked and times it like bench: until sockstat's
 * TCP inuse is back at base. A socket reset by its peer leaves inuse at
 * once, though, and a ring's exit closes its files later in a kernel
 * worker: *released_s waits for every socket file to be gone as well.
 */
static double teardown(struct floor *f, pid_t *spid, pid_t *cpid, uint64_t base_inuse,
		       long base_used, double *released_s)
{
	static struct meter_sample s;
	double t0 = now_s(), inuse_s = -1;
	int first = f->teardown == T_SERVER_FIRST ? 0 : 1;

	netns_rps(false);
	if (f->teardown == T_ON_RESET) {
		atomic_store(&f->sh->go[0], GO_CLOSE); /* it closes what the client's resets reach */
		atomic_store(&f->sh->go[1], GO_CLOSE);
		waitpid(*cpid, NULL, 0);
		*cpid = 0;
		atomic_store(&f->sh->client_gone, 1);
	} else if (f->teardown == T_BOTH || f->teardown == T_EXIT) {
		int go = f->teardown == T_EXIT ? GO_EXIT : GO_CLOSE;

		atomic_store(&f->sh->go[0], go);
		atomic_store(&f->sh->go[1], go);
	} else {
		pid_t *p = first ? cpid : spid;

		atomic_store(&f->sh->go[first], GO_CLOSE);
		waitpid(*p, NULL, 0);
		*p = 0;
		atomic_store(&f->sh->go[!first], GO_CLOSE);
	}
	if (*spid)
		waitpid(*spid, NULL, 0);
	if (*cpid)
		waitpid(*cpid, NULL, 0);
	*spid = *cpid = 0;
	*released_s = -1;
	while (now_s() < t0 + TEARDOWN_TIMEOUT_S && (inuse_s < 0 || *released_s < 0)) {
		if (inuse_s < 0 && !meter_sample(&s) && s.tcp_inuse <= base_inuse + 16)
			inuse_s = now_s() - t0;
		if (*released_s < 0 && sockets_used() <= base_used + 16)
			*released_s = now_s() - t0;
		pause_us(20000);
	}
	return inuse_s;
}

static void print_points(const struct floor *f, double t0)
{
	double last_t = t0;
	uint64_t last = 0;

	for (int i = 0; i < f->nmarks; i++) {
		double t = pair_time(f, i);

		if (f->marks[i] % f->every && f->marks[i] != f->n)
			continue; /* the 90% mark is for last10_rate only */
		printf("point conns=%" PRIu64 " elapsed_s=%.3f rate=%.0f\n", f->marks[i], t - t0,
		       (f->marks[i] - last) / (t - last_t));
		last = f->marks[i];
		last_t = t;
	}
}

static void kill_sides(pid_t spid, pid_t cpid)
{
	if (spid)
		kill(spid, SIGKILL);
	if (cpid)
		kill(cpid, SIGKILL);
	while (wait(NULL) > 0)
		;
}

/*
 * With --send, at a count the client holds still at: one window (--hold),
 * judged by --slo if given. Returns the next count to ramp to, or 0 when
 * the run is done (N reached, or the SLO missed).
 */
static uint64_t beat_point(struct floor *f, pid_t spid, pid_t cpid, uint64_t pairs, uint64_t *knee)
{
	struct window w;

	if (beat_window(f, spid, cpid, pairs, &w)) {
		fprintf(stderr, "floor: the client did not hand out a window's beats in time\n");
		return 0;
	}
	beat_print(f, &w);
	if (w.met)
		*knee = pairs;
	if (!w.met || pairs >= f->n || f->slo_p99_us <= 0)
		return 0;
	return pairs + f->every < f->n ? pairs + f->every : f->n;
}

static int run(struct floor *f)
{
	static struct meter_sample base;
	pid_t spid, cpid;
	int status, code;
	double t0, stall, ramp_s = 0, t90 = 0, teardown_s, released_s;
	long base_used;
	uint64_t progress = 0, pairs = 0, knee = 0, limit = f->n;

	if ((code = setup(f)))
		return code;
	meter_settle(&base, NULL);
	base_used = sockets_used();
	if (f->send && f->slo_p99_us > 0 && f->every < f->n)
		limit = f->every; /* --slo: a window at every mark */
	atomic_store(&f->sh->ramp_limit, limit);
	spid = spawn(f, 0);
	while (!atomic_load(&f->sh->server_up))
		if (gone(&spid, &status) || spid < 0)
			return side_error(f, "server");
		else
			pause_us(1000);
	t0 = now_s();
	cpid = spawn(f, 1);
	stall = t0;
	for (;;) {
		uint64_t c = atomic_load(&f->sh->connected), s = atomic_load(&f->sh->accepted);

		pairs = c < s ? c : s;
		if (pairs >= limit && f->send) {
			if (!(limit = beat_point(f, spid, cpid, pairs, &knee)))
				break;
			atomic_store(&f->sh->ramp_limit, limit);
			stall = now_s();
			continue;
		}
		if (pairs >= f->n)
			break;
		if (gone(&spid, &status) || gone(&cpid, &status) || now_s() - stall > STALL_S) {
			kill_sides(spid, cpid);
			if (now_s() - stall > STALL_S) { /* which side stopped: the counts each published */
				fprintf(stderr, "floor: stalled at %" PRIu64 " pairs for %.0f s (client connected %" PRIu64
					", server accepted %" PRIu64 ")\n", pairs, STALL_S, c, s);
				print_queues();
			}
			return side_error(f, "a side exited");
		}
		if (pairs > progress) {
			progress = pairs;
			stall = now_s();
		}
		pause_us(5000); /* bench's period: the sides stamp the marks themselves */
	}
	if (pairs >= f->n) {
		ramp_s = pair_time(f, mark_index(f, f->n)) - t0;
		t90 = pair_time(f, mark_index(f, f->n - f->n / 10));
		print_points(f, t0);
	}
	fflush(stdout);
	teardown_s = teardown(f, &spid, &cpid, base.tcp_inuse, base_used, &released_s);
	if (f->send)
		printf("beat pairs=%" PRIu64 " send=%u every_s=%.3f hold_s=%.1f slo_p99_us=%.0f knee=%" PRIu64
		       "\n", pairs, f->send, f->every_ns / 1e9, f->hold_s, f->slo_p99_us, knee);
	if (pairs < f->n) /* --slo stopped the ramp: no ramp figures to give */
		printf("summary pairs=%" PRIu64 " teardown_s=%.3f released_s=%.3f teardown=%s reset_closed=%" PRIu64
		       "\n", pairs, teardown_s, released_s, teardown_names[f->teardown],
		       atomic_load(&f->sh->reset_closed));
	else
		printf("summary pairs=%" PRIu64 " ramp_s=%.3f rate=%.0f last10_rate=%.0f teardown_s=%.3f "
		       "released_s=%.3f teardown=%s reset_closed=%" PRIu64 "\n",
		       f->n, ramp_s, f->n / ramp_s, (f->n / 10) / (t0 + ramp_s - t90), teardown_s,
		       released_s, teardown_names[f->teardown], atomic_load(&f->sh->reset_closed));
	return knee || !f->send || f->slo_p99_us <= 0 ? 0 : 3;
}

static int usage(const char *why)
{
	if (why)
		fprintf(stderr, "floor: %s\n", why);
	fprintf(stderr, "usage: floor N [--ports P] [--report-every R] [--pin] "
			"[--watch poll|none] [--teardown on-reset|client-first|server-first|both|ring-exit|exit]\n"
			"       [--send BYTES --every DURATION [--hold DURATION] [--slo p99=DURATION]]\n");
	return 2;
}

/* "10s", "250ms", "2m", "500us": ns. */
static bool parse_duration(const char *s, uint64_t *ns)
{
	char *end;
	double v = strtod(s, &end);
	double unit = !strcmp(end, "s") ? 1e9 : !strcmp(end, "ms") ? 1e6 : !strcmp(end, "us") ? 1e3 :
		      !strcmp(end, "m") ? 60e9 : 0;

	if (end == s || v <= 0 || !unit)
		return false;
	*ns = (uint64_t)(v * unit);
	return true;
}

static bool parse_count(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (end == s || *end || !v)
		return false;
	*out = v;
	return true;
}

int main(int argc, char **argv)
{
	static struct floor f = { .ports = DEFAULT_PORTS, .every = 100000, .watch = true, .hold_s = 3,
				  .cpu = { -1, -1 } };
	uint64_t v;
	int allowed;

	sysinfo_raise_nofile(); /* as holdconn's main: the soft limit up to the hard one */
	if (argc < 2 || !parse_count(argv[1], &f.n))
		return usage("N: pairs to hold, a positive count");
	for (int i = 2; i < argc; i += 2) {
		const char *opt = argv[i], *arg = i + 1 < argc ? argv[i + 1] : NULL;
		int t;

		if (!strcmp(opt, "--pin")) { /* as bench --pin: a flag */
			f.cpu[0] = cpus_side(0, &allowed);
			f.cpu[1] = cpus_side(1, &allowed);
			if (f.cpu[0] < 0)
				return usage("--pin needs two CPUs: widen this process's affinity");
			i--;
			continue;
		}
		if (!arg)
			return usage("an option lacks its value");
		if (!strcmp(opt, "--ports") && parse_count(arg, &v) && v <= 1024) {
			f.ports = (int)v;
		} else if (!strcmp(opt, "--report-every") && parse_count(arg, &v)) {
			f.every = v;
		} else if (!strcmp(opt, "--watch") && (!strcmp(arg, "poll") || !strcmp(arg, "none"))) {
			f.watch = !strcmp(arg, "poll");
		} else if (!strcmp(opt, "--send") && parse_count(arg, &v) && v >= 8 && v <= 256) {
			f.send = (uint32_t)v; /* its last 8 bytes carry the time it was handed over */
		} else if (!strcmp(opt, "--every") && parse_duration(arg, &v)) {
			f.every_ns = v;
		} else if (!strcmp(opt, "--hold") && parse_duration(arg, &v)) {
			f.hold_s = v / 1e9;
		} else if (!strcmp(opt, "--slo") && !strncmp(arg, "p99=", 4) && parse_duration(arg + 4, &v)) {
			f.slo_p99_us = v / 1e3;
		} else if (!strcmp(opt, "--teardown")) {
			for (t = 0; t <= T_EXIT && strcmp(arg, teardown_names[t]); t++)
				;
			if (t > T_EXIT)
				return usage("--teardown: on-reset, client-first, server-first, both, ring-exit or exit");
			f.teardown = t;
		} else {
			return usage(NULL);
		}
	}
	if (f.teardown == T_ON_RESET && !f.watch)
		return usage("--teardown on-reset needs --watch poll: without it no reset is seen");
	if (!f.send != !f.every_ns)
		return usage("--send BYTES (8-256) and --every DURATION go together");
	if (f.slo_p99_us > 0 && !f.send)
		return usage("--slo judges heartbeat windows: it needs --send and --every");
	if (f.n / f.every > MAX_MARKS - 2)
		return usage("--report-every: too many points; raise it");
	if (!supported()) {
		fprintf(stderr, "floor: io_uring BIND (6.11) and socket uring_cmd (6.7) are missing here\n");
		return 2;
	}
	f.sh = mmap(NULL, sizeof(*f.sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (f.sh == MAP_FAILED)
		return 1;
	memset(f.sh, 0, sizeof(*f.sh));
	plan_marks(&f);
	return run(&f);
}
