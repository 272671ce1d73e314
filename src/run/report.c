/*
 * report.c - formats what the user reads: a progress line, a table and a
 * summary for people, or one JSON object per line for programs. Every line
 * is flushed at once: both forms are read live through pipes.
 * Each figure's human line and its JSON member are written side by side, so
 * a field added to one form is seen beside the other; the JSON primitives
 * live in base/json.c.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include "run/report.h"
#include "run/report_internal.h"
#include "measure/sysinfo.h"

#define HEADER_EVERY 20		/* table rows between repeated headers */
#define BREAKDOWN_EVERY 1000000 /* conns between per-cache breakdown lines */
#define NOTICE_MAX 1024

/* Erases the TTY progress line so the next output starts on a clean line. */
#define CLEAR_LINE "\r\033[K"

double report_gib(uint64_t bytes)
{
	return (double)bytes / (1024.0 * 1024.0 * 1024.0);
}

double report_mib(uint64_t bytes)
{
	return (double)bytes / (1024.0 * 1024.0);
}

char *report_escape(const char *buf, size_t n, char *out, size_t outlen)
{
	size_t o = 0;

	if (!outlen)
		return out;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];
		char e[8];

		if (c == '\r' || c == '\n' || c == '\t' || c == '\\')
			snprintf(e, sizeof(e), "\\%c", c == '\r' ? 'r' : c == '\n' ? 'n' : c == '\t' ? 't' : '\\');
		else if (c < 0x20 || c >= 0x7f)
			snprintf(e, sizeof(e), "\\x%02x", c);
		else
			snprintf(e, sizeof(e), "%c", c);
		if (o + strlen(e) + 3 >= outlen) {
			/* Room left for "..." only: cut here. */
			snprintf(out + o, outlen - o, "...");
			return out;
		}
		memcpy(out + o, e, strlen(e));
		o += strlen(e);
	}
	out[o] = '\0';
	return out;
}

/* What kernel figures are per: the check's divisor, else the sockets held. */
double report_divisor(const struct crosscheck *c, uint64_t sockets)
{
	return c ? c->divisor : (double)sockets;
}

static double per_socket(int64_t bytes, double n)
{
	if (isnan(n))
		return NAN;
	return n > 0 ? (double)bytes / n : 0;
}

/* "slab":{"TCP":{"objects":N,"bytes_per_socket":X},...}, per socket of n. */
void report_json_slab(FILE *f, const struct meter_delta *d, double n)
{
	int i;

	fputs(",\"slab\":{", f);
	for (i = 0; i < d->ncaches; i++) {
		if (i)
			fputc(',', f);
		json_string(f, d->caches[i].name);
		fprintf(f, ":{\"objects\":%" PRId64 ",\"bytes_per_socket\":", d->caches[i].objs);
		json_double(f, per_socket(d->caches[i].bytes, n));
		fputc('}', f);
	}
	fputc('}', f);
}

void json_cost(FILE *f, const char *key, double value, double resolution)
{
	/* Negative beyond its resolution: no figure; json_resolutions keeps the measured value. */
	if (figure_is_negative(value, resolution))
		json_num(f, key, NAN);
	else
		json_num(f, key, figure_is_zero(value, resolution) ? 0 : value);
}

enum shown { ALL, WITHIN, NEGATIVE };

/*
 * ,"key":{"name":X,...}: each cost's resolution (ALL), or the measured value
 * of those within it (WITHIN) or below minus it (NEGATIVE).
 */
static void json_costs(FILE *f, const char *key, const char *const names[], const double v[],
		       const double res[], int n, enum shown which)
{
	int shown = 0;

	for (int i = 0; i < n; i++) {
		if (which == WITHIN && !figure_is_zero(v[i], res[i]))
			continue;
		if (which == NEGATIVE && !figure_is_negative(v[i], res[i]))
			continue;
		if (shown++)
			fputc(',', f);
		else
			fprintf(f, ",\"%s\":{", key);
		fprintf(f, "\"%s\":", names[i]);
		json_double(f, which == ALL ? res[i] : v[i]);
	}
	if (shown)
		fputc('}', f);
}

void json_resolutions(FILE *f, const char *const names[], const double v[], const double res[],
		      int n)
{
	json_costs(f, "resolution", names, v, res, n, ALL);
	json_costs(f, "within_resolution", names, v, res, n, WITHIN);
	json_costs(f, "negative", names, v, res, n, NEGATIVE);
}

void crosscheck_sockets_json(FILE *f, const struct crosscheck *c)
{
	if (!c->sockets.known)
		return;
	fprintf(f, ",\"seen_sockets\":%" PRId64, c->sockets.seen);
	if (!crosscheck_disturbed(c))
		return;
	fprintf(f, ",\"disturbed\":{\"expected_sockets\":%" PRIu64 ",\"seen_sockets\":%" PRId64,
		c->sockets.expected, c->sockets.seen);
	json_u64(f, "seen_sockets_resolution", c->sockets.resolution);
	json_str(f, "source", c->sockets.source);
	json_num(f, "raw_kernel_bytes_per_socket", c->kernel_raw);
	json_num(f, "raw_buffer_bytes_per_socket", c->buffer_raw);
	if (c->unexplained.found) {
		fputs(",\"unexplained_cache\":{\"name\":", f);
		json_string(f, c->unexplained.cache);
		fprintf(f, ",\"objects\":%" PRId64 ",\"bytes\":%" PRId64, c->unexplained.objs,
			c->unexplained.bytes);
		json_str(f, "cause", c->unexplained.cause);
		fputc('}', f);
	}
	fputc('}', f);
}

