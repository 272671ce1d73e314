/*
 * backend_uring_read.c - uring's reads: the watch's completions (a poll, or
 * --watch recv's multishot recv) and the recvs that drain a readable socket,
 * into the shared drain or, when sessions read the bytes, a buffer each.
 */
#include "hold/backend_uring.h"
#include "hold/conn.h"

/*
 * One recv of what the socket has. Its bytes go to the shared drain, whose
 * content is dropped or only glanced at (traffic's stamps), unless sessions
 * read them: then the recv has a buffer of its own, since several recvs of
 * one submit all complete before the first is looked at.
 */
void uring_drain(struct uring_be *be, struct ring *r, uint32_t slot)
{
	struct io_uring_sqe *sqe;
	char *buf = be->drain;

	if (be->keep_reads && (r->rx_kept || (r->rx_kept = conn_arena_zalloc(
						      r->nslots * sizeof(*r->rx_kept))))) {
		struct rx_kept *rx = malloc(sizeof(*rx));

		/* No memory for it: the socket stays readable, the watch comes back to it. */
		if (!rx) {
			uring_arm_watch(be, r, slot);
			return;
		}
		rx->gen = r->conns[slot].gen;
		r->rx_kept[slot] = rx;
		buf = rx->data;
	}
	sqe = ring_sqe(&be->rs, r);
	/* MSG_DONTWAIT: answer -EAGAIN instead of arming a second watch. */
	io_uring_prep_recv(sqe, slot, buf, DRAIN_BYTES, MSG_DONTWAIT);
	sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, UD(OP_RECV, r->conns[slot].gen, r->id, slot));
	r->conns[slot].flags |= CONN_F_DRAINING;
}


/*
 * --watch recv: data, EOF (0) or an error on the multishot recv. It ends
 * (no IORING_CQE_F_MORE) on -ENOBUFS, and with data when the CQ had no room
 * for another completion; the bytes left in the socket wait for the re-arm.
 * After -ENOBUFS the set grows first, so the re-arm (submitted after this
 * reap, which gives back the buffers it read) finds room.
 */
void uring_on_recv_watch(struct holder *h, struct ring *r, uint32_t slot, int res, unsigned flags)
{
	struct uring_be *be = BE(h);
	struct conn *c = &r->conns[slot];
	const char *data = bufring_take(r->rx, res, flags);

	if (data && c->state == CONN_HELD)
		flow_read(h, uring_id_of(h, r, slot), data, res);
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
 * A drain's bytes: read into the shared drain, or into rx, the read's own
 * buffer when sessions read them (freed here). A full read drains again.
 */
void uring_on_recv(struct holder *h, struct ring *r, uint32_t slot, int res, struct rx_kept *rx)
{
	struct uring_be *be = BE(h);
	struct conn *c = &r->conns[slot];
	bool more;

	c->flags &= ~CONN_F_DRAINING;
	if (c->state != CONN_HELD) {
		free(rx);
		return;
	}
	more = res > 0 && !flow_read(h, uring_id_of(h, r, slot), rx ? rx->data : be->drain, res);
	free(rx);
	if (more)
		return; /* an echo is going out: uring_arm reads on */
	if (res == DRAIN_BYTES)
		uring_drain(be, r, slot);
	else if (res == 0 || (res < 0 && res != -EAGAIN))
		uring_peer_closed(h, r, slot, res, false);
	else
		uring_arm_watch(be, r, slot);
}

/* The buffer of a kept read that completed (stale or not), taken from its slot; NULL: none. */
struct rx_kept *uring_rx_take(struct ring *r, uint32_t slot, uint16_t gen)
{
	struct rx_kept *rx = r->rx_kept ? r->rx_kept[slot] : NULL;

	if (!rx || rx->gen != gen)
		return NULL;
	r->rx_kept[slot] = NULL;
	return rx;
}
