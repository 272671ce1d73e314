/* run_opts.c - the defaults of a run (see run_opts.h). */
#include <string.h>
#include "run/run_opts.h"

#define DEFAULT_REPORT_EVERY 100000
#define DEFAULT_BACKLOG 4096
#define DEFAULT_BENCH_PORTS 16
#define DEFAULT_SWEEP_INTERVAL_US 1000000 /* --watch diag: one dump a second */
#define DEFAULT_EVERY_US 10000000         /* --every: 10 s */

void run_opts_defaults(struct run_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = MODE_URING;
	o->client_mode = MODE_URING;
	o->watch = WATCH_POLL;
	o->client_watch = WATCH_NONE;
	o->scan_interval_us = DEFAULT_SWEEP_INTERVAL_US;
	o->report_every = DEFAULT_REPORT_EVERY;
	o->backlog = DEFAULT_BACKLOG;
	o->ports = DEFAULT_BENCH_PORTS;
	o->traffic.every_us = DEFAULT_EVERY_US;
}

void run_opts_limits_query(const struct run_opts *o, struct limits_query *q)
{
	memset(q, 0, sizeof(*q));
	q->mode = o->mode;
	q->conns = o->conns_max ? 0 : o->conns;
	memcpy(q->target, o->target, sizeof(q->target));
	q->ntarget = o->ntarget;
	q->source = o->source;
	q->has_source = o->has_source;
	q->sport = o->sport;
	q->has_sport = o->has_sport;
	q->ports = o->ports;
	q->reserve = o->reserve;
	q->has_reserve = o->has_reserve;
	q->backlog = o->backlog;
}
