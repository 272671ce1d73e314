/*
 * report_summary.c - the summary of a run, for people and as one JSON
 * object: each figure's human line and its JSON member written side by side
 * in this file, so a field added to one form is seen beside the other; the
 * latency, traffic, CPU and SLO parts the other reports reuse.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include "run/report.h"
#include "measure/sysinfo.h"
#include "run/report_internal.h"
static const char *kernel_source(const struct meter_delta *d)
{
	if (!d)
		return NULL;
	return d->from_slabinfo ? "slabinfo" : "meminfo";
}

void lat_report_fill(struct lat_report *r, const struct lat_hist *h, uint64_t max_ns)
{
	r->count = lat_count(h);
	r->max_us = (max_ns ? max_ns : lat_hist_top(h)) / 1e3;
	r->p50_us = fmin(lat_quantile(h, 0.50) / 1e3, r->max_us);
	r->p99_us = fmin(lat_quantile(h, 0.99) / 1e3, r->max_us);
	r->p999_us = fmin(lat_quantile(h, 0.999) / 1e3, r->max_us);
}

void lat_report_since(const struct lat_hist *h, struct lat_hist *prev, struct lat_report *out)
{
	static struct lat_hist zero, now, d;

	lat_hist_diff(h, &zero, &now); /* one snapshot for both steps */
	lat_hist_diff(&now, prev, &d);
	lat_report_fill(out, &d, 0);
	lat_hist_diff(&now, &zero, prev);
}

void lat_report_json(FILE *f, const char *key, const struct lat_report *l)
{
	if (!l->count)
		return;
	fprintf(f, ",\"%s\":{\"count\":%" PRIu64, key, l->count);
	json_us(f, "p50", l->p50_us);
	json_us(f, "p99", l->p99_us);
	json_us(f, "p999", l->p999_us);
	json_us(f, "max", l->max_us);
	fputc('}', f);
}

void traffic_report_fill(struct traffic_report *r, const struct traffic_stats *st,
			 uint64_t bytes_in, uint64_t bytes_out)
{
	r->bytes_in = bytes_in;
	r->bytes_out = bytes_out;
	r->msgs_sent = atomic_load_explicit(&st->msgs_sent, memory_order_relaxed);
	r->msgs_recv = atomic_load_explicit(&st->msgs_recv, memory_order_relaxed);
	r->beats_blocked = atomic_load_explicit(&st->beats_blocked, memory_order_relaxed);
	r->stalled_conns = atomic_load_explicit(&st->stalled_conns, memory_order_relaxed);
	r->send_errors = atomic_load_explicit(&st->send_errors, memory_order_relaxed);
	uint64_t started = atomic_load_explicit(&st->msgs_started, memory_order_relaxed);

	r->waiting = started > r->msgs_sent + r->send_errors ? started - r->msgs_sent - r->send_errors : 0;
	r->timed = lat_count(&st->lat);
	r->p50_us = lat_quantile(&st->lat, 0.50) / 1e3;
	r->p99_us = lat_quantile(&st->lat, 0.99) / 1e3;
	r->p999_us = lat_quantile(&st->lat, 0.999) / 1e3;
	r->max_us = atomic_load_explicit(&st->lat_max_ns, memory_order_relaxed) / 1e3;
	/* A bucket's top edge may pass the largest value seen: never report more. */
	if (r->p50_us > r->max_us)
		r->p50_us = r->max_us;
	if (r->p99_us > r->max_us)
		r->p99_us = r->max_us;
	if (r->p999_us > r->max_us)
		r->p999_us = r->max_us;
}

/* Which sides a summary speaks for: serve the server, connect the generator, bench both. */
static bool shows_server(const struct report_summary *s)
{
	return strcmp(s->command, "connect") != 0;
}

/* bench --server: the server is not ours; its buffers and rings are not known. */
static bool server_is_ours(const struct report_summary *s)
{
	return shows_server(s) && !(s->server && s->server->command);
}

static bool shows_client(const struct report_summary *s)
{
	return strcmp(s->command, "serve") != 0;
}

