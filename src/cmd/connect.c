/* connect.c - `holdconn connect`: open --conns connections to --target endpoints and hold them. */
#include <errno.h>
#include <inttypes.h>
#include "cmd/common.h"
#include "hold/plan.h"
#include "run/side.h"

static const char connect_help[] =
	"usage: holdconn connect --target ADDR:PORT[-PORT] [--target ...] --conns N\n"
	"                        [options]\n"
	"\n"
	"Opens --conns connections to the --target endpoints and holds them open and\n"
	"idle until interrupted (SIGINT or SIGTERM). With source addresses, each\n"
	"connection gets its own (source address, source port, destination) 4-tuple,\n"
	"bound explicitly, so connect() stays fast at any count; without them the\n"
	"kernel picks the source port, which slows down past ~17K connections per\n"
	"destination. Each source address gives (ports in --sport) x (destinations)\n"
	"connections.\n"
	"\n"
	"options:\n"
	"  --target ADDR:PORT[-PORT]  connect to every port of this range; repeatable,\n"
	"                             up to 64 (required); IPv6 in brackets: [::1]:5000\n"
	"  --conns N                  connections to open (required)\n"
	"  --rate N                   connections started per second\n"
	"                             (default: 0, as fast as possible)\n"
	"  --source ADDR[-ADDR]       source addresses to bind, e.g. 127.0.0.2-127.0.0.40,\n"
	"                             or a block ADDR/LEN, e.g. fd00:1::/64 (default:\n"
	"                             127.1.0.1-127.1.255.254 when every target is on\n"
	"                             127/8, ::1 for [::1], else no bind)\n"
	"  --sport LO-HI              source ports to bind\n"
	"                             (default: those outside net.ipv4.ip_local_port_range\n"
	"                             when sources are bound, so the box keeps its own)\n"
	"  --mode MODE                uring, epoll or threads (default: uring)\n"
	"  --rcvbuf BYTES             SO_RCVBUF per connection (default: kernel's)\n"
	"  --sndbuf BYTES             SO_SNDBUF per connection (default: kernel's)\n"
	"  --reserve BYTES            open no new connection once MemAvailable would fall\n"
	"                             below this (default: the larger of 1 GiB and 5% of\n"
	"                             MemTotal)\n"
	"  --report-every N           progress every N connections (default: 100000)\n"
	"  --json                     print the final report as JSON\n"
	METRICS_HELP
	"  --shard I/N                take the I-th of N disjoint parts of the sources\n"
	"                             (the addresses, or the ports when there are fewer\n"
	"                             than N), so N generators never share a 4-tuple;\n"
	"                             --conns is then per shard. N alone: I is\n"
	"                             JOB_COMPLETION_INDEX (a Kubernetes Indexed Job's)\n"
	"  --watch HOW                how a closed peer is noticed (uring): poll, one-shot\n"
	"                             poll per socket; recv, multishot recv into shared\n"
	"                             buffers; none, never look; diag, a sock_diag dump\n"
	"                             of the living every --sweep-interval (default: poll)\n"
	"  --sweep-interval DURATION  how often --watch diag looks (default: 1s)\n"
	"  --send BYTES               a heartbeat of BYTES on every connection (at\n"
	"                             least 8: it ends with its send time)\n"
	"  --every DURATION           heartbeat period; connections are spread over it,\n"
	"                             not fired at once (default: 10s)\n"
	"  --send-once BYTES          send BYTES once, right after connecting\n"
	"  --set-buffers WHEN         before: --rcvbuf/--sndbuf set before the handshake,\n"
	"                             which sizes the window scale for them (0 for a\n"
	"                             small receive buffer: a 64 KiB window for life);\n"
	"                             after: set once established (default: before)\n"
	"  --reconnect                open a new connection for each one the server\n"
	"                             closes (default: count it; past 100 the ramp stops\n"
	"                             with stop reason peer or reset)\n"
	"  --server-pid PID|CGROUP    the server's process (repeatable) or cgroup\n"
	"                             directory: its memory (PSS growth, anonymous and\n"
	"                             file), descriptors, threads and RLIMIT_NOFILE are\n"
	"                             read at each report point, and on this box the\n"
	"                             kernel's growth is split between it and us\n"
	"  -h, --help                 print this help\n"
	"\n"
	"The holder's latency is one way; connect times the echo (serve --on-data\n"
	"echo) as a round trip, and counts heartbeats that could not go out because\n"
	"the last one had not (a zero window or a full send buffer).\n"
	"\n"
	UNITS_HELP
	"\n"
	"example:\n"
	"  holdconn connect --target 127.0.0.1:5000-5015 --source 127.0.0.2-127.0.0.3 \\\n"
	"                   --conns 1M\n"
	"\n"
	EXIT_HELP;

static struct run_opts o;

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
	OPT_RUN_TARGET(o),
	OPT_CALLBACK("conns", &o, opt_conns),
	OPT_COUNT("rate", &o.rate, 0),
	OPT_RUN_SOURCE(o),
	OPT_RUN_SPORT(o),
	OPT_RUN_MODE(o),
	BUFFER_OPTS(o),
	OPT_RUN_RESERVE(o),
	OPT_RUN_REPORT_EVERY(o),
	OPT_RUN_JSON(o),
	WATCH_OPTS(o),
	OPT_SEND(o),
	OPT_EVERY(o),
	OPT_SEND_ONCE(o),
	OPT_SET_BUFFERS(o),
	OPT_FLAG("reconnect", &o.reconnect),
	OPT_CALLBACK("server-pid", &o, opt_server_pid),
	OPT_RUN_METRICS(o),
	OPT_CALLBACK("shard", &o, opt_shard),
	OPT_END(),
};

static void defaults(void)
{
	run_opts_defaults(&o);
}

/* Destinations the planner will expand the targets into: one per port. */
static uint64_t target_ports(void)
{
	uint64_t n = 0;

	for (int i = 0; i < o.ntarget; i++)
		n += port_range_count(&o.target[i].ports);
	return n;
}

static int check(struct opt_parser *p)
{
	if (!o.ntarget)
		return opts_fail(p, "connect needs --target ADDR:PORT[-PORT] "
				 "(e.g. --target 127.0.0.1:5000-5015)");
	if (!o.conns)
		return opts_fail(p, "connect needs --conns N (e.g. --conns 1M)");
	if (check_traffic(p, &o, false))
		return -EINVAL;
	if (target_ports() > PLAN_MAX_DST)
		return opts_fail(p, "--target: %" PRIu64 " destination ports in all (at most %d)",
				 target_ports(), PLAN_MAX_DST);
	return 0;
}

static int run(void)
{
	return side_main(&o, ROLE_CONNECT);
}

const struct command cmd_connect = { "connect", connect_help, options, defaults, check, run, &o };
