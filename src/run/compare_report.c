/*
 * compare_report.c - the comparison as people read it (one table, a column
 * per mode) and as programs do (one {"event":"comparison"} line). Every
 * figure is computed once, in figure(); the two forms only lay it out.
 */
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "run/compare.h"
#include "run/report.h"
#include "measure/crosscheck.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define LABEL_W 34
#define COL_W 12
#define PER_CONNS 100000.0    /* CPU is shown per this many connections */
#define CACHE_ROWS_MAX 14     /* slab caches listed, at most */
#define CACHE_MIN_BYTES 2.0   /* ... and only those some mode spends this much on, per socket */
#define KERNEL_STACK_KIB 16   /* x86-64 THREAD_SIZE: one kernel stack per thread */

enum figure {
	HELD,
	AVG_RATE,
	PEAK_RATE,
	TEARDOWN_S,
	CPU_SERVER_USER,
	CPU_SERVER_SYS,
	CPU_CLIENT_USER,
	CPU_CLIENT_SYS,
	TOTAL,
	KERNEL,
	BUFFERS,
	USER,
	ARENA,
	RSS,
	FDS_PER_CONN,
	SERVER_FDS,
	RINGS_SERVER,
	SLOTS,
	RING_KIB,
	CLOSE_SEEN_S,
	SCAN_MS,
	MSGS_SENT,
	MSGS_DELIVERED,
	ONE_WAY_P50_MS,
	ONE_WAY_P99_MS,
	RTT_P99_MS,
	BEATS_BLOCKED,
	STALLED_CONNS,
	HOLD_BUFFERS,
	BEATS_NOT_ON_TIME,
	LAG_P99_MS,
	CPU_SERVER_KMSG,
	CPU_GENERATOR_KMSG,
	CPU_SOFTIRQ_KMSG,
	CPU_BOX_SHARE,
	CONNECT_P50_US,
	CONNECT_P99_US,
	CONNECT_P999_US,
	CONNECT_MAX_US,
	SERVER_USER,
	SERVER_KERNEL,
	SERVER_NOFILE,
};

struct row {
	const char *label;
	enum figure fig;
	int decimals;
};

static const struct row run_rows[] = {
	{ "held (conns)", HELD, 0 },
	{ "establish avg (conns/s)", AVG_RATE, 0 },
	{ "establish peak (conns/s)", PEAK_RATE, 0 },
	{ "teardown (s)", TEARDOWN_S, 2 },
	{ "connect p50 (us)", CONNECT_P50_US, 0 },
	{ "connect p99 (us)", CONNECT_P99_US, 0 },
	{ "connect p99.9 (us)", CONNECT_P999_US, 0 },
	{ "connect max (us)", CONNECT_MAX_US, 0 },
};

static const struct row cpu_rows[] = {
	{ "  server user", CPU_SERVER_USER, 3 },
	{ "  server sys", CPU_SERVER_SYS, 3 },
	{ "  client user", CPU_CLIENT_USER, 3 },
	{ "  client sys", CPU_CLIENT_SYS, 3 },
};

/* Around the per-cache rows, which come from the runs themselves. */
static const struct row cost_head_rows[] = {
	{ "  total", TOTAL, 0 },
	{ "  kernel", KERNEL, 0 },
};

static const struct row cost_tail_rows[] = {
	{ "  socket buffers", BUFFERS, 0 },
	{ "  user", USER, 0 },
	{ "    conn arenas", ARENA, 0 },
	{ "    RssAnon growth", RSS, 0 },
};

/* At the common count: what a report point keeps. */
static const struct row common_rows[] = {
	{ "  total", TOTAL, 0 },
	{ "  kernel", KERNEL, 0 },
	{ "  socket buffers", BUFFERS, 0 },
	{ "  user", USER, 0 },
};

static const struct row table_rows[] = {
	{ "  fds per conn (server)", FDS_PER_CONN, 0 },
	{ "  fds for conns (server)", SERVER_FDS, 0 },
	{ "  rings (server)", RINGS_SERVER, 0 },
	{ "  registered slots (server)", SLOTS, 0 },
	{ "  ring memory KiB (both sides)", RING_KIB, 1 },
};

