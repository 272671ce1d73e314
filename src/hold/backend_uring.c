/*
 * backend_uring.c - connections held as io_uring direct descriptors.
 *
 * connect: one linked chain per connection, all into a slot we pick:
 *   SOCKET(direct) -> SETSOCKOPT* -> BIND -> CONNECT -> POLL(multishot)
 * serve: multishot accept straight into the table (the kernel picks the
 * slot), then the same poll.
 * The poll is one-shot: when the peer closes it fires (RDHUP/HUP/ERR) and
 * is gone, so the slot closes with no cancel, which would be a walk of the
 * kernel's cancel hash (20000 slots share 256 buckets). Data re-arms it
 * after the drain. Our own release cancels (by user_data) then closes.
 *
 * Traffic: a message goes out as one send with MSG_WAITALL, which io_uring
 * retries until every byte is queued; while it waits (a zero window, a full
 * send buffer) the connection is stalled and its next heartbeat is skipped.
 * The holder echoes the same way and reads nothing more from that
 * connection until the echo is out.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "hold/bufring.h"
#include "hold/diag.h"
#include "hold/holder.h"
#include "hold/ringset.h"
#include "hold/sockopt.h"
#include "base/uring_compat.h"

/*
 * Every ring is sized for the one that works hardest, and most sit full
 * and idle: two pages (uring_compat.h), which is what RLIMIT_MEMLOCK is
 * charged per ring without CAP_IPC_LOCK. Completions beyond the CQ wait in
 * the kernel's overflow list (reap() flushes it); a connect chain is at
 * most 8 SQEs.
 */
#define SQ_ENTRIES HC_RING_SQ_ENTRIES
#define CQ_ENTRIES HC_RING_CQ_ENTRIES
/*
 * --watch recv: a multishot recv ends when the CQ has no room for its next
 * completion (that one waits in the overflow list) and must be armed
 * again, which is what it saves over a poll. 1024 CQEs ride out a burst of
 * that many reads between two reaps, for 4 more pages of RLIMIT_MEMLOCK a
 * ring (6 instead of 2; its buffer ring adds one more).
 */
#define CQ_ENTRIES_RECV 1024
#define DRAIN_BYTES 65536
#define RELEASE_BATCH (CQ_ENTRIES / 2) /* slots closed per submit while releasing: 2 CQEs each */
#define WATCH_EVENTS (POLLIN | POLLRDHUP)
#define CLOSE_EVENTS (POLLRDHUP | POLLHUP | POLLERR)

enum op {
	OP_IGNORE = 0, /* cancels, probes: nothing to do on completion */
	OP_CHAIN,      /* a step before CONNECT; posts only when it fails */
	OP_CONNECT,
	OP_POLL,       /* the watch: a poll, or a multishot recv with --watch recv */
	OP_RECV,
	OP_CLOSE,
	OP_ACCEPT,     /* slot field: listener index */
	OP_GETOPT,     /* slot field: 0 rcvbuf, 1 sndbuf */
	OP_RELEASE,    /* a close issued by release() */
	OP_COOKIE,     /* SO_COOKIE read into the ring's cookie array (--watch diag) */
	OP_SEND,       /* a message or an echo: the ring's tx[slot] */
	OP_PEEK,       /* --watch diag: is a slot missing from the dump really dead? */
};

/* user_data: op 8 | gen 16 | ring 20 | slot 20 bits. */
#define UD(op, gen, ring, slot) \
	((uint64_t)(op) << 56 | (uint64_t)(gen) << 40 | (uint64_t)(ring) << 20 | (uint64_t)(slot))
#define UD_OP(ud) ((unsigned)((ud) >> 56))
#define UD_GEN(ud) ((uint16_t)((ud) >> 40))
#define UD_RING(ud) ((uint32_t)((ud) >> 20) & 0xfffff)
#define UD_SLOT(ud) ((uint32_t)(ud) & 0xfffff)

#define CONN_F_HELD 0x10   /* was established: its close counts as a close */
#define CONN_F_FAILED 0x20 /* a chain step failed and was reported */
#define CONN_F_SENDING 0x04 /* a send is in flight: its request pins the socket */
#define CONN_F_STALLED 0x08 /* a heartbeat was skipped on this connection, once at least */

/* A message being sent; freed by its completion (or by the release). */
struct tx {
	uint16_t gen;
	uint32_t len;
	char data[];
};

struct uring_be {
	struct ringset rs;
	struct ring *active; /* where new connections go */
	int lfd[HOLDER_MAX_LISTEN];
	int nlisten;
	uint32_t margin;     /* serve: slots left free on the accepting ring */
	uint32_t late;       /* serve: accepts on earlier rings since the active one took over */
	bool accepting;
	bool has_bind, has_sockopt;
	bool asked_buffers;
	enum watch watch;
	unsigned poll_events; /* what the poll watch waits for: no POLLIN with --on-data keep */
	bool echo, keep;     /* serve: --on-data echo / keep */
	int nlfd;            /* --watch diag: the sock_diag socket */
	struct diag_set alive;
	struct diag_ports ports; /* serve: the sweep dumps only sockets on these ports */
	bool ports_full;         /* too many ranges to filter on: the sweep dumps all */
	double next_scan;
	uint64_t rx_empty, rx_buf_bytes; /* --watch recv, all rings (the holder's copy is set each turn) */
	bool rx_inc;
	int got[2];
	char drain[DRAIN_BYTES]; /* shared by every recv: the bytes are dropped */
};

static struct uring_be *BE(struct holder *h)
{
	return h->be;
}

/* The probe found no ring: why (EPERM: io_uring_disabled, ENOMEM: RLIMIT_MEMLOCK, ...). */
static int ring_unavailable(void)
{
	struct io_uring u;
	int ret = io_uring_queue_init(1, &u, 0);

	if (!ret)
		io_uring_queue_exit(&u);
	return ret && ret != -EINVAL ? ret : -ENOSYS;
}

