/* opener.c - sessions over held connections, once above the backends (see opener.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hold/conn.h"
#include "hold/holder.h"
#include "hold/opener.h"
#include "hold/watch.h"
#include "session/sessions.h"

/* A read is handed to the sessions in pieces of at most this (their scratch is sized by it). */
#define OPENER_READ_MAX (64u << 10)

/* Bytes a session wanted out while a write was in flight on its id: sent when it ends. */
struct pending {
	uint32_t id, len;
	char *data;
};

struct opener {
	struct sessions t;
	uint32_t cap; /* ids the record arrays cover */
	struct pending *q;
	size_t nq, qcap;
	/*
	 * The id a sessions_* call is working on: a close that comes back
	 * through it (epoll closes at once, from inside a write) ends the
	 * session only when the call has returned.
	 */
	uint32_t busy_id;
	bool busy, end_busy;
	/* TLS: OpenSSL's bytes once warmed (-1 unknown), connections with TLS state, handshakes' times */
	int64_t tls_base;
	uint64_t tls_live, tls_seen, tls_first_ns, tls_last_ns;
};

#define OP(h) ((struct opener *)(h)->opener)

/* The record arrays cover id (the backend adds rings as it ramps). 0 or -ENOMEM. */
static int cover(struct holder *h, uint32_t id)
{
	struct opener *o = OP(h);
	uint32_t nrings, slots, cap;
	struct session *rec = NULL;
	struct tls_conn **conn = NULL;

	if (id < o->cap)
		return 0;
	h->cfg->backend->geometry(h, &nrings, &slots);
	cap = (uint64_t)nrings * slots > id ? nrings * slots : id + 1;
	if (cap < 2 * o->cap)
		cap = 2 * o->cap;
	if ((o->t.cfg && !(rec = conn_arena_zalloc(cap * sizeof(*rec)))) ||
	    (o->t.tls && !(conn = conn_arena_zalloc(cap * sizeof(*conn))))) {
		conn_arena_free(rec);
		return -ENOMEM;
	}
	if (rec && o->cap)
		memcpy(rec, o->t.rec, o->cap * sizeof(*rec));
	if (conn && o->cap)
		memcpy(conn, o->t.conn, o->cap * sizeof(*conn));
	conn_arena_free(o->t.rec);
	conn_arena_free(o->t.conn);
	o->t.rec = rec;
	o->t.conn = conn;
	o->t.n = o->cap = cap;
	return 0;
}

