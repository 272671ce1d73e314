/* report_session.c - the sessions' lines of a summary (see report_session.h). */
#include <inttypes.h>
#include <string.h>
#include "base/json.h"
#include "run/report_session.h"

static uint64_t ld(const _Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

void session_idle_seconds(uint64_t n, uint64_t min_ms, uint64_t max_ms,
			  const struct lat_hist *idle, double out[3])
{
	double median;

	if (!n) {
		out[0] = out[1] = out[2] = 0;
		return;
	}
	out[0] = min_ms / 1e3;
	out[2] = max_ms / 1e3;
	median = lat_quantile(idle, 0.5) / 1e6;
	out[1] = median < out[0] ? out[0] : median > out[2] ? out[2] : median;
}

void session_report_fill(struct session_report *r, const char *proto, bool tls,
			 const struct side_stats *st)
{
	const struct session_counts *c = &st->sessions;
	uint32_t n = atomic_load_explicit(&st->refusal_len, memory_order_acquire);

	memset(r, 0, sizeof(*r));
	r->proto = proto;
	r->tls = tls;
	r->established = ld(&c->established);
	r->refused = ld(&c->refused);
	r->closed = ld(&c->closed);
	r->acked = ld(&c->acked);
	r->answered = ld(&c->answered);
	r->tls_established = ld(&c->tls_established);
	r->tls_failed = ld(&c->tls_failed);
	r->tls_handshake_cpu_s = ld(&c->tls_handshake_cpu_ns) / 1e9;
	r->http = proto && !strcmp(proto, "http");
	r->idle_closed = atomic_load_explicit(&c->idle_closed, memory_order_acquire);
	session_idle_seconds(r->idle_closed, ld(&c->idle_min_ms), ld(&c->idle_max_ms), &c->idle,
			     r->idle_s);
	if (n >= sizeof(r->refusal))
		n = sizeof(r->refusal) - 1;
	memcpy(r->refusal, st->refusal, n);
	r->refusal[n] = '\0';
}

void session_report_stop(const struct session_report *r, char *buf, size_t len)
{
	snprintf(buf, len, "the server refused the session%s%s%s: check --auth, --http-path, --host "
		 "or --expect against it (its reply: server said)", r->refusal[0] ? " (" : "",
		 r->refusal, r->refusal[0] ? ")" : "");
}

void session_report_json(FILE *f, const struct session_report *r)
{
	fputs(",\"sessions\":{\"proto\":", f);
	json_string(f, r->proto);
	fprintf(f, ",\"tls\":%s", r->tls ? "true" : "false");
	json_u64(f, "established", r->established);
	json_u64(f, "refused", r->refused);
	json_u64(f, "closed", r->closed);
	json_u64(f, "keepalives_acked", r->acked);
	json_u64(f, "keepalives_answered", r->answered);
	if (r->tls) {
		json_u64(f, "tls_established", r->tls_established);
		json_u64(f, "tls_failed", r->tls_failed);
		json_seconds(f, "tls_handshake_cpu_seconds", r->tls_handshake_cpu_s);
	}
	if (r->http) {
		json_u64(f, "idle_closed", r->idle_closed);
		if (r->idle_closed)
			fprintf(f, ",\"idle_close_seconds\":{\"min\":%.3f,\"median\":%.3f,\"max\":%.3f}",
				r->idle_s[0], r->idle_s[1], r->idle_s[2]);
		else
			fputs(",\"idle_close_seconds\":null", f);
	}
	json_str(f, "refusal", r->refusal[0] ? r->refusal : NULL);
	fputc('}', f);
}

void session_report_human(FILE *f, const struct session_report *r)
{
	fprintf(f, "  %-14s %s%s, %" PRIu64 " established, %" PRIu64 " refused, %" PRIu64
		" ended by the server\n", "sessions:", r->proto ? r->proto : "",
		r->proto && r->tls ? " over TLS" : r->tls ? "TLS" : "", r->established, r->refused,
		r->closed);
	if (r->acked || r->answered)
		fprintf(f, "  %-14s %" PRIu64 " of ours answered by the server, %" PRIu64
			" of the server's answered\n", "keepalives:", r->acked, r->answered);
	if (r->http && r->idle_closed)
		fprintf(f, "  %-14s %" PRIu64 " idle sessions closed by the server after %.1f s "
			"(min %.1f, max %.1f): its keep-alive timeout\n", "idle close:",
			r->idle_closed, r->idle_s[1], r->idle_s[0], r->idle_s[2]);
	else if (r->http)
		fprintf(f, "  %-14s none: the server closed no idle session\n", "idle close:");
	if (r->refusal[0])
		fprintf(f, "  %-14s %s\n", "refused:", r->refusal);
}
