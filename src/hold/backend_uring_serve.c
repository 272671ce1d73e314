/*
 * backend_uring_serve.c - uring serve: multishot accept straight into the
 * table (the kernel picks the slot), a fresh ring before the accepting one
 * fills, and the listeners.
 */
#include "hold/backend_uring.h"

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
	if (!next && (ret = uring_add_ring(be, &next))) {
		holder_stop(h, uring_ring_stop_reason(be, ret), -ret);
		be->accepting = false;
		cancel_accepts(be, old);
		return;
	}
	/*
	 * The old ring's accepts are cancelled before the next ring's are
	 * armed. An accept waits on an exclusive poll: with both armed, a
	 * connection wakes one, and a wake taken by one being cancelled is
	 * lost until another connection comes to that port (the floor's ramp
	 * stalled so at a window's limit). The next ring's accepts try the
	 * queue before they wait, and take what came in between.
	 */
	cancel_accepts(be, old);
	io_uring_submit(&old->uring);
	be->active = next;
	be->late = 0;
	for (int l = 0; l < be->nlisten; l++)
		arm_accept(be, next, l);
	h->nrings = be->rs.nrings;
	h->ring_bytes = be->rs.ring_bytes;
}

void uring_on_accept(struct holder *h, struct ring *r, int l, int res, unsigned flags)
{
	struct uring_be *be = BE(h);

	if (res >= 0) {
		struct conn *c = &r->conns[res];

		c->state = CONN_HELD;
		c->flags = CONN_F_HELD;
		r->used++;
		uring_arm_watch(be, r, res);
		uring_established(h, r, res);
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

int uring_listen(struct holder *h, const union sockaddr_inet *addr)
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

void uring_stop_accepting(struct holder *h)
{
	struct uring_be *be = BE(h);

	if (!be->accepting)
		return;
	be->accepting = false;
	cancel_accepts(be, be->active);
}
