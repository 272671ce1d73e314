/* sessions.c - the sessions of one holder's connections, TLS under them (see sessions.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "session/sessions.h"

int sessions_init(struct sessions *t, const struct session_config *cfg, struct tls_ctx *tls,
		  uint32_t n, struct session *rec, struct tls_conn **conn, size_t max_read)
{
	size_t out_cap = SESSION_OUT_FOR(max_read);

	t->cfg = cfg && cfg->proto != PROTO_NONE ? cfg : NULL;
	t->tls = tls;
	t->n = n;
	t->rec = rec;
	t->conn = conn;
	t->max_read = max_read;
	memset(&t->st, 0, sizeof(t->st));
	t->refusal[0] = '\0';
	t->reply_len = 0;
	t->out = malloc(out_cap);
	/* ciphertext of a whole answer, or a handshake flight; plaintext of a whole read */
	t->net = malloc(TLS_OUT_MIN + 2 * out_cap);
	t->plain = malloc(max_read + TLS_OUT_MIN);
	if (!t->out || !t->net || !t->plain || (t->cfg && !rec) || (tls && !conn)) {
		sessions_free(t);
		return -ENOMEM;
	}
	return 0;
}

void sessions_free(struct sessions *t)
{
	free(t->out);
	free(t->net);
	free(t->plain);
	t->out = t->net = t->plain = NULL;
}

