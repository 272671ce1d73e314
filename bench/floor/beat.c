/*
 * beat.c - the heartbeat floor: the least that sends and reads bench's
 * heartbeat schedule over the pairs floor.c holds.
 *
 *   client: one timer (a sleep to the next beat due, at least 1 ms apart);
 *           at each wake a SEND of --send bytes, its last 8 the time it was
 *           handed over, to every pair whose beat fell due, pair i due at
 *           from + i * every / pairs + k * every; one submit per ring run
 *           (pairs i, i+1, ... sit in consecutive slots of one ring), only
 *           failures post a completion.
 *   server: a multishot RECV on every accepted slot (it is the slot's watch
 *           too: it ends on the peer's reset) into a provided-buffer ring
 *           per io_uring, 256 buffers of 4 KiB that the kernel fills a read
 *           at a time (6.12; before, a read takes a whole buffer), each given
 *           back once the kernel is done with it; every ring posts to one
 *           eventfd. As holdconn serve's --watch recv reads: with a buffer a
 *           read, a server that fell behind ran out of buffers and spent
 *           itself re-arming recvs that ended on ENOBUFS (1M pairs, 19:03).
 * Nothing else: no records, no per-pair state, no reports during a window.
 *
 * A window (the parent, beat_window): announced 200 ms ahead, as bench's;
 * beats fall due from its start to its end; the client hands out all that
 * fell due however late, the parent waits for them to land (3 s at most),
 * then reads what the window added to each side's counts, each child's
 * CPU time (/proc/PID/schedstat) and the box's softirq time. Judged as
 * bench's --slo judges a point: one-way p99 at most the SLO and at most
 * 1% of the beats due not handed over on time (within 1% of the period,
 * and never less than 2 ms).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "floor.h"
#include "base/uring_compat.h"
#include "measure/meter.h"

#define BUF_COUNT 256           /* per ring */
#define BUF_BYTES 4096          /* 64 heartbeats of 64 bytes a buffer, read incrementally */
#define SEND_MAX 256            /* --send is at most this */
#define MSG_POOL 4096           /* client: messages in flight at once, at most */
#define STAMP 8
#define TICK_NS 1000000ull      /* the timer's shortest sleep */
#define LEAD_NS 200000000ull    /* a window is announced this far ahead (bench's WINDOW_LEAD_S) */
#define LATE_MIN_NS 2000000ull  /* bench's TRAFFIC_LATE_MIN_US */
#define SCHED_TIMEOUT_S 10.0
#define LAND_TIMEOUT_S 3.0
#define SLIP_MAX 0.01           /* bench --slo: at most 1% of the beats due not on time */

/*
 * A ring's buffers, and its slots whose recv the kernel ended: armed again
 * at most REARM_BATCH a reap. Re-armed all at once behind a server that
 * fell behind, each would take a buffer or end again at once with ENOBUFS,
 * and the loop would spend itself re-arming instead of reading.
 */
