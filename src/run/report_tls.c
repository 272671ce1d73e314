/* report_tls.c - TLS's lines of a summary (see report_tls.h). */
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include "base/json.h"
#include "measure/ktls.h"
#include "run/report_tls.h"

static uint64_t ld(const _Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

void tls_report_side(struct tls_side_report *r, const struct side_stats *st)
{
	const struct session_counts *c = &st->sessions;

	memset(r, 0, sizeof(*r));
	r->on = true;
	r->conns = ld(&c->tls_conns);
	r->bytes = atomic_load_explicit(&c->tls_bytes, memory_order_relaxed);
	r->startup_bytes = atomic_load_explicit(&c->tls_startup_bytes, memory_order_relaxed);
	r->handshakes = ld(&c->tls_established);
	r->failed = ld(&c->tls_failed);
	r->cpu_s = ld(&c->tls_handshake_cpu_ns) / 1e9;
	r->span_s = ld(&c->tls_span_ns) / 1e9;
}

void tls_report_probe(struct tls_report *r)
{
	r->ktls_why[0] = '\0';
	r->ktls = ktls_probe(r->ktls_why, sizeof(r->ktls_why));
}

/* Bytes per connection; < 0 when unknown (no counting allocator, or no connection). */
static double per_conn(const struct tls_side_report *r)
{
	return r->bytes >= 0 && r->startup_bytes >= 0 && r->conns ? (double)r->bytes / r->conns : -1;
}

static double cpu_per(const struct tls_side_report *r)
{
	return r->handshakes ? r->cpu_s / r->handshakes : -1;
}

/* Handshakes done per second from the first to the last; < 0 with fewer than two. */
static double rate(const struct tls_side_report *r)
{
	return r->handshakes > 1 && r->span_s > 0 ? (r->handshakes - 1) / r->span_s : -1;
}

static void num_or_null(FILE *f, const char *key, double v)
{
	if (v >= 0) {
		json_num(f, key, v);
		return;
	}
	fprintf(f, ",\"%s\":null", key);
}

static void side_json(FILE *f, const char *key, const struct tls_side_report *r, double records)
{
	if (!r->on) {
		fprintf(f, ",\"%s\":null", key);
		return;
	}
	fprintf(f, ",\"%s\":{\"connections\":%" PRIu64, key, r->conns);
	num_or_null(f, "tls_bytes_per_connection", per_conn(r));
	num_or_null(f, "user_bytes_per_connection", per_conn(r) >= 0 ? per_conn(r) + records : -1);
	if (r->startup_bytes >= 0)
		fprintf(f, ",\"startup_bytes\":%" PRId64, r->startup_bytes);
	else
		fputs(",\"startup_bytes\":null", f);
	json_u64(f, "handshakes", r->handshakes);
	json_u64(f, "handshakes_failed", r->failed);
	json_seconds(f, "handshake_cpu_seconds_per_connection", cpu_per(r) >= 0 ? cpu_per(r) : NAN);
	num_or_null(f, "handshakes_per_second", rate(r));
	fputc('}', f);
}

void tls_report_json(FILE *f, const struct tls_report *r)
{
	fprintf(f, ",\"tls\":{\"buffers\":\"%s\",\"kernel_tls\":%s", r->keep_buffers ? "kept" : "released",
		r->ktls ? "true" : "false");
	json_str(f, "kernel_tls_reason", r->ktls ? NULL : r->ktls_why);
	side_json(f, "client", &r->client, r->records);
	side_json(f, "server", &r->server, r->records);
	fputc('}', f);
}

static void side_human(FILE *f, const char *label, const struct tls_side_report *r)
{
	double b = per_conn(r), cpu = cpu_per(r), hz = rate(r);

	if (!r->on)
		return;
	fprintf(f, "  %-14s ", label);
	if (b >= 0)
		fprintf(f, "%.0f B/conn over %" PRIu64 " conns (library start-up %.1f KiB)", b,
			r->conns, r->startup_bytes / 1024.0);
	else
		fprintf(f, "bytes unknown (%" PRIu64 " conns)", r->conns);
	fprintf(f, ", %" PRIu64 " handshakes", r->handshakes);
	if (r->failed)
		fprintf(f, " (%" PRIu64 " failed)", r->failed);
	if (cpu >= 0)
		fprintf(f, ", %.2f ms CPU each", cpu * 1e3);
	if (hz >= 0)
		fprintf(f, ", %.0f/s", hz);
	fputc('\n', f);
}

void tls_report_user_human(FILE *f, const struct tls_report *r)
{
	double c = per_conn(&r->client), s = per_conn(&r->server);

	fprintf(f, "  %-14s %.1f B/conn holdconn's records, OpenSSL's apart: with it ", "user:",
		r->records);
	if (c >= 0)
		fprintf(f, "client %.0f", r->records + c);
	if (s >= 0)
		fprintf(f, "%sserver %.0f", c >= 0 ? ", " : "", r->records + s);
	if (c < 0 && s < 0)
		fputs("unknown", f);
	fputs(" B/conn\n", f);
}

void tls_report_human(FILE *f, const struct tls_report *r)
{
	fprintf(f, "  %-14s OpenSSL's buffers %s; %s\n", "TLS:",
		r->keep_buffers ? "kept (--tls-keep-buffers)" : "released when idle (SSL_MODE_RELEASE_BUFFERS)",
		r->ktls ? "kernel TLS available (not used)" : r->ktls_why);
	side_human(f, "TLS client:", &r->client);
	side_human(f, "TLS server:", &r->server);
}
