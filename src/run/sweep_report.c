/*
 * sweep_report.c - the sweep as people read it (a table row per setting as
 * it ends, then the verdict) and as programs do ({"event":"sweep_row"} per
 * setting, then {"event":"sweep"}).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "run/sweep.h"
#include "base/units.h"

#define KIB 1024u
#define MIB (1024u * 1024u)
#define WINDOW_CAP_KIB 64 /* 65535 bytes: the largest window without a scale */
#define HOLD_DEFAULT_ONCE_S 2 /* bench's --hold with --send-once alone */

const char *sweep_size_text(uint64_t bytes, char *buf, size_t len)
{
	if (!bytes)
		snprintf(buf, len, "default");
	else if (bytes % MIB == 0)
		snprintf(buf, len, "%" PRIu64 "Mi", bytes / MIB);
	else if (bytes % KIB == 0)
		snprintf(buf, len, "%" PRIu64 "Ki", bytes / KIB);
	else
		snprintf(buf, len, "%" PRIu64, bytes);
	return buf;
}

static const char *when_text(unsigned when)
{
	return when == SWEEP_BEFORE ? "before" : when == SWEEP_AFTER ? "after" : "-";
}

static bool echo(const struct bench_opts *o)
{
	return o->holder.traffic.on_data == ON_DATA_ECHO;
}

/* Which latency a row shows: the server's one way, or the client's round trip with echo. */
static const struct traffic_report *timed_side(const struct bench_opts *o, const struct sweep_row *r)
{
	return echo(o) ? &r->s.tr_client : &r->s.tr_server;
}

/* --- the table --- */

/* "45us", "2.1ms", "1.20s"; "-" when nothing was timed. */
static const char *us_text(double us, bool any, char *buf, size_t len)
{
	if (!any)
		snprintf(buf, len, "-");
	else if (us < 1000)
		snprintf(buf, len, "%.0fus", us);
	else if (us < 1e6)
		snprintf(buf, len, "%.1fms", us / 1e3);
	else
		snprintf(buf, len, "%.2fs", us / 1e6);
	return buf;
}

/* "8192/4608", "?" for a side not read back. */
static const char *pair_text(int a, int b, char *buf, size_t len)
{
	char x[16] = "?", y[16] = "?";

	if (a >= 0)
		snprintf(x, sizeof(x), "%d", a);
	if (b >= 0)
		snprintf(y, sizeof(y), "%d", b);
	snprintf(buf, len, "%s/%s", x, y);
	return buf;
}

static void print_pattern(FILE *f, const struct bench_opts *o)
{
	const struct traffic *t = &o->holder.traffic;

	if (t->once)
		fprintf(f, "%" PRIu32 " B once", t->once);
	if (t->send)
		fprintf(f, "%s%" PRIu32 " B every %.3g s", t->once ? ", then " : "", t->send,
			t->every_us / 1e6);
	fprintf(f, ", --on-data %s", on_data_name(t->on_data));
	if (o->hold.given)
		fprintf(f, "; hold %.3g s", o->hold.us / 1e6);
	else if (t->send)
		fprintf(f, "; hold %.3g s (2 x --every)", 2 * t->every_us / 1e6);
	else
		fprintf(f, "; hold %d s", HOLD_DEFAULT_ONCE_S);
}

void sweep_print_head(FILE *f, const struct bench_opts *o, int nruns)
{
	fprintf(f, "holdconn sweep: %d setting%s, %" PRIu64 " pairs each; ", nruns,
		nruns == 1 ? "" : "s", o->conns);
	print_pattern(f, o);
	fprintf(f, "\n  eff: the server's SO_RCVBUF/SO_SNDBUF as the kernel set them; "
		"wscale: offered by server/client\n"
		"  buf: socket buffer memory (sockstat) per socket during the hold; "
		"latency: %s\n"
		"  msgs: sent by the client/read by the server%s; "
		"stalls: heartbeats blocked/connections that blocked\n\n",
		echo(o) ? "round trip, timed by the client" : "one way, client to server",
		echo(o) ? "/echoes back" : "");
	fprintf(f, "%-6s %8s %8s %13s %7s %10s %8s %10s %*s %7s %7s %7s %9s %11s  %s\n", "set",
		"rcvbuf", "sndbuf", "eff rcv/snd", "wscale", "buf B/sock", "pressure", "read B/s",
		echo(o) ? 23 : 15, "msgs", "p50", "p99", "max", "stalls", "kern B/sock", "flows");
	fflush(f);
}