void traffic_side_json(FILE *f, const char *key, const struct traffic_report *t)
{
	fprintf(f, ",\"%s\":{\"bytes_in\":%" PRIu64, key, t->bytes_in);
	json_u64(f, "bytes_out", t->bytes_out);
	json_u64(f, "messages_sent", t->msgs_sent);
	json_u64(f, "messages_received", t->msgs_recv);
	json_u64(f, "messages_timed", t->timed);
	json_us(f, "latency_p50_seconds", t->p50_us);
	json_us(f, "latency_p99_seconds", t->p99_us);
	json_us(f, "latency_p999_seconds", t->p999_us);
	json_us(f, "latency_max_seconds", t->max_us);
	json_u64(f, "beats_blocked", t->beats_blocked);
	json_u64(f, "stalled_connections", t->stalled_conns);
	json_u64(f, "send_errors", t->send_errors);
	json_u64(f, "messages_waiting", t->waiting);
	fputc('}', f);
}

static void traffic_json(FILE *f, const struct report_summary *s)
{
	static const char *const hold_names[] = { "buffer_bytes_per_socket" };
	const struct traffic *t = s->traffic;

	fprintf(f, ",\"traffic\":{\"send_bytes\":%" PRIu32, t->send);
	json_seconds(f, "every_seconds", t->send ? t->every_us / 1e6 : 0);
	json_u64(f, "send_once_bytes", t->once);
	json_str(f, "on_data", on_data_name(t->on_data));
	json_str(f, "set_buffers", t->late_buffers ? "after" : "before");
	if (!strcmp(s->command, "bench")) {
		json_num(f, "hold_seconds", s->hold_s);
		json_num(f, "throughput_bytes_per_second", s->throughput_Bps);
		json_cost(f, hold_names[0], s->hold_buffer_bytes_per_conn, s->hold_buffer_res);
		json_resolutions(f, hold_names, &s->hold_buffer_bytes_per_conn, &s->hold_buffer_res,
				 1);
		json_u64(f, "tcp_mem_pressures", s->tcp_mem_pressures);
		fprintf(f, ",\"wscale\":{\"server\":%d,\"client\":%d}", s->wscale_server,
			s->wscale_client);
	}
	if (shows_server(s))
		traffic_side_json(f, "server", &s->tr_server);
	if (shows_client(s))
		traffic_side_json(f, "client", &s->tr_client);
	fputc('}', f);
}

/* A share (0..1): one decimal would round most of them away. */
static void json_share(FILE *f, const char *key, double v)
{
	if (isfinite(v))
		fprintf(f, ",\"%s\":%.5f", key, v);
	else
		fprintf(f, ",\"%s\":null", key);
}

double cpu_ms_per_kmsg(const struct cpu_report *c, double cpu_s)
{
	return c->msgs ? cpu_s * 1e6 / c->msgs : 0;
}

double cpu_share(const struct cpu_report *c, double cpu_s)
{
	return c->seconds > 0 && c->ncpus ? cpu_s / (c->seconds * c->ncpus) : 0;
}

static void cpu_part_json(FILE *f, const char *key, const struct cpu_report *c, double user_s,
			  double sys_s)
{
	fprintf(f, ",\"%s\":{\"user_seconds\":%.3f,\"sys_seconds\":%.3f", key, user_s, sys_s);
	json_seconds(f, "cpu_seconds_per_message", cpu_ms_per_kmsg(c, user_s + sys_s) / 1e6);
	json_share(f, "share", cpu_share(c, user_s + sys_s));
	fputc('}', f);
}

void cpu_json(FILE *f, const char *key, const struct cpu_report *c)
{
	fprintf(f, ",\"%s\":{\"seconds\":%.3f", key, c->seconds);
	json_u64(f, "cpus", (uint64_t)c->ncpus);
	json_u64(f, "messages", c->msgs);
	cpu_part_json(f, "server", c, c->server_user_s, c->server_sys_s);
	cpu_part_json(f, "generator", c, c->generator_user_s, c->generator_sys_s);
	fprintf(f, ",\"softirq\":{\"seconds\":%.3f", c->softirq_s);
	json_seconds(f, "cpu_seconds_per_message", cpu_ms_per_kmsg(c, c->softirq_s) / 1e6);
	json_share(f, "share", cpu_share(c, c->softirq_s));
	fputs("}}", f);
}

void schedule_json(FILE *f, const struct schedule_report *r)
{
	fprintf(f, ",\"schedule\":{\"kept\":%s", r->kept ? "true" : "false");
	json_u64(f, "due", r->due);
	json_u64(f, "on_time", r->on_time);
	json_u64(f, "late", r->late);
	json_u64(f, "not_sent", r->not_sent);
	json_share(f, "slip", r->slip);
	json_us(f, "lag_p50_seconds", r->lag_p50_us);
	json_us(f, "lag_p99_seconds", r->lag_p99_us);
	json_us(f, "lag_max_seconds", r->lag_max_us);
	fputc('}', f);
}