static int probe_features(struct uring_be *be)
{
	struct io_uring_probe *p = io_uring_get_probe();
	static const int need[] = { IORING_OP_SOCKET, IORING_OP_CONNECT, IORING_OP_ACCEPT,
				    IORING_OP_POLL_ADD, IORING_OP_ASYNC_CANCEL, IORING_OP_CLOSE,
				    IORING_OP_RECV };

	if (!p)
		return ring_unavailable();
	for (unsigned i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (!io_uring_opcode_supported(p, need[i])) {
			io_uring_free_probe(p);
			return -ENOSYS;
		}
	}
	be->has_bind = io_uring_opcode_supported(p, HC_OP_BIND);
	be->has_sockopt = io_uring_opcode_supported(p, HC_OP_URING_CMD);
	io_uring_free_probe(p);
	return 0;
}

/* uring_cmd exists since 5.19 but sockets answer it only from 6.7: try one. */
static void probe_sockopt(struct uring_be *be)
{
	struct ring *r = be->active;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	int res = -1;

	if (!be->has_sockopt)
		return;
	sqe = ring_sqe(&be->rs, r);
	io_uring_prep_socket_direct(sqe, AF_INET, SOCK_STREAM, 0, 0, 0);
	sqe->flags |= IOSQE_IO_LINK;
	io_uring_sqe_set_data64(sqe, 1);
	sqe = ring_sqe(&be->rs, r);
	hc_prep_sockopt(sqe, 0, HC_SOCKET_URING_OP_SETSOCKOPT, SOL_SOCKET, SO_REUSEADDR,
			&sockopt_one, sizeof(sockopt_one));
	sqe->flags |= IOSQE_IO_HARDLINK; /* the close runs even if the option fails */
	io_uring_sqe_set_data64(sqe, 2);
	sqe = ring_sqe(&be->rs, r);
	io_uring_prep_close_direct(sqe, 0);
	io_uring_sqe_set_data64(sqe, 3);
	io_uring_submit_and_wait(&r->uring, 3);
	for (int i = 0; i < 3 && !io_uring_wait_cqe(&r->uring, &cqe); i++) {
		if (cqe->user_data == 2)
			res = cqe->res;
		io_uring_cqe_seen(&r->uring, cqe);
	}
	be->has_sockopt = res == 0;
}

/*
 * A new ring; with --watch recv its buffer ring too, made here so that an
 * idle run without it pays nothing, and its page is counted with the
 * ring's (both are charged to RLIMIT_MEMLOCK).
 */
static int add_ring(struct uring_be *be, struct ring **out)
{
	int ret = ringset_add(&be->rs, out);

	if (ret || be->watch != WATCH_RECV)
		return ret;
	ret = bufring_create(&(*out)->uring, 0, &(*out)->rx);
	if (ret == -ENOMEM && !be->rs.memlock_hit)
		be->rs.memlock_hit = ringset_memlock_charged();
	if (ret)
		return ret; /* the ring stays in the set, unused; released with it */
	be->rs.ring_bytes += (*out)->rx->br_bytes;
	be->rx_buf_bytes += (uint64_t)(*out)->rx->nbufs * BUFRING_BUF_BYTES;
	be->rx_inc = (*out)->rx->inc;
	return 0;
}

static int uring_init(struct holder *h)
{
	struct uring_be *be = calloc(1, sizeof(*be));
	int ret;

	if (!be)
		return -ENOMEM;
	h->be = be;
	be->watch = h->cfg->watch;
	be->nlfd = -1;
	be->echo = h->cfg->role == ROLE_SERVE && h->cfg->traffic.on_data == ON_DATA_ECHO;
	be->keep = h->cfg->role == ROLE_SERVE && h->cfg->traffic.on_data == ON_DATA_KEEP;
	be->poll_events = be->keep ? POLLRDHUP : WATCH_EVENTS;
	ret = probe_features(be);
	if (!ret)
		ret = conn_arena_init();
	if (!ret)
		ret = ringset_init(&be->rs, 0, SQ_ENTRIES,
				   be->watch == WATCH_RECV ? CQ_ENTRIES_RECV : CQ_ENTRIES);
	if (!ret)
		ret = add_ring(be, &be->active);
	if (ret) {
		ringset_destroy(&be->rs);
		free(be);
		h->be = NULL;
		return ret;
	}
	probe_sockopt(be);
	h->nrings = be->rs.nrings;
	h->ring_bytes = be->rs.ring_bytes;
	return 0;
}

/* ---- connections -------------------------------------------------------- */

/* Only poll and recv arm a request per socket that must be cancelled before close. */
static bool watch_armed(const struct uring_be *be)
{
	return be->watch == WATCH_POLL || be->watch == WATCH_RECV;
}

/* --watch diag: read the slot's SO_COOKIE, the key the sweep matches it by. */
static void ask_cookie(struct uring_be *be, struct ring *r, uint32_t slot)
{
	struct io_uring_sqe *sqe;

	if (!r->cookies && !(r->cookies = conn_arena_zalloc(r->nslots * sizeof(*r->cookies))))
		return;
	sqe = ring_sqe(&be->rs, r);
	hc_prep_sockopt(sqe, slot, HC_SOCKET_URING_OP_GETSOCKOPT, SOL_SOCKET, SO_COOKIE,
			&r->cookies[slot], sizeof(r->cookies[slot]));
	io_uring_sqe_set_data64(sqe, UD(OP_COOKIE, r->conns[slot].gen, r->id, slot));
}