static void print_msgs(FILE *f, const struct bench_opts *o, const struct sweep_row *r)
{
	const struct traffic_report *sv = &r->s.tr_server, *cl = &r->s.tr_client;
	char buf[80];

	if (echo(o))
		snprintf(buf, sizeof(buf), "%" PRIu64 "/%" PRIu64 "/%" PRIu64, cl->msgs_sent,
			 sv->msgs_recv, cl->msgs_recv);
	else
		snprintf(buf, sizeof(buf), "%" PRIu64 "/%" PRIu64, cl->msgs_sent, sv->msgs_recv);
	fprintf(f, " %*s", echo(o) ? 23 : 15, buf);
}

static void print_latency(FILE *f, const struct bench_opts *o, const struct sweep_row *r)
{
	const struct traffic_report *t = timed_side(o, r);
	char a[16], b[16], c[16];

	fprintf(f, " %7s %7s %7s", us_text(t->p50_us, t->timed, a, sizeof(a)),
		us_text(t->p99_us, t->timed, b, sizeof(b)), us_text(t->max_us, t->timed, c, sizeof(c)));
}

static void print_stalls(FILE *f, const struct sweep_row *r)
{
	const struct traffic_report *sv = &r->s.tr_server, *cl = &r->s.tr_client;
	char buf[48];

	snprintf(buf, sizeof(buf), "%" PRIu64 "/%" PRIu64, sv->beats_blocked + cl->beats_blocked,
		 sv->stalled_conns + cl->stalled_conns);
	fprintf(f, " %9s", buf);
}

/* A cost in whole bytes, "~0" when its source cannot tell it from nothing. */
static void print_cost0(FILE *f, int width, double v, double res)
{
	if (figure_is_zero(v, res))
		fprintf(f, "%*s", width, "~0");
	else
		fprintf(f, "%*.0f", width, v);
}

void sweep_print_row(FILE *f, const struct bench_opts *o, const struct sweep_row *r)
{
	const struct report_summary *s = &r->s;
	char rcv[32], snd[32], eff[32], ws[32];

	fprintf(f, "%-6s %8s %8s", when_text(r->set.when),
		sweep_size_text(r->set.rcvbuf, rcv, sizeof(rcv)),
		sweep_size_text(r->set.sndbuf, snd, sizeof(snd)));
	if (r->code) {
		fprintf(f, "  the run failed (exit %d; its error is above)\n", r->code);
		return;
	}
	fprintf(f, " %13s %7s ", pair_text(s->rcvbuf_server, s->sndbuf_server, eff, sizeof(eff)),
		pair_text(s->wscale_server, s->wscale_client, ws, sizeof(ws)));
	print_cost0(f, 10, s->hold_buffer_bytes_per_conn, s->hold_buffer_res);
	fprintf(f, " %8s %10.0f", s->tcp_mem_pressures ? "yes" : "no", s->throughput_Bps);
	print_msgs(f, o, r);
	print_latency(f, o, r);
	print_stalls(f, r);
	fputc(' ', f);
	print_cost0(f, 11, s->kernel_bytes_per_socket, r->check.kernel_res);
	fprintf(f, "  %s\n", sweep_flow_name(sweep_flow(r, o->holder.traffic.on_data)));
	crosscheck_line(f, "       ", &r->check);
	if (s->held < s->target)
		fprintf(f, "       held %" PRIu64 " of %" PRIu64 ": %s%s%s\n", s->held, s->target,
			s->stop_reason ? s->stop_reason : "stopped", s->stop_detail ? ": " : "",
			s->stop_detail ? s->stop_detail : "");
}

/* "--rcvbuf 4K --sndbuf default --set-buffers after" */
static const char *setting_text(const struct sweep_setting *set, char *buf, size_t len)
{
	char rcv[32], snd[32];

	if (!set->when) {
		snprintf(buf, len, "the kernel's defaults (no --rcvbuf or --sndbuf)");
		return buf;
	}
	snprintf(buf, len, "--rcvbuf %s --sndbuf %s --set-buffers %s",
		 sweep_size_text(set->rcvbuf, rcv, sizeof(rcv)),
		 sweep_size_text(set->sndbuf, snd, sizeof(snd)), when_text(set->when));
	return buf;
}

static bool any_not_flowing(const struct bench_opts *o, const struct sweep_row *rows, int n)
{
	for (int i = 0; i < n; i++) {
		if (sweep_flow(&rows[i], o->holder.traffic.on_data) != FLOW_YES)
			return true;
	}
	return false;
}

