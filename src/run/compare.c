/*
 * compare.c - `holdconn compare`: bench_run once per server mode, then
 * the comparison (compare_report.c) and the plot (plot.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include "run/compare.h"
#include "run/extserver.h"
#include "hold/holder.h"
#include "run/plot.h"
#include "run/report.h"
#include "hold/ringset.h"

/* The default interval: ten points per run, and one at least every 1000 connections. */
#define EVERY_PARTS 10
#define EVERY_MAX 1000

void compare_defaults(struct compare_opts *o)
{
	o->bench.conns = COMPARE_DEFAULT_CONNS;
	o->bench.report_every = 0; /* none given: compare_report_every(--conns) */
	o->nmodes = 0;
	o->modes[o->nmodes++] = MODE_URING;
	o->modes[o->nmodes++] = MODE_EPOLL;
	o->modes[o->nmodes++] = MODE_THREADS;
}

static bool listed(const enum mode *modes, int n, enum mode m)
{
	for (int i = 0; i < n; i++) {
		if (modes[i] == m)
			return true;
	}
	return false;
}

int compare_parse_modes(const char *s, enum mode modes[MAX_MODES], int *n, char *why,
			size_t len)
{
	enum mode got[MAX_MODES], m;
	char item[16];
	int count = 0;
	size_t k;

	if (!*s) {
		snprintf(why, len, "names no mode (e.g. uring,epoll,threads)");
		return -EINVAL;
	}
	for (;; s += k + 1) {
		k = strcspn(s, ",");
		if (!k) {
			snprintf(why, len, "has an empty item (e.g. uring,epoll,threads)");
			return -EINVAL;
		}
		snprintf(item, sizeof(item), "%.*s", (int)k, s);
		if (k >= sizeof(item) || parse_mode(item, &m)) {
			snprintf(why, len, "names '%.*s', not a mode (uring, epoll or threads)",
				 (int)k, s);
			return -EINVAL;
		}
		/* No mode twice, so there are at most MAX_MODES. */
		if (listed(got, count, m)) {
			snprintf(why, len, "names %s twice (list each mode once)", mode_name(m));
			return -EINVAL;
		}
		got[count++] = m;
		if (!s[k])
			break;
	}
	memcpy(modes, got, count * sizeof(got[0]));
	*n = count;
	return 0;
}

uint64_t compare_report_every(uint64_t conns)
{
	/* Leave one of the bench's points for the stop, which may fall between. */
	uint64_t coarsest = (conns + BENCH_MAX_POINTS - 2) / (BENCH_MAX_POINTS - 1);
	uint64_t every = conns / EVERY_PARTS;

	if (every > EVERY_MAX)
		every = EVERY_MAX;
	if (every < coarsest) /* the finest that fits, made round */
		every = coarsest <= EVERY_MAX ? coarsest
					      : (coarsest + EVERY_MAX - 1) / EVERY_MAX * EVERY_MAX;
	return every ? every : 1;
}

static int point_at(const struct bench_result *res, uint64_t conns)
{
	for (int k = 0; k < res->npoints; k++) {
		if (res->points[k].conns == conns)
			return k;
	}
	return -1;
}

/* Does every run that worked have a point at conns? Fills at[]. */
static bool common_at(const struct compare_run *runs, int nruns, uint64_t conns, int at[])
{
	for (int i = 0; i < nruns; i++) {
		at[i] = -1;
		if (runs[i].code)
			continue;
		at[i] = point_at(&runs[i].res, conns);
		if (at[i] < 0)
			return false;
	}
	return true;
}

uint64_t compare_common_n(const struct compare_run *runs, int nruns, int at[])
{
	const struct bench_result *first = NULL;
	int i, k;

	for (i = 0; i < nruns; i++)
		at[i] = -1;
	for (i = 0; i < nruns && !first; i++) {
		if (!runs[i].code)
			first = &runs[i].res;
	}
	if (!first)
		return 0;
	/* Points ascend: the first match from the top is the largest. */
	for (k = first->npoints - 1; k >= 0; k--) {
		uint64_t n = first->points[k].conns;

		if (n && common_at(runs, nruns, n, at))
			return n;
	}
	for (i = 0; i < nruns; i++)
		at[i] = -1;
	return 0;
}

const struct bench_point *compare_last_point(const struct compare_run *r)
{
	if (r->code || !r->res.npoints)
		return NULL;
	return &r->res.points[r->res.npoints - 1];
}