static void slo_json(FILE *f, const struct slo_report *r)
{
	fputs(",\"slo\":{", f);
	fprintf(f, "\"p99_seconds\":%.9g", r->p99_us / 1e6);
	json_share(f, "slip", r->slip);
	json_seconds(f, "window_seconds", r->window_s);
	json_u64(f, "met_connections", r->met_conns);
	if (r->met_conns) {
		json_num(f, "met_messages_per_second", r->met_msgs_per_s);
		json_us(f, "met_p99_seconds", r->met_p99_us);
		json_share(f, "met_slip", r->met_slip);
		cpu_json(f, "met_cpu", &r->met_cpu);
	}
	json_u64(f, "failed_connections", r->failed_conns);
	if (r->failed_conns) {
		json_us(f, "failed_p99_seconds", r->failed_p99_us);
		json_share(f, "failed_slip", r->failed_slip);
	}
	fputc('}', f);
}

static void summary_json(struct reporter *r, const struct report_summary *s)
{
	FILE *f = r->out;

	fputs("{\"event\":\"summary\"", f);
	json_str(f, "command", s->command);
	json_str(f, "mode", s->mode);
	json_str(f, "client_mode", s->client_mode);
	if (s->path) {
		json_str(f, "path", s->path);
		json_u64(f, "clients", (uint64_t)s->clients);
	}
	json_u64(f, "target_connections", s->target);
	json_u64(f, "held", s->held);
	json_u64(f, "sockets", s->sockets);
	json_str(f, "stop_reason", s->stop_reason);
	json_str(f, "stop_detail", s->stop_detail);
	if (s->predicted) {
		json_u64(f, "predicted_connections", s->predicted);
		json_str(f, "predicted_binding", s->predicted_binding);
		json_str(f, "predicted_stop", s->predicted_stop);
	}
	json_seconds(f, "ramp_seconds", s->ramp_s);
	json_seconds(f, "teardown_seconds", s->teardown_s);
	json_num(f, "avg_connections_per_second", s->avg_rate);
	json_num(f, "peak_connections_per_second", s->peak_rate);
	lat_report_json(f, "connect_latency_seconds", &s->connect_lat);
	if (!s->traffic && s->hold_s > 0)
		json_num(f, "hold_seconds", s->hold_s); /* bench --duration, idle */
	json_num(f, "user_bytes_per_socket", s->user_bytes_per_conn);
	if (s->check) {
		json_cost(f, "kernel_bytes_per_socket", s->kernel_bytes_per_socket,
			  s->check->kernel_res);
		json_cost(f, "buffer_bytes_per_socket", s->buffer_bytes_per_conn,
			  s->check->buffer_res);
	} else {
		json_num(f, "kernel_bytes_per_socket", s->kernel_bytes_per_socket);
		json_num(f, "buffer_bytes_per_socket", s->buffer_bytes_per_conn);
	}
	json_sides(f, "rcvbuf_bytes", s->rcvbuf_server, s->rcvbuf_client);
	json_sides(f, "sndbuf_bytes", s->sndbuf_server, s->sndbuf_client);
	json_u64(f, "failed", s->failed);
	json_u64(f, "lost", s->lost);
	json_u64(f, "closed_early", s->closed_early);
	if (!shows_server(s) || s->server || s->sessions) {
		json_u64(f, "peer_closed", s->peer_closed);
		json_u64(f, "peer_reset", s->peer_reset);
		json_str(f, "first_bytes", s->first_bytes);
		json_u64(f, "first_bytes_connections", s->first_conns);
	}
	if (s->server)
		report_server_json(f, s->server);
	json_str(f, "watch", s->watch);
	json_str(f, "client_watch", s->client_watch);
	if (s->scans) {
		json_u64(f, "scans", s->scans);
		json_seconds(f, "scan_seconds", s->scan_ms / 1e3);
	}
	if (s->rx_buf_bytes) {
		fprintf(f, ",\"recv_buffers\":{\"incremental\":%s", s->rx_inc ? "true" : "false");
		json_u64(f, "bytes", s->rx_buf_bytes);
		json_u64(f, "empty", s->rx_empty);
		fputc('}', f);
	}
	json_u64(f, "bytes_in", s->bytes_in);
	json_u64(f, "bytes_out", s->bytes_out);
	if (s->has_schedule)
		schedule_json(f, &s->schedule);
	if (s->has_cpu)
		cpu_json(f, "cpu", &s->cpu);
	if (s->slo)
		slo_json(f, s->slo);
	if (s->traffic)
		traffic_json(f, s);
	if (s->close_probe) {
		fprintf(f, ",\"close_detection\":{\"probe\":%" PRIu64 ",\"detected\":%" PRIu64,
			s->close_probe, s->close_detected);
		if (s->close_detect_s >= 0)
			json_num(f, "seconds", s->close_detect_s);
		else
			fputs(",\"seconds\":null", f);
		fputc('}', f);
	}
	fprintf(f, ",\"rings\":{\"server\":%" PRIu32 ",\"client\":%" PRIu32 "}", s->rings_server,
		s->rings_client);
	json_u64(f, "ring_bytes", s->ring_bytes);
	json_u64(f, "reserve_bytes", s->reserve);
	json_u64(f, "mem_available_min_bytes", s->mem_available_min);
	if (s->cgroup)
		report_cgroup_json(f, s->cgroup);
	if (s->killed)
		report_death_json(f, s->killed);
	if (s->sessions)
		session_report_json(f, s->sessions);
	if (s->tls)
		tls_report_json(f, s->tls);
	json_str(f, "kernel_source", kernel_source(s->delta));
	if (s->delta)
		report_json_slab(f, s->delta, report_divisor(s->check, s->sockets));
	if (s->check)
		crosscheck_json(f, s->check, 0, 0);
	fputc('}', f);
	report_end_line(r);
}

