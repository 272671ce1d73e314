/*
 * limits_report.c - writes the limits table: for people, one row per
 * resource with where it comes from and how to lift it; for programs, one
 * JSON object. Takes the computed table, reads nothing.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include "run/calibrate.h"
#include "run/limits_report.h"
#include "measure/limits.h"
#include "run/report.h"

#define GIB (1024.0 * 1024.0 * 1024.0)

/* 1234567 -> "1,234,567" into buf. */
static const char *commas(uint64_t v, char *buf, size_t len)
{
	char digits[32];
	int n = snprintf(digits, sizeof(digits), "%" PRIu64, v), o = 0;

	for (int i = 0; i < n && o + 2 < (int)len; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = 0;
	return buf;
}

static const char *count_text(uint64_t v, char *buf, size_t len)
{
	if (v == LIMITS_NONE)
		return "no limit";
	return commas(v, buf, len);
}

static const char *value_text(const struct limits_row *r, char *buf, size_t len)
{
	if (r->bytes && r->value >= GIB)
		snprintf(buf, len, "%.2f GiB", r->value / GIB);
	else if (r->bytes && r->value >= 1024 * 1024)
		snprintf(buf, len, "%.1f MiB", r->value / (1024.0 * 1024));
	else if (r->bytes)
		snprintf(buf, len, "%" PRIu64 " B", r->value);
	if (r->bytes)
		return buf;
	return commas(r->value, buf, len);
}

static const char *unit_name(const struct limits_input *in)
{
	return in->bench ? "pair" : "conn";
}

static void print_header(FILE *f, const struct limits_input *in)
{
	char n[32];

	fprintf(f, "holdconn limits: %s mode, ", mode_name(in->mode));
	if (in->bench)
		fprintf(f, "bench pairs (2 sockets each, server %s, client uring)", mode_name(in->mode));
	else
		fprintf(f, "connect, %s per connection on this box",
			in->loopback ? "2 sockets (the target is on loopback)" : "1 socket");
	if (in->conns)
		fprintf(f, ", %s asked\n", commas(in->conns, n, sizeof(n)));
	else
		fputs(", as many as fit\n", f);
}

static void print_cost(FILE *f, const struct limits_input *in, const struct calibration *cal)
{
	const struct limits_cost *c = &in->cost[in->mode];
	char n[32];

	if (!cal->measured) {
		fprintf(f, "cost: documented figures (%s)\n", cal->why);
	} else {
		fprintf(f, "cost: measured by bench, %s pairs in %s/uring, %.0f pairs/s, stop %s;"
			" bench's kernel figure %.0f B/socket\n", commas(cal->pairs, n, sizeof(n)),
			mode_name(cal->mode), cal->rate, cal->stop, cal->kernel_bytes_per_socket);
		fputs("  slab pages per pair:", f);
		for (int i = 0; i < cal->ncaches; i++) {
			if (fabs(cal->caches[i].pages_per_pair) < 1)
				continue;
			fprintf(f, " %s %.0f%s", cal->caches[i].name, cal->caches[i].pages_per_pair,
				cal->caches[i].reclaimable ? " (r)" : "");
		}
		fprintf(f, "; user %.0f, rings %.0f\n", cal->user_bytes_per_pair,
			cal->ring_bytes_per_pair);
	}
	fprintf(f, "  per %s: %.0f B, of which %.0f B in caches flagged reclaimable (r), "
		"which MemAvailable counts as free; buffers %.0f B\n\n", unit_name(in),
		c->unreclaimable + c->reclaimable + c->buffers, c->reclaimable, c->buffers);
}

static void print_row(FILE *f, const struct limits_row *r, bool binding)
{
	char v[32], a[32], per[32];

	if (r->bytes || r->per_conn != floor(r->per_conn))
		snprintf(per, sizeof(per), "%.0f%s", r->per_conn, r->bytes ? " B" : "");
	else
		snprintf(per, sizeof(per), "%.0f", r->per_conn);
	fprintf(f, "%-2s%-21s %16s %10s %16s  %s\n", binding ? "=>" : "", r->resource,
		value_text(r, v, sizeof(v)), per, count_text(r->allows, a, sizeof(a)), r->stop);
	fprintf(f, "    from: %s\n    uses: %s\n    lift: %s\n", r->source, r->unit, r->lift);
}

void limits_print(FILE *f, const struct limits_input *in, const struct limits_table *t,
		  const struct calibration *cal)
{
	char n[32];

	print_header(f, in);
	print_cost(f, in, cal);
	fprintf(f, "  %-21s %16s %10s %16s  %s\n", "resource", "limit",
		in->bench ? "per pair" : "per conn", "allows", "stop");
	for (int i = 0; i < t->nrows; i++)
		print_row(f, &t->rows[i], i == t->binding);
	if (t->binding >= 0)
		fprintf(f, "\nbinds first: %s at %s %ss (the ramp would stop: %s)\n",
			t->rows[t->binding].resource, commas(t->rows[t->binding].allows, n, sizeof(n)),
			unit_name(in), t->rows[t->binding].stop);
	else
		fputs("\nbinds first: nothing found\n", f);
	fputs("predicted max:", f);
	for (int m = 0; m < LIMITS_MODES; m++)
		fprintf(f, "%s %s %s (%s)", m ? "," : "", mode_name(m),
			count_text(t->predicted[m], n, sizeof(n)),
			t->binding_by_mode[m] ? t->binding_by_mode[m] : "-");
	fputc('\n', f);
	fflush(f);
}

/* ,"key":N or ,"key":null */
static void json_count(FILE *f, const char *key, uint64_t v)
{
	if (v == LIMITS_NONE)
		fprintf(f, ",\"%s\":null", key);
	else
		fprintf(f, ",\"%s\":%" PRIu64, key, v);
}

static void json_key(FILE *f, const char *key, const char *v)
{
	fprintf(f, ",\"%s\":", key);
	json_string(f, v);
}

static void json_row(FILE *f, const struct limits_row *r, bool binding)
{
	fputs("{\"resource\":", f);
	json_string(f, r->resource);
	fprintf(f, ",\"value\":%" PRIu64, r->value);
	json_key(f, "source", r->source);
	fprintf(f, ",\"per_connection\":%.1f", r->per_conn);
	json_key(f, "per_connection_unit", r->unit);
	json_count(f, "allows", r->allows);
	json_key(f, "stop", r->stop);
	json_key(f, "lift", r->lift);
	fprintf(f, ",\"binds\":%s}", binding ? "true" : "false");
}

static void json_calibration(FILE *f, const struct limits_input *in, const struct calibration *cal)
{
	const struct limits_cost *c = &in->cost[in->mode];

	fprintf(f, ",\"calibration\":{\"measured\":%s", cal->measured ? "true" : "false");
	if (!cal->measured)
		json_key(f, "why", cal->why);
	else
		fprintf(f, ",\"mode\":\"%s\",\"client_mode\":\"uring\",\"pairs\":%" PRIu64
			",\"stop_reason\":\"%s\",\"kernel_bytes_per_socket\":%.1f,"
			"\"user_bytes_per_pair\":%.1f,\"ring_bytes_per_pair\":%.1f,"
			"\"connections_per_second\":%.1f",
			mode_name(cal->mode), cal->pairs, cal->stop, cal->kernel_bytes_per_socket,
			cal->user_bytes_per_pair, cal->ring_bytes_per_pair, cal->rate);
	if (cal->measured && cal->memcg_charge > 0)
		fprintf(f, ",\"cgroup_charged_bytes_per_connection\":%.1f,\"cgroup_fixed_bytes\":%.0f",
			cal->memcg_charge, cal->memcg_fixed);
	fprintf(f, ",\"bytes_per_connection\":%.1f,\"reclaimable_bytes_per_connection\":%.1f,"
		"\"buffer_bytes_per_connection\":%.1f",
		c->unreclaimable + c->reclaimable + c->buffers, c->reclaimable, c->buffers);
	fputs(",\"slab\":{", f);
	for (int i = 0; cal->measured && i < cal->ncaches; i++) {
		fprintf(f, "%s", i ? "," : "");
		json_string(f, cal->caches[i].name);
		fprintf(f, ":{\"bytes_per_pair\":%.1f,\"pages_per_pair\":%.1f,\"reclaimable\":%s}",
			cal->caches[i].bytes_per_pair, cal->caches[i].pages_per_pair,
			cal->caches[i].reclaimable ? "true" : "false");
	}
	fputs("}}", f);
}

void limits_print_json(FILE *f, const struct limits_input *in, const struct limits_table *t,
		       const struct calibration *cal)
{
	fputs("{\"event\":\"limits\"", f);
	json_key(f, "mode", mode_name(in->mode));
	json_key(f, "per", in->bench ? "pair" : "connection");
	fprintf(f, ",\"connections\":%" PRIu64 ",\"rows\":[", in->conns);
	for (int i = 0; i < t->nrows; i++) {
		if (i)
			fputc(',', f);
		json_row(f, &t->rows[i], i == t->binding);
	}
	fputc(']', f);
	json_key(f, "binding", t->binding >= 0 ? t->rows[t->binding].resource : NULL);
	json_key(f, "binding_stop", t->binding >= 0 ? t->rows[t->binding].stop : NULL);
	json_count(f, "binding_allows", t->binding >= 0 ? t->rows[t->binding].allows : LIMITS_NONE);
	fputs(",\"predicted_connections\":{", f);
	for (int m = 0; m < LIMITS_MODES; m++) {
		fprintf(f, "%s\"%s\":", m ? "," : "", mode_name(m));
		if (t->predicted[m] == LIMITS_NONE)
			fputs("null", f);
		else
			fprintf(f, "%" PRIu64, t->predicted[m]);
	}
	fputs("},\"predicted_binding\":{", f);
	for (int m = 0; m < LIMITS_MODES; m++) {
		fprintf(f, "%s\"%s\":", m ? "," : "", mode_name(m));
		json_string(f, t->binding_by_mode[m]);
	}
	fputc('}', f);
	json_calibration(f, in, cal);
	fputs("}\n", f);
	fflush(f);
}
