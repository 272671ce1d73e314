/* bench.c - `holdconn bench`: serve and connect on loopback, and what the connections cost. */
#include <errno.h>
#include <inttypes.h>
#include "cmd/common.h"
#include "run/bench.h"

#define DEFAULT_BENCH_CONNS 1000000

static const char bench_help[] =
	"usage: holdconn bench [--conns N|max] [options]\n"
	"\n"
	"Measures this machine in one command: starts serve and connect as two\n"
	"processes talking over loopback, opens --conns connections between them,\n"
	"holds them and prints one summary of what they cost. With --conns max it\n"
	"keeps opening until a limit stops it (the memory reserve, file limits or\n"
	"4-tuples) and names that limit.\n"
	"\n"
	"options:\n"
	"  --conns N|max        connections to hold, or max for as many as fit\n"
	"                       (default: 1000000)\n"
	"  --mode MODE          server's event model: uring, epoll or threads\n"
	"                       (default: uring)\n"
	"  --client-mode MODE   client's event model (default: uring)\n"
	"  --ports N            ports the server listens on, 1-1024 (default: 16)\n"
	"  --rcvbuf BYTES       SO_RCVBUF per connection (default: kernel's)\n"
	"  --sndbuf BYTES       SO_SNDBUF per connection (default: kernel's)\n"
	"  --reserve BYTES      open no new connection once MemAvailable would fall\n"
	"                       below this (default: the larger of 1 GiB and 5% of\n"
	"                       MemTotal)\n"
	"  --report-every N     progress every N connections (default: 100000)\n"
	"  --json               print the final report as JSON\n"
	"  --metrics ADDR:PORT  serve Prometheus metrics of the holder and every client\n"
	"                       at http://ADDR:PORT/metrics (in the host's namespace)\n"
	"  --clients K          generator processes, 1-32, each with its own shard of\n"
	"                       the sources and its share of --conns (default: 1)\n"
	"  --path PATH          loopback, or veth: each client in a closed network\n"
	"                       namespace of its own (198.18.0.0/15), reaching the\n"
	"                       holder over a veth pair and a bridge (default: loopback)\n"
	"  --watch HOW          how a closed peer is noticed (uring, both sides): poll,\n"
	"                       recv, none or diag (default: poll); see serve --help\n"
	"  --sweep-interval D   how often --watch diag looks (default: 1s)\n"
	"  --client-watch HOW   the generator's watch (default: none: bench notices a\n"
	"                       dead holder by itself, so the client need not pay)\n"
	"  --no-netns           run on the host's loopback instead of a private\n"
	"                       network namespace (see below)\n"
	"  --ipv6               over IPv6: to [::1] from fd00:1::/64, a block bench\n"
	"                       routes to lo in its namespace (::1 alone without one)\n"
	"  --send BYTES         a heartbeat of BYTES per connection (at least 8)\n"
	"  --every DURATION     heartbeat period, spread over the connections (10s)\n"
	"  --send-once BYTES    send BYTES once per connection after connecting\n"
	"  --on-data WHAT       holder: drain, echo or keep (default: drain)\n"
	"  --set-buffers WHEN   before or after the handshake (default: before)\n"
	"  --hold DURATION      hold with the traffic this long before the teardown\n"
	"                       (default: 2 x --every with --send, 2s with\n"
	"                       --send-once, else 0)\n"
	"  --slo p99=DURATION   at every report point hold the pattern for a window (3s,\n"
	"                       or --hold) and stop (reason slo) at the first where the\n"
	"                       one-way p99 exceeds DURATION or over 1% of heartbeats\n"
	"                       are not sent on time; reports the largest count that met it\n"
	"  --server CMD         a server holdconn did not write holds the connections\n"
	"                       instead of serve: CMD runs with /bin/sh in bench's\n"
	"                       namespace, {port} replaced by its port (17000), {ports}\n"
	"                       by 17000-N for --ports N; the summary adds its memory,\n"
	"                       fds, RLIMIT_NOFILE and what stopped it (idle\n"
	"                       connections only: no traffic options)\n"
	"  -h, --help           print this help\n"
	"\n"
	"As root, bench runs both sides in a network namespace of its own: its\n"
	"ports cannot clash with the host's, /proc/net/sockstat counts only its\n"
	"sockets, and loopback packets are spread over every CPU (RPS) so the\n"
	"handshakes are not all done by the connecting process's CPU.\n"
	"\n"
	UNITS_HELP
	"\n"
	"examples:\n"
	"  holdconn bench\n"
	"  holdconn bench --conns max --mode epoll --json\n"
	"  holdconn bench --conns 100k --send 64 --every 10s --on-data echo\n"
	"  holdconn bench --ipv6 --conns 100k --mode epoll\n"
	"  holdconn bench --conns 15k --server 'redis-server --port {port} --save \"\" --maxclients 100000'\n"
	"\n"
	EXIT_HELP;

static struct run_opts o;

/* --server CMD: it must say where its port goes, or bench could not find it listening. */
static int opt_server(struct opt_parser *p, const struct opt *opt, const char *arg)
{
	if (check_server_cmd(p, opt->name, arg))
		return -EINVAL;
	*(const char **)opt->value = arg;
	return 0;
}

static const struct opt options[] = {
	OPT_CALLBACK("conns", &o, opt_conns_or_max),
	OPT_RUN_MODE(o),
	OPT_CALLBACK("client-mode", &o.client_mode, opt_mode),
	OPT_RUN_PORTS(o),
	BUFFER_OPTS(o),
	OPT_RUN_RESERVE(o),
	OPT_RUN_REPORT_EVERY(o),
	OPT_RUN_JSON(o),
	OPT_FLAG("no-netns", &o.no_netns),
	OPT_FLAG("ipv6", &o.ipv6),
	WATCH_OPTS(o),
	OPT_CALLBACK("client-watch", &o.client_watch, opt_watch),
	TRAFFIC_OPTS(o),
	OPT_RUN_METRICS(o),
	OPT_UINT("clients", &o.clients, 1, BENCH_MAX_CLIENTS),
	OPT_CALLBACK("path", &o, opt_path),
	OPT_CALLBACK("server", &o.server_cmd, opt_server),
	OPT_END(),
};

static void defaults(void)
{
	run_opts_defaults(&o);
	o.bench = true;
	o.conns = DEFAULT_BENCH_CONNS;
	o.clients = 1;
}

static int check(struct opt_parser *p)
{
	if (o.path_veth && o.no_netns)
		return opts_fail(p, "--path veth needs bench's own network namespace: drop --no-netns");
	if (o.path_veth && o.ipv6)
		return opts_fail(p, "--path veth holds over IPv4 (198.18.0.0/15) only: drop --ipv6 "
				 "or use --path loopback");
	if (!o.conns_max && o.clients > 1 && o.conns < o.clients)
		return opts_fail(p, "--conns %" PRIu64 " cannot be shared by --clients %u: give at "
				 "least one connection each", o.conns, o.clients);
	if (o.server_cmd && (o.clients > 1 || o.path_veth))
		return opts_fail(p, "--server runs one generator on loopback: drop --clients and "
				 "--path veth");
	if (o.server_cmd && check_server_idle(p, &o))
		return -EINVAL;
	return check_traffic(p, &o, true);
}

static int run(void)
{
	return bench_main(&o);
}

const struct command cmd_bench = { "bench", bench_help, options, defaults, check, run, &o };
