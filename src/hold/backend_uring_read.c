/*
 * backend_uring_read.c - uring's reads: the watch's completions (a poll, or
 * --watch recv's multishot recv) and the recvs that drain a readable socket,
 * into the shared drain or, when the bytes are read, a provided buffer each.
 */
#include "hold/backend_uring.h"
#include "hold/conn.h"

/*
 * One recv of what the socket has. Its bytes go to the shared drain when
 * they are dropped; when they are read (echo, timing, sessions) the recv
 * takes a provided buffer of its own, since every recv of one submit
 * completes before the first is looked at.
 */
void uring_drain(struct uring_be *be, struct ring *r, uint32_t slot)
{
	struct io_uring_sqe *sqe = ring_sqe(&be->rs, r);

	/* MSG_DONTWAIT: answer -EAGAIN instead of arming a second watch. */
	if (r->rx) {
		io_uring_prep_recv(sqe, slot, NULL, BUFRING_BUF_BYTES, MSG_DONTWAIT);
		sqe->flags |= IOSQE_BUFFER_SELECT;
		sqe->buf_group = 0;
	} else {
		io_uring_prep_recv(sqe, slot, be->drain, DRAIN_BYTES, MSG_DONTWAIT);
	}
	sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, UD(OP_RECV, r->conns[slot].gen, r->id, slot));
	r->conns[slot].flags |= CONN_F_DRAINING;
}

/* A recv found r's buffer set empty: it grows, and the growth is counted. */
static void starved(struct uring_be *be, struct ring *r)
{
	uint16_t before = r->rx->nbufs;

	bufring_starved(r->rx);
	be->rx_empty++;
	be->rx_buf_bytes += (uint64_t)(r->rx->nbufs - before) * BUFRING_BUF_BYTES;
}

/*
 * --watch recv: data, EOF (0) or an error on the multishot recv. It ends
 * (no IORING_CQE_F_MORE) on -ENOBUFS, and with data when the CQ had no room
 * for another completion; the bytes left in the socket wait for the re-arm.
 * After -ENOBUFS the set grows first, so the re-arm (submitted after this
 * reap, which gives back the buffers it read) finds room.
 */
void uring_on_recv_watch(struct holder *h, struct ring *r, uint32_t slot, const char *data, int res,
			 unsigned flags)
{
	struct uring_be *be = BE(h);
	struct conn *c = &r->conns[slot];

	if (data && c->state == CONN_HELD)
		flow_read(h, uring_id_of(h, r, slot), data, res);
	if (c->state != CONN_HELD)
		return;
	if (res == -ENOBUFS)
		starved(be, r);
	if (res > 0 || res == -ENOBUFS) {
		if (!(flags & IORING_CQE_F_MORE))
			uring_arm_watch(be, r, slot);
		return;
	}
	uring_peer_closed(h, r, slot, res, flags & IORING_CQE_F_MORE);
}

void uring_on_poll(struct holder *h, struct ring *r, uint32_t slot, int res, unsigned flags)
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
		uring_drain(be, r, slot);
		return;
	}
	if (res < 0 || (res & CLOSE_EVENTS)) {
		uring_peer_closed(h, r, slot, res < 0 ? res : (res & POLLERR) ? -ECONNRESET : 0, false);
		return;
	}
	/* Readable: drain, and watch again once the socket is empty. */
	if (!(c->flags & CONN_F_DRAINING))
		uring_drain(be, r, slot);
}

/*
 * A drain's bytes: in the shared drain, or in data, the recv's provided
 * buffer (valid until this reap ends). A full read drains again; a recv
 * that found no buffer grows the set and watches again (the re-armed poll
 * fires at once, after this reap gives the buffers back).
 */
void uring_on_recv(struct holder *h, struct ring *r, uint32_t slot, int res, const char *data)
{
	struct uring_be *be = BE(h);
	struct conn *c = &r->conns[slot];
	bool full = res == (r->rx ? BUFRING_BUF_BYTES : DRAIN_BYTES);

	c->flags &= ~CONN_F_DRAINING;
	if (c->state != CONN_HELD)
		return;
	if (res == -ENOBUFS) {
		starved(be, r);
		uring_arm_watch(be, r, slot);
		return;
	}
	if (res > 0 && !flow_read(h, uring_id_of(h, r, slot), r->rx ? data : be->drain, res))
		return; /* an echo is going out: uring_arm reads on */
	if (full)
		uring_drain(be, r, slot);
	else if (res == 0 || (res < 0 && res != -EAGAIN))
		uring_peer_closed(h, r, slot, res, false);
	else
		uring_arm_watch(be, r, slot);
}
