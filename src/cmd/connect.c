/* connect.c - `holdconn connect`: open --conns connections to --target endpoints and hold them. */
#include <errno.h>
#include <inttypes.h>
#include "cmd/common.h"
#include "hold/plan.h"
#include "run/side.h"

static const char connect_usage[] =
	"usage: holdconn connect --target ADDR:PORT[-PORT] [--target ...] --conns N\n"
	"                        [options]\n";

static const char connect_about[] =
	"Opens --conns connections to the --target endpoints and holds them open and\n"
	"idle for --duration, or until interrupted (SIGINT or SIGTERM). With source\n"
	"addresses, each connection gets its own (source address, source port,\n"
	"destination) 4-tuple, bound explicitly, so connect() stays fast at any count;\n"
	"without them the kernel picks the source port, which slows down past ~17K\n"
	"connections per destination. Each source address gives (ports in --sport) x\n"
	"(destinations) connections.\n";

static const char connect_notes[] =
	"The server's latency is one way; connect times the echo (serve --on-data\n"
	"echo) as a round trip, and counts heartbeats that could not go out because\n"
	"the last one had not (a zero window or a full send buffer).\n"
	"\n"
	UNITS_HELP
	"\n"
	"example:\n"
	"  holdconn connect --target 127.0.0.1:5000-5015 --source 127.0.0.2-127.0.0.3 \\\n"
	"                   --conns 1M\n"
	"  holdconn connect -c 1000 -d 5s --target 127.0.0.1:5000\n"
	"\n"
	EXIT_HELP;

static struct connect_opts o;

static int opt_server_pid(struct opt_parser *p, const struct opt *opt, const char *arg)
{
	int ret = proc_set_add(&o.server_pids, arg);

	if (ret == -E2BIG)
		return opts_fail(p, "--%s: more than %d processes", opt->name, PROC_MAX_PIDS);
	if (ret)
		return opts_fail(p, "--%s: '%s' is neither a PID nor a cgroup directory (/sys/fs/cgroup/...)",
				 opt->name, arg);
	return 0;
}

static const struct opt options[] = {
	OPT_CALLBACK_F(0, "target", &o.targets, opt_target, "ADDR:PORT[-PORT]",
		       "connect to every port of this range; repeatable, up to 64 (required); "
		       "IPv6 in brackets: [::1]:5000; a host name (NAME:PORT) is resolved at start",
		       OPT_REQUIRED | OPT_REPEAT),
	OPT_CALLBACK_F('c', "conns", &o.conns, opt_conns, "N", "connections to open (required)",
		       OPT_REQUIRED),
	OPT_CALLBACK('d', "duration", &o.hold, opt_hold, "DURATION",
		     "once the ramp ends (target reached or a limit hit), hold this long, then "
		     "print the summary and exit (default: until SIGINT or SIGTERM)"),
	OPT_CONNECT_RATE(o),
	OPT_COUNT(0, "rate", &o.rate, 0, "N", "the same as --connect-rate"),
	OPT_CALLBACK(0, "resolve-timeout", &o.targets.resolve_timeout_us, opt_duration, "DURATION",
		     "how long a --target name may take to resolve, asked again every second "
		     "(default: 60s)"),
	OPT_RUN_SOURCE(o.sources),
	OPT_RUN_SPORT(o.sources),
	OPT_RUN_MODE(o),
	BUFFER_OPTS(o.holder),
	OPT_RUN_RESERVE(o.holder),
	OPT_RUN_REPORT_EVERY(o),
	TCP_OPTS(o.holder),
	OPT_RUN_JSON(o),
	WATCH_OPTS(o.holder),
	OPT_SEND(o.holder),
	OPT_EVERY(o.holder),
	OPT_SEND_ONCE(o.holder),
	OPT_SET_BUFFERS(o.holder),
	OPT_FLAG(0, "reconnect", &o.reconnect,
		 "open a new connection for each one the server closes (default: count it; "
		 "past 100 the ramp stops with stop reason peer or reset)"),
	OPT_CALLBACK_F(0, "server-pid", &o, opt_server_pid, "PID|CGROUP",
		       "the server's process (repeatable) or cgroup directory: its memory (PSS "
		       "growth, anonymous and file), descriptors, threads and RLIMIT_NOFILE are "
		       "read at each report point, and on this box the kernel's growth is split "
		       "between it and us", OPT_REPEAT),
	OPT_RUN_METRICS(o),
	SESSION_OPTS(o.session),
	OPT_TLS(o.session),
	TLS_CLIENT_OPTS(o.session),
	OPT_TLS_KEEP_BUFFERS(o.session),
	OPT_CALLBACK(0, "shard", &o.shard, opt_shard, "I/N",
		     "take the I-th of N disjoint parts of the sources (the addresses, or the "
		     "ports when there are fewer than N), so N generators never share a 4-tuple; "
		     "--conns is then per shard. N alone: I is JOB_COMPLETION_INDEX (a "
		     "Kubernetes Indexed Job's)"),
	OPT_END(),
};

static void defaults(void)
{
	connect_opts_defaults(&o);
}

/* Destinations the planner will expand the targets into: one per port. */
static uint64_t target_ports(void)
{
	uint64_t n = 0;

	for (int i = 0; i < o.targets.n; i++)
		n += port_range_count(&o.targets.range[i].ports);
	return n;
}

static int check(struct opt_parser *p)
{
	struct session_run run = { SESSION_CONNECT, o.mode, o.holder.watch };

	if (!o.targets.n)
		return opts_fail(p, "connect needs --target ADDR:PORT[-PORT] "
				 "(e.g. --target 127.0.0.1:5000-5015)");
	if (!o.conns)
		return opts_fail(p, "connect needs --conns N (e.g. --conns 1M)");
	if (check_traffic(p, &o.holder, o.session.cfg.proto, 0, false) ||
	    check_session(p, &o.session, &o.holder.traffic, &run))
		return -EINVAL;
	if (target_ports() > PLAN_MAX_DST)
		return opts_fail(p, "--target: %" PRIu64 " destination ports in all (at most %d)",
				 target_ports(), PLAN_MAX_DST);
	return 0;
}

static int run(void)
{
	return connect_main(&o);
}

const struct command cmd_connect = { "connect", connect_usage, connect_about, options,
				     connect_notes, defaults, check, run, &o, &o.json };
