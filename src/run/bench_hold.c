/*
 * bench_hold.c - after the ramp: settling, the hold with traffic, the
 * close-detection probe and the teardown.
 */
#include "run/bench_internal.h"

/*
 * --proto, --tls: a session the server answers after the ramp is still the
 * ramp's: wait until each is established or refused (a refusal stops the
 * run), or SESSION_SETTLE_S.
 */
static void settle_sessions(struct bench *b)
{
	struct side_stats *c = &b->area->client;
	double until = now_s() + SESSION_SETTLE_S;

	if (b->o->session.cfg.proto == PROTO_NONE && !b->o->session.tls)
		return;
	while (now_s() < until && !b->death.side && atomic_load(&c->stop_reason) != STOP_SESSION &&
	       ld(&c->sessions.established) + ld(&c->sessions.refused) + ld(&c->sessions.closed) <
		       ld(&c->opened))
		bench_sleep(b, POLL_NS);
}

/* After the ramp: let the client finish what is in flight, then the last point. */
void bench_settle(struct bench *b)
{
	struct shared_area *a = b->area;
	double deadline = now_s() + QUIESCE_S;
	int32_t cr, sr;

	while (now_s() < deadline && ld32(&a->client.state) < SIDE_HOLDING && b->spid &&
	       !b->death.side)
		bench_sleep(b, POLL_NS);
	settle_sessions(b);
	b->ramp_s = now_s() - b->t0;
	/* A side died: the last point's figures stand; nothing more is measured. */
	if (b->death.side) {
		b->closed_early = ld(&a->server.closed);
		return;
	}
	cr = atomic_load(&a->client.stop_reason);
	sr = atomic_load(&a->server.stop_reason);
	/* A server that hit a limit first is the cause; the client's resets follow from it. */
	if (sr && sr != STOP_SIGNAL && b->stop != STOP_PEER)
		b->stop = sr;
	else if (cr && cr != STOP_SIGNAL && b->stop != STOP_PEER)
		b->stop = cr;
	if (!b->stop)
		b->stop = STOP_TARGET;
	if (b->stop != STOP_TARGET && b->stop != STOP_SIGNAL && !b->detail[0])
		bench_explain_stop(b);
	bench_external_publish(b);
	if (external(b))
		bench_explain_server_stop(b);
	/* A slower server (threads) may still be accepting what the client holds. */
	while (!external(b) && now_s() < deadline + QUIESCE_S && b->spid &&
	       ld32(&a->server.state) < SIDE_HOLDING &&
	       ld(&a->server.opened) < ld(&a->client.opened)) {
		atomic_store(&a->ctl.peer_accepted, ld(&a->server.opened));
		bench_sleep(b, POLL_NS);
	}
	/* Tell the server too: it stops accepting, and holds. */
	atomic_store(&a->ctl.stop, b->stop);
	if (b->spid && bench_pairs(b) && bench_pairs(b) != b->last.conns)
		bench_take_point(b);
	/* The count the ramp ended at is judged too, unless it already was. */
	if (b->slo && b->last.conns != b->slor.met_conns)
		bench_slo_point(b);
	b->closed_early = ld(&a->server.closed);
}

/*
 * Close-detection latency: the client closes a share of its connections
 * (RST) and we time how long the server takes to notice them all.
 */
void bench_probe_close(struct bench *b)
{
	struct shared_area *a = b->area;
	uint64_t c0 = ld(&a->server.closed), n = b->last.conns / PROBE_SHARE;
	double t0 = now_s();

	b->detect_s = -1;
	/* Only a client that can close on request (uring, epoll) can run the probe; a server of its own cannot tell. */
	if (!b->spid || b->death.side || external(b) || b->stop == STOP_SIGNAL || !n ||
	    !b->ccfg[0].backend->drop)
		return;
	b->probe = n;
	atomic_store(&a->ctl.drop, n);
	/* diag notices at its next sweep: allow a few intervals. */
	double timeout = PROBE_TIMEOUT_S + 3 * b->o->holder.scan_interval_us / 1e6;

	while (now_s() < t0 + timeout && ld(&a->server.closed) < c0 + n && !holder_signalled)
		bench_sleep(b, POLL_NS / 5);
	b->detected = ld(&a->server.closed) - c0;
	if (b->detected >= n)
		b->detect_s = now_s() - t0;
}