static void print_buf_size(FILE *f, int v)
{
	if (v < 0)
		fputc('?', f);
	else
		fprintf(f, "%d", v);
}

static void summary_bufs(FILE *f, const struct report_summary *s, const char *key, int server,
			 int client)
{
	fprintf(f, "  %-14s ", key);
	if (server_is_ours(s)) {
		fputs("server ", f);
		print_buf_size(f, server);
	}
	if (server_is_ours(s) && shows_client(s))
		fputs(", ", f);
	if (shows_client(s)) {
		fputs("client ", f);
		print_buf_size(f, client);
	}
	fputc('\n', f);
}

/* connect: why the server's connections ended, and what it said first. */
static void summary_peer(FILE *f, const struct report_summary *s)
{
	if (s->peer_closed || s->peer_reset)
		fprintf(f, "  %-14s %" PRIu64 " closed (FIN), %" PRIu64 " reset\n", "server ended:",
			s->peer_closed, s->peer_reset);
	if (s->first_bytes)
		fprintf(f, "  %-14s \"%s\" (%" PRIu64 " connections)\n", "server said:", s->first_bytes,
			s->first_conns);
}

static void summary_kernel(FILE *f, const struct report_summary *s)
{
	fprintf(f, "  %-14s ", "kernel:");
	report_print_cost(f, s->kernel_bytes_per_socket, s->check ? s->check->kernel_res : 0, "B/socket");
	if (s->delta && !s->delta->from_slabinfo)
		fputs(" (meminfo Slab:; per-cache figures need root)", f);
	fputc('\n', f);
	/* Within the resolution the breakdown is noise too. */
	if (s->delta && s->delta->ncaches &&
	    !figure_is_zero(s->kernel_bytes_per_socket, s->check ? s->check->kernel_res : 0)) {
		fprintf(f, "  %-14s ", "slab:");
		report_slab_breakdown(f, s->delta, report_divisor(s->check, s->sockets));
		fputc('\n', f);
	}
	fprintf(f, "  %-14s ", "buffers:");
	report_print_cost(f, s->buffer_bytes_per_conn, s->check ? s->check->buffer_res : 0, "B/conn");
	fputc('\n', f);
	crosscheck_line(f, "  ", s->check);
}

/* "45 us", "2.1 ms", "1.20 s" */
static void print_us(FILE *f, double us)
{
	if (us < 1000)
		fprintf(f, "%.0f us", us);
	else if (us < 1e6)
		fprintf(f, "%.1f ms", us / 1e3);
	else
		fprintf(f, "%.2f s", us / 1e6);
}