/* Arms the slot's watch, if the strategy has one; false for none and diag. */
static bool arm_watch(struct uring_be *be, struct ring *r, uint32_t slot)
{
	struct io_uring_sqe *sqe;

	if (be->watch == WATCH_DIAG && be->has_sockopt && r->conns[slot].state == CONN_HELD)
		ask_cookie(be, r, slot);
	if (!watch_armed(be) || (be->watch == WATCH_RECV && !r->rx))
		return false; /* no buffers: this ring's add failed and the holder stopped */
	sqe = ring_sqe(&be->rs, r);
	if (be->watch == WATCH_RECV) {
		io_uring_prep_recv_multishot(sqe, slot, NULL, 0, 0);
		sqe->flags |= IOSQE_BUFFER_SELECT;
		sqe->buf_group = 0;
	} else {
		io_uring_prep_poll_add(sqe, slot, be->poll_events);
	}
	sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, UD(OP_POLL, r->conns[slot].gen, r->id, slot));
	return true;
}

static void ask_buffers(struct uring_be *be, struct ring *r, uint32_t slot)
{
	static const int optname[2] = { SO_RCVBUF, SO_SNDBUF };

	if (be->asked_buffers || !be->has_sockopt)
		return;
	be->asked_buffers = true;
	for (int i = 0; i < 2; i++) {
		struct io_uring_sqe *sqe = ring_sqe(&be->rs, r);

		hc_prep_sockopt(sqe, slot, HC_SOCKET_URING_OP_GETSOCKOPT, SOL_SOCKET, optname[i],
				&be->got[i], sizeof(be->got[i]));
		io_uring_sqe_set_data64(sqe, UD(OP_GETOPT, 0, r->id, i));
	}
}

/* Closes the slot, cancelling its armed watch first if asked; completes as op. */
static void queue_close(struct uring_be *be, struct ring *r, uint32_t slot, bool cancel,
			uint64_t close_ud)
{
	struct conn *c = &r->conns[slot];
	struct io_uring_sqe *sqe;

	c->state = CONN_CLOSING;
	ring_reserve(&be->rs, r, 3);
	if (c->flags & CONN_F_SENDING) {
		/* A send waiting for room pins the socket as a watch does. */
		sqe = ring_sqe(&be->rs, r);
		io_uring_prep_cancel64(sqe, UD(OP_SEND, c->gen, r->id, slot), 0);
		sqe->flags |= IOSQE_IO_HARDLINK | IOSQE_CQE_SKIP_SUCCESS;
		io_uring_sqe_set_data64(sqe, UD(OP_IGNORE, 0, 0, 0));
	}
	if (cancel) {
		/* An armed request pins the socket: a bare close would not free it. */
		sqe = ring_sqe(&be->rs, r);
		io_uring_prep_cancel64(sqe, UD(OP_POLL, c->gen, r->id, slot), 0);
		sqe->flags |= IOSQE_IO_HARDLINK | IOSQE_CQE_SKIP_SUCCESS;
		io_uring_sqe_set_data64(sqe, UD(OP_IGNORE, 0, 0, 0));
	}
	sqe = ring_sqe(&be->rs, r);
	io_uring_prep_close_direct(sqe, slot);
	io_uring_sqe_set_data64(sqe, close_ud);
}

static void start_close(struct uring_be *be, struct ring *r, uint32_t slot, bool cancel)
{
	queue_close(be, r, slot, cancel, UD(OP_CLOSE, r->conns[slot].gen, r->id, slot));
}

static void on_close(struct holder *h, struct ring *r, uint32_t slot)
{
	struct conn *c = &r->conns[slot];
	bool was_held = c->flags & CONN_F_HELD;

	if (c->state != CONN_CLOSING)
		return;
	c->state = CONN_FREE;
	c->flags = 0;
	c->gen++;
	if (was_held)
		holder_closed(h);
	if (h->cfg->role == ROLE_CONNECT)
		ring_slot_put(r, slot);
	else
		r->used--;
}

/* The peer ended a held connection (res: 0 for a FIN, -errno): counted, then closed. */
static void peer_closed(struct holder *h, struct ring *r, uint32_t slot, int res, bool cancel)
{
	holder_peer_closed(h, res < 0 ? -res : 0);
	start_close(BE(h), r, slot, cancel);
}

static void drain(struct uring_be *be, struct ring *r, uint32_t slot)
{
	struct io_uring_sqe *sqe = ring_sqe(&be->rs, r);

	/* MSG_DONTWAIT: answer -EAGAIN instead of arming a second watch. */
	io_uring_prep_recv(sqe, slot, be->drain, sizeof(be->drain), MSG_DONTWAIT);
	sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, UD(OP_RECV, r->conns[slot].gen, r->id, slot));
	r->conns[slot].flags |= CONN_F_DRAINING;
}

/*
 * --watch diag: a slot missing from the dump is asked once more before it
 * is closed. A dump spans many reads, and the kernel resumes it by position
 * in a hash chain: a socket leaving that chain meanwhile (a peer's reset)
 * can shift a living one past the resume point. A 1-byte MSG_PEEK answers
 * 0 or an error for the dead, -EAGAIN or data for the living.
 */
static void confirm_dead(struct uring_be *be, struct ring *r, uint32_t slot)
{
	struct io_uring_sqe *sqe = ring_sqe(&be->rs, r);

	io_uring_prep_recv(sqe, slot, be->drain, 1, MSG_PEEK | MSG_DONTWAIT);
	sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, UD(OP_PEEK, r->conns[slot].gen, r->id, slot));
	r->conns[slot].flags |= CONN_F_DRAINING;
}

static void on_peek(struct holder *h, struct ring *r, uint32_t slot, int res)
{
	struct uring_be *be = BE(h);
	struct conn *c = &r->conns[slot];

	c->flags &= ~CONN_F_DRAINING;
	if (c->state != CONN_HELD)
		return;
	if (res == 0 || (res < 0 && res != -EAGAIN))
		peer_closed(h, r, slot, res, false);
	else if (res > 0 && !be->keep && !(c->flags & CONN_F_SENDING))
		drain(be, r, slot); /* half closed with bytes left: read them, then the EOF */
}