/* A server of its own (--server), read through /proc, its kernel part split from the generator's. */
static const struct row server_rows[] = {
	{ "  user (B/conn, PSS growth)", SERVER_USER, 0 },
	{ "  kernel (B/socket, its share)", SERVER_KERNEL, 0 },
	{ "  RLIMIT_NOFILE", SERVER_NOFILE, 0 },
};

/* How each server noticed the probe's closed peers, and what watching cost. */
static const struct row watch_rows[] = {
	{ "  closes noticed in (s)", CLOSE_SEEN_S, 3 },
	{ "  sock_diag scan (ms each)", SCAN_MS, 1 },
};

/* With a traffic pattern (--send, --send-once): what flowed while all were held. */
static const struct row traffic_rows[] = {
	{ "  messages sent (client)", MSGS_SENT, 0 },
	{ "  messages delivered (server)", MSGS_DELIVERED, 0 },
	{ "  one way p50 (ms)", ONE_WAY_P50_MS, 3 },
	{ "  one way p99 (ms)", ONE_WAY_P99_MS, 3 },
	{ "  round trip p99 (ms, echo)", RTT_P99_MS, 3 },
	{ "  heartbeats blocked", BEATS_BLOCKED, 0 },
	{ "  connections stalled", STALLED_CONNS, 0 },
	{ "  socket buffers held (B/socket)", HOLD_BUFFERS, 0 },
	{ "  heartbeats not on time (%)", BEATS_NOT_ON_TIME, 2 },
	{ "  generator lag p99 (ms)", LAG_P99_MS, 3 },
	{ "  server CPU (ms/1k msgs)", CPU_SERVER_KMSG, 3 },
	{ "  generator CPU (ms/1k msgs)", CPU_GENERATOR_KMSG, 3 },
	{ "  softirq (ms/1k msgs)", CPU_SOFTIRQ_KMSG, 3 },
	{ "  box CPUs busy in the hold (%)", CPU_BOX_SHARE, 1 },
};

static double per_100k(double seconds, uint64_t held)
{
	return held ? seconds * PER_CONNS / (double)held : NAN;
}

static double cost_figure(const struct bench_point *p, enum figure fig)
{
	struct point_cost c;

	if (!p)
		return NAN;
	c = bench_point_cost(p);
	switch (fig) {
	case TOTAL:
		return c.total;
	case KERNEL:
		return c.kernel;
	case BUFFERS:
		return c.buffers;
	case USER:
		return c.user;
	case ARENA:
		return p->user_bytes_per_conn;
	case RSS:
		return p->rss_bytes_per_socket;
	default:
		return NAN;
	}
}

/* The connections' descriptors on the server: a uring server keeps none, only its rings. */
static double table_figure(const struct comparison *c, const struct compare_run *r,
			   enum figure fig)
{
	const struct report_summary *s = &r->res.summary;
	bool uring = r->mode == MODE_URING;

	/* A server of its own: what /proc says of it; its rings are none of ours. */
	if (fig >= SERVER_USER) {
		const struct server_cost *sc = s->server;

		if (!r->server || !sc)
			return NAN;
		if (fig == SERVER_USER)
			return figure_is_zero(sc->user_bytes_per_conn, 0) ? 0 : sc->user_bytes_per_conn;
		if (fig == SERVER_KERNEL)
			return figure_is_zero(sc->kernel_bytes_per_socket, sc->kernel_res)
				       ? 0 : sc->kernel_bytes_per_socket;
		return sc->nofile_soft == UINT64_MAX ? NAN : (double)sc->nofile_soft;
	}
	if (r->server) {
		if (fig == FDS_PER_CONN)
			return s->server ? s->server->fds_per_conn : NAN;
		if (fig == SERVER_FDS)
			return s->server ? (double)s->server->fds : NAN;
		if (fig != RING_KIB)
			return NAN;
	}
	switch (fig) {
	case FDS_PER_CONN:
		return uring ? 0 : 1;
	case SERVER_FDS:
		return uring ? s->rings_server : s->held;
	case RINGS_SERVER:
		return s->rings_server;
	case SLOTS:
		return uring ? (double)s->rings_server * c->slots_per_ring : NAN;
	case RING_KIB:
		return s->ring_bytes / 1024.0;
	default:
		return NAN;
	}
}