static double hold_seconds(const struct bench_opts *o)
{
	if (o->hold.given)
		return o->hold.us / 1e6;
	if (o->holder.traffic.send)
		return 2 * o->holder.traffic.every_us / 1e6;
	return o->holder.traffic.once ? HOLD_ONCE_S : 0;
}

/*
 * Holds every pair with the traffic running for --hold: heartbeats start
 * only now, so their figures describe a steady box, not the ramp. The
 * buffer memory is taken while they still run; then they stop and the
 * messages in flight are given time to land.
 */
void bench_hold(struct bench *b)
{
	struct shared_area *a = b->area;
	uint64_t in0 = ld(&a->server.bytes_in);
	uint64_t sockets = ld(&a->client.held) + ld(&a->server.held);
	struct window w;
	bool traffic = traffic_on(&b->o->holder.traffic);

	/* Idle connections are held for --hold too, when it is given. */
	/* A refused session is the finding: nothing is held for it. */
	if (!b->spid || b->death.side || b->stop == STOP_SIGNAL || b->stop == STOP_SESSION ||
	    !b->last.conns || (!traffic && !b->o->hold.given))
		return;
	if (!traffic) {
		double t0 = now_s();

		bench_hold_progress(b, t0 + hold_seconds(b->o));
		b->hold_s = now_s() - t0;
		return;
	}
	bench_window_open(b, &w);
	bench_hold_progress(b, now_s() + hold_seconds(b->o));
	if (!meter_sample(b->now)) {
		struct meter_delta d;
		struct crosscheck c;

		meter_diff(b->base, b->now, &d);
		crosscheck_point(b->base, b->now, &d, &b->env, sockets, sockets + bench_ports(b), &c);
		b->hold_buffer = c.buffer;
		b->hold_buffer_res = c.buffer_res;
	}
	diag_wscale(BENCH_BASE_PORT, BENCH_BASE_PORT + b->o->ports - 1, &b->wscale[1], &b->wscale[0]);
	bench_window_close(b, &w);
	b->hold_s = (w.until_us - w.from_us) / 1e6;
	b->throughput = b->hold_s > 0 ? (ld(&a->server.bytes_in) - in0) / b->hold_s : 0;
	b->hold_cpu = w.cpu;
	b->has_hold_cpu = true;
	/* Taken now: the close probe and the teardown would add their own errors. */
	traffic_report_fill(&b->tr[0], &a->server.traffic, ld(&a->server.bytes_in),
			    ld(&a->server.bytes_out));
	traffic_report_fill(&b->tr[1], &a->client.traffic, ld(&a->client.bytes_in),
			    ld(&a->client.bytes_out));
}

void bench_teardown(struct bench *b)
{
	double t0 = now_s(), deadline = t0 + TEARDOWN_TIMEOUT_S;
	struct meter_sample *s = b->now;

	netns_rps(false);
	atomic_store(&b->area->ctl.release, RELEASE_CLIENT);
	for (int k = 0; k < b->nclients; k++)
		if (b->cpid[k] > 0)
			waitpid(b->cpid[k], NULL, 0);
	/* Let the server see the RSTs as peer closes while it keeps up, then release the rest. */
	bench_external_publish(b);
	for (uint64_t held = UINT64_MAX, last = 0; !external(b) && b->spid && ld(&b->area->server.held);) {
		double t = now_s();

		if (ld(&b->area->server.held) < held) {
			held = ld(&b->area->server.held);
			last = t * 1000;
		} else if (t * 1000 - last > 250 || t > t0 + TEARDOWN_TIMEOUT_S / 2) {
			break; /* --watch none: it will not notice */
		}
		bench_sleep(b, POLL_NS);
	}
	atomic_store(&b->area->ctl.release, RELEASE_ALL);
	if (external(b))
		extserver_stop(&b->ext);
	else if (b->spid)
		waitpid(b->spid, NULL, 0);
	/* Done when the kernel has let go of the sockets, not when the processes exit. */
	while (now_s() < deadline) {
		if (!meter_sample(s) &&
		    s->tcp_inuse + s->tcp6_inuse <= b->base->tcp_inuse + b->base->tcp6_inuse + 16)
			break;
		bench_sleep(b, POLL_NS * 4);
	}
	b->teardown_s = now_s() - t0;
}