/* "1.20 GiB less" or "3.00 MiB more" */
static void print_saving(FILE *f, double bytes)
{
	char buf[32];

	fprintf(f, "%s %s", format_size((uint64_t)fabs(bytes), buf, sizeof(buf)),
		bytes >= 0 ? "less" : "more");
}

static void print_savings(FILE *f, const struct sweep_row *rows, const struct sweep_verdict *v)
{
	const struct sweep_row *b = &rows[v->best], *r = &rows[v->ref];
	const char *against = r->set.when ? "the largest setting" : "the kernel's defaults";
	char lb[32], lr[32], noise[32] = "?";

	if (v->best == v->ref) {
		fprintf(f, "  (%s: no smaller setting kept it flowing)\n", against);
		return;
	}
	if (!isnan(v->saved_limit_bytes)) {
		fprintf(f, "  buffer limits (the server's SO_RCVBUF + SO_SNDBUF): %s per connection, "
			"%s with %s:\n    ", format_size(sweep_limit(b), lb, sizeof(lb)),
			format_size(sweep_limit(r), lr, sizeof(lr)), against);
		print_saving(f, v->saved_limit_bytes);
		fputs(" per million connections whose buffers fill\n", f);
	}
	fprintf(f, "  buffers held during the hold: %.0f B per socket, %.0f B with %s:\n    ",
		b->s.hold_buffer_bytes_per_conn, r->s.hold_buffer_bytes_per_conn, against);
	if (fabs(v->saved_bytes) <= v->noise_bytes) {
		if (isfinite(v->noise_bytes))
			format_size((uint64_t)v->noise_bytes, noise, sizeof(noise));
		fprintf(f, "no difference sockstat can show at this count (each CPU holds back up "
			"to 1 MiB of\n    TCP memory from it: +/- %s per million connections)\n", noise);
		return;
	}
	print_saving(f, v->saved_bytes);
	fputs(" per million connections\n", f);
}

/* "the server", "the client" or "both sides": whose scale setting early took away. */
static const char *who_lost(const struct sweep_row *before, const struct sweep_row *after)
{
	bool server = before->s.wscale_server == 0 && after->s.wscale_server > 0;
	bool client = before->s.wscale_client == 0 && after->s.wscale_client > 0;

	return server && client ? "both sides" : server ? "the server" : "the client";
}

static void print_caveat(FILE *f, const struct sweep_row *rows, const struct sweep_verdict *v)
{
	const struct sweep_row *b = &rows[v->lost_scale], *a = &rows[v->kept_scale];
	char rcv[32], snd[32];

	fprintf(f, "\nwindow scale: --rcvbuf %s --sndbuf %s set before the handshake made %s "
		"offer\n  scale 0 (server/client: %d/%d; set after: %d/%d). Without a scale a window "
		"is capped at\n  %d KiB for the connection's life, whatever its buffer grows to later; "
		"--set-buffers after\n  sets the sizes once established and keeps the scale.\n",
		sweep_size_text(b->set.rcvbuf, rcv, sizeof(rcv)),
		sweep_size_text(b->set.sndbuf, snd, sizeof(snd)), who_lost(b, a), b->s.wscale_server,
		b->s.wscale_client, a->s.wscale_server, a->s.wscale_client, WINDOW_CAP_KIB);
}

void sweep_print_verdict(FILE *f, const struct bench_opts *o, const struct sweep_row *rows, int n,
			 const struct sweep_verdict *v)
{
	char set[128];

	if (any_not_flowing(o, rows, n))
		fputs("\nflows: yes, or why not: failed (the run), short (held fewer pairs), idle "
		      "(nothing sent),\n  errors (a send failed), blocked (a heartbeat skipped, or a "
		      "message still waiting for room at the end), lost (sent != read)\n", f);
	fputc('\n', f);
	if (v->best < 0)
		fputs("no setting kept the pattern flowing (the flows column says why): try larger "
		      "sizes or a\n  slower pattern\n", f);
	else
		fprintf(f, "smallest setting that keeps the pattern flowing: %s\n",
			setting_text(&rows[v->best].set, set, sizeof(set)));
	if (v->best >= 0 && v->ref >= 0)
		print_savings(f, rows, v);
	if (v->lost_scale >= 0)
		print_caveat(f, rows, v);
	fflush(f);
}