void crosscheck_json(FILE *f, const struct crosscheck *c, double rss, double rss_res)
{
	static const char *const names[] = { "kernel_bytes_per_socket", "buffer_bytes_per_socket",
					     "rss_bytes_per_socket" };
	const double v[] = { c->kernel, c->buffer, rss },
		     res[] = { c->kernel_res, c->buffer_res, rss_res };

	json_resolutions(f, names, v, res, rss_res > 0 ? 3 : 2);
	crosscheck_sockets_json(f, c);
}

void crosscheck_line(FILE *f, const char *indent, const struct crosscheck *c)
{
	if (c && c->unexplained.found)
		fprintf(f, "%sdisturbed: %s grew %" PRId64 " objects (%.1f MB) that this run's sockets "
			"do not explain (%s)\n", indent, c->unexplained.cache, c->unexplained.objs,
			(double)c->unexplained.bytes / 1e6, c->unexplained.cause);
	if (!c || !c->sockets.disturbed)
		return;
	fprintf(f, "%sdisturbed: the kernel counted %" PRId64 " new TCP sockets (+-%" PRIu64
		") where this run opened %" PRIu64 "; kernel and buffer figures are per socket "
		"counted "
		"(per socket of this run: %.1f kernel B)\n", indent, c->sockets.seen,
		c->sockets.resolution, c->sockets.expected, c->kernel_raw);
}

void print_figure(FILE *f, int width, double value, double resolution)
{
	if (figure_is_negative(value, resolution))
		fprintf(f, "%*s", width, "<0!");
	else if (figure_is_zero(value, resolution))
		fprintf(f, "%*s", width, "~0");
	else if (!isfinite(value))
		fprintf(f, "%*s", width, "?");
	else
		fprintf(f, "%*.1f", width, value);
}

/* A summary's cost: the figure, its unit, and its resolution when it has one worth saying. */
void report_print_cost(FILE *f, double value, double resolution, const char *unit)
{
	print_figure(f, 0, value, resolution);
	fprintf(f, " %s", unit);
	if (figure_is_negative(value, resolution))
		fprintf(f, " (NEGATIVE: measured %.1f, beyond its resolution %.1f: memory freed by "
			"someone else, or a baseline taken too early)", value, resolution);
	else if (resolution >= 0.05)
		fprintf(f, " (resolution %.1f)", resolution);
}

void report_end_line(struct reporter *r)
{
	fputc('\n', r->out);
	fflush(r->out);
}

void report_clear_progress(struct reporter *r)
{
	if (!r->progress_shown)
		return;
	fputs(CLEAR_LINE, r->out);
	r->progress_shown = false;
}

void reporter_init(struct reporter *r, FILE *out, bool json)
{
	r->out = out;
	r->json = json;
	r->tty = !json && isatty(fileno(out));
	r->progress_shown = false;
	r->quiet = false;
	r->rows = 0;
}

void report_start(struct reporter *r, const char *command, const char *mode, uint64_t target,
		  uint64_t reserve, uint64_t mem_available)
{
	FILE *f = r->out;
	uint64_t from, to;
	bool raised = sysinfo_nofile_raised(&from, &to);

	if (r->quiet)
		return;
	if (r->json) {
		fputs("{\"event\":\"start\"", f);
		json_str(f, "command", command);
		json_str(f, "mode", mode);
		json_u64(f, "target_connections", target);
		json_u64(f, "reserve_bytes", reserve);
		json_u64(f, "mem_available_bytes", mem_available);
		if (raised) {
			json_u64(f, "rlimit_nofile_raised_from", from);
			json_u64(f, "rlimit_nofile", to);
		}
		fputc('}', f);
		report_end_line(r);
		return;
	}
	report_clear_progress(r);
	fprintf(f, "holdconn %s: %s %s, target ", command, mode,
		strcmp(command, "connect") ? "server" : "generator");
	if (target)
		fprintf(f, "%" PRIu64 " conns", target);
	else
		fputs("max conns", f);
	fprintf(f, ", reserve %.2f GiB, MemAvailable %.2f GiB", report_gib(reserve), report_gib(mem_available));
	if (raised)
		fprintf(f, "; RLIMIT_NOFILE soft limit raised from %" PRIu64 " to the hard limit %" PRIu64,
			from, to);
	report_end_line(r);
}

void report_progress(struct reporter *r, uint64_t conns, double elapsed_s, double rate,
		     uint64_t mem_available, uint64_t cgroup_headroom)
{
	if (!r->tty)
		return;
	fprintf(r->out, CLEAR_LINE "%" PRIu64 " conns  %.1f s  %.0f/s  MemAvailable %.2f GiB",
		conns, elapsed_s, rate, report_gib(mem_available));
	if (cgroup_headroom != UINT64_MAX)
		fprintf(r->out, ", cgroup room %.0f MiB", cgroup_headroom / (1024.0 * 1024));
	fflush(r->out);
	r->progress_shown = true;
}

