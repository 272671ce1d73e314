/* flow.c - traffic, echo and heartbeats, once above the backends (see flow.h). */
#include <errno.h>
#include "hold/conn.h"
#include "hold/flow.h"
#include "hold/holder.h"
#include "hold/opener.h"

static struct traffic_stats *TS(struct holder *h)
{
	return &h->cfg->stats->traffic;
}

static bool echoes(const struct holder *h)
{
	return h->cfg->role == ROLE_SERVE && h->cfg->traffic.on_data == ON_DATA_ECHO;
}

/*
 * Starts a write of len bytes (data, or a fresh stamped message when NULL).
 * -ENOMEM leaves the connection as it was; any other failure ends it.
 */
static bool start_write(struct holder *h, uint32_t id, struct conn *c, const char *data,
			uint32_t len)
{
	int ret;

	c->flags |= CONN_F_SENDING;
	ret = h->cfg->backend->write(h, id, data, len);
	if (ret != -ENOMEM)
		atomic_fetch_add_explicit(&TS(h)->msgs_started, 1, memory_order_relaxed);
	if (!ret)
		return true;
	c->flags &= ~CONN_F_SENDING;
	atomic_fetch_add_explicit(&TS(h)->send_errors, 1, memory_order_relaxed);
	if (ret != -ENOMEM)
		h->cfg->backend->close(h, id);
	return false;
}

/* connect: the n-th message (0: --send-once) unless the last is still going out; false: not begun. */
static bool send_message(struct holder *h, uint32_t id, struct conn *c, uint64_t n)
{
	if (c->flags & CONN_F_SENDING) {
		traffic_blocked(TS(h), !(c->flags & CONN_F_STALLED));
		c->flags |= CONN_F_STALLED;
		return false;
	}
	return start_write(h, id, c, NULL, traffic_msg_len(&h->cfg->traffic, n));
}

void flow_established(struct holder *h, uint32_t id)
{
	struct conn *c = h->cfg->backend->conn(h, id);

	if (h->cfg->session || h->cfg->tls) {
		/* Held once its session is (opener.c); a session speaks first, not --send-once. */
		h->opening++;
		h->last_progress = now_s();
		opener_established(h, id);
		return;
	}
	holder_held(h, c);
	if (h->cfg->role == ROLE_CONNECT && h->cfg->traffic.once)
		send_message(h, id, c, 0);
}

void flow_closed(struct holder *h, uint32_t id)
{
	struct conn *c = h->cfg->backend->conn(h, id);

	if (c->flags & CONN_F_COUNTED) {
		holder_closed(h);
	} else {
		/* Its session never was established: refused, a failed handshake, the peer gone. */
		h->opening--;
		h->session_failed++;
		h->last_progress = now_s();
	}
	if (h->opener)
		opener_closed(h, id);
}

void flow_peer_closed(struct holder *h, uint32_t id, int err)
{
	holder_peer_closed(h, err);
	if (h->opener)
		opener_peer_closed(h, id);
}

bool flow_read(struct holder *h, uint32_t id, const char *buf, size_t n)
{
	struct conn *c = h->cfg->backend->conn(h, id);

	if (h->cfg->role == ROLE_CONNECT && !(c->flags & CONN_F_SPOKE)) {
		c->flags |= CONN_F_SPOKE;
		holder_first_bytes(h, buf, n);
	}
	h->bytes_in += n;
	if (h->opener)
		return opener_read(h, id, buf, n) && c->state == CONN_HELD;
	traffic_rx(&h->cfg->traffic, TS(h), &c->next, buf, n, now_ns());
	if (!echoes(h))
		return true;
	/* No memory for the echo: the connection cannot answer, so it goes (nothing would read it again). */
	if (!start_write(h, id, c, buf, (uint32_t)n) && c->state == CONN_HELD)
		h->cfg->backend->close(h, id);
	return c->state == CONN_HELD && !(c->flags & CONN_F_SENDING);
}

void flow_written(struct holder *h, uint32_t id, int res, uint32_t len)
{
	struct conn *c = h->cfg->backend->conn(h, id);

	c->flags &= ~CONN_F_SENDING;
	if (h->opener) { /* a session's bytes: no message of ours to count */
		h->bytes_out += res > 0 ? res : 0;
		if (c->state == CONN_HELD && res != (int)len)
			h->cfg->backend->close(h, id);
		else if (c->state == CONN_HELD)
			opener_written(h, id);
		return;
	}
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
		h->cfg->backend->close(h, id);
	else if (echoes(h))
		h->cfg->backend->arm(h, id); /* the echo is out: read on */
}

/*
 * The points run over the rings in turn (traffic_set_slot): a batch of
 * beats fills a few rings' submission queues, one io_uring_enter each, not
 * one SQE on every ring, and each run is consecutive slots. A point's lag
 * is now less when it fell due.
 */
void flow_beat(struct holder *h, uint64_t prev_us, uint64_t now_us)
{
	const struct backend_ops *be = h->cfg->backend;
	struct traffic sched = h->cfg->traffic;
	const struct traffic *t = &sched;
	uint64_t late_ns = traffic_late_us(t) * 1000;
	uint64_t at_us = now_ns() / 1000; /* when they are handed over: now_us may be a turn's share */
	struct beat_tally tally = { 0 };
	uint32_t slots, nrings;
	struct beat_span sp;

	if (h->opener)
		sched.send = 1; /* the schedule runs for a session's keepalive, of its own size */
	be->geometry(h, &nrings, &slots);
	if (!slots || !nrings)
		return;
	traffic_due_set(t, slots, nrings, prev_us, now_us, &sp);
	for (uint32_t k = 0; k < sp.n; k++) {
		uint64_t point = sp.first + k;
		uint32_t i, s, id;
		struct conn *c;

		traffic_set_slot(slots, nrings, point, &i, &s);
		id = i * slots + s;
		if (s >= slots || (c = be->conn(h, id))->state != CONN_HELD ||
		    !(c->flags & CONN_F_COUNTED))
			continue;
		tally.due++;
		if (h->opener ? opener_beat(h, id) : send_message(h, id, c, 1))
			traffic_beat_sent(TS(h), &tally, late_ns,
					  (at_us - traffic_point_us(t, sp.npos, point)) * 1000);
	}
	/* Whole periods passed unseen: every held slot missed a beat per period, none sent. */
	tally.due += sp.missed * h->held / sp.npos;
	traffic_tally(TS(h), &tally);
}

void flow_drop(struct holder *h, uint64_t n)
{
	const struct backend_ops *be = h->cfg->backend;
	uint32_t slots, nrings;

	be->geometry(h, &nrings, &slots);
	for (uint64_t id = 0; id < (uint64_t)nrings * slots && n; id++) {
		const struct conn *c = be->conn(h, (uint32_t)id);

		if (c->state != CONN_HELD || !(c->flags & CONN_F_COUNTED))
			continue;
		be->close(h, (uint32_t)id);
		n--;
	}
}

void flow_release(struct holder *h)
{
	opener_free(h);
}