/* ---- traffic -------------------------------------------------------------- */

static struct traffic_stats *TS(struct holder *h)
{
	return &h->cfg->stats->traffic;
}

/* Queues len bytes (a copy of data, or a fresh stamped message when data is NULL); false: no memory. */
static bool send_bytes(struct holder *h, struct ring *r, uint32_t slot, const char *data,
		       uint32_t len)
{
	struct uring_be *be = BE(h);
	struct conn *c = &r->conns[slot];
	struct io_uring_sqe *sqe;
	struct tx *tx;

	if (!r->tx && !(r->tx = conn_arena_zalloc(r->nslots * sizeof(*r->tx))))
		goto fail;
	tx = malloc(sizeof(*tx) + len);
	if (!tx)
		goto fail;
	tx->gen = c->gen;
	tx->len = len;
	if (data)
		memcpy(tx->data, data, len);
	else
		traffic_fill(tx->data, len, now_ns());
	r->tx[slot] = tx;
	c->flags |= CONN_F_SENDING;
	atomic_fetch_add_explicit(&TS(h)->msgs_started, 1, memory_order_relaxed);

	sqe = ring_sqe(&be->rs, r);
	io_uring_prep_send(sqe, slot, tx->data, len, MSG_WAITALL | MSG_NOSIGNAL);
	sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, UD(OP_SEND, c->gen, r->id, slot));
	return true;
fail:
	atomic_fetch_add_explicit(&TS(h)->send_errors, 1, memory_order_relaxed);
	return false;
}

/* connect: the n-th message (0: --send-once) unless the last is still going out; false: not sent. */
static bool send_message(struct holder *h, struct ring *r, uint32_t slot, uint64_t n)
{
	struct conn *c = &r->conns[slot];

	if (c->flags & CONN_F_SENDING) {
		traffic_blocked(TS(h), !(c->flags & CONN_F_STALLED));
		c->flags |= CONN_F_STALLED;
		return false;
	}
	return send_bytes(h, r, slot, NULL, traffic_msg_len(&h->cfg->traffic, n));
}

/*
 * The heartbeats whose phase points passed in (prev_us, now_us]: each
 * held slot at one of them is due, and is sent unless its last message is
 * still going out. A point's lag is now less when it fell due. The points
 * run over the rings in turn (traffic_set_slot): a batch of beats fills a
 * few rings' submission queues, one io_uring_enter each, not one SQE on
 * every ring.
 */
static void uring_beat(struct holder *h, uint64_t prev_us, uint64_t now_us)
{
	struct uring_be *be = BE(h);
	const struct traffic *t = &h->cfg->traffic;
	uint64_t late_ns = traffic_late_us(t) * 1000;
	uint64_t at_us = now_ns() / 1000; /* when they are handed over: now_us may be a turn's share */
	struct beat_tally tally = { 0 };
	uint32_t slots = be->rs.slots, nrings = be->rs.nrings;
	struct beat_span sp;

	traffic_due_set(t, slots, nrings, prev_us, now_us, &sp);
	for (uint32_t k = 0; k < sp.n; k++) {
		uint64_t point = sp.first + k;
		uint32_t i, s;
		struct ring *r;

		traffic_set_slot(slots, nrings, point, &i, &s);
		r = be->rs.rings[i];
		if (s >= r->nslots || r->conns[s].state != CONN_HELD)
			continue;
		tally.due++;
		if (send_message(h, r, s, 1))
			traffic_beat_sent(TS(h), &tally, late_ns,
					  (at_us - traffic_point_us(t, sp.npos, point)) * 1000);
	}
	/* Whole periods passed unseen: every held slot missed a beat per period, none sent. */
	tally.due += sp.missed * h->held / sp.npos;
	traffic_tally(TS(h), &tally);
}

static void on_send(struct holder *h, struct ring *r, uint32_t slot, uint16_t gen, int res)
{
	struct tx *tx = r->tx ? r->tx[slot] : NULL;
	struct conn *c = &r->conns[slot];
	uint32_t len;

	if (!tx || tx->gen != gen)
		return;
	len = tx->len;
	free(tx);
	r->tx[slot] = NULL;
	if (c->gen != gen)
		return;
	c->flags &= ~CONN_F_SENDING;
	if (res == (int)len) {
		atomic_fetch_add_explicit(&TS(h)->msgs_sent, 1, memory_order_relaxed);
		h->bytes_out += len;
	} else if (c->state == CONN_HELD) {
		/* Not one we cancelled by closing: the peer reset, say. */
		atomic_fetch_add_explicit(&TS(h)->send_errors, 1, memory_order_relaxed);
	}
	if (c->state != CONN_HELD)
		return;
	if (res != (int)len)
		start_close(BE(h), r, slot, watch_armed(BE(h)) && !BE(h)->echo);
	else if (BE(h)->echo)
		drain(BE(h), r, slot); /* the echo is out: read on */
}

/* Bytes read from a held connection: counted, timed, echoed when asked. */
static void received(struct holder *h, struct ring *r, uint32_t slot, const char *buf, int n)
{
	struct conn *c = &r->conns[slot];

	if (h->cfg->role == ROLE_CONNECT && !(c->flags & CONN_F_SPOKE)) {
		c->flags |= CONN_F_SPOKE;
		holder_first_bytes(h, buf, (size_t)n);
	}
	h->bytes_in += n;
	traffic_rx(&h->cfg->traffic, TS(h), &r->conns[slot].next, buf, n, now_ns());
	/* No memory for the echo: the connection cannot answer, so it goes (nothing would read it again). */
	if (BE(h)->echo && !send_bytes(h, r, slot, buf, n))
		start_close(BE(h), r, slot, false);
}