/* CPU while the pattern ran, per 1,000 messages the server read, and the box's share busy. */
static double cpu_figure(const struct report_summary *s, enum figure fig)
{
	const struct cpu_report *c = &s->cpu;

	if (!s->has_cpu || !c->msgs)
		return NAN;
	switch (fig) {
	case CPU_SERVER_KMSG:
		return cpu_ms_per_kmsg(c, c->server_user_s + c->server_sys_s);
	case CPU_GENERATOR_KMSG:
		return cpu_ms_per_kmsg(c, c->generator_user_s + c->generator_sys_s);
	case CPU_SOFTIRQ_KMSG:
		return c->ncpus ? cpu_ms_per_kmsg(c, c->softirq_s) : NAN;
	case CPU_BOX_SHARE:
		return c->ncpus ? 100 * cpu_share(c, c->server_user_s + c->server_sys_s +
							c->generator_user_s + c->generator_sys_s +
							c->softirq_s) : NAN;
	default:
		return NAN;
	}
}

static double traffic_figure(const struct report_summary *s, enum figure fig)
{
	const struct traffic_report *sv = &s->tr_server, *cl = &s->tr_client;

	if (fig >= MSGS_SENT && !s->traffic)
		return NAN; /* idle connections: nothing flowed */
	switch (fig) {
	case CLOSE_SEEN_S:
		return s->close_probe && s->close_detect_s >= 0 ? s->close_detect_s : NAN;
	case SCAN_MS:
		return s->scans ? s->scan_ms : NAN;
	case MSGS_SENT:
		return cl->msgs_sent;
	case MSGS_DELIVERED:
		return sv->msgs_recv;
	case ONE_WAY_P50_MS:
		return sv->timed ? sv->p50_us / 1e3 : NAN;
	case ONE_WAY_P99_MS:
		return sv->timed ? sv->p99_us / 1e3 : NAN;
	case RTT_P99_MS:
		return cl->timed ? cl->p99_us / 1e3 : NAN;
	case BEATS_BLOCKED:
		return cl->beats_blocked;
	case STALLED_CONNS:
		return cl->stalled_conns;
	case HOLD_BUFFERS:
		return s->hold_buffer_bytes_per_conn;
	case BEATS_NOT_ON_TIME:
		return s->has_schedule ? 100 * s->schedule.slip : NAN;
	case LAG_P99_MS:
		return s->has_schedule ? s->schedule.lag_p99_us / 1e3 : NAN;
	default:
		return cpu_figure(s, fig);
	}
}

static double figure(const struct comparison *c, const struct compare_run *r, enum figure fig)
{
	const struct report_summary *s = &r->res.summary;
	const double *user = r->res.cpu_user_s, *sys = r->res.cpu_sys_s;

	if (r->code)
		return NAN;
	switch (fig) {
	case HELD:
		return s->held;
	case AVG_RATE:
		return s->avg_rate;
	case PEAK_RATE:
		return s->peak_rate;
	case TEARDOWN_S:
		return s->teardown_s;
	case CONNECT_P50_US:
		return s->connect_lat.count ? s->connect_lat.p50_us : NAN;
	case CONNECT_P99_US:
		return s->connect_lat.count ? s->connect_lat.p99_us : NAN;
	case CONNECT_P999_US:
		return s->connect_lat.count ? s->connect_lat.p999_us : NAN;
	case CONNECT_MAX_US:
		return s->connect_lat.count ? s->connect_lat.max_us : NAN;
	case CPU_SERVER_USER: /* a server of its own publishes no CPU figures */
		return r->server ? NAN : per_100k(user[0], s->held);
	case CPU_SERVER_SYS:
		return r->server ? NAN : per_100k(sys[0], s->held);
	case CPU_CLIENT_USER:
		return per_100k(user[1], s->held);
	case CPU_CLIENT_SYS:
		return per_100k(sys[1], s->held);
	case TOTAL:
	case KERNEL:
	case BUFFERS:
	case USER:
	case ARENA:
	case RSS:
		return cost_figure(compare_last_point(r), fig);
	case CLOSE_SEEN_S:
	case SCAN_MS:
	case MSGS_SENT:
	case MSGS_DELIVERED:
	case ONE_WAY_P50_MS:
	case ONE_WAY_P99_MS:
	case RTT_P99_MS:
	case BEATS_BLOCKED:
	case STALLED_CONNS:
	case HOLD_BUFFERS:
	case BEATS_NOT_ON_TIME:
	case LAG_P99_MS:
	case CPU_SERVER_KMSG:
	case CPU_GENERATOR_KMSG:
	case CPU_SOFTIRQ_KMSG:
	case CPU_BOX_SHARE:
		return traffic_figure(s, fig);
	default:
		return table_figure(c, r, fig);
	}
}