bool sessions_on(const struct sessions *t)
{
	return t->cfg || t->tls;
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* CLOCK_MONOTONIC in ms, truncated: an idle session's start (session_idle_start). */
static uint32_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)((uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* The server ended id: an idle session says after how long, once (it is closed from now). */
static void server_ended(struct sessions *t, uint32_t id)
{
	struct session *s;
	int64_t ms;

	if (!t->cfg || (s = &t->rec[id])->state != SESSION_ESTABLISHED)
		return;
	ms = session_idle_ms(s, mono_ms());
	session_eof(s);
	if (ms >= 0 && t->idle_closed)
		t->idle_closed(t->arg, id, (uint64_t)ms);
}

/* Application bytes out on id, encrypted under TLS. */
static int send_plain(struct sessions *t, uint32_t id, const char *buf, size_t len)
{
	struct tls_buf net = { t->net, TLS_OUT_MIN + 2 * SESSION_OUT_FOR(t->max_read), 0 };
	int ret;

	if (!len)
		return 0;
	if (!t->tls)
		return t->send(t->arg, id, buf, len);
	ret = tls_conn_write(t->conn[id], buf, len, &net);
	return ret ? ret : t->send(t->arg, id, net.buf, net.len);
}

static void note_refusal(struct sessions *t, const char *why, const char *reply, size_t len)
{
	t->st.refused++;
	if (t->refusal[0])
		return;
	strncpy(t->refusal, why, sizeof(t->refusal) - 1);
	t->refusal[sizeof(t->refusal) - 1] = '\0';
	t->reply_len = len < sizeof(t->reply) ? len : sizeof(t->reply);
	memcpy(t->reply, reply, t->reply_len);
}

/* What the protocol's state says now, against what it was. */
static enum sessions_event moved(struct sessions *t, uint32_t id, uint8_t was, const char *in,
				 size_t n)
{
	struct session *s = &t->rec[id];
	char why[96];

	if (s->state == was)
		return SESSIONS_NONE;
	switch (s->state) {
	case SESSION_ESTABLISHED:
		t->st.established++;
		session_idle_start(t->cfg, s, mono_ms());
		return SESSIONS_ESTABLISHED;
	case SESSION_REFUSED:
		note_refusal(t, session_why(s, why, sizeof(why)), in, n);
		return SESSIONS_REFUSED;
	default:
		t->st.closed++;
		return SESSIONS_CLOSED;
	}
}

static enum sessions_event open_protocol(struct sessions *t, uint32_t id)
{
	struct session_out o = { t->out, SESSION_OUT_FOR(t->max_read), 0 };

	if (session_open(t->cfg, &t->rec[id], id, &o) || send_plain(t, id, o.buf, o.len))
		return SESSIONS_CLOSED;
	return moved(t, id, SESSION_OPENING, NULL, 0);
}

static enum sessions_event feed_protocol(struct sessions *t, uint32_t id, const char *in, size_t n)
{
	struct session_out o = { t->out, SESSION_OUT_FOR(t->max_read), 0 };
	uint8_t was = t->rec[id].state;

	if (session_input(t->cfg, &t->rec[id], id, in, n, &o) || send_plain(t, id, o.buf, o.len))
		return SESSIONS_CLOSED;
	t->st.answered += o.answered;
	t->st.acked += o.acked;
	return moved(t, id, was, in, n);
}

/* A handshake is done: the protocol opens, or the session is all TLS. */
static enum sessions_event tls_up(struct sessions *t, uint32_t id)
{
	t->st.tls_established++;
	if (t->cfg)
		return open_protocol(t, id);
	t->st.established++;
	return SESSIONS_ESTABLISHED;
}

enum sessions_event sessions_start(struct sessions *t, uint32_t id)
{
	struct tls_buf net = { t->net, TLS_OUT_MIN, 0 };
	uint64_t t0;
	int ret;

	if (!t->tls)
		return t->cfg ? open_protocol(t, id) : SESSIONS_ESTABLISHED;
	t0 = cpu_ns();
	ret = tls_conn_new(t->tls, &t->conn[id], &net);
	t->st.tls_handshake_cpu_ns += cpu_ns() - t0;
	if (ret || (net.len && t->send(t->arg, id, net.buf, net.len)))
		return SESSIONS_CLOSED;
	return SESSIONS_NONE;
}

/* Ciphertext read: the handshake, then the plaintext to the protocol or the caller. */
static enum sessions_event tls_read(struct sessions *t, uint32_t id, const char *buf, size_t n)
{
	struct tls_conn *c = t->conn[id];
	struct tls_buf net = { t->net, TLS_OUT_MIN + 2 * SESSION_OUT_FOR(t->max_read), 0 };
	struct tls_buf plain = { t->plain, t->max_read + TLS_OUT_MIN, 0 };
	bool was = tls_conn_established(c);
	enum sessions_event ev = SESSIONS_NONE, more;
	uint64_t t0 = was ? 0 : cpu_ns();
	int ret = tls_conn_input(c, buf, n, &net, &plain);

	if (!was)
		t->st.tls_handshake_cpu_ns += cpu_ns() - t0;
	if (net.len && t->send(t->arg, id, net.buf, net.len))
		return SESSIONS_CLOSED;
	if (ret) {
		char why[128], line[160];

		if (was || tls_ctx_server(t->tls)) {
			t->st.tls_failed += !was;
			t->st.closed++;
			if (was) /* close_notify, or the server's alert */
				server_ended(t, id);
			return SESSIONS_CLOSED;
		}
		t->st.tls_failed++;
		snprintf(line, sizeof(line), "TLS handshake: %s", tls_conn_error(c, why, sizeof(why)));
		note_refusal(t, line, buf, n);
		return SESSIONS_REFUSED;
	}
	if (!was && tls_conn_established(c))
		ev = tls_up(t, id);
	if (!plain.len || ev == SESSIONS_REFUSED || ev == SESSIONS_CLOSED)
		return ev;
	if (!t->cfg) {
		if (t->deliver)
			t->deliver(t->arg, id, plain.buf, plain.len);
		return ev;
	}
	more = feed_protocol(t, id, plain.buf, plain.len);
	return more != SESSIONS_NONE ? more : ev;
}

enum sessions_event sessions_read(struct sessions *t, uint32_t id, const char *buf, size_t n)
{
	if (t->tls)
		return tls_read(t, id, buf, n);
	return t->cfg ? feed_protocol(t, id, buf, n) : SESSIONS_NONE;
}

int sessions_beat(struct sessions *t, uint32_t id)
{
	struct session_out o = { t->out, SESSION_OUT_FOR(t->max_read), 0 };
	int ret;

	if (!t->cfg)
		return 0;
	ret = session_beat(t->cfg, &t->rec[id], id, &o);
	return ret ? ret : send_plain(t, id, o.buf, o.len);
}

int sessions_write(struct sessions *t, uint32_t id, const char *buf, size_t n)
{
	return send_plain(t, id, buf, n);
}

void sessions_peer_closed(struct sessions *t, uint32_t id)
{
	if (t->cfg && t->rec[id].state == SESSION_ESTABLISHED)
		t->st.closed++;
	server_ended(t, id);
}

void sessions_end(struct sessions *t, uint32_t id)
{
	if (t->tls && t->conn[id]) {
		tls_conn_free(t->conn[id]);
		t->conn[id] = NULL;
	}
	if (t->cfg)
		memset(&t->rec[id], 0, sizeof(t->rec[id]));
}

bool sessions_established(const struct sessions *t, uint32_t id)
{
	if (t->tls && !(t->conn[id] && tls_conn_established(t->conn[id])))
		return false;
	return !t->cfg || t->rec[id].state == SESSION_ESTABLISHED;
}