/* --set-buffers after: the sizes, now that the handshake has fixed the window scale. */
static void late_buffers(struct holder *h, struct ring *r, uint32_t slot)
{
	struct sockopt o[SOCKOPT_MAX];
	int n = BE(h)->has_sockopt ? sockopt_list(h->cfg, SOCKOPT_AFTER, false, o) : 0;

	for (int i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = ring_sqe(&BE(h)->rs, r);

		hc_prep_sockopt(sqe, slot, HC_SOCKET_URING_OP_SETSOCKOPT, o[i].level, o[i].name,
				o[i].val, o[i].len);
		sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
		io_uring_sqe_set_data64(sqe, UD(OP_IGNORE, 0, 0, 0));
	}
}

/* A connection is held from now: its traffic state starts, its buffers may be set. */
static void established(struct holder *h, struct ring *r, uint32_t slot)
{
	struct uring_be *be = BE(h);

	r->conns[slot].next = 0; /* the receiver's offset in the stream from here on */
	late_buffers(h, r, slot);
	ask_buffers(be, r, slot);
	if (h->cfg->role == ROLE_CONNECT && h->cfg->traffic.once)
		send_message(h, r, slot, 0);
}

/*
 * --watch recv: data, EOF (0) or an error on the multishot recv. It ends
 * (no IORING_CQE_F_MORE) on -ENOBUFS, and with data when the CQ had no room
 * for another completion; the bytes left in the socket wait for the re-arm.
 * After -ENOBUFS the set grows first, so the re-arm (submitted after this
 * reap, which gives back the buffers it read) finds room.
 */
static void on_recv_watch(struct holder *h, struct ring *r, uint32_t slot, int res, unsigned flags)
{
	struct uring_be *be = BE(h);
	struct conn *c = &r->conns[slot];
	const char *data = bufring_take(r->rx, res, flags);

	if (data && c->state == CONN_HELD)
		received(h, r, slot, data, res);
	if (c->state != CONN_HELD)
		return;
	if (res == -ENOBUFS) {
		uint16_t before = r->rx->nbufs;

		bufring_starved(r->rx);
		be->rx_empty++;
		be->rx_buf_bytes += (uint64_t)(r->rx->nbufs - before) * BUFRING_BUF_BYTES;
	}
	if (res > 0 || res == -ENOBUFS) {
		if (!(flags & IORING_CQE_F_MORE))
			arm_watch(be, r, slot);
		return;
	}
	peer_closed(h, r, slot, res, flags & IORING_CQE_F_MORE);
}

static void on_poll(struct holder *h, struct ring *r, uint32_t slot, int res, unsigned flags)
{
	struct uring_be *be = BE(h);
	struct conn *c = &r->conns[slot];

	(void)flags;
	if (c->state != CONN_HELD)
		return;
	/*
	 * connect: what a server said before it closed is read first (its
	 * banner), then the EOF or the reset (recv answers -ECONNRESET once).
	 */
	if (res > 0 && (res & POLLIN) && (res & CLOSE_EVENTS) && h->cfg->role == ROLE_CONNECT &&
	    !(c->flags & CONN_F_DRAINING)) {
		drain(be, r, slot);
		return;
	}
	if (res < 0 || (res & CLOSE_EVENTS)) {
		peer_closed(h, r, slot, res < 0 ? res : (res & POLLERR) ? -ECONNRESET : 0, false);
		return;
	}
	/* Readable: drain, and watch again once the socket is empty. */
	if (!(c->flags & CONN_F_DRAINING))
		drain(be, r, slot);
}

static void on_recv(struct holder *h, struct ring *r, uint32_t slot, int res)
{
	struct uring_be *be = BE(h);
	struct conn *c = &r->conns[slot];

	c->flags &= ~CONN_F_DRAINING;
	if (c->state != CONN_HELD)
		return;
	if (res > 0)
		received(h, r, slot, be->drain, res);
	if (res > 0 && be->echo)
		return; /* on_send reads on once the echo is out */
	if (res == (int)sizeof(be->drain))
		drain(be, r, slot);
	else if (res == 0 || (res < 0 && res != -EAGAIN))
		peer_closed(h, r, slot, res, false);
	else
		arm_watch(be, r, slot);
}

static void on_connect(struct holder *h, struct ring *r, uint32_t slot, int res)
{
	struct uring_be *be = BE(h);
	struct conn *c = &r->conns[slot];

	if (c->flags & CONN_F_FAILED)
		return; /* the chain already ended at an earlier step */
	h->in_flight--;
	if (res == 0) {
		c->state = CONN_HELD;
		c->flags |= CONN_F_HELD;
		holder_connected(h, c->next);
		established(h, r, slot);
		if (be->watch == WATCH_DIAG)
			arm_watch(be, r, slot);
		return;
	}
	holder_open_failed(h, c->next, -res);
	start_close(be, r, slot, false);
}

/*
 * A step before CONNECT failed (a source port some service holds, say).
 * Its steps skip their CQEs on success, and when such a step fails the
 * kernel drops the CQEs of the rest of the chain too: no -ECANCELED for
 * the CONNECT will come, so this completion ends the attempt. The slot
 * may hold a socket already: close it.
 */
static void on_chain_error(struct holder *h, struct ring *r, uint32_t slot, int res)
{
	struct conn *c = &r->conns[slot];

	if (c->flags & CONN_F_FAILED)
		return;
	c->flags |= CONN_F_FAILED;
	h->in_flight--;
	holder_open_failed(h, c->next, res == -ECANCELED ? ECANCELED : -res);
	start_close(BE(h), r, slot, false);
}