static int enqueue(struct opener *o, uint32_t id, const char *buf, size_t len)
{
	struct pending *p;

	if (o->nq == o->qcap) {
		size_t cap = o->qcap ? 2 * o->qcap : 16;

		p = realloc(o->q, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		o->q = p;
		o->qcap = cap;
	}
	p = &o->q[o->nq];
	p->data = malloc(len);
	if (!p->data)
		return -ENOMEM;
	memcpy(p->data, buf, len);
	p->id = id;
	p->len = len;
	o->nq++;
	return 0;
}

/* The sessions' way out: one write at a time per id (flow's CONN_F_SENDING), the rest queued. */
static int send_bytes(void *arg, uint32_t id, const char *buf, size_t len)
{
	struct holder *h = arg;
	struct conn *c = h->cfg->backend->conn(h, id);
	int ret;

	if (c->state != CONN_HELD)
		return -EPIPE; /* closed under the call that is sending */
	if (c->flags & CONN_F_SENDING)
		return enqueue(OP(h), id, buf, len);
	c->flags |= CONN_F_SENDING;
	ret = h->cfg->backend->write(h, id, buf, (uint32_t)len);
	if (ret)
		c->flags &= ~CONN_F_SENDING;
	return ret;
}

/*
 * TLS with no protocol: connect's n-th message (0: --send-once), stamped,
 * encrypted and handed over whole (counted sent then). 0 or -errno.
 */
static int tls_message(struct holder *h, uint32_t id, uint64_t n)
{
	struct traffic_stats *ts = &h->cfg->stats->traffic;
	uint32_t len = traffic_msg_len(&h->cfg->traffic, n);
	char *buf;
	int ret;

	if (!len)
		return 0;
	if (!(buf = malloc(len)))
		return -ENOMEM;
	traffic_fill(buf, len, now_ns());
	atomic_fetch_add_explicit(&ts->msgs_started, 1, memory_order_relaxed);
	ret = sessions_write(&OP(h)->t, id, buf, len);
	atomic_fetch_add_explicit(ret ? &ts->send_errors : &ts->msgs_sent, 1, memory_order_relaxed);
	free(buf);
	return ret;
}

/* id's session is established: it counts as held from now (once); connect's --send-once. */
static void held_now(struct holder *h, struct conn *c, uint32_t id)
{
	if (c->flags & CONN_F_COUNTED)
		return;
	h->opening--;
	holder_held(h, c);
	if (h->cfg->role == ROLE_CONNECT && h->cfg->traffic.once && !OP(h)->t.cfg &&
	    tls_message(h, id, 0) && c->state == CONN_HELD)
		h->cfg->backend->close(h, id);
}

/*
 * TLS with no protocol over it: the plaintext is traffic's, as a plain
 * connection's bytes are (timed when stamped; serve --on-data echo sends it
 * back, encrypted). It may come in the very read that ends the handshake.
 */
static void deliver(void *arg, uint32_t id, const char *buf, size_t len)
{
	struct holder *h = arg;
	struct conn *c = h->cfg->backend->conn(h, id);

	if (c->state != CONN_HELD)
		return;
	held_now(h, c, id);
	traffic_rx(&h->cfg->traffic, &h->cfg->stats->traffic, &c->next, buf, len, now_ns());
	if (h->cfg->role != ROLE_SERVE || h->cfg->traffic.on_data != ON_DATA_ECHO)
		return;
	if (sessions_write(&OP(h)->t, id, buf, len) && c->state == CONN_HELD)
		h->cfg->backend->close(h, id);
}

/* The server closed an idle http session: after how long, where the run reads it. */
static void idle_closed(void *arg, uint32_t id, uint64_t idle_ms)
{
	struct holder *h = arg;
	struct session_counts *c = &h->cfg->stats->sessions;
	uint64_t n = atomic_load_explicit(&c->idle_closed, memory_order_relaxed);

	(void)id;
	/* One writer (flow runs one call at a time): plain stores, read by the run. */
	if (!n || idle_ms < atomic_load_explicit(&c->idle_min_ms, memory_order_relaxed))
		atomic_store_explicit(&c->idle_min_ms, idle_ms, memory_order_relaxed);
	if (idle_ms > atomic_load_explicit(&c->idle_max_ms, memory_order_relaxed))
		atomic_store_explicit(&c->idle_max_ms, idle_ms, memory_order_relaxed);
	lat_hist_add(&c->idle, idle_ms * 1000);
	atomic_store_explicit(&c->idle_closed, n + 1, memory_order_release);
}

int opener_init(struct holder *h)
{
	struct opener *o;

	if (!h->cfg->session && !h->cfg->tls)
		return 0;
	/* A backend must write; a uring watch that never reads hears nothing. */
	if (!h->cfg->backend->write)
		return -EOPNOTSUPP;
	if (h->cfg->backend == &backend_uring &&
	    (h->cfg->watch == WATCH_NONE || h->cfg->watch == WATCH_DIAG))
		return -EINVAL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	h->opener = o;
	o->t.cfg = h->cfg->session && h->cfg->session->proto != PROTO_NONE ? h->cfg->session : NULL;
	o->t.tls = h->cfg->tls;
	if (cover(h, 0) || sessions_init(&o->t, h->cfg->session, h->cfg->tls, o->cap, o->t.rec,
					 o->t.conn, OPENER_READ_MAX)) {
		opener_free(h);
		return -ENOMEM;
	}
	o->t.send = send_bytes;
	o->t.deliver = deliver;
	o->t.idle_closed = idle_closed;
	o->t.arg = h;
	/*
	 * What OpenSSL keeps once per process is filled by a handshake in memory
	 * first, so that its bytes from here on are the connections' own.
	 */
	o->tls_base = o->t.tls && !tls_warm() ? tls_mem_bytes() : -1;
	return 0;
}

/* id ends: its TLS state is freed (and no longer counted), its record cleared. */
static void end(struct opener *o, uint32_t id)
{
	if (o->t.tls && o->t.conn[id])
		o->tls_live--;
	sessions_end(&o->t, id);
}

/* TLS's figures where the run reads them: after every call that may have changed them. */
static void publish_tls(struct holder *h)
{
	struct opener *o = OP(h);
	struct session_counts *c = &h->cfg->stats->sessions;
	int64_t now = o->tls_base >= 0 ? tls_mem_bytes() : -1;

	if (!o->t.tls)
		return;
	if (o->t.st.tls_established != o->tls_seen) {
		o->tls_last_ns = now_ns();
		if (!o->tls_seen)
			o->tls_first_ns = o->tls_last_ns;
		o->tls_seen = o->t.st.tls_established;
	}
	atomic_store_explicit(&c->tls_conns, o->tls_live, memory_order_relaxed);
	atomic_store_explicit(&c->tls_bytes, now >= 0 ? now - o->tls_base : -1, memory_order_relaxed);
	atomic_store_explicit(&c->tls_startup_bytes, o->tls_base, memory_order_relaxed);
	atomic_store_explicit(&c->tls_span_ns, o->tls_last_ns - o->tls_first_ns, memory_order_relaxed);
	atomic_store_explicit(&c->tls_established, o->t.st.tls_established, memory_order_relaxed);
	atomic_store_explicit(&c->tls_failed, o->t.st.tls_failed, memory_order_relaxed);
	atomic_store_explicit(&c->tls_handshake_cpu_ns, o->t.st.tls_handshake_cpu_ns,
			      memory_order_relaxed);
}

void opener_free(struct holder *h)
{
	struct opener *o = OP(h);

	if (!o)
		return;
	for (uint32_t id = 0; o->t.conn && id < o->cap; id++)
		end(o, id);
	for (size_t i = 0; i < o->nq; i++)
		free(o->q[i].data);
	free(o->q);
	sessions_free(&o->t);
	conn_arena_free(o->t.rec);
	conn_arena_free(o->t.conn);
	free(o);
	h->opener = NULL;
}

/* The sessions' counts, and why the first refused one was, where the run reads them. */
static void publish(struct holder *h)
{
	const struct sessions_stats *ss = &OP(h)->t.st;
	struct side_stats *st = h->cfg->stats;
	struct session_counts *c = &st->sessions;
	uint32_t n = (uint32_t)strlen(h->session_refusal);

	atomic_store_explicit(&c->established, ss->established, memory_order_relaxed);
	atomic_store_explicit(&c->refused, ss->refused, memory_order_relaxed);
	atomic_store_explicit(&c->closed, ss->closed, memory_order_relaxed);
	atomic_store_explicit(&c->answered, ss->answered, memory_order_relaxed);
	atomic_store_explicit(&c->acked, ss->acked, memory_order_relaxed);
	atomic_store_explicit(&c->tls_established, ss->tls_established, memory_order_relaxed);
	atomic_store_explicit(&c->tls_failed, ss->tls_failed, memory_order_relaxed);
	atomic_store_explicit(&c->tls_handshake_cpu_ns, ss->tls_handshake_cpu_ns,
			      memory_order_relaxed);
	if (n && !atomic_load_explicit(&st->refusal_len, memory_order_relaxed)) {
		memcpy(st->refusal, h->session_refusal, n);
		atomic_store_explicit(&st->refusal_len, n, memory_order_release);
	}
}

/* What a session's event means for the holder. False: the connection is being closed. */
static bool event(struct holder *h, uint32_t id, enum sessions_event ev)
{
	struct opener *o = OP(h);
	struct conn *c = h->cfg->backend->conn(h, id);

	if (ev != SESSIONS_NONE || o->t.st.answered != atomic_load_explicit(
		    &h->cfg->stats->sessions.answered, memory_order_relaxed) ||
	    o->t.st.acked != atomic_load_explicit(&h->cfg->stats->sessions.acked,
						  memory_order_relaxed))
		publish(h);
	if (c->state != CONN_HELD)
		return false; /* closed under the call */
	switch (ev) {
	case SESSIONS_ESTABLISHED:
		held_now(h, c, id);
		return true;
	case SESSIONS_REFUSED:
		/* The server turned the session down: that, not churn, is the finding. */
		if (o->t.reply_len && !h->first_len)
			holder_first_bytes(h, o->t.reply, o->t.reply_len);
		if (!h->session_refusal[0])
			snprintf(h->session_refusal, sizeof(h->session_refusal), "%s", o->t.refusal);
		publish(h);
		holder_stop(h, STOP_SESSION, EPROTO);
		h->cfg->backend->close(h, id);
		return false;
	case SESSIONS_CLOSED:
		h->cfg->backend->close(h, id);
		return false;
	default:
		return true;
	}
}

/* Drops what was queued for a connection before this one on id. */
static void purge(struct opener *o, uint32_t id)
{
	size_t kept = 0;

	for (size_t i = 0; i < o->nq; i++) {
		if (o->q[i].id == id)
			free(o->q[i].data);
		else
			o->q[kept++] = o->q[i];
	}
	o->nq = kept;
}

/* Marks id busy for the sessions_* call that follows. */
static void enter(struct opener *o, uint32_t id)
{
	o->busy = true;
	o->busy_id = id;
	o->end_busy = false;
}

/* The call is over: a close that came meanwhile ends the session now. */
static void leave(struct holder *h)
{
	struct opener *o = OP(h);

	o->busy = false;
	if (o->end_busy)
		end(o, o->busy_id);
	o->end_busy = false;
	publish_tls(h);
}

void opener_closed(struct holder *h, uint32_t id)
{
	struct opener *o = OP(h);

	if (id >= o->cap)
		return;
	purge(o, id);
	if (o->busy && o->busy_id == id) {
		o->end_busy = true;
		return;
	}
	end(o, id);
	publish_tls(h);
}

void opener_peer_closed(struct holder *h, uint32_t id)
{
	struct opener *o = OP(h);

	if (id >= o->cap)
		return;
	sessions_peer_closed(&o->t, id);
	publish(h);
}

void opener_established(struct holder *h, uint32_t id)
{
	struct opener *o;
	enum sessions_event ev;

	/* The first connection up sets the sessions up: the backend's id table exists by then. */
	if ((!OP(h) && opener_init(h)) || cover(h, id)) {
		h->cfg->backend->close(h, id);
		return;
	}
	o = OP(h);
	/* What a connection before it on this id left: its TLS state, its queued bytes. */
	end(o, id);
	purge(o, id);
	enter(o, id);
	ev = sessions_start(&o->t, id);
	if (o->t.tls && o->t.conn[id])
		o->tls_live++;
	event(h, id, ev);
	leave(h);
}

bool opener_read(struct holder *h, uint32_t id, const char *buf, size_t n)
{
	bool ok = true;

	while (n && ok) {
		size_t k = n < OPENER_READ_MAX ? n : OPENER_READ_MAX;

		enter(OP(h), id);
		ok = event(h, id, sessions_read(&OP(h)->t, id, buf, k));
		leave(h);
		buf += k;
		n -= k;
	}
	return ok;
}

void opener_written(struct holder *h, uint32_t id)
{
	struct opener *o = OP(h);

	for (size_t i = 0; i < o->nq; i++) {
		struct pending p = o->q[i];

		if (p.id != id)
			continue;
		memmove(&o->q[i], &o->q[i + 1], (o->nq - i - 1) * sizeof(*o->q));
		o->nq--;
		if (send_bytes(h, id, p.data, p.len))
			h->cfg->backend->close(h, id);
		free(p.data);
		return;
	}
}

bool opener_beat(struct holder *h, uint32_t id)
{
	struct conn *c = h->cfg->backend->conn(h, id);
	int ret;

	if (c->flags & CONN_F_SENDING)
		return false;
	enter(OP(h), id);
	/* TLS alone: --send's heartbeat, encrypted; else the protocol's keepalive. */
	ret = OP(h)->t.cfg ? sessions_beat(&OP(h)->t, id) : tls_message(h, id, 1);
	if (ret && ret != -EAGAIN && c->state == CONN_HELD)
		h->cfg->backend->close(h, id);
	leave(h);
	return !ret;
}

const struct sessions_stats *opener_stats(const struct holder *h)
{
	return OP(h) ? &OP(h)->t.st : NULL;
}

const char *opener_refusal(const struct holder *h)
{
	return OP(h) ? OP(h)->t.refusal : "";
}