/* The bench names a connect failure; a server out of descriptors is named here. */
static void explain_stop(const struct comparison *c, struct compare_run *r)
{
	const struct report_summary *s = &r->res.summary;

	r->detail[0] = '\0';
	if (r->server && s->stop_detail)
		snprintf(r->detail, sizeof(r->detail), "%s", s->stop_detail);
	else if (r->server)
		r->detail[0] = '\0';
	else if (s->stop_reason && !strcmp(s->stop_reason, "EMFILE") && r->mode != MODE_URING)
		snprintf(r->detail, sizeof(r->detail),
			 "RLIMIT_NOFILE is %" PRIu64 "; %s cannot hold more: "
			 "use --mode uring or raise ulimit -n", c->nofile, mode_name(r->mode));
	else if (s->stop_reason && !strcmp(s->stop_reason, "EMFILE"))
		snprintf(r->detail, sizeof(r->detail),
			 "RLIMIT_NOFILE is %" PRIu64 ": raise ulimit -n", c->nofile);
	else if (s->stop_detail)
		snprintf(r->detail, sizeof(r->detail), "%s", s->stop_detail);
}

static void run_mode(struct comparison *c, struct compare_run *r, struct reporter *rep)
{
	struct bench_opts o = c->o->bench;

	o.mode = r->mode;
	o.server_cmd = r->server;
	o.client_mode = MODE_URING; /* the fastest generator: only the server differs */
	o.conns_max = false;
	o.report_every = c->report_every;
	r->code = bench_run(&o, rep, &r->res);
	if (!r->code)
		explain_stop(c, r);
}

/* A server's column: its name, without a "-server" that would fill the column (redis-server). */
static void column_name(const char *cmd, char *out, size_t len)
{
	size_t n;

	extserver_name(cmd, out, len);
	n = strlen(out);
	if (n > 7 && !strcmp(out + n - 7, "-server"))
		out[n - 7] = '\0';
}

static void announce(const struct comparison *c, const struct compare_run *r, int i)
{
	if (c->o->bench.json)
		return;
	printf("run %d/%d: %s server, uring client, %" PRIu64 " conns\n", i + 1,
	       c->o->nmodes + c->o->nservers, r->name, c->o->bench.conns);
	fflush(stdout);
}

/* After a run: one line (the reporter clears the progress line), or its JSON summary. */
static void conclude(struct reporter *rep, const struct compare_run *r)
{
	const struct report_summary *s = &r->res.summary;

	if (r->code)
		return;
	if (rep->json) {
		report_summary(rep, s);
		return;
	}
	report_notice(rep, "  held %" PRIu64 " (%s) in %.1f s, avg %.0f/s", s->held,
		      s->stop_reason, s->ramp_s, s->avg_rate);
}

static void setup(struct comparison *c, const struct compare_opts *o)
{
	struct rlimit rl;

	memset(c, 0, sizeof(*c));
	c->o = o;
	c->report_every = o->bench.report_every ? o->bench.report_every
					       : compare_report_every(o->bench.conns);
	c->nofile = getrlimit(RLIMIT_NOFILE, &rl) ? 0 : (uint64_t)rl.rlim_cur;
	c->slots_per_ring = ringset_slots_allowed();
}

static int draw(const struct comparison *c)
{
	struct plot_series series[COMPARE_MAX_RUNS];
	char err[256], title[128];
	int n = 0;

	for (int i = 0; i < c->nruns; i++) {
		const struct compare_run *r = &c->runs[i];

		if (r->code || !r->res.npoints)
			continue;
		series[n++] = (struct plot_series){ r->name, r->res.points, r->res.npoints };
	}
	snprintf(title, sizeof(title), "holdconn compare: %" PRIu64 " conns per server, uring client",
		 c->o->bench.conns);
	if (plot_draw(c->o->plot, series, n, title, err, sizeof(err))) {
		fprintf(stderr, "holdconn compare: %s\n", err);
		return 1;
	}
	return 0;
}

int compare_main(const struct compare_opts *o)
{
	static struct comparison c;
	struct reporter rep;
	char err[256];
	int code = 0;

	/* Find out now, not after minutes of benches, that the plot cannot be drawn. */
	if (o->plot && plot_check(err, sizeof(err))) {
		fprintf(stderr, "holdconn compare: %s\n", err);
		return 1;
	}
	setup(&c, o);
	reporter_init(&rep, stdout, o->bench.json);
	rep.quiet = !o->bench.json; /* the live line only: the table comes at the end */
	holder_signals(false);
	for (int i = 0; i < o->nmodes + o->nservers && !holder_signalled; i++) {
		struct compare_run *r = &c.runs[c.nruns++];

		if (i < o->nmodes) {
			r->mode = o->modes[i];
			snprintf(r->name, sizeof(r->name), "%s", mode_name(r->mode));
		} else {
			r->mode = MODE_URING; /* unused: --server's command holds */
			r->server = o->servers[i - o->nmodes];
			column_name(r->server, r->name, sizeof(r->name));
		}
		announce(&c, r, i);
		run_mode(&c, r, &rep);
		code = exit_code_worse(code, r->code ? r->code : bench_exit_code(&r->res));
		conclude(&rep, r);
	}
	c.common_n = compare_common_n(c.runs, c.nruns, c.at);
	if (o->bench.json)
		compare_print_json(stdout, &c);
	else
		compare_print_table(stdout, &c);
	if (o->plot && draw(&c))
		code = exit_code_worse(code, EXIT_RUNTIME);
	return code;
}