/* Bytes per socket of a run's kernel delta: over the kernel's count when it was disturbed. */
static double run_per_socket(const struct compare_run *r, int64_t bytes)
{
	double n = r->res.summary.check ? r->res.check.divisor : (double)r->res.summary.sockets;

	return n > 0 ? (double)bytes / n : NAN;
}

/* A cache's bytes per socket in one run; NAN when not among its largest changes. */
static double cache_figure(const struct compare_run *r, const char *name)
{
	const struct meter_delta *d = &r->res.delta;

	if (r->code)
		return NAN;
	for (int i = 0; i < d->ncaches; i++) {
		if (!strcmp(d->caches[i].name, name))
			return run_per_socket(r, d->caches[i].bytes);
	}
	return NAN;
}

static double cache_peak(const struct comparison *c, const char *name)
{
	double peak = 0, v;

	for (int i = 0; i < c->nruns; i++) {
		v = fabs(cache_figure(&c->runs[i], name));
		if (v > peak) /* false for NAN */
			peak = v;
	}
	return peak;
}

struct cache_row {
	const char *name;
	double peak;
};

static int by_peak(const void *a, const void *b)
{
	double x = ((const struct cache_row *)a)->peak, y = ((const struct cache_row *)b)->peak;

	return (x < y) - (x > y);
}

static bool has_row(const struct cache_row *rows, int n, const char *name)
{
	for (int i = 0; i < n; i++) {
		if (!strcmp(rows[i].name, name))
			return true;
	}
	return false;
}

/*
 * The caches to list: the union of every run's largest changes, those
 * some run spends CACHE_MIN_BYTES a socket on, largest first.
 */
static int cache_union(const struct comparison *c, const char *names[CACHE_ROWS_MAX])
{
	struct cache_row all[COMPARE_MAX_RUNS * METER_TOP_CACHES];
	int n = 0;

	for (int i = 0; i < c->nruns; i++) {
		const struct meter_delta *d = &c->runs[i].res.delta;

		for (int k = 0; k < d->ncaches && !c->runs[i].code; k++) {
			const char *name = d->caches[k].name;
			double peak = cache_peak(c, name);

			if (peak >= CACHE_MIN_BYTES && !has_row(all, n, name))
				all[n++] = (struct cache_row){ name, peak };
		}
	}
	qsort(all, n, sizeof(all[0]), by_peak);
	if (n > CACHE_ROWS_MAX)
		n = CACHE_ROWS_MAX;
	for (int k = 0; k < n; k++)
		names[k] = all[k].name;
	return n;
}

/* --- the table --- */

static void cell(FILE *f, double v, int decimals)
{
	if (isnan(v))
		fprintf(f, "%*s", COL_W, "-");
	else
		fprintf(f, "%*.*f", COL_W, decimals, v);
}

/* A cache's bytes per socket: one that shrank freed someone else's memory, so "~0". */
static void cost_cell(FILE *f, double v)
{
	if (figure_is_zero(v, REPORT_WHOLE_BYTE))
		fprintf(f, "%*s", COL_W, "~0");
	else
		cell(f, v, 0);
}

static void print_row(FILE *f, const struct comparison *c, const struct row *row)
{
	fprintf(f, "%-*s", LABEL_W, row->label);
	for (int i = 0; i < c->nruns; i++)
		cell(f, figure(c, &c->runs[i], row->fig), row->decimals);
	fputc('\n', f);
}

