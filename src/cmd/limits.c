/*
 * limits.c - `holdconn limits`: probe the machine, measure what a
 * connection costs, print which limit binds first.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cmd/common.h"
#include "hold/holder.h"
#include "run/bench.h"
#include "run/calibrate.h"
#include "run/configure.h"
#include "run/limits_report.h"

static const char limits_usage[] = "usage: holdconn limits [--mode MODE] [--conns N] [options]\n";

static const char limits_about[] =
	"Lists every limit on holding idle connections here: its value and where it\n"
	"comes from, what one connection uses of it, how many connections it allows\n"
	"and the command that lifts it; then the one that binds first and the most\n"
	"each mode can hold. Without --target a connection is a bench pair (two\n"
	"sockets on this box). The memory cost is measured first by a short bench\n"
	"(10,000 pairs, a few seconds).\n";

static const char limits_notes[] =
	UNITS_HELP
	"\n"
	"examples:\n"
	"  holdconn limits\n"
	"  holdconn limits --mode epoll --json\n"
	"  holdconn limits --target 10.0.0.5:80 --source 10.0.0.2-10.0.0.9 --conns 1M\n"
	"\n"
	EXIT_HELP;

/* limits' options: the run it is asked about. */
struct limits_opts {
	enum mode mode;             /* --mode, default uring */
	uint64_t conns;             /* --conns; 0: as many as fit */
	struct target_opts targets; /* --target; none: bench's pairs on loopback */
	struct source_opts sources; /* --source, --sport */
	uint32_t ports;             /* --ports: bench's listening ports */
	struct reserve_opt reserve; /* --reserve */
	bool json;                  /* --json */
	bool no_calibrate;          /* --no-calibrate: documented costs, no measuring bench */
};

static struct limits_opts o;

static const struct opt options[] = {
	OPT_RUN_MODE(o),
	OPT_CALLBACK('c', "conns", &o.conns, opt_conns, "N",
		     "connections wanted: the lift commands size for it"),
	OPT_CALLBACK_F(0, "target", &o.targets, opt_target, "ADDR:PORT[-PORT]",
		       "count connect's 4-tuples to these; repeatable (default: bench's pairs on "
		       "loopback)", OPT_REPEAT),
	OPT_CALLBACK(0, "source", &o.sources, opt_source, "ADDR[-ADDR]",
		     "source addresses (default: 127.1.0.1-127.1.255.254 for loopback targets, "
		     "else the kernel's choice)"),
	OPT_CALLBACK(0, "sport", &o.sources, opt_sport, "LO-HI",
		     "source ports (default: as connect plans them)"),
	OPT_RUN_PORTS(o),
	OPT_CALLBACK(0, "reserve", &o.reserve, opt_reserve, "BYTES",
		     "MemAvailable and room under the memory cgroup's limit to keep (default: the "
		     "larger of 1 GiB and 5% of MemTotal; a cgroup's: 5% of its limit)"),
	OPT_FLAG(0, "json", &o.json, "print one JSON object"),
	OPT_FLAG(0, "no-calibrate", &o.no_calibrate, "use the documented costs; run no bench"),
	OPT_END(),
};

static void defaults(void)
{
	memset(&o, 0, sizeof(o));
	o.mode = MODE_URING;
	target_opts_defaults(&o.targets);
	o.ports = BENCH_DEFAULT_PORTS;
}

static int check(struct opt_parser *p)
{
	(void)p;
	return 0;
}

/* What the limits model is asked about: connect's 4-tuples, or bench's pairs. */
static void limits_query(struct limits_query *q)
{
	memset(q, 0, sizeof(*q));
	q->mode = o.mode;
	q->conns = o.conns;
	memcpy(q->target, o.targets.range, sizeof(q->target));
	q->ntarget = o.targets.n;
	q->source = o.sources.source;
	q->has_source = o.sources.has_source;
	q->sport = o.sources.sport;
	q->has_sport = o.sources.has_sport;
	q->ports = o.ports;
	q->reserve = o.reserve.bytes;
	q->has_reserve = o.reserve.given;
	q->backlog = DEFAULT_BACKLOG;
}

/* Calibrate below the descriptor limit: an EMFILE there measures nothing new. */
static uint64_t calibration_pairs(const struct limits_input *in)
{
	uint64_t pairs = in->mode == MODE_THREADS ? CALIBRATE_PAIRS_THREADS : CALIBRATE_PAIRS;
	uint64_t fixed = in->fds_open + in->listeners + 1;
	uint64_t room = in->nofile_soft > fixed ? in->nofile_soft - fixed : 0;

	if (in->mode != MODE_URING && room * 9 / 10 < pairs)
		pairs = room * 9 / 10;
	return pairs;
}

static int run(void)
{
	static struct limits_query q;
	static struct limits_input in;
	static struct limits_table t;
	static struct calibration cal;
	char err[256];
	int ret;

	if (target_opts_resolve(&o.targets, "limits", err, sizeof(err))) {
		fprintf(stderr, "holdconn limits: %s\n", err);
		return EXIT_RUNTIME;
	}
	limits_query(&q);
	ret = limits_probe(&q, &in);
	if (ret) {
		fprintf(stderr, "holdconn limits: cannot read /proc/meminfo: %s\n", strerror(-ret));
		return 1;
	}
	holder_signals(false);
	if (o.no_calibrate) {
		snprintf(cal.why, sizeof(cal.why), "--no-calibrate");
	} else if (calibrate(&q, calibration_pairs(&in), &in.cost[in.mode], &cal)) {
		if (holder_signalled)
			return 1;
		fprintf(stderr, "holdconn limits: %s; using the documented costs\n", cal.why);
	}
	calibrate_apply(&cal, &in);
	/* The calibration's teardown refilled the per-CPU free lists: look again. */
	if (!o.no_calibrate)
		limits_probe_memory(&q, &in);
	limits_compute(&in, &t);
	if (o.json)
		limits_print_json(stdout, &in, &t, &cal);
	else
		limits_print(stdout, &in, &t, &cal);
	return 0;
}

const struct command cmd_limits = { "limits", limits_usage, limits_about, options, limits_notes,
				    defaults, check, run, &o, &o.json };
