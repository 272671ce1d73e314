/*
 * backend_uring.c - connections held as io_uring direct descriptors.
 *
 * connect: one linked chain per connection, all into a slot we pick:
 *   SOCKET(direct) -> SETSOCKOPT* -> BIND -> CONNECT -> POLL(multishot)
 * serve: multishot accept straight into the table (the kernel picks the
 * slot), then the same poll (backend_uring_serve.c; --watch diag arms
 * nothing and scans instead, backend_uring_diag.c).
 * The poll is one-shot: when the peer closes it fires (RDHUP/HUP/ERR) and
 * is gone, so the slot closes with no cancel, which would be a walk of the
 * kernel's cancel hash (20000 slots share 256 buckets). Data re-arms it
 * after the drain. Our own release cancels (by user_data) then closes.
 *
 * Traffic is flow.c's; here a write is one send with MSG_WAITALL, which
 * io_uring retries until every byte is queued; while it waits (a zero
 * window, a full send buffer) flow skips the connection's heartbeats. An
 * echo is a send too, and nothing more is read from that connection until
 * it is out (flow_read says so; uring_arm reads on). A heartbeat posts no
 * completion unless it did not all go at once (backend_uring_beat.c).
 */
#include "hold/backend_uring.h"

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
 * A new ring; with --watch recv, or when the bytes are read, its buffer
 * ring too, made here so that an idle run without it pays nothing, and its
 * page is counted with the ring's (both are charged to RLIMIT_MEMLOCK).
 */
int uring_add_ring(struct uring_be *be, struct ring **out)
{
	int ret = ringset_add(&be->rs, out);

	if (ret || (be->watch != WATCH_RECV && !be->reads))
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
	/*
	 * Echo, timing (a stamp ends each message) and sessions read the
	 * bytes: every recv then takes a provided buffer of its own, since all
	 * the recvs of one submit complete before the first is looked at.
	 */
	be->reads = be->echo || h->cfg->session || h->cfg->tls || h->cfg->traffic.send ||
		    h->cfg->traffic.once;
	be->keep = h->cfg->role == ROLE_SERVE && h->cfg->traffic.on_data == ON_DATA_KEEP;
	be->poll_events = be->keep ? POLLRDHUP : WATCH_EVENTS;
	ret = probe_features(be);
	if (!ret)
		ret = conn_arena_init();
	if (!ret)
		ret = ringset_init(&be->rs, 0, SQ_ENTRIES,
				   be->watch == WATCH_RECV ? CQ_ENTRIES_RECV : CQ_ENTRIES);
	if (!ret)
		ret = uring_add_ring(be, &be->active);
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

/* Only poll and recv arm a request per socket that must be cancelled before close. */
static bool watch_armed(const struct uring_be *be)
{
	return be->watch == WATCH_POLL || be->watch == WATCH_RECV;
}

/* Arms the slot's watch, if the strategy has one; false for none and diag. */
bool uring_arm_watch(struct uring_be *be, struct ring *r, uint32_t slot)
{
	struct io_uring_sqe *sqe;

	if (be->watch == WATCH_DIAG && be->has_sockopt && r->conns[slot].state == CONN_HELD)
		uring_ask_cookie(be, r, slot);
	if (!watch_armed(be) || ((be->watch == WATCH_RECV || be->reads) && !r->rx))
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
	if (c->state != CONN_CLOSING)
		return;
	if (c->flags & CONN_F_HELD)
		flow_closed(h, uring_id_of(h, r, slot));
	c->state = CONN_FREE;
	c->flags = 0;
	c->gen++;
	if (h->cfg->role == ROLE_CONNECT)
		ring_slot_put(r, slot);
	else
		r->used--;
}

/* The peer ended a held connection (res: 0 for a FIN, -errno): counted, then closed. */
void uring_peer_closed(struct holder *h, struct ring *r, uint32_t slot, int res, bool cancel)
{
	flow_peer_closed(h, uring_id_of(h, r, slot), res < 0 ? -res : 0);
	start_close(BE(h), r, slot, cancel);
}

static void uring_geometry(struct holder *h, uint32_t *nrings, uint32_t *slots)
{
	*nrings = BE(h)->rs.nrings;
	*slots = BE(h)->rs.slots;
}

static struct ring *ring_of(struct holder *h, uint32_t id, uint32_t *slot)
{
	*slot = id % BE(h)->rs.slots;
	return BE(h)->rs.rings[id / BE(h)->rs.slots];
}

static struct conn *uring_conn(struct holder *h, uint32_t id)
{
	uint32_t slot;
	struct ring *r = ring_of(h, id, &slot);

	return &r->conns[slot];
}

/*
 * A send of data[done, len) (data NULL: a message stamped now) that
 * io_uring retries until every byte is queued (MSG_WAITALL), the message
 * kept until its completion.
 */
int uring_send_tx(struct uring_be *be, struct ring *r, uint32_t slot, const char *data,
		  uint32_t len, uint32_t done)
{
	struct io_uring_sqe *sqe;
	struct tx *tx = malloc(sizeof(*tx) + len);

	if (!tx)
		return -ENOMEM;
	tx->gen = r->conns[slot].gen;
	tx->len = len;
	tx->done = done;
	if (data)
		memcpy(tx->data, data, len);
	else
		traffic_fill(tx->data, len, now_ns());
	r->tx[slot] = tx;
	sqe = ring_sqe(&be->rs, r);
	io_uring_prep_send(sqe, slot, tx->data + done, len - done, MSG_WAITALL | MSG_NOSIGNAL);
	sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, UD(OP_SEND, tx->gen, r->id, slot));
	return 0;
}

