/*
 * bench_sample.c - what the parent reads: the clients' counters summed,
 * quiescing both sides, and one report point measured from outside both.
 */
#include "run/bench_internal.h"

static void st_add(_Atomic uint64_t *to, _Atomic uint64_t *from)
{
	atomic_store_explicit(to, ld(to) + ld(from), memory_order_relaxed);
}

static void hist_add(struct lat_hist *to, struct lat_hist *from)
{
	for (int i = 0; i < LAT_BUCKETS; i++)
		st_add(&to->n[i], &from->n[i]);
}

/* The clients' counters summed, states and stop reasons combined, into one side_stats. */
static void gather_traffic(struct traffic_stats *t, struct traffic_stats *c, bool first)
{
	st_add(&t->msgs_started, &c->msgs_started);
	st_add(&t->msgs_sent, &c->msgs_sent);
	st_add(&t->msgs_recv, &c->msgs_recv);
	st_add(&t->beats_blocked, &c->beats_blocked);
	st_add(&t->stalled_conns, &c->stalled_conns);
	st_add(&t->send_errors, &c->send_errors);
	st_add(&t->lat_sum_ns, &c->lat_sum_ns);
	if (ld(&c->lat_max_ns) > ld(&t->lat_max_ns))
		atomic_store(&t->lat_max_ns, ld(&c->lat_max_ns));
	hist_add(&t->lat, &c->lat);
	st_add(&t->beats_due, &c->beats_due);
	st_add(&t->beats_on_time, &c->beats_on_time);
	st_add(&t->beats_late, &c->beats_late);
	if (ld(&c->lag_max_ns) > ld(&t->lag_max_ns))
		atomic_store(&t->lag_max_ns, ld(&c->lag_max_ns));
	hist_add(&t->lag, &c->lag);
	/* The schedule is handed out as far as the furthest behind client. */
	if (first || ld(&c->sched_through_us) < ld(&t->sched_through_us))
		atomic_store(&t->sched_through_us, ld(&c->sched_through_us));
}

/* Adds a byte count that may be unknown (-1): unknown in one, unknown in the sum. */
static void add_known(_Atomic int64_t *to, _Atomic int64_t *from)
{
	int64_t a = atomic_load(to), b = atomic_load(from);

	atomic_store(to, a < 0 || b < 0 ? -1 : a + b);
}

/* --proto, --tls: the clients' sessions counted as one, and the first refusal any saw. */
static void gather_sessions(struct side_stats *t, struct side_stats *c)
{
	st_add(&t->sessions.established, &c->sessions.established);
	st_add(&t->sessions.refused, &c->sessions.refused);
	st_add(&t->sessions.closed, &c->sessions.closed);
	st_add(&t->sessions.answered, &c->sessions.answered);
	st_add(&t->sessions.acked, &c->sessions.acked);
	st_add(&t->sessions.tls_established, &c->sessions.tls_established);
	st_add(&t->sessions.tls_failed, &c->sessions.tls_failed);
	st_add(&t->sessions.tls_handshake_cpu_ns, &c->sessions.tls_handshake_cpu_ns);
	st_add(&t->sessions.tls_conns, &c->sessions.tls_conns);
	add_known(&t->sessions.tls_bytes, &c->sessions.tls_bytes);
	add_known(&t->sessions.tls_startup_bytes, &c->sessions.tls_startup_bytes);
	if (ld(&c->sessions.idle_closed) &&
	    (!ld(&t->sessions.idle_closed) || ld(&c->sessions.idle_min_ms) < ld(&t->sessions.idle_min_ms)))
		atomic_store(&t->sessions.idle_min_ms, ld(&c->sessions.idle_min_ms));
	if (ld(&c->sessions.idle_max_ms) > ld(&t->sessions.idle_max_ms))
		atomic_store(&t->sessions.idle_max_ms, ld(&c->sessions.idle_max_ms));
	st_add(&t->sessions.idle_closed, &c->sessions.idle_closed);
	hist_add(&t->sessions.idle, &c->sessions.idle);
	if (ld(&c->sessions.tls_span_ns) > ld(&t->sessions.tls_span_ns))
		atomic_store(&t->sessions.tls_span_ns, ld(&c->sessions.tls_span_ns));
	if (!ld32(&t->refusal_len) && ld32(&c->refusal_len)) {
		memcpy(t->refusal, c->refusal, sizeof(t->refusal));
		atomic_store(&t->refusal_len, ld32(&c->refusal_len));
	}
}

/*
 * bench --clients: area->client becomes the sum of every client, so that
 * everything reading it (quiesce, points, summary) sees the fleet as one.
 * The state is the least advanced client's; the stop reason the first that
 * is not the target, so one shard running out stops the bench.
 */