static void point_json(struct reporter *r, const struct report_point *p)
{
	FILE *f = r->out;

	fputs("{\"event\":\"report\"", f);
	json_u64(f, "connections", p->conns);
	json_u64(f, "sockets", p->sockets);
	json_seconds(f, "elapsed_seconds", p->elapsed_s);
	json_num(f, "connections_per_second", p->rate);
	json_num(f, "user_bytes_per_socket", p->user_bytes_per_conn);
	if (p->check) {
		json_cost(f, "kernel_bytes_per_socket", p->kernel_bytes_per_socket,
			  p->check->kernel_res);
		json_cost(f, "buffer_bytes_per_socket", p->buffer_bytes_per_conn,
			  p->check->buffer_res);
		json_cost(f, "rss_bytes_per_socket", p->rss_bytes_per_socket, p->rss_res);
	} else {
		json_num(f, "kernel_bytes_per_socket", p->kernel_bytes_per_socket);
		json_num(f, "buffer_bytes_per_socket", p->buffer_bytes_per_conn);
		json_num(f, "rss_bytes_per_socket", p->rss_bytes_per_socket);
	}
	json_u64(f, "mem_available_bytes", p->mem_available);
	if (p->has_cgroup)
		json_u64(f, "cgroup_headroom_bytes", p->cgroup_headroom);
	lat_report_json(f, "connect_latency_seconds", &p->connect_lat);
	if (p->delta)
		report_json_slab(f, p->delta, report_divisor(p->check, p->sockets));
	if (p->check)
		crosscheck_json(f, p->check, p->rss_bytes_per_socket, p->rss_res);
	fputc('}', f);
	report_end_line(r);
}

/* "TCP 2368, sock_inode_cache 832, ...": bytes per socket; caches under a byte or shrunk left out. */
void report_slab_breakdown(FILE *f, const struct meter_delta *d, double n)
{
	double v;
	int i, shown = 0;

	for (i = 0; i < d->ncaches; i++) {
		v = per_socket(d->caches[i].bytes, n);
		/* A cache that shrank freed someone else's memory: not a cost of ours. */
		if (!isfinite(v) || figure_is_zero(v, REPORT_WHOLE_BYTE))
			continue;
		fprintf(f, "%s%s %.0f", shown++ ? ", " : "", d->caches[i].name, v);
	}
}

static void table_header(FILE *f, bool cgroup)
{
	fprintf(f, "%12s %9s %10s %12s %14s %14s %12s %16s%s\n", "conns", "elapsed", "rate/s",
		"user B/conn", "kernel B/sock", "buffer B/conn", "MemAvail GiB", "connect p50/p99",
		cgroup ? "  cgroup room MiB" : "");
}

static void point_table(struct reporter *r, const struct report_point *p)
{
	FILE *f = r->out;

	report_clear_progress(r);
	if (r->rows % HEADER_EVERY == 0)
		table_header(f, p->has_cgroup);
	r->rows++;
	char lat[32] = "-";

	if (p->connect_lat.count)
		snprintf(lat, sizeof(lat), "%.0f/%.0f us", p->connect_lat.p50_us, p->connect_lat.p99_us);
	fprintf(f, "%12" PRIu64 " %8.1fs %10.0f %12.1f ", p->conns, p->elapsed_s, p->rate,
		p->user_bytes_per_conn);
	print_figure(f, 14, p->kernel_bytes_per_socket, p->check ? p->check->kernel_res : 0);
	fputc(' ', f);
	print_figure(f, 14, p->buffer_bytes_per_conn, p->check ? p->check->buffer_res : 0);
	fprintf(f, " %12.2f %16s", report_gib(p->mem_available), lat);
	if (p->has_cgroup)
		fprintf(f, " %16.0f", p->cgroup_headroom / (1024.0 * 1024));
	fputc('\n', f);
	crosscheck_line(f, "  ", p->check);
	if (p->delta && p->delta->ncaches && p->conns && p->conns % BREAKDOWN_EVERY == 0) {
		fputs("  slab: ", f);
		report_slab_breakdown(f, p->delta, report_divisor(p->check, p->sockets));
		fputc('\n', f);
	}
	fflush(f);
}

void report_point(struct reporter *r, const struct report_point *p)
{
	if (r->quiet)
		return;
	if (r->json)
		point_json(r, p);
	else
		point_table(r, p);
}


void report_notice(struct reporter *r, const char *fmt, ...)
{
	char text[NOTICE_MAX];
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* A notice is one line whether or not the caller ended it. */
	len = strlen(text);
	if (len && text[len - 1] == '\n')
		text[len - 1] = '\0';
	if (r->json) {
		fputs("{\"event\":\"notice\"", r->out);
		json_str(r->out, "text", text);
		fputc('}', r->out);
	} else {
		report_clear_progress(r);
		fputs(text, r->out);
	}
	report_end_line(r);
}