static void latency_line(FILE *f, const char *key, const struct traffic_report *t)
{
	if (!t->timed)
		return;
	fprintf(f, "  %-14s p50 ", key);
	print_us(f, t->p50_us);
	fputs(", p99 ", f);
	print_us(f, t->p99_us);
	fputs(", p99.9 ", f);
	print_us(f, t->p999_us);
	fputs(", max ", f);
	print_us(f, t->max_us);
	fprintf(f, " (%" PRIu64 " timed)\n", t->timed);
}

static void summary_traffic(FILE *f, const struct report_summary *s)
{
	const struct traffic *t = s->traffic;
	const struct traffic_report *sv = &s->tr_server, *cl = &s->tr_client;

	fprintf(f, "  %-14s ", "traffic:");
	if (t->send)
		fprintf(f, "%" PRIu32 " B every %.3g s", t->send, t->every_us / 1e6);
	if (t->once)
		fprintf(f, "%s%" PRIu32 " B once", t->send ? ", " : "", t->once);
	if (shows_server(s))
		fprintf(f, "; server %s", on_data_name(t->on_data));
	fprintf(f, "; buffers set %s the handshake\n", t->late_buffers ? "after" : "before");
	if (!strcmp(s->command, "bench")) {
		fprintf(f, "  %-14s %.1f s, server read %.0f B/s; buffers ", "held with it:",
			s->hold_s, s->throughput_Bps);
		print_figure(f, 0, s->hold_buffer_bytes_per_conn, s->hold_buffer_res);
		fprintf(f, " B/socket; tcp_mem pressure %s\n",
			s->tcp_mem_pressures ? "entered" : "never");
		fprintf(f, "  %-14s server %d, client %d%s\n", "wscale:", s->wscale_server,
			s->wscale_client,
			s->wscale_server == 0 || s->wscale_client == 0 ?
				" (0: windows capped at 64 KiB; --set-buffers after keeps the scale)" : "");
		fprintf(f, "  %-14s sent %" PRIu64 ", delivered %" PRIu64, "messages:", cl->msgs_sent,
			sv->msgs_recv);
		if (t->on_data == ON_DATA_ECHO)
			fprintf(f, ", echoed %" PRIu64 ", back %" PRIu64, sv->msgs_sent, cl->msgs_recv);
		fputc('\n', f);
	} else {
		const struct traffic_report *me = shows_server(s) ? sv : cl;

		fprintf(f, "  %-14s sent %" PRIu64 ", read %" PRIu64 "\n", "messages:", me->msgs_sent,
			me->msgs_recv);
	}
	if (shows_server(s))
		latency_line(f, "one way:", sv);
	if (shows_client(s))
		latency_line(f, "round trip:", cl);
	if (shows_client(s))
		fprintf(f, "  %-14s %" PRIu64 " heartbeats blocked on %" PRIu64
			" connections, %" PRIu64 " messages still waiting for room, %" PRIu64
			" send errors\n", "stalls:", cl->beats_blocked, cl->stalled_conns, cl->waiting,
			cl->send_errors);
}

void schedule_verdict(FILE *f, const struct schedule_report *r)
{
	if (r->kept)
		fprintf(f, "kept the schedule: %" PRIu64 " of %" PRIu64 " heartbeats due sent on time",
			r->on_time, r->due);
	else
		fprintf(f, "fell behind: %" PRIu64 " of %" PRIu64 " due were not sent, %" PRIu64
			" sent late", r->not_sent, r->due, r->late);
	if (r->kept && (r->late || r->not_sent))
		fprintf(f, " (%" PRIu64 " late, %" PRIu64 " not sent)", r->late, r->not_sent);
	fputs(r->kept ? "; the generator lagged p50 " : "; the generator lagged up to ", f);
	print_us(f, r->kept ? r->lag_p50_us : r->lag_max_us);
	fputs(r->kept ? ", p99 " : " (p50 ", f);
	print_us(f, r->kept ? r->lag_p99_us : r->lag_p50_us);
	fputs(r->kept ? ", max " : ", p99 ", f);
	print_us(f, r->kept ? r->lag_max_us : r->lag_p99_us);
	fputs(r->kept ? "\n" : ")\n", f);
}

static void cpu_part(FILE *f, const char *name, const struct cpu_report *c, double cpu_s)
{
	fprintf(f, "%s %.2f s (%.2f ms/1k msgs, %.0f%%)", name, cpu_s, cpu_ms_per_kmsg(c, cpu_s),
		100 * cpu_share(c, cpu_s));
}