static void print_rows(FILE *f, const struct comparison *c, const struct row *rows, size_t n)
{
	for (size_t k = 0; k < n; k++)
		print_row(f, c, &rows[k]);
}

static void print_text_row(FILE *f, const struct comparison *c, const char *label,
			   const char *(*text)(const struct compare_run *r))
{
	fprintf(f, "%-*s", LABEL_W, label);
	for (int i = 0; i < c->nruns; i++)
		fprintf(f, "%*s", COL_W, text(&c->runs[i]));
	fputc('\n', f);
}

static const char *mode_text(const struct compare_run *r)
{
	return r->name;
}

static const char *stop_text(const struct compare_run *r)
{
	if (r->code)
		return "failed";
	return r->res.summary.stop_reason ? r->res.summary.stop_reason : "none";
}

static const char *watch_text(const struct compare_run *r)
{
	return !r->code && r->res.summary.watch ? r->res.summary.watch : "-";
}

static void print_memory(FILE *f, const struct comparison *c)
{
	const char *names[CACHE_ROWS_MAX];
	int n = cache_union(c, names);
	char label[64];

	fputs("bytes per socket (2 per conn)\n", f);
	print_rows(f, c, cost_head_rows, ARRAY_SIZE(cost_head_rows));
	for (int k = 0; k < n; k++) {
		snprintf(label, sizeof(label), "    %s", names[k]);
		fprintf(f, "%-*s", LABEL_W, label);
		for (int i = 0; i < c->nruns; i++)
			cost_cell(f, cache_figure(&c->runs[i], names[k]));
		fputc('\n', f);
	}
	print_rows(f, c, cost_tail_rows, ARRAY_SIZE(cost_tail_rows));
}

/* Run i's point at the common count, or NULL. */
static const struct bench_point *common_point(const struct comparison *c, int i)
{
	return c->at[i] < 0 ? NULL : &c->runs[i].res.points[c->at[i]];
}

static bool stopped_apart(const struct comparison *c)
{
	for (int i = 0; i < c->nruns; i++) {
		const struct bench_point *p = compare_last_point(&c->runs[i]);

		if (p && p->conns != c->common_n)
			return true;
	}
	return false;
}

static void print_common(FILE *f, const struct comparison *c)
{
	if (!c->common_n) {
		fputs("\nno report point is common to every mode: "
		      "compare at one with a smaller --report-every\n", f);
		return;
	}
	fprintf(f, "\nat %" PRIu64 " conns (every mode reached it), bytes per socket\n",
		c->common_n);
	for (size_t k = 0; k < ARRAY_SIZE(common_rows); k++) {
		fprintf(f, "%-*s", LABEL_W, common_rows[k].label);
		for (int i = 0; i < c->nruns; i++)
			cell(f, cost_figure(common_point(c, i), common_rows[k].fig), 0);
		fputc('\n', f);
	}
}

static void print_notes(FILE *f, const struct comparison *c)
{
	bool threads = false;

	fputc('\n', f);
	for (int i = 0; i < c->nruns; i++) {
		const struct compare_run *r = &c->runs[i];

		threads |= r->mode == MODE_THREADS && !r->server && !r->code;
		if (r->code)
			fprintf(f, "%s: the run failed (its error is above)\n", r->name);
		else if (r->detail[0])
			fprintf(f, "%s: stopped at %" PRIu64 " (%s): %s\n", r->name,
				r->res.summary.held, r->res.summary.stop_reason, r->detail);
		if (!r->code && r->res.check.sockets.disturbed) {
			fprintf(f, "%s: ", mode_name(r->mode));
			crosscheck_line(f, "", &r->res.check);
		}
	}
	if (c->o->nservers)
		fputs("--server: the server's processes are read through /proc (user: PSS growth;\n"
		      "  its CPU is not measured); its kernel share is the growth less the\n"
		      "  generator's own objects (see bench --server).\n", f);
	fputs("kernel: deltas since before each run of /proc/slabinfo caches (\"-\": not among\n"
	      "  that run's largest), meminfo KernelStack and PageTables; user: the larger of\n"
	      "  the conn arenas and the processes' RssAnon growth; CPU over the ramp.\n", f);
	if (threads)
		fprintf(f, "threads: a thread's stacks are not slab: its %d KiB kernel stack "
			"is KernelStack,\n  its user stack shows in RssAnon growth.\n",
			KERNEL_STACK_KIB);
}