/* --- JSON --- */

static void json_setting(FILE *f, const struct sweep_setting *set)
{
	fprintf(f, "\"rcvbuf_bytes\":%" PRIu64 ",\"sndbuf_bytes\":%" PRIu64, set->rcvbuf,
		set->sndbuf);
	json_str(f, "set_buffers", set->when ? when_text(set->when) : NULL);
}

void sweep_json_row(FILE *f, const struct bench_opts *o, const struct sweep_row *r)
{
	static const char *const names[] = { "buffer_bytes_per_socket", "kernel_bytes_per_socket" };
	const struct report_summary *s = &r->s;
	const double v[] = { s->hold_buffer_bytes_per_conn, s->kernel_bytes_per_socket },
		     res[] = { s->hold_buffer_res, r->check.kernel_res };

	fputs("{\"event\":\"sweep_row\",", f);
	json_setting(f, &r->set);
	fprintf(f, ",\"ok\":%s,\"exit_code\":%d", r->code ? "false" : "true", r->code);
	if (!r->code) {
		json_u64(f, "target_connections", s->target);
		json_u64(f, "held", s->held);
		json_str(f, "stop_reason", s->stop_reason);
		json_str(f, "stop_detail", s->stop_detail);
		json_sides(f, "rcvbuf_effective_bytes", s->rcvbuf_server, s->rcvbuf_client);
		json_sides(f, "sndbuf_effective_bytes", s->sndbuf_server, s->sndbuf_client);
		json_sides(f, "wscale", s->wscale_server, s->wscale_client);
		json_num(f, "hold_seconds", s->hold_s);
		json_cost(f, names[0], v[0], res[0]);
		json_u64(f, "tcp_mem_pressures", s->tcp_mem_pressures);
		json_num(f, "throughput_bytes_per_second", s->throughput_Bps);
		json_cost(f, names[1], v[1], res[1]);
		json_resolutions(f, names, v, res, 2);
		traffic_side_json(f, "server", &s->tr_server);
		traffic_side_json(f, "client", &s->tr_client);
		crosscheck_sockets_json(f, &r->check);
	}
	json_u64(f, "limit_bytes", r->code ? 0 : sweep_limit(r));
	json_str(f, "flows", sweep_flow_name(sweep_flow(r, o->holder.traffic.on_data)));
	fputs("}\n", f);
}

static void json_row_ref(FILE *f, const char *key, const struct sweep_row *rows, int i)
{
	fprintf(f, ",\"%s\":", key);
	if (i < 0) {
		fputs("null", f);
		return;
	}
	fputc('{', f);
	json_setting(f, &rows[i].set);
	fputc('}', f);
}

void sweep_json_verdict(FILE *f, const struct bench_opts *o, const struct sweep_row *rows, int n,
			const struct sweep_verdict *v)
{
	const struct traffic *t = &o->holder.traffic;

	fprintf(f, "{\"event\":\"sweep\",\"connections\":%" PRIu64 ",\"runs\":%d", o->conns, n);
	fprintf(f, ",\"traffic\":{\"send_bytes\":%" PRIu32, t->send);
	json_seconds(f, "every_seconds", t->send ? t->every_us / 1e6 : 0);
	json_u64(f, "send_once_bytes", t->once);
	json_str(f, "on_data", on_data_name(t->on_data));
	fputc('}', f);
	json_row_ref(f, "recommended", rows, v->best);
	json_row_ref(f, "against", rows, v->ref);
	if (v->best >= 0 && v->ref >= 0) {
		json_num(f, "saved_bytes_per_million_connections", v->saved_bytes);
		json_num(f, "saved_limit_bytes_per_million_connections", v->saved_limit_bytes);
		json_num(f, "noise_bytes_per_million_connections", v->noise_bytes);
	}
	fputs(",\"wscale_caveat\":", f);
	if (v->lost_scale < 0) {
		fputs("null", f);
	} else {
		const struct sweep_row *b = &rows[v->lost_scale], *a = &rows[v->kept_scale];

		fprintf(f, "{\"rcvbuf_bytes\":%" PRIu64 ",\"sndbuf_bytes\":%" PRIu64, b->set.rcvbuf,
			b->set.sndbuf);
		json_sides(f, "before", b->s.wscale_server, b->s.wscale_client);
		json_sides(f, "after", a->s.wscale_server, a->s.wscale_client);
		fputc('}', f);
	}
	fputs("}\n", f);
	fflush(f);
}
