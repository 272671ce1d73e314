/*
 * backend_uring_diag.c - --watch diag: nothing armed per socket; a
 * sock_diag dump of the living every --sweep-interval, matched by SO_COOKIE,
 * and a MSG_PEEK to confirm a slot missing from it is dead.
 */
#include "hold/backend_uring.h"

/* --watch diag: read the slot's SO_COOKIE, the key the sweep matches it by. */
void uring_ask_cookie(struct uring_be *be, struct ring *r, uint32_t slot)
{
	struct io_uring_sqe *sqe;

	if (!r->cookies && !(r->cookies = conn_arena_zalloc(r->nslots * sizeof(*r->cookies))))
		return;
	sqe = ring_sqe(&be->rs, r);
	hc_prep_sockopt(sqe, slot, HC_SOCKET_URING_OP_GETSOCKOPT, SOL_SOCKET, SO_COOKIE,
			&r->cookies[slot], sizeof(r->cookies[slot]));
	io_uring_sqe_set_data64(sqe, UD(OP_COOKIE, r->conns[slot].gen, r->id, slot));
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

void uring_on_peek(struct holder *h, struct ring *r, uint32_t slot, int res)
{
	struct uring_be *be = BE(h);
	struct conn *c = &r->conns[slot];

	c->flags &= ~CONN_F_DRAINING;
	if (c->state != CONN_HELD)
		return;
	if (res == 0 || (res < 0 && res != -EAGAIN))
		uring_peer_closed(h, r, slot, res, false);
	else if (res > 0 && !be->keep && !(c->flags & CONN_F_SENDING))
		uring_drain(be, r, slot); /* half closed with bytes left: read them, then the EOF */
}

/*
 * --watch diag: one dump of the established sockets; a held slot whose
 * cookie is not among them is confirmed dead (confirm_dead) and closed,
 * one with bytes queued is drained. Only slots whose cookie was read before the dump are judged:
 * completions are not reaped while it runs, so those sockets were
 * established before it began.
 */
void uring_diag_scan(struct holder *h)
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
				uring_drain(be, r, s);
		}
	}
	h->scans++;
	h->scan_us += (uint64_t)((now_s() - t0) * 1e6);
}
