/*
 * backend_uring_beat.c - heartbeats sent as the floor's client sends them
 * (bench/floor/beat.c): no completion unless one did not all go.
 *
 * A heartbeat is a send with MSG_DONTWAIT (io_uring then never waits for
 * room: it is over when the submit returns) and IOSQE_CQE_SKIP_SUCCESS (a
 * send that queued every byte posts nothing). Every heartbeat of a turn
 * sends one buffer, stamped at the turn's first. Those submitted are
 * reported out after the reap that follows the submit (uring_beats_done),
 * except any whose completion said otherwise: a send buffer with no room
 * for all of it (then the rest waits for room as any send, copied, and the
 * connection's next beats are blocked meanwhile) or an error. With a
 * completion per heartbeat (a malloc and free, a CQE, a second wake a
 * tick), a generator at 600K pairs spent 14-19% more CPU per message
 * (bench/results/20261208-heartbeat-cpu/).
 */
#include "hold/backend_uring.h"

char uring_beat_out;

static int grow(struct uring_be *be)
{
	uint32_t cap = be->beats_cap ? be->beats_cap * 2 : 256;
	uint64_t *beats = realloc(be->beats, cap * sizeof(*beats));

	if (!beats)
		return -ENOMEM;
	be->beats = beats;
	be->beats_cap = cap;
	return 0;
}

int uring_beat_write(struct holder *h, struct ring *r, uint32_t slot, uint32_t len)
{
	struct uring_be *be = BE(h);
	struct io_uring_sqe *sqe;
	uint64_t ud = UD(OP_BEAT, r->conns[slot].gen, r->id, slot);

	if (be->nbeats == be->beats_cap && grow(be))
		return -ENOMEM;
	if (!be->beat && !(be->beat = malloc(len)))
		return -ENOMEM;
	if (!be->beat_stamped) {
		traffic_fill(be->beat, len, now_ns());
		be->beat_stamped = true;
	}
	be->beats[be->nbeats++] = ud;
	r->tx[slot] = BEAT_OUT;
	sqe = ring_sqe(&be->rs, r);
	io_uring_prep_send(sqe, slot, be->beat, len, MSG_DONTWAIT | MSG_WAITALL | MSG_NOSIGNAL);
	sqe->flags |= IOSQE_FIXED_FILE | IOSQE_CQE_SKIP_SUCCESS;
	io_uring_sqe_set_data64(sqe, ud);
	return 0;
}

/* A heartbeat's completion: res bytes of it went (the rest waits for room), or it failed. */
void uring_on_beat(struct holder *h, struct ring *r, uint32_t slot, uint16_t gen, int res)
{
	struct uring_be *be = BE(h);
	uint32_t id = uring_id_of(h, r, slot), len = h->cfg->traffic.send;
	int ret;

	if (!r->tx || r->tx[slot] != BEAT_OUT || r->conns[slot].gen != gen || res >= (int)len)
		return; /* stale, or all of it went after all: uring_beats_done reports it */
	r->tx[slot] = NULL;
	if (res < 0 && res != -EAGAIN) {
		flow_written(h, id, res, len);
		return;
	}
	/* The buffer is as it was sent: it is stamped again only after this reap. */
	ret = uring_send_tx(be, r, slot, be->beat, len, res > 0 ? (uint32_t)res : 0);
	if (ret)
		flow_written(h, id, ret, len);
}

/*
 * Right after the submit: heartbeats on a ring whose submit did not take
 * every SQE (the kernel short of memory) are not out yet; set them aside,
 * first in the list, for the next turn.
 */
void uring_beats_submitted(struct uring_be *be)
{
	uint32_t later = 0;

	for (uint32_t i = 0; i < be->nbeats; i++) {
		uint64_t ud = be->beats[i];

		if (io_uring_sq_ready(&be->rs.rings[UD_RING(ud)]->uring)) {
			be->beats[i] = be->beats[later];
			be->beats[later++] = ud;
		}
	}
	be->beats_later = later;
}

/* After the reap: every heartbeat submitted that posted nothing went whole. */
void uring_beats_done(struct holder *h)
{
	struct uring_be *be = BE(h);
	uint32_t len = h->cfg->traffic.send;

	for (uint32_t i = be->beats_later; i < be->nbeats; i++) {
		uint64_t ud = be->beats[i];
		struct ring *r = be->rs.rings[UD_RING(ud)];
		uint32_t slot = UD_SLOT(ud);

		if (r->tx[slot] != BEAT_OUT)
			continue; /* its completion said otherwise */
		r->tx[slot] = NULL;
		if (r->conns[slot].gen == UD_GEN(ud))
			flow_written(h, uring_id_of(h, r, slot), (int)len, len);
	}
	be->nbeats = be->beats_later;
	be->beats_later = 0;
	be->beat_stamped = false;
}

void uring_beats_free(struct uring_be *be)
{
	free(be->beat);
	free(be->beats);
}