void bench_gather_clients(struct bench *b)
{
	static struct side_stats sum;
	struct side_stats *t = &sum;
	uint32_t state = SIDE_DONE;
	uint64_t seq = UINT64_MAX;
	int32_t reason = STOP_NONE, err = 0;

	if (b->nclients <= 1)
		return;
	memset(t, 0, sizeof(*t));
	for (int k = 0; k < b->nclients; k++) {
		struct side_stats *c = &b->area->clients[k];
		uint32_t cs = ld32(&c->state);
		int32_t r = atomic_load(&c->stop_reason);

		st_add(&t->held, &c->held);
		st_add(&t->opened, &c->opened);
		st_add(&t->closed, &c->closed);
		st_add(&t->failed, &c->failed);
		st_add(&t->in_flight, &c->in_flight);
		st_add(&t->lost, &c->lost);
		st_add(&t->bytes_in, &c->bytes_in);
		st_add(&t->bytes_out, &c->bytes_out);
		st_add(&t->arena_allocated, &c->arena_allocated);
		st_add(&t->arena_resident, &c->arena_resident);
		st_add(&t->ring_bytes, &c->ring_bytes);
		st_add(&t->cpu_user_us, &c->cpu_user_us);
		st_add(&t->cpu_sys_us, &c->cpu_sys_us);
		st_add(&t->scans, &c->scans);
		st_add(&t->scan_us, &c->scan_us);
		st_add(&t->peer_closed, &c->peer_closed);
		st_add(&t->peer_reset, &c->peer_reset);
		st_add(&t->first_conns, &c->first_conns);
		st_add(&t->connect_lat_sum_ns, &c->connect_lat_sum_ns);
		hist_add(&t->connect_lat, &c->connect_lat);
		if (ld(&c->connect_lat_max_ns) > ld(&t->connect_lat_max_ns))
			atomic_store(&t->connect_lat_max_ns, ld(&c->connect_lat_max_ns));
		gather_traffic(&t->traffic, &c->traffic, k == 0);
		atomic_store(&t->nrings, ld32(&t->nrings) + ld32(&c->nrings));
		if (ld(&c->seq) < seq)
			seq = ld(&c->seq);
		if (cs == SIDE_FAILED || (cs < state && state != SIDE_FAILED))
			state = cs;
		if (r && r != STOP_TARGET && (!reason || reason == STOP_TARGET)) {
			reason = r;
			err = atomic_load(&c->stop_errno);
		} else if (r && !reason) {
			reason = r;
		}
		if (k == 0) {
			atomic_store(&t->rcvbuf, atomic_load(&c->rcvbuf));
			atomic_store(&t->sndbuf, atomic_load(&c->sndbuf));
		}
		gather_sessions(t, c);
		/* The first bytes a server sent: any client's that saw some. */
		if (!ld32(&t->first_len) && ld32(&c->first_len)) {
			memcpy(t->first, c->first, sizeof(t->first));
			atomic_store(&t->first_len, ld32(&c->first_len));
		}
	}
	atomic_store(&t->seq, seq);
	atomic_store(&t->stop_reason, reason);
	atomic_store(&t->stop_errno, err);
	atomic_store(&t->state, state);
	memcpy(&b->area->client, t, sizeof(*t));
}

/* A shard that ran out (EADDRNOTAVAIL) holds while the others wait at their share: stop all. */
bool bench_client_gave_up(struct bench *b)
{
	for (int k = 0; b->nclients > 1 && k < b->nclients; k++) {
		struct side_stats *c = &b->area->clients[k];
		int32_t r = atomic_load(&c->stop_reason);

		if (ld32(&c->state) >= SIDE_HOLDING && r != STOP_TARGET)
			return true;
	}
	return false;
}

/* The parent's wait: then the clients' sum, and a server of its own's counts, are fresh. */
void bench_sleep(struct bench *b, long ns)
{
	sleep_ns(ns);
	bench_gather_clients(b);
	bench_external_publish(b);
}

uint64_t bench_pairs(struct bench *b)
{
	uint64_t c = ld(&b->area->client.held), s = ld(&b->area->server.held);

	return c < s ? c : s;
}

void bench_wait_fresh(struct bench *b, double deadline)
{
	uint64_t s0 = ld(&b->area->server.seq), c0 = ld(&b->area->client.seq);

	while (now_s() < deadline &&
	       (ld(&b->area->server.seq) < s0 + 2 || ld(&b->area->client.seq) < c0 + 2))
		bench_sleep(b, RAMP_POLL_MIN_NS);
}

/*
 * Holds the ramp still so that the counts and the kernel's accounting
 * describe the same set of sockets: no connect in flight, every one
 * accepted, arena figures republished.
 */
static void quiesce(struct bench *b)
{
	struct shared_area *a = b->area;
	double deadline = now_s() + QUIESCE_S;

	atomic_store(&a->ctl.pause, PAUSE_MEASURE);
	bench_external_publish(b);
	while (now_s() < deadline &&
	       (ld(&a->client.in_flight) || ld(&a->server.held) != ld(&a->client.held))) {
		atomic_store(&a->ctl.peer_accepted, ld(&a->server.opened));
		bench_sleep(b, RAMP_POLL_MIN_NS);
	}
	/* A server of its own: everything it will accept is accepted (its listener's queue is empty). */
	while (external(b) && now_s() < deadline && extserver_unaccepted(&b->ext) > 0)
		bench_sleep(b, RAMP_POLL_MIN_NS);
	bench_external_publish(b);
	bench_wait_fresh(b, deadline);
}

