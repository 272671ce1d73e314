/* sweep.c - `holdconn sweep`: one bench per buffer setting under traffic. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cmd/common.h"
#include "run/sweep.h"

#define DEFAULT_SWEEP_CONNS 10000
#define DEFAULT_SWEEP_SEND 64 /* without a pattern: a 64-byte heartbeat every 10 s */

static const char sweep_usage[] =
	"usage: holdconn sweep --rcvbuf LIST and/or --sndbuf LIST [--conns N] [traffic]\n"
	"                      [options]\n";

static const char sweep_about[] =
	"Idle sockets hold no buffer pages: SO_RCVBUF and SO_SNDBUF only matter once\n"
	"bytes flow. For each buffer setting sweep runs a bench of --conns pairs with\n"
	"the traffic pattern and reports the sizes the kernel made of it, the buffer\n"
	"memory per connection and tcp_mem pressure, throughput, latency and stalls;\n"
	"then the smallest setting that keeps the pattern flowing and the memory it\n"
	"saves per million connections against the kernel's defaults.\n";

static const char sweep_notes[] =
	"Without --send or --send-once the pattern is --send 64 --every 10s.\n"
	"A setting keeps it flowing when every pair was held, no send failed, no\n"
	"heartbeat was skipped for the last one still pending, no message was still\n"
	"waiting for room when the hold ended, and every message was read (and\n"
	"echoed back, with --on-data echo; keep reads nothing). Defaults on both\n"
	"sides set nothing, so they run once. Savings are against the defaults row\n"
	"if there is one, else the largest setting.\n"
	"\n"
	UNITS_HELP
	"\n"
	"examples:\n"
	"  holdconn sweep --rcvbuf 4Ki,16Ki,64Ki,default --conns 100k\n"
	"  holdconn sweep --rcvbuf 4Ki,32Ki --sndbuf 4Ki,32Ki --send-once 16Ki\n"
	"\n"
	EXIT_HELP;

static struct sweep_opts s;

/* --rcvbuf/--sndbuf: "4Ki,16Ki,default"; 0 stands for the kernel's default. */
static int opt_size_list(struct opt_parser *p, const struct opt *o, const char *arg)
{
	bool rcv = !strcmp(o->name, "rcvbuf");
	uint64_t *out = rcv ? s.rcvbuf : s.sndbuf;
	int *n = rcv ? &s.nrcvbuf : &s.nsndbuf;
	const char *name = o->name, *at = arg;
	char item[64];

	*n = 0;
	for (;;) {
		size_t len = strcspn(at, ",");

		if (!len || len >= sizeof(item))
			return opts_fail(p, "--%s: '%s' is not a list of sizes (try 4Ki,16Ki,default)",
					 name, arg);
		if (*n == SWEEP_MAX)
			return opts_fail(p, "--%s: more than %d sizes", name, SWEEP_MAX);
		snprintf(item, sizeof(item), "%.*s", (int)len, at);
		if (!strcmp(item, "default"))
			out[(*n)++] = 0;
		else if (opts_size(p, name, item, SOCKBUF_MAX, &out[(*n)++]))
			return -EINVAL;
		if (!at[len])
			return 0;
		at += len + 1;
	}
}

/* --set-buffers: before, after, or both ways. */
static int opt_when(struct opt_parser *p, const struct opt *o, const char *arg)
{
	if (!strcmp(arg, "before") || !strcmp(arg, "after") || !strcmp(arg, "before,after") ||
	    !strcmp(arg, "after,before")) {
		s.when = (strstr(arg, "before") ? SWEEP_BEFORE : 0) |
			 (strstr(arg, "after") ? SWEEP_AFTER : 0);
		return 0;
	}
	return opts_fail(p, "--%s: '%s' is not before, after or before,after", o->name, arg);
}

static const struct opt options[] = {
	OPT_CALLBACK(0, "rcvbuf", &s, opt_size_list, "LIST",
		     "receive buffer sizes, comma separated; 'default' is the kernel's (e.g. "
		     "2304,4Ki,16Ki,default)"),
	OPT_CALLBACK(0, "sndbuf", &s, opt_size_list, "LIST",
		     "send buffer sizes, likewise; every pair of the two lists is run (default: "
		     "default)"),
	OPT_CALLBACK('c', "conns", &s.bench.conns, opt_conns, "N", "pairs held per setting (default: 10000)"),
	OPT_CALLBACK(0, "send", &s.bench.holder.traffic.send, opt_msg, "BYTES",
		     "heartbeat size, at least 8 (default: 64)"),
	OPT_CALLBACK(0, "every", &s.bench.holder, opt_every, "DURATION", "heartbeat period (default: 10s)"),
	OPT_CALLBACK(0, "send-once", &s.bench.holder.traffic.once, opt_msg, "BYTES",
		     "one message per connection after connecting (a burst)"),
	OPT_CALLBACK(0, "on-data", &s.bench.holder, opt_on_data, "WHAT",
		     "the server's: drain, echo or keep (default: drain)"),
	OPT_CALLBACK(0, "set-buffers", &s, opt_when, "LIST",
		     "before, after or before,after (default: before,after: each setting both "
		     "ways, to show the window scale)"),
	DURATION_OPTS(s.bench.hold, "time each setting runs its traffic (default: 2 x --every, or 2s "
			     "for --send-once alone)"),
	OPT_CALLBACK(0, "slo", &s.bench.slo_p99_us, opt_slo, "p99=DURATION",
		     "stop each bench at the first report point that misses the objective (see "
		     "bench --help)"),
	OPT_CALLBACK(0, "watch", &s.bench.holder.watch, opt_watch, "HOW", "the server's watch (default: auto, as bench)"),
	OPT_CALLBACK(0, "reserve", &s.bench.holder.reserve, opt_reserve, "BYTES", "MemAvailable to keep (as bench)"),
	OPT_FLAG(0, "json", &s.bench.json, "one JSON object per setting, then the recommendation"),
	OPT_END(),
};

static void defaults(void)
{
	memset(&s, 0, sizeof(s));
	bench_opts_defaults(&s.bench);
	s.bench.conns = DEFAULT_SWEEP_CONNS;
	s.when = SWEEP_BEFORE | SWEEP_AFTER;
}

static int check(struct opt_parser *p)
{
	if (!s.nrcvbuf && !s.nsndbuf)
		return opts_fail(p, "sweep needs --rcvbuf LIST and/or --sndbuf LIST "
				 "(e.g. --rcvbuf 4Ki,16Ki,64Ki,default)");
	if (check_traffic(p, &s.bench.holder, PROTO_NONE, s.bench.slo_p99_us, s.bench.mode == MODE_URING))
		return -EINVAL;
	if (!traffic_on(&s.bench.holder.traffic))
		s.bench.holder.traffic.send = DEFAULT_SWEEP_SEND;
	return 0;
}

static int run(void)
{
	return sweep_main(&s);
}

const struct command cmd_sweep = { "sweep", sweep_usage, sweep_about, options, sweep_notes,
				   defaults, check, run, &s, &s.bench.json };