/* A ring with room for one more connection, adding one when all are full. */
static int client_ring(struct uring_be *be, struct ring **out)
{
	if (be->active->free_head != RING_NO_SLOT) {
		*out = be->active;
		return 0;
	}
	for (uint32_t i = 0; i < be->rs.nrings; i++) {
		if (be->rs.rings[i]->free_head != RING_NO_SLOT) {
			*out = be->active = be->rs.rings[i];
			return 0;
		}
	}
	int ret = add_ring(be, out);

	if (!ret)
		be->active = *out;
	return ret;
}

/* Why a new ring could not be made: RLIMIT_MEMLOCK when it was the ring's charge. */
static enum stop_reason ring_stop_reason(const struct uring_be *be, int err)
{
	return be->rs.memlock_hit ? STOP_MEMLOCK : stop_reason_from_errno(err);
}

/* The table's options before connect, as linked SETSOCKOPT requests of the chain. */
static void chain_sockopts(struct holder *h, struct ring *r, uint32_t slot, bool reuse)
{
	struct sockopt o[SOCKOPT_MAX];
	int n = sockopt_list(h->cfg, SOCKOPT_BEFORE, reuse, o);

	for (int i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = ring_sqe(&BE(h)->rs, r);

		hc_prep_sockopt(sqe, slot, HC_SOCKET_URING_OP_SETSOCKOPT, o[i].level, o[i].name,
				o[i].val, o[i].len);
		sqe->flags |= IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;
		io_uring_sqe_set_data64(sqe, UD(OP_CHAIN, r->conns[slot].gen, r->id, slot));
	}
}