/* Anonymous memory both sides gained since they started: arenas, heaps, thread stacks. */
static int64_t rss_growth(struct bench *b)
{
	uint64_t s, c = 0;

	for (int k = 0; k < b->nclients; k++) {
		uint64_t one;

		if (meter_rss_anon(b->cpid[k], &one))
			return 0;
		c += one;
	}
	/* A server of its own may be several processes (nginx's workers): their PSS, anonymous. */
	if (external(b)) {
		struct proc_usage u;

		if (proc_set_read(&b->ext.procs, &u))
			return 0;
		return (int64_t)(u.pss_anon + c) - (int64_t)(b->srv_base.pss_anon + b->rss_base[1]);
	}
	if (meter_rss_anon(b->spid, &s))
		return 0;
	return (int64_t)(s + c) - (int64_t)(b->rss_base[0] + b->rss_base[1]);
}

/* bench's own two ends (holdconn serve and its clients): any cache they do not explain disturbs. */
static void own_unexplained(struct bench *b)
{
	struct attrib_side client, server;

	holder_side(&client, ld(&b->area->client.held), b->o->client_mode, b->ccfg[0].watch, true,
		    b->plan[0].ndst);
	holder_side(&server, ld(&b->area->server.held), b->o->mode, b->scfg.watch, false, 1);
	client.v6 = server.v6 = b->o->ipv6;
	attrib_unexplained(b->base, b->now, &b->env, &client, &server, &b->check.unexplained);
}

void bench_take_point(struct bench *b)
{
	struct shared_area *a = b->area;
	struct report_point p = { 0 };
	uint64_t sockets, n;
	double t, reached;

	quiesce(b);
	meter_sample(b->now);
	t = now_s();
	atomic_store(&a->ctl.pause, 0);
	meter_diff(b->base, b->now, &b->delta);
	n = bench_pairs(b);
	sockets = ld(&a->client.held) + ld(&a->server.held);
	p.conns = n;
	p.sockets = sockets;
	p.elapsed_s = t - b->t0;
	/*
	 * The ramp's rate since the last point: from its resumption until the
	 * ramp loop saw this count, not until the measurement above ended (a
	 * few ms the ramp stood still for bench, not for the kernel).
	 */
	reached = b->seen_pairs == n && b->seen_t > b->last_t ? b->seen_t : t;
	p.rate = reached > b->last_t && n >= b->last_pairs ? (n - b->last_pairs) / (reached - b->last_t) : 0;
	p.user_bytes_per_conn = per_unit((int64_t)(ld(&a->client.arena_allocated) +
						  ld(&a->server.arena_allocated)), sockets);
	/* Our TCP sockets on the box: the pairs' and the listeners' (a server's is in its baseline). */
	crosscheck_point(b->base, b->now, &b->delta, &b->env, sockets,
			 sockets + (external(b) ? 0 : bench_ports(b)), &b->check);
	p.kernel_bytes_per_socket = b->check.kernel;
	p.buffer_bytes_per_conn = b->check.buffer;
	p.rss_bytes_per_socket = per_unit(rss_growth(b), sockets);
	p.rss_res = per_unit((int64_t)crosscheck_rss_res(&b->env, 1 + b->nclients), sockets);
	p.mem_available = b->now->mem_available;
	cgroup_track_point(&b->cgt, n);
	p.has_cgroup = cgroup_track_limited(&b->cgt);
	p.cgroup_headroom = b->cgt.last.headroom;
	p.delta = &b->delta;
	lat_report_since(&a->client.connect_lat, &b->connect_lat_prev, &p.connect_lat);
	p.check = &b->check;
	if (external(b))
		bench_server_point(b, n);
	else
		own_unexplained(b);
	if (p.rate > b->peak_rate)
		b->peak_rate = p.rate;
	if (b->o->session.tls) { /* taken here: the teardown frees them before the summary */
		tls_report_side(&b->tls.client, &a->client);
		if (!external(b))
			tls_report_side(&b->tls.server, &a->server);
	}
	b->last_t = t;
	b->last_pairs = n;
	b->last = p;
	if (b->res->npoints < BENCH_MAX_POINTS)
		b->res->points[b->res->npoints++] = (struct bench_point){
			p.conns, p.sockets, p.elapsed_s, p.rate, p.user_bytes_per_conn,
			p.kernel_bytes_per_socket, p.buffer_bytes_per_conn, p.rss_bytes_per_socket,
			b->check.kernel_res, b->check.buffer_res, crosscheck_disturbed(&b->check) };
	b->res->cpu_user_s[0] = ld(&a->server.cpu_user_us) / 1e6;
	b->res->cpu_sys_s[0] = ld(&a->server.cpu_sys_us) / 1e6;
	b->res->cpu_user_s[1] = ld(&a->client.cpu_user_us) / 1e6;
	b->res->cpu_sys_s[1] = ld(&a->client.cpu_sys_us) / 1e6;
	report_point(b->rep, &p);
}