#define REARM_BATCH (BUF_COUNT / 4)
struct beat_bufs {
	struct io_uring_buf_ring *br;
	char *mem;
	uint32_t off[BUF_COUNT]; /* how much of each buffer the kernel has filled */
	bool inc;                /* the kernel fills a buffer a read at a time */
	uint32_t *ended; /* a stack of slots */
	uint32_t nended;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* ---- the histogram: bucket 8e + the 3 bits after the leading one ---- */

static void hist_add(struct hist *h, uint64_t ns)
{
	unsigned e, b;

	if (ns < 8) {
		h->n[ns]++;
		return;
	}
	e = 63 - __builtin_clzll(ns);
	b = e * 8 + ((ns >> (e - 3)) & 7);
	h->n[b < HIST_BUCKETS ? b : HIST_BUCKETS - 1]++;
}

/* The upper edge of the bucket that holds quantile q of z - a, in ns. */
static double hist_quantile(const struct hist *a, const struct hist *z, double q)
{
	uint64_t total = 0, seen = 0;

	for (int i = 0; i < HIST_BUCKETS; i++)
		total += z->n[i] - a->n[i];
	for (int i = 0; i < HIST_BUCKETS && total; i++) {
		seen += z->n[i] - a->n[i];
		if (seen >= q * total) {
			unsigned e = i / 8;

			return i < 8 ? i + 1 : (double)(8 + i % 8 + 1) * (1ull << (e - 3));
		}
	}
	return 0;
}

/* ---- server ---------------------------------------------------------------- */

int beat_ring_setup(struct rings *rs, int i)
{
	struct io_uring_buf_reg reg = { .ring_entries = BUF_COUNT, .bgid = 0, .pad = HC_PBUF_RING_INC };
	struct beat_bufs *b = calloc(1, sizeof(*b));
	int ret;

	if (!rs->evfd && (rs->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
		return -errno;
	if (!b || !(b->mem = malloc((size_t)BUF_COUNT * BUF_BYTES)) ||
	    !(b->ended = malloc(sizeof(*b->ended) * MAX_SLOTS)))
		return -ENOMEM;
	b->br = mmap(NULL, BUF_COUNT * sizeof(struct io_uring_buf), PROT_READ | PROT_WRITE,
		     MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
	if (b->br == MAP_FAILED)
		return -errno;
	reg.ring_addr = (uint64_t)(uintptr_t)b->br;
	ret = io_uring_register_buf_ring(rs->r[i], &reg, 0);
	if (ret == -EINVAL) { /* before 6.12: a buffer a read */
		reg.pad = 0;
		ret = io_uring_register_buf_ring(rs->r[i], &reg, 0);
	} else if (!ret) {
		b->inc = true;
	}
	if (ret)
		return ret;
	io_uring_buf_ring_init(b->br);
	for (int k = 0; k < BUF_COUNT; k++)
		io_uring_buf_ring_add(b->br, b->mem + (size_t)k * BUF_BYTES, BUF_BYTES, k,
				      io_uring_buf_ring_mask(BUF_COUNT), k);
	io_uring_buf_ring_advance(b->br, BUF_COUNT);
	rs->bufs[i] = b;
	return io_uring_register_eventfd(rs->r[i], rs->evfd);
}

void beat_arm_recv(struct io_uring *r, uint32_t slot)
{
	struct io_uring_sqe *sqe = sqe_get(r);

	io_uring_prep_recv_multishot(sqe, (int)slot, NULL, 0, 0);
	sqe->flags |= IOSQE_FIXED_FILE | IOSQE_BUFFER_SELECT;
	sqe->buf_group = 0;
	io_uring_sqe_set_data64(sqe, OP_RECV | (uint64_t)slot << 8);
}

/* Buffers given back since the last flush, per ring. */
static uint32_t returned[MAX_RINGS];

/*
 * One completion of ring i's recvs: the messages it read timed and its
 * buffer given back; the recv armed again if the kernel ended it for want
 * of a buffer or CQ room. False while the peer is there; true when the recv
 * ended on its EOF or reset (the caller may close the slot).
 */
bool beat_recv(struct floor *f, struct rings *rs, int i, const struct io_uring_cqe *cqe)
{
	struct beat_counts *bc = &f->sh->beat[0];
	struct beat_bufs *b = rs->bufs[i];

	if (b && (cqe->flags & IORING_CQE_F_BUFFER)) {
		uint32_t bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
		char *buf = b->mem + (size_t)bid * BUF_BYTES + b->off[bid];

		if (cqe->res > 0) {
			uint64_t now = now_ns(), stamp;
			uint32_t k, msgs = (uint32_t)cqe->res / f->send;

			bc->partial += (uint32_t)cqe->res % f->send != 0;
			for (k = 0; k < msgs; k++) {
				memcpy(&stamp, buf + (size_t)(k + 1) * f->send - STAMP, STAMP);
				if (stamp && stamp <= now)
					hist_add(&bc->h, now - stamp);
			}
			__atomic_store_n(&bc->msgs, bc->msgs + msgs, __ATOMIC_RELEASE);
		}
		b->off[bid] += cqe->res > 0 ? (uint32_t)cqe->res : 0;
		if (!b->inc || !(cqe->flags & HC_CQE_F_BUF_MORE)) {
			b->off[bid] = 0;
			io_uring_buf_ring_add(b->br, b->mem + (size_t)bid * BUF_BYTES, BUF_BYTES, bid,
					      io_uring_buf_ring_mask(BUF_COUNT), returned[i]++);
		}
	}
	if (cqe->res > 0 || cqe->res == -ENOBUFS) {
		bc->nobufs += cqe->res == -ENOBUFS;
		if (!(cqe->flags & IORING_CQE_F_MORE) && b) {
			bc->ended++;
			b->ended[b->nended++] = (uint32_t)(cqe->user_data >> 8);
		}
		return false;
	}
	return true;
}

/* Hands the kernel every buffer read since the last flush, then re-arms a batch of ended recvs. */
void beat_flush(struct rings *rs)
{
	for (int i = 0; i < rs->n; i++) {
		struct beat_bufs *b = rs->bufs[i];

		if (!b)
			continue;
		if (returned[i])
			io_uring_buf_ring_advance(b->br, (int)returned[i]);
		returned[i] = 0;
		for (int k = 0; k < REARM_BATCH && b->nended; k++)
			beat_arm_recv(rs->r[i], b->ended[--b->nended]);
	}
}

/* Until any ring posts, or timeout_ms. */
int beat_wait(struct rings *rs, int timeout_ms)
{
	struct pollfd pfd = { .fd = rs->evfd, .events = POLLIN };
	uint64_t v;

	for (int i = 0; i < rs->n; i++)
		if (io_uring_cq_ready(rs->r[i]))
			return 1;
	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	return read(rs->evfd, &v, sizeof(v)) == sizeof(v);
}

/* ---- client ---------------------------------------------------------------- */

static void reap_failures(struct beat_counts *bc, struct io_uring *r)
{
	struct io_uring_cqe *cqe;
	unsigned head, n = 0;

	io_uring_for_each_cqe(r, head, cqe) {
		n++;
		bc->failed += (cqe->user_data & 0xff) == OP_SEND;
	}
	io_uring_cq_advance(r, n);
}

/* The schedule over pairs [0, held): beat p falls due at from + p * every / held. */
static void run_window(struct floor *f, struct rings *rs, uint64_t held)
{
	static char pool[MSG_POOL][SEND_MAX];
	struct beat_counts *bc = &f->sh->beat[1];
	uint64_t from = atomic_load(&f->sh->win_from_ns), until = atomic_load(&f->sh->win_until_ns);
	uint64_t late_ns = f->every_ns / 100 > LATE_MIN_NS ? f->every_ns / 100 : LATE_MIN_NS;
	uint64_t p = 0, wake = from;

	for (;;) {
		uint64_t due = from + (uint64_t)((unsigned __int128)p * f->every_ns / held), now;
		int ring = -1;

		if (due >= until)
			break;
		if (due > wake)
			wake = due;
		now = now_ns();
		if (now < wake) {
			struct timespec ts = { wake / 1000000000ull, wake % 1000000000ull };

			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
			now = now_ns();
		}
		for (; due <= now && due < until;
		     due = from + (uint64_t)((unsigned __int128)++p * f->every_ns / held)) {
			uint64_t i = p % held, lag = now - due;
			char *msg = pool[p % MSG_POOL];
			struct io_uring_sqe *sqe;

			if ((int)(i / f->slots) != ring) {
				if (ring >= 0)
					io_uring_submit(rs->r[ring]);
				ring = (int)(i / f->slots);
				reap_failures(bc, rs->r[ring]);
			}
			memcpy(msg + f->send - STAMP, &now, STAMP);
			sqe = sqe_get(rs->r[ring]);
			io_uring_prep_send(sqe, (int)(i % f->slots), msg, f->send, 0);
			sqe->flags |= IOSQE_FIXED_FILE | IOSQE_CQE_SKIP_SUCCESS;
			io_uring_sqe_set_data64(sqe, OP_SEND | i % f->slots << 8);
			hist_add(&bc->h, lag);
			bc->due++;
			bc->sent++;
			bc->on_time += lag <= late_ns;
			bc->late += lag > late_ns;
		}
		if (ring >= 0)
			io_uring_submit(rs->r[ring]);
		wake = now + TICK_NS;
	}
}

void beat_client_wait(struct floor *f, struct rings *rs, uint64_t held)
{
	for (;;) {
		uint64_t seq = atomic_load_explicit(&f->sh->win_seq, memory_order_acquire);
		uint64_t limit = atomic_load(&f->sh->ramp_limit);

		if (atomic_load(&f->sh->go[1]) != GO_WAIT || (limit > held && held < f->n))
			return;
		if (seq != atomic_load(&f->sh->win_done)) {
			run_window(f, rs, held);
			atomic_store_explicit(&f->sh->win_done, seq, memory_order_release);
			continue;
		}
		pause_us(1000);
	}
}

/* ---- the parent ------------------------------------------------------------ */

static uint64_t ld(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* CPU time pid has run, ns (/proc/PID/schedstat's first field); 0 unread. */
static uint64_t cpu_ns(pid_t pid)
{
	char path[64];
	unsigned long long ns = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	if ((fp = fopen(path, "r"))) {
		if (fscanf(fp, "%llu", &ns) != 1)
			ns = 0;
		fclose(fp);
	}
	return ns;
}

struct marks {
	struct beat_counts c[2];
	uint64_t cpu[2];
	struct cpu_times box;
};

static void take(struct floor *f, pid_t spid, pid_t cpid, struct marks *m)
{
	memcpy(m->c, f->sh->beat, sizeof(m->c));
	m->cpu[0] = cpu_ns(spid);
	m->cpu[1] = cpu_ns(cpid);
	if (meter_cpu_times(&m->box))
		memset(&m->box, 0, sizeof(m->box));
}

/* One window at conns pairs (the client is holding still at that count). */
int beat_window(struct floor *f, pid_t spid, pid_t cpid, uint64_t conns, struct window *w)
{
	static struct marks a, z;
	struct shared *sh = f->sh;
	uint64_t seq = atomic_load(&sh->win_seq) + 1, from, until;
	double deadline;

	take(f, spid, cpid, &a);
	from = (uint64_t)(now_s() * 1e9) + LEAD_NS;
	until = from + (uint64_t)(f->hold_s * 1e9);
	atomic_store(&sh->win_from_ns, from);
	atomic_store(&sh->win_until_ns, until);
	atomic_store_explicit(&sh->win_seq, seq, memory_order_release);
	for (deadline = until / 1e9 + SCHED_TIMEOUT_S;
	     atomic_load(&sh->win_done) != seq && now_s() < deadline;)
		pause_us(5000);
	if (atomic_load(&sh->win_done) != seq)
		return -ETIMEDOUT;
	for (deadline = now_s() + LAND_TIMEOUT_S;
	     ld(&sh->beat[0].msgs) - a.c[0].msgs < ld(&sh->beat[1].sent) - a.c[1].sent &&
	     now_s() < deadline;)
		pause_us(5000);
	take(f, spid, cpid, &z);
	memset(w, 0, sizeof(*w));
	w->conns = conns;
	w->seconds = (until - from) / 1e9;
	w->msgs = z.c[0].msgs - a.c[0].msgs;
	w->partial = z.c[0].partial - a.c[0].partial;
	w->nobufs = z.c[0].nobufs - a.c[0].nobufs;
	w->ended = z.c[0].ended - a.c[0].ended;
	w->due = z.c[1].due - a.c[1].due;
	w->on_time = z.c[1].on_time - a.c[1].on_time;
	w->sent = z.c[1].sent - a.c[1].sent;
	w->failed = z.c[1].failed - a.c[1].failed;
	w->msgs_per_s = w->msgs / w->seconds;
	w->p50_us = hist_quantile(&a.c[0].h, &z.c[0].h, 0.50) / 1e3;
	w->p99_us = hist_quantile(&a.c[0].h, &z.c[0].h, 0.99) / 1e3;
	w->lag_p99_us = hist_quantile(&a.c[1].h, &z.c[1].h, 0.99) / 1e3;
	w->slip = w->due ? (double)(w->due - w->on_time) / w->due : 0;
	for (int s = 0; s < 2; s++)
		w->cpu_s[s] = (z.cpu[s] - a.cpu[s]) / 1e9;
	w->softirq_s = (z.box.softirq_us - a.box.softirq_us) / 1e6;
	w->met = f->slo_p99_us <= 0 ||
		 (w->p99_us <= f->slo_p99_us && w->slip <= SLIP_MAX && w->msgs >= w->sent);
	return 0;
}

void beat_print(const struct floor *f, const struct window *w)
{
	double k = w->msgs ? 1e6 / w->msgs : 0; /* s per message -> ms per 1,000 */

	printf("window conns=%" PRIu64 " seconds=%.1f due=%" PRIu64 " sent=%" PRIu64 " failed=%" PRIu64
	       " msgs=%" PRIu64 " partial=%" PRIu64 " nobufs=%" PRIu64 " ended=%" PRIu64 " msgs_per_s=%.0f one_way_p50_us=%.0f"
	       " one_way_p99_us=%.0f lag_p99_us=%.0f slip=%.4f server_cpu_ms_per_1k=%.2f"
	       " client_cpu_ms_per_1k=%.2f softirq_ms_per_1k=%.2f server_cpu_s=%.3f client_cpu_s=%.3f"
	       " softirq_s=%.3f slo=%s\n",
	       w->conns, w->seconds, w->due, w->sent, w->failed, w->msgs, w->partial, w->nobufs, w->ended,
	       w->msgs_per_s,
	       w->p50_us, w->p99_us, w->lag_p99_us, w->slip, w->cpu_s[0] * k, w->cpu_s[1] * k,
	       w->softirq_s * k, w->cpu_s[0], w->cpu_s[1], w->softirq_s,
	       f->slo_p99_us > 0 ? (w->met ? "met" : "missed") : "-");
	fflush(stdout);
}