/* Kernels without BIND or socket uring_cmd: a plain socket, installed into the slot. */
static int open_by_fd(struct holder *h, struct ring *r, uint32_t slot,
		      const union sockaddr_inet *src)
{
	int fd = socket(src->sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int ret = 0;

	if (fd < 0)
		return -errno;
	sockopt_set(fd, h->cfg, SOCKOPT_BEFORE, h->cfg->plan->bind_source);
	if (h->cfg->plan->bind_source && bind(fd, &src->sa, sockaddr_len(src)))
		ret = -errno;
	if (!ret) {
		ret = io_uring_register_files_update(&r->uring, slot, &fd, 1);
		ret = ret == 1 ? 0 : ret < 0 ? ret : -EIO;
	}
	close(fd);
	return ret;
}

static int uring_open(struct holder *h, uint64_t tuple, const union sockaddr_inet *src,
		      const union sockaddr_inet *dst)
{
	struct uring_be *be = BE(h);
	bool chained = be->has_bind && be->has_sockopt;
	bool bind_src = h->cfg->plan->bind_source;
	struct io_uring_sqe *sqe;
	struct ring *r;
	uint32_t slot;
	struct conn *c;
	int ret = client_ring(be, &r);

	if (ret) {
		holder_stop(h, ring_stop_reason(be, ret), -ret);
		return ret;
	}
	slot = ring_slot_get(r);
	c = &r->conns[slot];
	c->next = (uint32_t)tuple;
	c->state = CONN_OPENING;
	c->flags = 0;
	ring_reserve(&be->rs, r, 4 + SOCKOPT_MAX); /* socket, its options, bind, connect, watch */
	if (chained) {
		sqe = ring_sqe(&be->rs, r);
		io_uring_prep_socket_direct(sqe, dst->sa.sa_family, SOCK_STREAM, 0, slot, 0);
		sqe->flags |= IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;
		io_uring_sqe_set_data64(sqe, UD(OP_CHAIN, c->gen, r->id, slot));
		chain_sockopts(h, r, slot, bind_src);
		if (bind_src) {
			union sockaddr_inet *sa;

			sqe = ring_sqe(&be->rs, r);
			sa = ring_sqe_addr(r, sqe);
			*sa = *src;
			hc_prep_bind(sqe, slot, &sa->sa, sockaddr_len(sa));
			sqe->flags |= IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;
			io_uring_sqe_set_data64(sqe, UD(OP_CHAIN, c->gen, r->id, slot));
		}
	} else if ((ret = open_by_fd(h, r, slot, src))) {
		c->state = CONN_FREE;
		ring_slot_put(r, slot);
		return ret;
	}
	sqe = ring_sqe(&be->rs, r);
	union sockaddr_inet *sa = ring_sqe_addr(r, sqe);
	*sa = *dst;
	io_uring_prep_connect(sqe, slot, &sa->sa, sockaddr_len(sa));
	sqe->flags |= IOSQE_FIXED_FILE | IOSQE_IO_LINK;
	io_uring_sqe_set_data64(sqe, UD(OP_CONNECT, c->gen, r->id, slot));
	/* Watch from the moment it is established; cancelled with the chain if connect fails. */
	if (!arm_watch(be, r, slot))
		sqe->flags &= ~IOSQE_IO_LINK;
	h->nrings = be->rs.nrings;
	h->ring_bytes = be->rs.ring_bytes;
	return 0;
}

/* ---- serve --------------------------------------------------------------- */

static void arm_accept(struct uring_be *be, struct ring *r, int l)
{
	struct io_uring_sqe *sqe = ring_sqe(&be->rs, r);

	io_uring_prep_multishot_accept_direct(sqe, be->lfd[l], NULL, NULL, 0);
	io_uring_sqe_set_data64(sqe, UD(OP_ACCEPT, 0, r->id, l));
}

static void cancel_accepts(struct uring_be *be, struct ring *r)
{
	for (int l = 0; l < be->nlisten; l++) {
		struct io_uring_sqe *sqe = ring_sqe(&be->rs, r);

		io_uring_prep_cancel64(sqe, UD(OP_ACCEPT, 0, r->id, l), 0);
		io_uring_sqe_set_data64(sqe, UD(OP_IGNORE, 0, 0, 0));
	}
}

static uint32_t accept_margin(struct holder *h)
{
	uint32_t slots = BE(h)->rs.slots;
	uint64_t m = h->cfg->accept_margin;

	/*
	 * Multishot accept into a full table drops the connection it took off
	 * the queue: move on to a fresh ring while the old one still has room
	 * for everything that may be queued behind the check.
	 */
	if (!m)
		m = (uint64_t)BE(h)->nlisten * h->cfg->backlog;
	if (m < 64)
		m = 64;
	return m > slots / 2 ? slots / 2 : (uint32_t)m;
}

/* The accepting ring is nearly full: accept on another from now on. */
static void rotate_accept_ring(struct holder *h)
{
	struct uring_be *be = BE(h);
	struct ring *old = be->active, *next = NULL;
	int ret;

	/* An earlier ring with room for two margins (one the ramp filled has less). */
	for (uint32_t i = 0; i < be->rs.nrings && !next; i++)
		if (be->rs.rings[i] != old && be->rs.rings[i]->used + 2 * be->margin <= be->rs.slots)
			next = be->rs.rings[i];
	if (!next && (ret = add_ring(be, &next))) {
		holder_stop(h, ring_stop_reason(be, ret), -ret);
		be->accepting = false;
		cancel_accepts(be, old);
		return;
	}
	be->active = next;
	be->late = 0;
	for (int l = 0; l < be->nlisten; l++)
		arm_accept(be, next, l);
	cancel_accepts(be, old);
	h->nrings = be->rs.nrings;
	h->ring_bytes = be->rs.ring_bytes;
}

static void on_accept(struct holder *h, struct ring *r, int l, int res, unsigned flags)
{
	struct uring_be *be = BE(h);

	if (res >= 0) {
		struct conn *c = &r->conns[res];

		c->state = CONN_HELD;
		c->flags = CONN_F_HELD;
		r->used++;
		arm_watch(be, r, res);
		holder_opened(h);
		established(h, r, res);
		if (r != be->active)
			be->late++;
		/*
		 * Accepts already under way when a ring was rotated away land on it
		 * late, a number that varies run to run; counting them against the
		 * active ring's share makes a new ring come every nslots - margin
		 * accepts, so RLIMIT_MEMLOCK (charged per ring) binds at a count
		 * limits can predict.
		 */
		if (be->accepting && be->active->used + be->late >= be->active->nslots - be->margin)
			rotate_accept_ring(h);
	} else if (res == -ENFILE) {
		holder_lost(h, -res);
	} else if (res != -ECANCELED && res != -EAGAIN) {
		/* Out of memory, say: stop taking more rather than spin. */
		holder_stop(h, stop_reason_from_errno(-res), -res);
		be->accepting = false;
	}
	if (!(flags & IORING_CQE_F_MORE) && be->accepting && r == be->active)
		arm_accept(be, r, l);
}

static int uring_listen(struct holder *h, const union sockaddr_inet *addr)
{
	struct uring_be *be = BE(h);
	int fd;

	if (be->nlisten == HOLDER_MAX_LISTEN)
		return -E2BIG;
	fd = sockopt_listener(addr, h->cfg, false);
	if (fd < 0)
		return fd;
	be->lfd[be->nlisten] = fd;
	if (!diag_ports_add(&be->ports, sockaddr_port(addr)))
		be->ports_full = true;
	be->accepting = true;
	be->margin = 0;
	arm_accept(be, be->active, be->nlisten++);
	be->margin = accept_margin(h);
	return 0;
}

static void uring_stop_accepting(struct holder *h)
{
	struct uring_be *be = BE(h);

	if (!be->accepting)
		return;
	be->accepting = false;
	cancel_accepts(be, be->active);
}

/* ---- the loop ------------------------------------------------------------ */

static void on_getopt(struct holder *h, uint32_t which, int res)
{
	struct uring_be *be = BE(h);

	if (res < 0)
		return;
	if (which == 1)
		holder_buffers(h, be->got[0], be->got[1]);
}

static void dispatch(struct holder *h, struct io_uring_cqe *cqe)
{
	uint64_t ud = cqe->user_data;
	struct uring_be *be = BE(h);
	struct ring *r = be->rs.rings[UD_RING(ud)];
	uint32_t slot = UD_SLOT(ud);
	unsigned op = UD_OP(ud);

	if (op == OP_ACCEPT)
		return on_accept(h, r, slot, cqe->res, cqe->flags);
	if (op == OP_GETOPT)
		return on_getopt(h, slot, cqe->res);
	if (op == OP_POLL && r->rx && r->conns[slot].gen != UD_GEN(ud))
		bufring_take(r->rx, cqe->res, cqe->flags); /* a stale read still used its buffer */
	if (op == OP_SEND)
		return on_send(h, r, slot, UD_GEN(ud), cqe->res);
	if (op == OP_IGNORE || r->conns[slot].gen != UD_GEN(ud))
		return; /* a completion for an earlier user of this slot */
	switch (op) {
	case OP_CHAIN:
		on_chain_error(h, r, slot, cqe->res);
		break;
	case OP_CONNECT:
		on_connect(h, r, slot, cqe->res);
		break;
	case OP_POLL:
		if (be->watch == WATCH_RECV)
			on_recv_watch(h, r, slot, cqe->res, cqe->flags);
		else
			on_poll(h, r, slot, cqe->res, cqe->flags);
		break;
	case OP_RECV:
		on_recv(h, r, slot, cqe->res);
		break;
	case OP_CLOSE:
		on_close(h, r, slot);
		break;
	case OP_SEND:
		break; /* handled above, stale or not: it frees the message */
	case OP_PEEK:
		on_peek(h, r, slot, cqe->res);
		break;
	case OP_COOKIE:
		if (cqe->res >= 0)
			r->conns[slot].flags |= CONN_F_COOKIE;
		break;
	}
}

/*
 * --watch diag: one dump of the established sockets; a held slot whose
 * cookie is not among them is confirmed dead (confirm_dead) and closed,
 * one with bytes queued is drained. Only slots whose cookie was read before the dump are judged:
 * completions are not reaped while it runs, so those sockets were
 * established before it began.
 */
static void diag_scan(struct holder *h)
{
	struct uring_be *be = BE(h);
	double t0 = now_s();

	if (diag_dump(&be->nlfd, &be->alive, be->ports_full ? NULL : &be->ports))
		return;
	for (uint32_t i = 0; i < be->rs.nrings; i++) {
		struct ring *r = be->rs.rings[i];

		for (uint32_t s = 0; r->cookies && s < r->nslots; s++) {
			struct conn *c = &r->conns[s];
			const struct diag_entry *e;

			if (c->state != CONN_HELD || !(c->flags & CONN_F_COOKIE) ||
			    (c->flags & CONN_F_DRAINING))
				continue;
			e = diag_find(&be->alive, r->cookies[s]);
			if (!e)
				confirm_dead(be, r, s);
			else if (e->rqueue && !be->keep && !(c->flags & CONN_F_SENDING))
				drain(be, r, s);
		}
	}
	h->scans++;
	h->scan_us += (uint64_t)((now_s() - t0) * 1e6);
}

static unsigned reap_ring(struct holder *h, struct ring *r)
{
	struct io_uring_cqe *cqe;
	unsigned head, n = 0;

	io_uring_for_each_cqe(&r->uring, head, cqe) {
		dispatch(h, cqe);
		n++;
	}
	io_uring_cq_advance(&r->uring, n);
	if (r->rx)
		bufring_flush(r->rx); /* the buffers read from, back in one batch */
	return n;
}

static unsigned reap(struct holder *h)
{
	struct uring_be *be = BE(h);
	unsigned total = 0;

	for (uint32_t i = 0; i < be->rs.nrings; i++) {
		struct ring *r = be->rs.rings[i];
		struct io_uring *u = &r->uring;

		total += reap_ring(h, r);
		/*
		 * More completed at once than the CQ holds (a sweep closing
		 * 10,000 slots of one ring): the kernel keeps the rest aside
		 * until the ring is entered. Enter it and reap again.
		 */
		while (io_uring_cq_has_overflow(u) && io_uring_get_events(u) >= 0)
			total += reap_ring(h, r);
	}
	return total;
}

static void uring_wait(struct holder *h, int timeout_ms)
{
	struct uring_be *be = BE(h);

	if (be->watch == WATCH_DIAG && now_s() >= be->next_scan) {
		diag_scan(h);
		be->next_scan = now_s() + h->cfg->scan_interval_us / 1e6;
	}

	ringset_submit(&be->rs);
	if (!reap(h)) {
		ringset_wait(&be->rs, timeout_ms);
		reap(h);
	}
	ringset_submit(&be->rs);
	h->rx_empty = be->rx_empty;
	h->rx_buf_bytes = be->rx_buf_bytes;
	h->rx_inc = be->rx_inc;
}

/* Counts release closes among r's completions; everything else is moot now. */
static uint32_t reap_releases(struct ring *r)
{
	struct io_uring_cqe *cqe;
	uint32_t done = 0;
	unsigned head, n = 0;

	io_uring_for_each_cqe(&r->uring, head, cqe) {
		done += UD_OP(cqe->user_data) == OP_RELEASE;
		n++;
	}
	io_uring_cq_advance(&r->uring, n);
	return done;
}

/*
 * Closes every held slot of r from this process: cancel the poll (by
 * user_data, a hash lookup) hard-linked to the close. Done here rather than
 * by closing the ring, because the ring's exit work would drop every socket
 * from one kernel worker, one after another; from here each side frees its
 * own sockets on its own CPU.
 */
static void release_ring(struct uring_be *be, struct ring *r)
{
	uint32_t s = 0, closing = 0;

	while (s < r->nslots || closing) {
		for (; s < r->nslots && closing < RELEASE_BATCH; s++) {
			struct conn *c = &r->conns[s];

			if (c->state != CONN_HELD)
				continue;
			queue_close(be, r, s, watch_armed(be), UD(OP_RELEASE, 0, r->id, s));
			closing++;
		}
		if (!closing)
			break;
		io_uring_submit_and_wait(&r->uring, 1);
		closing -= reap_releases(r);
	}
}

static void uring_release(struct holder *h)
{
	struct uring_be *be = BE(h);

	if (!be)
		return;
	for (int l = 0; l < be->nlisten; l++)
		close(be->lfd[l]);
	for (uint32_t i = 0; i < be->rs.nrings; i++) {
		struct ring *r = be->rs.rings[i];

		release_ring(be, r);
		/* Completions of cancelled sends went unread: their messages are ours to free. */
		for (uint32_t s = 0; r->tx && s < r->nslots; s++)
			free(r->tx[s]);
	}
	ringset_destroy(&be->rs);
	if (be->nlfd >= 0)
		close(be->nlfd);
	diag_free(&be->alive);
	free(be);
	h->be = NULL;
}

static void uring_drop(struct holder *h, uint64_t n)
{
	struct uring_be *be = BE(h);

	for (uint32_t i = 0; i < be->rs.nrings && n; i++) {
		struct ring *r = be->rs.rings[i];

		for (uint32_t s = 0; s < r->nslots && n; s++) {
			if (r->conns[s].state != CONN_HELD)
				continue;
			start_close(be, r, s, watch_armed(be));
			n--;
		}
	}
}

const struct backend_ops backend_uring = {
	.name = "uring",
	.init = uring_init,
	.listen = uring_listen,
	.open = uring_open,
	.wait = uring_wait,
	.stop_accepting = uring_stop_accepting,
	.beat = uring_beat,
	.drop = uring_drop,
	.release = uring_release,
};