static void summary_cpu(FILE *f, const char *key, const struct cpu_report *c)
{
	fprintf(f, "  %-14s ", key);
	cpu_part(f, "server", c, c->server_user_s + c->server_sys_s);
	cpu_part(f, ", generator", c, c->generator_user_s + c->generator_sys_s);
	if (c->ncpus)
		cpu_part(f, ", softirq", c, c->softirq_s);
	fprintf(f, "; %" PRIu64 " msgs in %.1f s, %% of %d CPUs\n", c->msgs, c->seconds, c->ncpus);
}

static void summary_slo(FILE *f, const struct slo_report *r)
{
	fprintf(f, "  %-14s one-way p99 <= ", "slo:");
	print_us(f, r->p99_us);
	fprintf(f, ", <= %.0f%% of heartbeats off schedule, %.1f s a point: ", 100 * r->slip,
		r->window_s);
	if (r->met_conns) {
		fprintf(f, "met at %" PRIu64 " pairs (%.0f msgs/s, p99 ", r->met_conns,
			r->met_msgs_per_s);
		print_us(f, r->met_p99_us);
		fprintf(f, ", %.2f%% off)", 100 * r->met_slip);
	} else {
		fputs("met at no point", f);
	}
	if (r->failed_conns)
		fprintf(f, "; missed at %" PRIu64 " (p99 %.0f us, %.2f%% off)", r->failed_conns,
			r->failed_p99_us, 100 * r->failed_slip);
	fputc('\n', f);
	if (r->met_conns)
		summary_cpu(f, "cpu there:", &r->met_cpu);
}

void report_slo_point(struct reporter *r, const struct slo_point *p)
{
	FILE *f = r->out;

	if (r->json) {
		fprintf(f, "{\"event\":\"slo_point\",\"connections\":%" PRIu64, p->conns);
		json_num(f, "seconds", p->seconds);
		json_num(f, "messages_per_second", p->msgs_per_s);
		json_us(f, "p99_seconds", p->p99_us);
		json_us(f, "lag_p99_seconds", p->lag_p99_us);
		json_share(f, "slip", p->slip);
		fprintf(f, ",\"met\":%s", p->met ? "true" : "false");
		cpu_json(f, "cpu", &p->cpu);
		fputc('}', f);
		report_end_line(r);
		return;
	}
	if (r->quiet)
		return;
	report_clear_progress(r);
	fprintf(f, "  slo window at %" PRIu64 " pairs: %.0f msgs/s, one-way p99 ", p->conns,
		p->msgs_per_s);
	print_us(f, p->p99_us);
	fprintf(f, ", %.2f%% off schedule (lag p99 ", 100 * p->slip);
	print_us(f, p->lag_p99_us);
	fprintf(f, "): %s\n", p->met ? "met" : "missed");
	fflush(f);
}