/* One send of len bytes: a copy of data, or (data NULL) a message stamped now, a heartbeat's its turn's. */
static int uring_write(struct holder *h, uint32_t id, const char *data, uint32_t len)
{
	uint32_t slot;
	struct ring *r = ring_of(h, id, &slot);

	if (!r->tx && !(r->tx = conn_arena_zalloc(r->nslots * sizeof(*r->tx))))
		return -ENOMEM;
	if (!data && len == h->cfg->traffic.send)
		return uring_beat_write(h, r, slot, len);
	return uring_send_tx(BE(h), r, slot, data, len, 0);
}

/* The echo is out: read what came meanwhile. */
static void uring_arm(struct holder *h, uint32_t id)
{
	uint32_t slot;
	struct ring *r = ring_of(h, id, &slot);

	uring_drain(BE(h), r, slot);
}

/* A send that failed, or bench's probe: an armed poll is cancelled first (none while an echo is out). */
static void uring_close(struct holder *h, uint32_t id)
{
	uint32_t slot;
	struct ring *r = ring_of(h, id, &slot);

	start_close(BE(h), r, slot, watch_armed(BE(h)) && !BE(h)->echo);
}

static void on_send(struct holder *h, struct ring *r, uint32_t slot, uint16_t gen, int res)
{
	struct tx *tx = r->tx ? r->tx[slot] : NULL;
	uint32_t len, done;

	if (!tx || tx == BEAT_OUT || tx->gen != gen)
		return;
	len = tx->len;
	done = tx->done;
	free(tx);
	r->tx[slot] = NULL;
	if (r->conns[slot].gen == gen)
		flow_written(h, uring_id_of(h, r, slot), res >= 0 ? res + (int)done : res, len);
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

/* A connection is held from now: its buffers may be set, then flow starts its traffic. */
void uring_established(struct holder *h, struct ring *r, uint32_t slot)
{
	late_buffers(h, r, slot);
	ask_buffers(BE(h), r, slot);
	flow_established(h, uring_id_of(h, r, slot));
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
		uring_established(h, r, slot);
		if (be->watch == WATCH_DIAG)
			uring_arm_watch(be, r, slot);
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
	int ret = uring_add_ring(be, out);

	if (!ret)
		be->active = *out;
	return ret;
}

/* Why a new ring could not be made: RLIMIT_MEMLOCK when it was the ring's charge. */
enum stop_reason uring_ring_stop_reason(const struct uring_be *be, int err)
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
		holder_stop(h, uring_ring_stop_reason(be, ret), -ret);
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
	if (!uring_arm_watch(be, r, slot))
		sqe->flags &= ~IOSQE_IO_LINK;
	h->nrings = be->rs.nrings;
	h->ring_bytes = be->rs.ring_bytes;
	return 0;
}

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
	/* A read's provided buffer is taken whether its completion is stale or not. */
	const char *data = (op == OP_RECV || op == OP_POLL) && r->rx ?
				   bufring_take(r->rx, cqe->res, cqe->flags) :
				   NULL;

	if (op == OP_ACCEPT)
		return uring_on_accept(h, r, slot, cqe->res, cqe->flags);
	if (op == OP_GETOPT)
		return on_getopt(h, slot, cqe->res);
	if (op == OP_SEND)
		return on_send(h, r, slot, UD_GEN(ud), cqe->res);
	if (op == OP_BEAT)
		return uring_on_beat(h, r, slot, UD_GEN(ud), cqe->res);
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
			uring_on_recv_watch(h, r, slot, data, cqe->res, cqe->flags);
		else
			uring_on_poll(h, r, slot, cqe->res, cqe->flags);
		break;
	case OP_RECV:
		uring_on_recv(h, r, slot, cqe->res, data);
		break;
	case OP_CLOSE:
		on_close(h, r, slot);
		break;
	case OP_SEND:
		break; /* handled above, stale or not: it frees the message */
	case OP_PEEK:
		uring_on_peek(h, r, slot, cqe->res);
		break;
	case OP_COOKIE:
		if (cqe->res >= 0)
			r->conns[slot].flags |= CONN_F_COOKIE;
		break;
	}
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

static void uring_wait(struct holder *h, int timeout_us)
{
	struct uring_be *be = BE(h);
	unsigned reaped;

	if (be->watch == WATCH_DIAG && now_s() >= be->next_scan) {
		uring_diag_scan(h);
		be->next_scan = now_s() + h->cfg->scan_interval_us / 1e6;
	}

	ringset_submit(&be->rs);
	uring_beats_submitted(be);
	reaped = reap(h);
	uring_beats_done(h);
	if (!reaped) {
		ringset_wait(&be->rs, timeout_us);
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
			if (r->tx[s] != BEAT_OUT)
				free(r->tx[s]);
	}
	ringset_destroy(&be->rs);
	if (be->nlfd >= 0)
		close(be->nlfd);
	diag_free(&be->alive);
	uring_beats_free(be);
	free(be);
	h->be = NULL;
	flow_release(h);
}

const struct backend_ops backend_uring = {
	.name = "uring",
	.init = uring_init,
	.listen = uring_listen,
	.open = uring_open,
	.wait = uring_wait,
	.stop_accepting = uring_stop_accepting,
	.release = uring_release,
	.geometry = uring_geometry,
	.conn = uring_conn,
	.write = uring_write,
	.arm = uring_arm,
	.close = uring_close,
	.beat = flow_beat,
	.drop = flow_drop,
};