void compare_print_table(FILE *f, const struct comparison *c)
{
	fprintf(f, "\nholdconn compare: %" PRIu64 " conns per mode, uring client, "
		"report every %" PRIu64 ", RLIMIT_NOFILE %" PRIu64 "\n\n", c->o->bench.conns,
		c->report_every, c->nofile);
	print_text_row(f, c, "", mode_text);
	print_rows(f, c, run_rows, 1);
	print_text_row(f, c, "stop", stop_text);
	print_rows(f, c, run_rows + 1, ARRAY_SIZE(run_rows) - 1);
	fputs("CPU s per 100K conns\n", f);
	print_rows(f, c, cpu_rows, ARRAY_SIZE(cpu_rows));
	print_memory(f, c);
	fputs("descriptors and rings\n", f);
	print_rows(f, c, table_rows, ARRAY_SIZE(table_rows));
	print_text_row(f, c, "  uring watch", watch_text);
	if (c->o->nservers) {
		fputs("the server alone (--server)\n", f);
		print_rows(f, c, server_rows, ARRAY_SIZE(server_rows));
	}
	fputs("watching\n", f);
	print_rows(f, c, watch_rows, ARRAY_SIZE(watch_rows));
	if (traffic_on(&c->o->bench.holder.traffic)) {
		fputs("traffic, while every connection was held\n", f);
		print_rows(f, c, traffic_rows, ARRAY_SIZE(traffic_rows));
	}
	if (stopped_apart(c))
		print_common(f, c);
	print_notes(f, c);
	fflush(f);
}

/* --- JSON --- */

/* JSON has no NaN: a figure that does not apply is null. */
static void jnum(FILE *f, const char *key, double v, int decimals)
{
	json_string(f, key);
	fputc(':', f);
	if (isfinite(v))
		fprintf(f, "%.*f", decimals, v);
	else
		fputs("null", f);
}

/* A point's costs, per socket, and the count it was taken at. */
static void json_costs(FILE *f, const struct bench_point *p)
{
	if (!p) {
		fputs("null", f);
		return;
	}
	fprintf(f, "{\"connections\":%" PRIu64 ",", p->conns);
	jnum(f, "total", cost_figure(p, TOTAL), 1);
	fputc(',', f);
	jnum(f, "kernel", cost_figure(p, KERNEL), 1);
	fputc(',', f);
	jnum(f, "buffers", cost_figure(p, BUFFERS), 1);
	fputc(',', f);
	jnum(f, "user", cost_figure(p, USER), 1);
	fputc(',', f);
	jnum(f, "arena", cost_figure(p, ARENA), 1);
	fputc(',', f);
	jnum(f, "rss", cost_figure(p, RSS), 1);
	fputc('}', f);
}

static void json_slab(FILE *f, const struct compare_run *r)
{
	const struct meter_delta *d = &r->res.delta;

	fputs(",\"kernel_bytes_per_socket_by_cache\":{", f);
	for (int i = 0; i < d->ncaches; i++) {
		if (i)
			fputc(',', f);
		jnum(f, d->caches[i].name, run_per_socket(r, d->caches[i].bytes), 1);
	}
	fputc('}', f);
}