/* Like wrk's: one screen of "key: value" lines that people quote. */
static void summary_human(struct reporter *r, const struct report_summary *s)
{
	FILE *f = r->out;

	report_clear_progress(r);
	fprintf(f, "\nholdconn %s summary\n", s->command);
	if (s->has_schedule) {
		fprintf(f, "  %-14s ", "schedule:");
		schedule_verdict(f, &s->schedule);
	}
	if (s->slo)
		summary_slo(f, s->slo);
	fprintf(f, "  %-14s %s", "mode:", s->mode);
	if (s->client_mode)
		fprintf(f, " (client %s)", s->client_mode);
	if (s->path && (s->clients > 1 || strcmp(s->path, "loopback")))
		fprintf(f, ", %d client%s over %s", s->clients, s->clients > 1 ? "s" : "", s->path);
	fprintf(f, "\n  %-14s %" PRIu64 " / ", "held:", s->held);
	if (s->target)
		fprintf(f, "%" PRIu64, s->target);
	else
		fputs("max", f);
	fprintf(f, " conns, %" PRIu64 " sockets\n", s->sockets);
	fprintf(f, "  %-14s %s%s%s\n", "stop:", s->stop_reason ? s->stop_reason : "none",
		s->stop_detail ? ": " : "", s->stop_detail ? s->stop_detail : "");
	if (s->predicted)
		fprintf(f, "  %-14s %" PRIu64 " conns, stop %s (%s)\n", "predicted:", s->predicted,
			s->predicted_stop, s->predicted_binding);
	if (isnan(s->avg_rate))
		fprintf(f, "  %-14s peak %.0f/s over %u ms (accepting until the signal)\n", "accepted:",
			s->peak_rate, SERVE_PEAK_MS);
	else
		fprintf(f, "  %-14s %.1f s, avg %.0f/s, peak %.0f/s\n", "ramp:", s->ramp_s, s->avg_rate,
			s->peak_rate);
	if (s->connect_lat.count)
		fprintf(f, "  %-14s p50 %.0f us, p99 %.0f us, p99.9 %.0f us, max %.0f us "
			"(%" PRIu64 " connects, start to established)\n", "connect time:",
			s->connect_lat.p50_us, s->connect_lat.p99_us, s->connect_lat.p999_us,
			s->connect_lat.max_us, s->connect_lat.count);
	if (!s->traffic && s->hold_s > 0)
		fprintf(f, "  %-14s %.1f s, every pair idle (--hold)\n", "held for:", s->hold_s);
	if (s->watch && strcmp(s->command, "bench"))
		fprintf(f, "  %-14s %s\n", "watch:", s->watch);
	else if (s->watch)
		fprintf(f, "  %-14s server %s, client %s\n", "watch:", s->watch,
			s->client_watch ? s->client_watch : "-");
	if (s->tls)
		tls_report_user_human(f, s->tls);
	else
		fprintf(f, "  %-14s %.1f B/conn\n", "user:", s->user_bytes_per_conn);
	summary_kernel(f, s);
	summary_bufs(f, s, "rcvbuf:", s->rcvbuf_server, s->rcvbuf_client);
	summary_bufs(f, s, "sndbuf:", s->sndbuf_server, s->sndbuf_client);
	if (!server_is_ours(s))
		fprintf(f, "  %-14s %" PRIu32 ", %.1f MiB\n", "rings:", s->rings_client,
			report_mib(s->ring_bytes));
	else if (!strcmp(s->command, "serve"))
		fprintf(f, "  %-14s %" PRIu32 ", %.1f MiB\n", "rings:", s->rings_server,
			report_mib(s->ring_bytes));
	else
		fprintf(f, "  %-14s server %" PRIu32 ", client %" PRIu32 ", %.1f MiB\n",
			"rings:", s->rings_server, s->rings_client, report_mib(s->ring_bytes));
	fprintf(f, "  %-14s %" PRIu64 " failed, %" PRIu64 " lost, %" PRIu64 " closed early\n",
		"failures:", s->failed, s->lost, s->closed_early);
	if (!shows_server(s) || s->server || s->sessions)
		summary_peer(f, s);
	if (s->sessions)
		session_report_human(f, s->sessions);
	if (s->tls)
		tls_report_human(f, s->tls);
	if (s->server)
		report_server_summary(f, s->server);
	fprintf(f, "  %-14s min %.2f GiB, reserve %.2f GiB\n",
		"MemAvailable:", report_gib(s->mem_available_min), report_gib(s->reserve));
	if (s->cgroup)
		report_cgroup_human(f, s->cgroup);
	if (s->killed)
		report_death_human(f, s->killed);
	if (s->scans)
		fprintf(f, "  %-14s %" PRIu64 " sock_diag dumps, %.1f ms each\n", "scans:", s->scans,
			s->scan_ms);
	if (s->rx_buf_bytes)
		fprintf(f, "  %-14s %.0f KiB in rotation (%s), %" PRIu64 " recvs found none and were re-armed\n",
			"recv buffers:", s->rx_buf_bytes / 1024.0,
			s->rx_inc ? "consumed incrementally" : "a whole buffer a read", s->rx_empty);
	if (s->close_probe && s->close_detect_s >= 0)
		fprintf(f, "  %-14s %" PRIu64 " peers closed, all noticed in %.3f s (watch %s)\n",
			"close seen:", s->close_probe, s->close_detect_s, s->watch ? s->watch : "-");
	else if (s->close_probe)
		fprintf(f, "  %-14s %" PRIu64 " peers closed, %" PRIu64 " noticed (watch %s)\n",
			"close seen:", s->close_probe, s->close_detected, s->watch ? s->watch : "-");
	if (s->traffic)
		summary_traffic(f, s);
	if (s->has_cpu)
		summary_cpu(f, "cpu (hold):", &s->cpu);
	fprintf(f, "  %-14s %.1f s\n", "teardown:", s->teardown_s);
	fflush(f);
}

void report_summary(struct reporter *r, const struct report_summary *s)
{
	if (r->json)
		summary_json(r, s);
	else
		summary_human(r, s);
}
