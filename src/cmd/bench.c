/* bench.c - `holdconn bench`: serve and connect on loopback, and what the connections cost. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include "cmd/common.h"
#include "run/bench.h"

#define DEFAULT_BENCH_CONNS 1000000

static const char bench_usage[] = "usage: holdconn bench [--conns N|max] [options]\n";

static const char bench_about[] =
	"Measures this machine in one command: starts serve and connect as two\n"
	"processes talking over loopback, opens --conns connections between them,\n"
	"holds them and prints one summary of what they cost. With --conns max it\n"
	"keeps opening until a limit stops it (the memory reserve, file limits or\n"
	"4-tuples) and names that limit.\n";

static const char bench_notes[] =
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

static struct bench_opts o;

/* bench alone may ask for "max": as many connections as the machine holds. */
static int opt_conns_or_max(struct opt_parser *p, const struct opt *opt, const char *arg)
{
	if (strcmp(arg, "max") == 0) {
		o.conns_max = true;
		o.conns = 0;
		return 0;
	}
	o.conns_max = false;
	return opts_count(p, opt->name, arg, 1, &o.conns);
}

/* --path loopback|veth */
static int opt_path(struct opt_parser *p, const struct opt *opt, const char *arg)
{
	if (!strcmp(arg, "veth") || !strcmp(arg, "loopback")) {
		o.path_veth = !strcmp(arg, "veth");
		return 0;
	}
	return opts_fail(p, "--%s: '%s' is not loopback or veth", opt->name, arg);
}

/* --server CMD: it must say where its port goes, or bench could not find it listening. */
static int opt_server(struct opt_parser *p, const struct opt *opt, const char *arg)
{
	if (check_server_cmd(p, opt->name, arg))
		return -EINVAL;
	*(const char **)opt->value = arg;
	return 0;
}

static const struct opt options[] = {
	OPT_CALLBACK('c', "conns", &o, opt_conns_or_max, "N|max",
		     "connections to hold, or max for as many as fit (default: 1000000)"),
	OPT_CONNECT_RATE(o),
	OPT_CALLBACK(0, "mode", &o.mode, opt_mode, "MODE",
		     "server's event model: uring, epoll or threads (default: uring)"),
	OPT_CALLBACK(0, "client-mode", &o.client_mode, opt_mode, "MODE",
		     "client's event model (default: uring)"),
	OPT_RUN_PORTS(o),
	BUFFER_OPTS(o.holder),
	OPT_RUN_RESERVE(o.holder),
	OPT_RUN_REPORT_EVERY(o),
	OPT_RUN_JSON(o),
	OPT_FLAG(0, "no-netns", &o.no_netns,
		 "run on the host's loopback instead of a private network namespace (see below)"),
	OPT_FLAG(0, "ipv6", &o.ipv6,
		 "over IPv6: to [::1] from fd00:1::/64, a block bench routes to lo in its "
		 "namespace (::1 alone without one)"),
	OPT_CALLBACK(0, "watch", &o.holder.watch, opt_watch, "HOW",
		     "how the server notices a closed peer (uring): poll, recv, none, diag or auto "
		     "(default: auto: recv with --send, else poll); see serve --help"),
	OPT_SCAN_INTERVAL(o.holder),
	OPT_CALLBACK(0, "client-watch", &o.client_watch, opt_watch, "HOW",
		     "the generator's watch (default: none: bench notices a dead server by "
		     "itself, so the client need not pay)"),
	TRAFFIC_OPTS(o),
	TCP_OPTS(o.holder),
	OPT_CALLBACK(0, "metrics", &o.metrics, opt_metrics, "ADDR:PORT",
		     "serve Prometheus metrics of the server and every generator at "
		     "http://ADDR:PORT/metrics (in the host's namespace)"),
	OPT_UINT(0, "clients", &o.clients, 1, BENCH_MAX_CLIENTS, "K",
		 "generator processes, 1-32, each with its own shard of the sources and its "
		 "share of --conns (default: 1)"),
	OPT_CALLBACK(0, "path", &o, opt_path, "PATH",
		     "loopback, or veth: each client in a closed network namespace of its own "
		     "(198.18.0.0/15), reaching the server over a veth pair and a bridge "
		     "(default: loopback)"),
	OPT_FLAG(0, "pin", &o.pin,
		 "serve on the first CPU bench may use and each generator on another, so that "
		 "the ramp's rate does not depend on where the scheduler put them (on two CPUs "
		 "it did: see docs/floor.md)"),
	OPT_CALLBACK(0, "server", &o.server_cmd, opt_server, "CMD",
		     "a server holdconn did not write holds the connections instead of serve: "
		     "CMD runs with /bin/sh in bench's namespace, {port} replaced by its port "
		     "(17000), {ports} by 17000-N for --ports N; the summary adds its memory, "
		     "fds, RLIMIT_NOFILE and what stopped it (idle connections only: no traffic "
		     "options; --proto's keepalives are the server's to answer)"),
	SESSION_OPTS(o.session),
	OPT_TLS(o.session),
	TLS_CLIENT_OPTS(o.session),
	TLS_SERVER_OPTS(o.session),
	OPT_TLS_KEEP_BUFFERS(o.session),
	OPT_END(),
};

static void defaults(void)
{
	bench_opts_defaults(&o);
	o.conns = DEFAULT_BENCH_CONNS;
}

static int check(struct opt_parser *p)
{
	struct session_run run = { SESSION_BENCH, o.mode, o.holder.watch, o.client_mode,
				   o.client_watch, o.server_cmd };

	if (o.path_veth && o.no_netns)
		return opts_fail(p, "--path veth needs bench's own network namespace: drop --no-netns");
	if (o.path_veth && o.ipv6)
		return opts_fail(p, "--path veth holds over IPv4 (198.18.0.0/15) only: drop --ipv6 "
				 "or use --path loopback");
	if (!o.conns_max && o.clients > 1 && o.conns < o.clients)
		return opts_fail(p, "--conns %" PRIu64 " cannot be shared by --clients %u: give at "
				 "least one connection each", o.conns, o.clients);
	if (o.rate && o.rate < o.clients)
		return opts_fail(p, "--connect-rate %" PRIu64 " cannot be shared by --clients %u: give "
				 "at least one a second each", o.rate, o.clients);
	if (o.server_cmd && (o.clients > 1 || o.path_veth))
		return opts_fail(p, "--server runs one generator on loopback: drop --clients and "
				 "--path veth");
	if (o.server_cmd && o.pin)
		return opts_fail(p, "--pin places holdconn's own sides: place a --server with "
				 "taskset in CMD, and drop --pin");
	if (o.server_cmd && check_server_idle(p, &o.holder, o.slo_p99_us))
		return -EINVAL;
	if (check_session(p, &o.session, &o.holder.traffic, &run))
		return -EINVAL;
	return check_traffic(p, &o.holder, o.session.cfg.proto, o.slo_p99_us, o.mode == MODE_URING);
}

static int run(void)
{
	return bench_main(&o);
}

const struct command cmd_bench = { "bench", bench_usage, bench_about, options, bench_notes,
				   defaults, check, run, &o, &o.json };