static void json_figures(FILE *f, const struct comparison *c, const struct compare_run *r)
{
	/* The table's figures in the JSON's units: seconds, fractions, per message (scale). */
	static const struct {
		const char *key;
		enum figure fig;
		double scale;
		int decimals;
	} keys[] = {
		{ "held", HELD, 1, 0 },
		{ "avg_connections_per_second", AVG_RATE, 1, 1 },
		{ "peak_connections_per_second", PEAK_RATE, 1, 1 },
		{ "teardown_seconds", TEARDOWN_S, 1, 3 },
		{ "cpu_server_user_seconds_per_100k_connections", CPU_SERVER_USER, 1, 3 },
		{ "cpu_server_sys_seconds_per_100k_connections", CPU_SERVER_SYS, 1, 3 },
		{ "cpu_client_user_seconds_per_100k_connections", CPU_CLIENT_USER, 1, 3 },
		{ "cpu_client_sys_seconds_per_100k_connections", CPU_CLIENT_SYS, 1, 3 },
		{ "fds_per_connection", FDS_PER_CONN, 1, 0 }, { "server_fds", SERVER_FDS, 1, 0 },
		{ "server_rings", RINGS_SERVER, 1, 0 }, { "registered_slots", SLOTS, 1, 0 },
		{ "close_seen_seconds", CLOSE_SEEN_S, 1, 3 }, { "scan_seconds", SCAN_MS, 1e-3, 5 },
		{ "messages_sent", MSGS_SENT, 1, 0 }, { "messages_delivered", MSGS_DELIVERED, 1, 0 },
		{ "one_way_p50_seconds", ONE_WAY_P50_MS, 1e-3, 6 },
		{ "one_way_p99_seconds", ONE_WAY_P99_MS, 1e-3, 6 },
		{ "rtt_p99_seconds", RTT_P99_MS, 1e-3, 6 }, { "beats_blocked", BEATS_BLOCKED, 1, 0 },
		{ "stalled_connections", STALLED_CONNS, 1, 0 },
		{ "hold_buffer_bytes_per_socket", HOLD_BUFFERS, 1, 0 },
		{ "beats_not_on_time_ratio", BEATS_NOT_ON_TIME, 1e-2, 5 },
		{ "lag_p99_seconds", LAG_P99_MS, 1e-3, 6 },
		{ "cpu_server_seconds_per_message", CPU_SERVER_KMSG, 1e-6, 9 },
		{ "cpu_generator_seconds_per_message", CPU_GENERATOR_KMSG, 1e-6, 9 },
		{ "cpu_softirq_seconds_per_message", CPU_SOFTIRQ_KMSG, 1e-6, 9 },
		{ "cpu_box_share_ratio", CPU_BOX_SHARE, 1e-2, 3 },
		{ "server_user_bytes_per_connection", SERVER_USER, 1, 1 },
		{ "server_kernel_bytes_per_socket", SERVER_KERNEL, 1, 1 },
		{ "server_rlimit_nofile", SERVER_NOFILE, 1, 0 },
	};

	for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
		fputc(',', f);
		jnum(f, keys[k].key, figure(c, r, keys[k].fig) * keys[k].scale, keys[k].decimals);
	}
}

static void json_run(FILE *f, const struct comparison *c, int i)
{
	const struct compare_run *r = &c->runs[i];

	fputs("{\"mode\":", f);
	json_string(f, r->name);
	fprintf(f, ",\"ok\":%s", r->code ? "false" : "true");
	fputs(",\"server\":", f);
	json_string(f, r->server);
	if (r->code) {
		fputc('}', f);
		return;
	}
	fputs(",\"stop_reason\":", f);
	json_string(f, r->res.summary.stop_reason);
	fputs(",\"stop_detail\":", f);
	json_string(f, r->detail[0] ? r->detail : NULL);
	json_figures(f, c, r);
	lat_report_json(f, "connect_latency_seconds", &r->res.summary.connect_lat);
	fprintf(f, ",\"ring_bytes\":%" PRIu64 ",\"bytes_per_socket\":", r->res.summary.ring_bytes);
	json_costs(f, compare_last_point(r));
	json_slab(f, r);
	if (r->res.summary.check)
		crosscheck_json(f, &r->res.check, 0, 0);
	fputs(",\"at_common\":", f);
	json_costs(f, common_point(c, i));
	fputc('}', f);
}

void compare_print_json(FILE *f, const struct comparison *c)
{
	fprintf(f, "{\"event\":\"comparison\",\"target_connections\":%" PRIu64
		",\"client_mode\":\"uring\",\"report_every\":%" PRIu64 ",\"rlimit_nofile\":%" PRIu64
		",\"common_connections\":%" PRIu64
		",\"runs\":[", c->o->bench.conns, c->report_every, c->nofile, c->common_n);
	for (int i = 0; i < c->nruns; i++) {
		if (i)
			fputc(',', f);
		json_run(f, c, i);
	}
	fputs("]}\n", f);
	fflush(f);
}
