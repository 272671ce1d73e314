/*
 * bench_summary.c - the summary of one bench, from the last point and
 * what the hold, probe and teardown measured.
 */
#include "run/bench_internal.h"

void bench_summary(struct bench *b)
{
	struct shared_area *a = b->area;
	struct report_summary s = { 0 };
	struct bench_result *res = b->res;

	s.command = "bench";
	s.mode = mode_name(b->o->mode);
	s.client_mode = mode_name(b->o->client_mode);
	s.target = b->o->conns_max ? 0 : b->o->conns;
	s.held = b->last.conns;
	s.stop_reason = stop_reason_name(b->stop);
	memcpy(res->detail, b->detail, sizeof(res->detail));
	s.stop_detail = res->detail[0] ? res->detail : NULL;
	s.ramp_s = b->ramp_s;
	s.teardown_s = b->teardown_s;
	s.avg_rate = b->ramp_s > 0 ? b->last.conns / b->ramp_s : 0;
	s.peak_rate = b->peak_rate;
	s.user_bytes_per_conn = b->last.user_bytes_per_conn;
	s.kernel_bytes_per_socket = b->last.kernel_bytes_per_socket;
	s.buffer_bytes_per_conn = b->last.buffer_bytes_per_conn;
	s.rcvbuf_server = atomic_load(&a->server.rcvbuf);
	s.sndbuf_server = atomic_load(&a->server.sndbuf);
	s.rcvbuf_client = atomic_load(&a->client.rcvbuf);
	s.sndbuf_client = atomic_load(&a->client.sndbuf);
	s.failed = ld(&a->client.failed);
	s.lost = ld(&a->server.lost);
	s.closed_early = b->closed_early;
	s.watch = b->o->mode == MODE_URING ? watch_name(b->scfg.watch) : NULL;
	s.client_watch = b->o->client_mode == MODE_URING ? watch_name(b->ccfg[0].watch) : NULL;
	s.close_probe = b->probe;
	s.bytes_in = ld(&a->server.bytes_in);
	s.scans = ld(&a->server.scans);
	s.scan_ms = s.scans ? ld(&a->server.scan_us) / 1e3 / s.scans : 0;
	s.rx_buf_bytes = ld(&a->server.rx_buf_bytes);
	s.rx_empty = ld(&a->server.rx_empty);
	s.rx_inc = atomic_load(&a->server.rx_inc);
	s.bytes_out = ld(&a->server.bytes_out);
	s.close_detected = b->detected;
	s.close_detect_s = b->detect_s;
	s.rings_server = atomic_load(&a->server.nrings);
	s.rings_client = atomic_load(&a->client.nrings);
	s.ring_bytes = ld(&a->server.ring_bytes) + ld(&a->client.ring_bytes);
	s.reserve = b->ccfg[0].reserve;
	s.clients = b->nclients;
	s.path = b->veth ? "veth" : "loopback";
	s.mem_available_min = b->mem_available_min;
	s.predicted = b->pred.max;
	s.predicted_binding = b->pred.binding;
	s.predicted_stop = b->pred.stop;
	if (traffic_on(&b->o->holder.traffic)) {
		uint64_t pressures = 0;

		s.traffic = &b->o->holder.traffic;
		s.tr_server = b->tr[0];
		s.tr_client = b->tr[1];
		s.hold_s = b->hold_s;
		s.throughput_Bps = b->throughput;
		s.hold_buffer_bytes_per_conn = b->hold_buffer;
		s.hold_buffer_res = b->hold_buffer_res;
		if (!meter_tcp_pressures(&pressures))
			s.tcp_mem_pressures = pressures - b->pressures0;
	}
	if (b->o->holder.traffic.send) {
		struct traffic_stats *ct = &a->client.traffic;

		s.has_schedule = true;
		schedule_report_fill(&s.schedule, ct);
		/* What the generator never reached is due too: the account is redone with it. */
		schedule_account(&s.schedule, s.schedule.due + b->unseen_due, s.schedule.on_time,
				 s.schedule.late);
	}
	s.has_cpu = b->has_hold_cpu;
	s.cpu = b->hold_cpu;
	if (b->slo) {
		res->slo = b->slor;
		s.slo = &res->slo;
	}
	s.hold_s = b->hold_s;
	lat_report_fill(&s.connect_lat, &a->client.connect_lat, ld(&a->client.connect_lat_max_ns));
	s.wscale_server = b->wscale[0];
	s.wscale_client = b->wscale[1];
	if (external(b))
		bench_summary_external(b, &s);
	res->delta = b->delta;
	s.delta = &res->delta;
	res->check = b->check;
	s.check = &res->check;
	s.sockets = b->last.sockets;
	if (cgroup_track_limited(&b->cgt)) {
		cgroup_track_summary(&b->cgt, &res->cgroup);
		s.cgroup = &res->cgroup;
	}
	if (b->o->session.cfg.proto != PROTO_NONE || b->o->session.tls) {
		session_report_fill(&res->sessions, b->o->session.cfg.proto != PROTO_NONE ?
				    proto_name(b->o->session.cfg.proto) : NULL, b->o->session.tls, &a->client);
		s.sessions = &res->sessions;
	}
	if (b->o->session.tls) {
		res->tls = b->tls;
		res->tls.keep_buffers = b->o->session.tls_opts.keep_buffers;
		res->tls.records = s.user_bytes_per_conn;
		tls_report_probe(&res->tls);
		s.tls = &res->tls;
	}
	if (b->death.side) {
		res->death = b->death;
		s.killed = &res->death;
	}
	res->summary = s;
}
