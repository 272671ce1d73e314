/* args.c - the command line: subcommands, their options and --help texts. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "cmd/args.h"
#include "run/compare.h"
#include "hold/plan.h"
#include "run/plot.h"
#include "base/units.h"

#define DEFAULT_BENCH_CONNS 1000000
#define DEFAULT_REPORT_EVERY 100000
#define DEFAULT_BACKLOG 4096
#define DEFAULT_EVERY_US 10000000 /* --every: 10 s */
#define DEFAULT_SWEEP_CONNS 10000
#define DEFAULT_BENCH_PORTS 16
#define BACKLOG_MAX 65535 /* the kernel caps it further at net.core.somaxconn */
#define BENCH_PORTS_MAX 1024
#define SOCKBUF_MAX INT_MAX /* SO_RCVBUF and SO_SNDBUF take an int */
#define PORT_MAX 65535

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char top_help[] =
	"usage: holdconn <command> [options]\n"
	"\n"
	"Measures how many idle TCP connections this machine can hold, and what\n"
	"each one costs in memory.\n"
	"\n"
	"commands:\n"
	"  serve     accept connections on --listen endpoints and hold them\n"
	"  connect   open --conns connections to --target endpoints and hold them\n"
	"  bench     run serve and connect on loopback and report how many were held\n"
	"  limits    list every limit on holding connections and which one binds first\n"
	"  compare   bench each event model in turn and show them side by side\n"
	"  sweep     bench buffer sizes under traffic and recommend the smallest\n"
	"\n"
	"  holdconn <command> --help   the options of one command\n"
	"  holdconn --version          print the version\n"
	"\n"
	"example:\n"
	"  holdconn bench --conns 1M\n"
	"\n"
	"exit codes: 0 ok, 1 runtime failure, 2 bad usage\n";

/* Shared by every command's help: how counts, sizes and durations may be written. */
#define UNITS_HELP \
	"N is a count: 1000000, 1M, 2.5M, 100k or 1_000_000 (k, M, G = 10^3, 10^6, 10^9).\n" \
	"BYTES is a size: 4096, 64k, 4KiB, 1G (k, M, G = 2^10, 2^20, 2^30).\n" \
	"DURATION is 500ms, 10s, 2m or 1h.\n"

#define EXIT_HELP "exit codes: 0 ok, 1 runtime failure, 2 bad usage\n"

static const char serve_help[] =
	"usage: holdconn serve --listen ADDR:PORT[-PORT] [--listen ...] [options]\n"
	"\n"
	"Listens on every port of each --listen range, accepts connections and holds\n"
	"them open and idle until interrupted (SIGINT or SIGTERM).\n"
	"\n"
	"options:\n"
	"  --listen ADDR:PORT[-PORT]  where to listen; repeatable, up to 64 (required)\n"
	"  --mode MODE                uring, epoll or threads (default: uring)\n"
	"  --rcvbuf BYTES             SO_RCVBUF per connection (default: kernel's)\n"
	"  --sndbuf BYTES             SO_SNDBUF per connection (default: kernel's)\n"
	"  --backlog N                listen() backlog, 1-65535, capped by\n"
	"                             net.core.somaxconn (default: 4096)\n"
	"  --reserve BYTES            take no new connection once MemAvailable would fall\n"
	"                             below this (default: the larger of 1 GiB and 5% of\n"
	"                             MemTotal)\n"
	"  --report-every N           progress every N connections (default: 100000)\n"
	"  --json                     print the final report as JSON\n"
	"  --watch HOW                how a closed peer is noticed (uring): poll, one-shot\n"
	"                             poll per socket; recv, multishot recv into shared\n"
	"                             buffers; none, never look; diag, a sock_diag dump\n"
	"                             of the living every --sweep-interval (default: poll)\n"
	"  --sweep-interval DURATION  how often --watch diag looks (default: 1s)\n"
	"  --on-data WHAT             drain: read and drop; echo: write it back; keep:\n"
	"                             leave it queued, to see what buffers cost\n"
	"                             (default: drain; keep with --watch none)\n"
	"  --set-buffers WHEN         before: --rcvbuf/--sndbuf set before the handshake,\n"
	"                             which sizes the window scale for them (0 for a\n"
	"                             small receive buffer: a 64 KiB window for life);\n"
	"                             after: set once established (default: before)\n"
	"  --send BYTES, --send-once BYTES\n"
	"                             what peers send (see connect --help), so that their\n"
	"                             messages are timed; bytes are counted either way\n"
	"  -h, --help                 print this help\n"
	"\n"
	UNITS_HELP
	"\n"
	"example:\n"
	"  holdconn serve --listen 127.0.0.1:5000-5015 --mode epoll\n"
	"\n"
	EXIT_HELP;

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
	"                             up to 64 (required)\n"
	"  --conns N                  connections to open (required)\n"
	"  --rate N                   connections started per second\n"
	"                             (default: 0, as fast as possible)\n"
	"  --source ADDR[-ADDR]       source addresses to bind, e.g. 127.0.0.2-127.0.0.40\n"
	"                             (default: 127.1.0.1-127.1.255.254 when every\n"
	"                             target is on loopback, else no bind)\n"
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
	"  --watch HOW          how a closed peer is noticed (uring, both sides): poll,\n"
	"                       recv, none or diag (default: poll); see serve --help\n"
	"  --sweep-interval D   how often --watch diag looks (default: 1s)\n"
	"  --client-watch HOW   the generator's watch (default: none: bench notices a\n"
	"                       dead holder by itself, so the client need not pay)\n"
	"  --no-netns           run on the host's loopback instead of a private\n"
	"                       network namespace (see below)\n"
	"  --send BYTES         a heartbeat of BYTES per connection (at least 8)\n"
	"  --every DURATION     heartbeat period, spread over the connections (10s)\n"
	"  --send-once BYTES    send BYTES once per connection after connecting\n"
	"  --on-data WHAT       holder: drain, echo or keep (default: drain)\n"
	"  --set-buffers WHEN   before or after the handshake (default: before)\n"
	"  --hold DURATION      hold with the traffic this long before the teardown\n"
	"                       (default: 2 x --every with --send, 2s with\n"
	"                       --send-once, else 0)\n"
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
	"\n"
	EXIT_HELP;

static const char limits_help[] =
	"usage: holdconn limits [--mode MODE] [--conns N] [options]\n"
	"\n"
	"Lists every limit on holding idle connections here: its value and where it\n"
	"comes from, what one connection uses of it, how many connections it allows\n"
	"and the command that lifts it; then the one that binds first and the most\n"
	"each mode can hold. Without --target a connection is a bench pair (two\n"
	"sockets on this box). The memory cost is measured first by a short bench\n"
	"(10,000 pairs, a few seconds).\n"
	"\n"
	"options:\n"
	"  --mode MODE                uring, epoll or threads (default: uring)\n"
	"  --conns N                  connections wanted: the lift commands size for it\n"
	"  --target ADDR:PORT[-PORT]  count connect's 4-tuples to these; repeatable\n"
	"                             (default: bench's pairs on loopback)\n"
	"  --source ADDR[-ADDR]       source addresses (default: 127.1.0.1-127.1.255.254\n"
	"                             for loopback targets, else the kernel's choice)\n"
	"  --sport LO-HI              source ports (default: as connect plans them)\n"
	"  --ports N                  bench's listening ports, 1-1024 (default: 16)\n"
	"  --reserve BYTES            MemAvailable to keep (default: the larger of 1 GiB\n"
	"                             and 5% of MemTotal)\n"
	"  --json                     print one JSON object\n"
	"  --no-calibrate             use the documented costs; run no bench\n"
	"  -h, --help                 print this help\n"
	"\n"
	UNITS_HELP
	"\n"
	"examples:\n"
	"  holdconn limits\n"
	"  holdconn limits --mode epoll --json\n"
	"  holdconn limits --target 10.0.0.5:80 --source 10.0.0.2-10.0.0.9 --conns 1M\n"
	"\n"
	EXIT_HELP;

static const char compare_help[] =
	"usage: holdconn compare [--conns N] [--modes MODE,...] [options]\n"
	"\n"
	"Runs bench once per holder mode, one after another, with the same target,\n"
	"buffers and an io_uring client, so that only the holder differs; then prints\n"
	"one table with a column per mode: connections held and why each stopped,\n"
	"establish rate, CPU, teardown, and bytes per socket split by slab cache.\n"
	"A mode that stops early (epoll at RLIMIT_NOFILE) is also compared with the\n"
	"others at the largest count every mode reached.\n"
	"\n"
	"options:\n"
	"  --conns N              connections each mode should hold (default: 100000)\n"
	"  --modes MODE,...       holders to compare, in order (default:\n"
	"                         uring,epoll,threads)\n"
	"  --watch HOW            how the uring holder notices a closed peer: poll,\n"
	"                         recv, none or diag (default: poll); see serve --help\n"
	"  --rcvbuf BYTES         SO_RCVBUF per connection (default: kernel's)\n"
	"  --sndbuf BYTES         SO_SNDBUF per connection (default: kernel's)\n"
	"  --reserve BYTES        open no new connection once MemAvailable would fall\n"
	"                         below this (default: the larger of 1 GiB and 5% of\n"
	"                         MemTotal)\n"
	"  --report-every N       measure every N connections (default: N/10, at most\n"
	"                         1000, so that the modes share points to compare at)\n"
	"  --json                 print each run as bench --json does, then one\n"
	"                         {\"event\":\"comparison\"} object\n"
	"  --send BYTES           a heartbeat of BYTES per connection (at least 8)\n"
	"  --every DURATION       heartbeat period (default: 10s)\n"
	"  --send-once BYTES      send BYTES once per connection after connecting\n"
	"  --on-data WHAT         holder: drain, echo or keep (default: drain)\n"
	"  --set-buffers WHEN     before or after the handshake (default: before)\n"
	"  --hold DURATION        hold with the traffic this long (see bench --help)\n"
	"  --plot FILE            draw bytes per socket against connections held, one\n"
	"                         line per mode, into FILE (.png or .svg; needs gnuplot)\n"
	"  -h, --help             print this help\n"
	"\n"
	UNITS_HELP
	"\n"
	"examples:\n"
	"  holdconn compare --conns 15000\n"
	"  holdconn compare --modes uring,epoll --json --plot compare.png\n"
	"\n"
	EXIT_HELP;

static const char sweep_help[] =
	"usage: holdconn sweep --rcvbuf LIST and/or --sndbuf LIST [--conns N] [traffic]\n"
	"                      [options]\n"
	"\n"
	"Idle sockets hold no buffer pages: SO_RCVBUF and SO_SNDBUF only matter once\n"
	"bytes flow. For each buffer setting sweep runs a bench of --conns pairs with\n"
	"the traffic pattern and reports the sizes the kernel made of it, the buffer\n"
	"memory per connection and tcp_mem pressure, throughput, latency and stalls;\n"
	"then the smallest setting that keeps the pattern flowing and the memory it\n"
	"saves per million connections against the kernel's defaults.\n"
	"\n"
	"options:\n"
	"  --rcvbuf LIST          receive buffer sizes, comma separated; 'default' is\n"
	"                         the kernel's (e.g. 2304,4k,16k,default)\n"
	"  --sndbuf LIST          send buffer sizes, likewise; every pair of the two\n"
	"                         lists is run (default: default)\n"
	"  --conns N              pairs held per setting (default: 10000)\n"
	"  --send BYTES           heartbeat size, at least 8 (default: 64)\n"
	"  --every DURATION       heartbeat period (default: 10s)\n"
	"  --send-once BYTES      one message per connection after connecting (a burst)\n"
	"  --on-data WHAT         holder: drain, echo or keep (default: drain)\n"
	"  --set-buffers LIST     before, after or before,after (default: before,after:\n"
	"                         each setting both ways, to show the window scale)\n"
	"  --hold DURATION        time each setting runs its traffic (default: 2 x\n"
	"                         --every, or 2s for --send-once alone)\n"
	"  --watch HOW            the holder's watch (default: poll)\n"
	"  --reserve BYTES        MemAvailable to keep (as bench)\n"
	"  --json                 one JSON object per setting, then the recommendation\n"
	"  -h, --help             print this help\n"
	"\n"
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
	"  holdconn sweep --rcvbuf 4k,16k,64k,default --conns 100k\n"
	"  holdconn sweep --rcvbuf 4k,32k --sndbuf 4k,32k --send-once 16k\n"
	"\n"
	EXIT_HELP;

/* getopt_long values; the long-only ones start past any short option character. */
enum opt_id {
	OPT_HELP = 'h',
	OPT_LISTEN = 256,
	OPT_TARGET,
	OPT_CONNS,
	OPT_RATE,
	OPT_SOURCE,
	OPT_SPORT,
	OPT_MODE,
	OPT_CLIENT_MODE,
	OPT_RCVBUF,
	OPT_SNDBUF,
	OPT_BACKLOG,
	OPT_RESERVE,
	OPT_REPORT_EVERY,
	OPT_PORTS,
	OPT_JSON,
	OPT_NO_NETNS,
	OPT_WATCH,
	OPT_CLIENT_WATCH,
	OPT_SWEEP_INTERVAL,
	OPT_NO_CALIBRATE,
	OPT_MODES,
	OPT_PLOT,
	OPT_SEND,
	OPT_EVERY,
	OPT_SEND_ONCE,
	OPT_ON_DATA,
	OPT_SET_BUFFERS,
	OPT_HOLD,
};

#define ARG(name, id) { name, required_argument, NULL, id }
#define FLAG(name, id) { name, no_argument, NULL, id }
#define END { NULL, 0, NULL, 0 }
/* The traffic pattern, as bench, compare and sweep take it. */
#define TRAFFIC_ARGS                                                                  \
	ARG("send", OPT_SEND), ARG("every", OPT_EVERY), ARG("send-once", OPT_SEND_ONCE), \
		ARG("on-data", OPT_ON_DATA), ARG("set-buffers", OPT_SET_BUFFERS),        \
		ARG("hold", OPT_HOLD)

static const struct option serve_opts[] = {
	ARG("listen", OPT_LISTEN),
	ARG("mode", OPT_MODE),
	ARG("rcvbuf", OPT_RCVBUF),
	ARG("sndbuf", OPT_SNDBUF),
	ARG("backlog", OPT_BACKLOG),
	ARG("reserve", OPT_RESERVE),
	ARG("report-every", OPT_REPORT_EVERY),
	FLAG("json", OPT_JSON),
	ARG("watch", OPT_WATCH),
	ARG("sweep-interval", OPT_SWEEP_INTERVAL),
	ARG("on-data", OPT_ON_DATA),
	ARG("set-buffers", OPT_SET_BUFFERS),
	ARG("send", OPT_SEND),
	ARG("send-once", OPT_SEND_ONCE),
	FLAG("help", OPT_HELP),
	END,
};

static const struct option connect_opts[] = {
	ARG("target", OPT_TARGET),
	ARG("conns", OPT_CONNS),
	ARG("rate", OPT_RATE),
	ARG("source", OPT_SOURCE),
	ARG("sport", OPT_SPORT),
	ARG("mode", OPT_MODE),
	ARG("rcvbuf", OPT_RCVBUF),
	ARG("sndbuf", OPT_SNDBUF),
	ARG("reserve", OPT_RESERVE),
	ARG("report-every", OPT_REPORT_EVERY),
	FLAG("json", OPT_JSON),
	ARG("watch", OPT_WATCH),
	ARG("sweep-interval", OPT_SWEEP_INTERVAL),
	ARG("send", OPT_SEND),
	ARG("every", OPT_EVERY),
	ARG("send-once", OPT_SEND_ONCE),
	ARG("set-buffers", OPT_SET_BUFFERS),
	FLAG("help", OPT_HELP),
	END,
};

static const struct option bench_opts[] = {
	ARG("conns", OPT_CONNS),
	ARG("mode", OPT_MODE),
	ARG("client-mode", OPT_CLIENT_MODE),
	ARG("ports", OPT_PORTS),
	ARG("rcvbuf", OPT_RCVBUF),
	ARG("sndbuf", OPT_SNDBUF),
	ARG("reserve", OPT_RESERVE),
	ARG("report-every", OPT_REPORT_EVERY),
	FLAG("json", OPT_JSON),
	FLAG("no-netns", OPT_NO_NETNS),
	ARG("watch", OPT_WATCH),
	ARG("sweep-interval", OPT_SWEEP_INTERVAL),
	ARG("client-watch", OPT_CLIENT_WATCH),
	TRAFFIC_ARGS,
	FLAG("help", OPT_HELP),
	END,
};

static const struct option limits_opts[] = {
	ARG("mode", OPT_MODE),
	ARG("conns", OPT_CONNS),
	ARG("target", OPT_TARGET),
	ARG("source", OPT_SOURCE),
	ARG("sport", OPT_SPORT),
	ARG("ports", OPT_PORTS),
	ARG("reserve", OPT_RESERVE),
	FLAG("json", OPT_JSON),
	FLAG("no-calibrate", OPT_NO_CALIBRATE),
	FLAG("help", OPT_HELP),
	END,
};

static const struct option compare_opts[] = {
	ARG("conns", OPT_CONNS),
	ARG("modes", OPT_MODES),
	ARG("watch", OPT_WATCH),
	ARG("rcvbuf", OPT_RCVBUF),
	ARG("sndbuf", OPT_SNDBUF),
	ARG("reserve", OPT_RESERVE),
	ARG("report-every", OPT_REPORT_EVERY),
	FLAG("json", OPT_JSON),
	ARG("plot", OPT_PLOT),
	TRAFFIC_ARGS,
	FLAG("help", OPT_HELP),
	END,
};

static const struct option sweep_opts[] = {
	ARG("rcvbuf", OPT_RCVBUF),
	ARG("sndbuf", OPT_SNDBUF),
	ARG("conns", OPT_CONNS),
	TRAFFIC_ARGS,
	ARG("watch", OPT_WATCH),
	ARG("reserve", OPT_RESERVE),
	FLAG("json", OPT_JSON),
	FLAG("help", OPT_HELP),
	END,
};

struct command_desc {
	const char *name;
	enum command cmd;
	const struct option *opts;
	const char *help;
};

static const struct command_desc commands[] = {
	{ "serve", CMD_SERVE, serve_opts, serve_help },
	{ "connect", CMD_CONNECT, connect_opts, connect_help },
	{ "bench", CMD_BENCH, bench_opts, bench_help },
	{ "limits", CMD_LIMITS, limits_opts, limits_help },
	{ "compare", CMD_COMPARE, compare_opts, compare_help },
	{ "sweep", CMD_SWEEP, sweep_opts, sweep_help },
};

static const char *const mode_names[] = {
	[MODE_URING] = "uring",
	[MODE_EPOLL] = "epoll",
	[MODE_THREADS] = "threads",
};

/* One parse: where it writes and what it has seen so far. */
struct parser {
	const struct command_desc *cmd;
	struct options *o;
	char *err;
	size_t errlen;
	bool conns_given;
	bool every_given;
};

__attribute__((format(printf, 2, 3)))
static int fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	if (ps->err && ps->errlen) {
		va_start(ap, fmt);
		vsnprintf(ps->err, ps->errlen, fmt, ap);
		va_end(ap);
		/* Arguments are echoed: a newline or escape in one must not break the one line. */
		for (char *c = ps->err; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
	}
	return -EINVAL;
}

const char *mode_name(enum mode m)
{
	if ((unsigned int)m >= ARRAY_SIZE(mode_names))
		return "unknown";
	return mode_names[m];
}

int parse_mode(const char *s, enum mode *out)
{
	unsigned int i;

	for (i = 0; s && i < ARRAY_SIZE(mode_names); i++) {
		if (strcmp(s, mode_names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *args_help(enum command cmd)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (commands[i].cmd == cmd)
			return commands[i].help;
	}
	return top_help;
}

static const struct command_desc *find_command(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	}
	return NULL;
}

static const struct option *find_option(const struct option *opts, const char *name, int id)
{
	for (; opts->name; opts++) {
		if (name ? strcmp(opts->name, name) == 0 : opts->val == id)
			return opts;
	}
	return NULL;
}

/* --- diagnosis: what exactly is wrong with a rejected address or port --- */

/* The value of an all-digit port, capped at PORT_MAX + 1; -1 when not a number. */
static long port_value(const char *s, size_t n)
{
	long v = 0;
	size_t i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
		if (v > PORT_MAX)
			v = PORT_MAX + 1;
	}
	return v;
}

static bool port_in_range(long v)
{
	return v >= 1 && v <= PORT_MAX;
}

/* Explains a rejected "PORT[-PORT]" in why; false when it is plain junk. */
static bool port_problem(const char *ports, char *why, size_t len)
{
	const char *dash = strchr(ports, '-');
	int nlo = dash ? (int)(dash - ports) : (int)strlen(ports);
	const char *hi_text = dash ? dash + 1 : ports;
	long lo = port_value(ports, nlo);
	long hi = dash ? port_value(hi_text, strlen(hi_text)) : lo;

	if (lo < 0 || hi < 0)
		return false;
	if (!port_in_range(lo))
		snprintf(why, len, "has port %.*s (ports are 1-65535)", nlo, ports);
	else if (!port_in_range(hi))
		snprintf(why, len, "has port %s (ports are 1-65535)", hi_text);
	else if (lo > hi)
		snprintf(why, len, "has its ports reversed (write LO-HI: %ld-%ld)", hi, lo);
	else
		return false;
	return true;
}

static bool one_addr(const char *s, size_t n, uint32_t *out)
{
	char buf[INET_ADDRSTRLEN];
	struct in_addr a;

	if (n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1)
		return false;
	*out = ntohl(a.s_addr);
	return true;
}

static bool addr_range_reversed(const char *s)
{
	const char *dash = strchr(s, '-');
	uint32_t lo, hi;

	return dash && one_addr(s, dash - s, &lo) &&
	       one_addr(dash + 1, strlen(dash + 1), &hi) && lo > hi;
}

/* --- one function per kind of option value --- */

static bool endpoints_overlap(const struct endpoint_range *a, const struct endpoint_range *b)
{
	return a->v6 == b->v6 && a->addr == b->addr && a->ports.first <= b->ports.last &&
	       b->ports.first <= a->ports.last;
}

/* A port given twice would fail later: EADDRINUSE to listen, a repeated 4-tuple to connect. */
static int add_endpoint(struct parser *ps, const char *name, const char *arg,
			const struct endpoint_range *e, struct endpoint_range *list, int *n)
{
	int i;

	for (i = 0; i < *n; i++) {
		if (endpoints_overlap(&list[i], e))
			return fail(ps, "--%s: '%s' overlaps an earlier --%s (give each port once)",
				    name, arg, name);
	}
	list[(*n)++] = *e;
	return 0;
}

static int opt_endpoint(struct parser *ps, const char *name, const char *arg,
			struct endpoint_range *list, int *n)
{
	const char *colon = strchr(arg, ':');
	struct endpoint_range e;
	char why[128];
	uint32_t addr;

	if (*n == MAX_ENDPOINTS)
		return fail(ps, "--%s: '%s' is one too many (at most %d endpoints)", name, arg,
			    MAX_ENDPOINTS);
	if (parse_endpoint_range(arg, &e) == 0)
		return add_endpoint(ps, name, arg, &e, list, n);
	if (colon && one_addr(arg, colon - arg, &addr) && port_problem(colon + 1, why, sizeof(why)))
		return fail(ps, "--%s: '%s' %s", name, arg, why);
	return fail(ps, "--%s: '%s' is not ADDR:PORT or ADDR:PORT-PORT (e.g. 127.0.0.1:5000-5015)",
		    name, arg);
}

static int opt_source(struct parser *ps, const char *name, const char *arg)
{
	if (parse_addr_range(arg, &ps->o->source) == 0) {
		/* The planner cannot count 2^32 sources, and no host binds them all. */
		if (ps->o->source.first == 0 && ps->o->source.last == UINT32_MAX)
			return fail(ps, "--%s: '%s' is every IPv4 address (give this host's, "
				    "e.g. 127.0.0.2-127.0.0.40)", name, arg);
		ps->o->has_source = true;
		return 0;
	}
	if (addr_range_reversed(arg))
		return fail(ps, "--%s: '%s' is reversed (write LOW-HIGH, e.g. 127.0.0.2-127.0.0.40)",
			    name, arg);
	return fail(ps, "--%s: '%s' is not ADDR or ADDR-ADDR (e.g. 127.0.0.2-127.0.0.40)", name,
		    arg);
}

static int opt_sport(struct parser *ps, const char *name, const char *arg)
{
	char why[128];

	if (parse_port_range(arg, &ps->o->sport) == 0) {
		ps->o->has_sport = true;
		return 0;
	}
	if (port_problem(arg, why, sizeof(why)))
		return fail(ps, "--%s: '%s' %s", name, arg, why);
	return fail(ps, "--%s: '%s' is not PORT or LO-HI (e.g. 10000-60999)", name, arg);
}

static const char *const watch_names[] = { "poll", "recv", "none", "diag" };

const char *watch_name(enum watch w)
{
	if ((unsigned int)w >= ARRAY_SIZE(watch_names))
		return "?";
	return watch_names[w];
}

static int opt_watch(struct parser *ps, const char *name, const char *arg, enum watch *out)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(watch_names); i++) {
		if (!strcmp(arg, watch_names[i])) {
			*out = (enum watch)i;
			return 0;
		}
	}
	return fail(ps, "--%s: '%s' is not a watch strategy (poll, recv, none or diag)", name, arg);
}

static int opt_mode(struct parser *ps, const char *name, const char *arg, enum mode *out)
{
	if (parse_mode(arg, out))
		return fail(ps, "--%s: '%s' is not a mode (uring, epoll or threads)", name, arg);
	return 0;
}

static int opt_count(struct parser *ps, const char *name, const char *arg, uint64_t min,
		     uint64_t *out)
{
	uint64_t v;
	int ret = parse_count(arg, &v);

	if (ret == -ERANGE)
		return fail(ps, "--%s: '%s' is too large (at most %" PRIu64 ")", name, arg,
			    UINT64_MAX);
	if (ret)
		return fail(ps, "--%s: '%s' is not a count (try 1000000 or 1M)", name, arg);
	if (v < min)
		return fail(ps, "--%s: '%s' is too small (at least %" PRIu64 ")", name, arg, min);
	*out = v;
	return 0;
}

static int opt_size(struct parser *ps, const char *name, const char *arg, uint64_t max,
		    uint64_t *out)
{
	uint64_t v;
	int ret = parse_size(arg, &v);

	if (ret == -ERANGE || (!ret && v > max))
		return fail(ps, "--%s: '%s' is too large (at most %" PRIu64 " bytes)", name, arg,
			    max);
	if (ret)
		return fail(ps, "--%s: '%s' is not a size (try 4096, 64k or 1G)", name, arg);
	*out = v;
	return 0;
}

static int opt_bounded(struct parser *ps, const char *name, const char *arg, uint32_t min,
		       uint32_t max, uint32_t *out)
{
	uint64_t v;
	int ret = parse_count(arg, &v);

	if (ret == -EINVAL)
		return fail(ps, "--%s: '%s' is not a number (%u-%u)", name, arg, min, max);
	if (ret || v < min || v > max)
		return fail(ps, "--%s: '%s' is out of range (%u-%u)", name, arg, min, max);
	*out = v;
	return 0;
}

/* bench alone may ask for "max": as many connections as the machine holds. */
static int opt_conns(struct parser *ps, const char *name, const char *arg)
{
	struct options *o = ps->o;

	ps->conns_given = true;
	if (strcmp(arg, "max") == 0) {
		if (ps->cmd->cmd != CMD_BENCH)
			return fail(ps, "--%s: 'max' is only for bench (give a count, e.g. 1M)",
				    name);
		o->conns_max = true;
		o->conns = 0;
		return 0;
	}
	o->conns_max = false;
	return opt_count(ps, name, arg, 1, &o->conns);
}

static int opt_modes(struct parser *ps, const char *name, const char *arg)
{
	char why[128];

	if (compare_parse_modes(arg, ps->o->modes, &ps->o->nmodes, why, sizeof(why)))
		return fail(ps, "--%s: '%s' %s", name, arg, why);
	return 0;
}

static int opt_plot(struct parser *ps, const char *name, const char *arg)
{
	if (plot_format(arg) < 0)
		return fail(ps, "--%s: '%s' must end in .png or .svg", name, arg);
	ps->o->plot = arg;
	return 0;
}

/* A message carries its send time in its last 8 bytes. */
static int opt_msg(struct parser *ps, const char *name, const char *arg, uint32_t *out)
{
	uint64_t v;
	int ret = opt_size(ps, name, arg, TRAFFIC_MSG_MAX, &v);

	if (ret)
		return ret;
	if (v < TRAFFIC_STAMP)
		return fail(ps, "--%s: '%s' is too small (at least %d bytes: a message ends with "
			    "its send time)", name, arg, TRAFFIC_STAMP);
	*out = (uint32_t)v;
	return 0;
}

static int opt_duration(struct parser *ps, const char *name, const char *arg, uint64_t min_us,
			uint64_t *out)
{
	if (parse_duration_us(arg, out) || *out < min_us || *out > 86400000000ull)
		return fail(ps, "--%s: '%s' is not a duration from %s to 24h (try 500ms, 10s or 2m)",
			    name, arg, min_us ? "1ms" : "0");
	return 0;
}

/* sweep --rcvbuf/--sndbuf: "4k,16k,default"; 0 stands for the kernel's default. */
static int opt_size_list(struct parser *ps, const char *name, const char *arg, uint64_t *out,
			 int *n)
{
	char item[64];
	const char *p = arg;

	*n = 0;
	for (;;) {
		size_t len = strcspn(p, ",");

		if (!len || len >= sizeof(item))
			return fail(ps, "--%s: '%s' is not a list of sizes (try 4k,16k,default)", name,
				    arg);
		if (*n == SWEEP_MAX)
			return fail(ps, "--%s: more than %d sizes", name, SWEEP_MAX);
		snprintf(item, sizeof(item), "%.*s", (int)len, p);
		if (!strcmp(item, "default"))
			out[(*n)++] = 0;
		else if (opt_size(ps, name, item, SOCKBUF_MAX, &out[(*n)++]))
			return -EINVAL;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

static int opt_set_buffers(struct parser *ps, const char *name, const char *arg)
{
	struct options *o = ps->o;

	if (ps->cmd->cmd == CMD_SWEEP) {
		if (!strcmp(arg, "before") || !strcmp(arg, "after") || !strcmp(arg, "before,after") ||
		    !strcmp(arg, "after,before")) {
			o->sweep_when = (strstr(arg, "before") ? SWEEP_BEFORE : 0) |
					(strstr(arg, "after") ? SWEEP_AFTER : 0);
			return 0;
		}
		return fail(ps, "--%s: '%s' is not before, after or before,after", name, arg);
	}
	if (strcmp(arg, "before") && strcmp(arg, "after"))
		return fail(ps, "--%s: '%s' is not before or after", name, arg);
	o->traffic.late_buffers = !strcmp(arg, "after");
	return 0;
}

static int apply_option(struct parser *ps, int id, const char *arg)
{
	const char *name = find_option(ps->cmd->opts, NULL, id)->name;
	struct options *o = ps->o;

	switch (id) {
	case OPT_HELP:
		o->help = true;
		return 0;
	case OPT_JSON:
		o->json = true;
		return 0;
	case OPT_NO_NETNS:
		o->no_netns = true;
		return 0;
	case OPT_NO_CALIBRATE:
		o->no_calibrate = true;
		return 0;
	case OPT_WATCH:
		return opt_watch(ps, name, arg, &o->watch);
	case OPT_CLIENT_WATCH:
		return opt_watch(ps, name, arg, &o->client_watch);
	case OPT_SWEEP_INTERVAL:
		if (parse_duration_us(arg, &o->sweep_interval_us) || o->sweep_interval_us < 1000 ||
		    o->sweep_interval_us > 3600000000ull)
			return fail(ps, "--%s: '%s' is not a duration from 1ms to 1h (try 500ms or 2s)",
				    name, arg);
		return 0;
	case OPT_LISTEN:
		return opt_endpoint(ps, name, arg, o->listen, &o->nlisten);
	case OPT_TARGET:
		return opt_endpoint(ps, name, arg, o->target, &o->ntarget);
	case OPT_SOURCE:
		return opt_source(ps, name, arg);
	case OPT_SPORT:
		return opt_sport(ps, name, arg);
	case OPT_CONNS:
		return opt_conns(ps, name, arg);
	case OPT_RATE:
		return opt_count(ps, name, arg, 0, &o->rate);
	case OPT_REPORT_EVERY:
		return opt_count(ps, name, arg, 1, &o->report_every);
	case OPT_MODE:
		return opt_mode(ps, name, arg, &o->mode);
	case OPT_CLIENT_MODE:
		return opt_mode(ps, name, arg, &o->client_mode);
	case OPT_RCVBUF:
		if (ps->cmd->cmd == CMD_SWEEP)
			return opt_size_list(ps, name, arg, o->sweep_rcvbuf, &o->nsweep_rcvbuf);
		return opt_size(ps, name, arg, SOCKBUF_MAX, &o->rcvbuf);
	case OPT_SNDBUF:
		if (ps->cmd->cmd == CMD_SWEEP)
			return opt_size_list(ps, name, arg, o->sweep_sndbuf, &o->nsweep_sndbuf);
		return opt_size(ps, name, arg, SOCKBUF_MAX, &o->sndbuf);
	case OPT_SEND:
		return opt_msg(ps, name, arg, &o->traffic.send);
	case OPT_SEND_ONCE:
		return opt_msg(ps, name, arg, &o->traffic.once);
	case OPT_EVERY:
		ps->every_given = true;
		return opt_duration(ps, name, arg, 1000, &o->traffic.every_us);
	case OPT_HOLD:
		o->has_hold = true;
		return opt_duration(ps, name, arg, 0, &o->hold_us);
	case OPT_ON_DATA:
		o->on_data_given = true;
		if (parse_on_data(arg, &o->traffic.on_data))
			return fail(ps, "--%s: '%s' is not drain, echo or keep", name, arg);
		return 0;
	case OPT_SET_BUFFERS:
		return opt_set_buffers(ps, name, arg);
	case OPT_RESERVE:
		o->has_reserve = true;
		return opt_size(ps, name, arg, UINT64_MAX, &o->reserve);
	case OPT_BACKLOG:
		return opt_bounded(ps, name, arg, 1, BACKLOG_MAX, &o->backlog);
	case OPT_MODES:
		return opt_modes(ps, name, arg);
	case OPT_PLOT:
		return opt_plot(ps, name, arg);
	case OPT_PORTS:
		return opt_bounded(ps, name, arg, 1, BENCH_PORTS_MAX, &o->ports);
	}
	return fail(ps, "--%s: not handled (a bug in holdconn)", name);
}

/* "serve", "connect and bench", "serve, connect and bench": the commands that take `name`. */
static void commands_with(const char *name, char *buf, size_t len)
{
	const char *with[ARRAY_SIZE(commands)];
	size_t used = 0, n = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < ARRAY_SIZE(commands); i++)
		if (find_option(commands[i].opts, name, 0))
			with[n++] = commands[i].name;
	for (size_t i = 0; i < n && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s",
				 i == 0 ? "" : i + 1 == n ? " and " : ", ", with[i]);
}

/*
 * getopt_long answered '?': an option this command lacks, or a value given
 * to a flag ("--json=1"). An option another command has is named as such.
 */
static int unknown_option(struct parser *ps, const char *word)
{
	const char *cmd = ps->cmd->name;
	char name[64], others[64];
	int n;

	/* A short option's character; 0 or an option's value for a long one. */
	if (optopt && optopt != OPT_HELP && optopt < OPT_LISTEN)
		return fail(ps, "unknown option '-%c' for '%s'; see holdconn %s --help", optopt,
			    cmd, cmd);
	if (strncmp(word, "--", 2) != 0)
		return fail(ps, "unknown option in '%s' for '%s'; see holdconn %s --help", word,
			    cmd, cmd);
	word += 2; /* getopt_long has stepped past it: argv[optind - 1] */
	n = strcspn(word, "=");
	if (optopt)
		return fail(ps, "--%.*s takes no value; see holdconn %s --help", n, word, cmd);
	snprintf(name, sizeof(name), "%.*s", n, word);
	commands_with(name, others, sizeof(others));
	if (others[0])
		return fail(ps, "--%.*s is only for %s", n, word, others);
	return fail(ps, "unknown option '--%.*s' for '%s'; see holdconn %s --help", n, word, cmd,
		    cmd);
}

static int parse_options(struct parser *ps, int argc, char **argv)
{
	const char *cmd = ps->cmd->name;
	int id, ret;

	optind = 0; /* glibc: 0 re-initialises getopt, so a second parse starts clean */
	opterr = 0; /* every message is ours, and one line */
	/* '+': stop at the first non-option; ':': tell a missing value from an unknown option. */
	while ((id = getopt_long(argc, argv, "+:h", ps->cmd->opts, NULL)) != -1) {
		if (id == '?')
			return unknown_option(ps, argv[optind - 1]);
		if (id == ':')
			return fail(ps, "--%s needs a value; see holdconn %s --help",
				    find_option(ps->cmd->opts, NULL, optopt)->name, cmd);
		ret = apply_option(ps, id, optarg);
		if (ret)
			return ret;
	}
	if (optind < argc)
		return fail(ps, "unexpected argument '%s' for '%s'; see holdconn %s --help",
			    argv[optind], cmd, cmd);
	return 0;
}

/* Destinations the planner will expand the targets into: one per port. */
static uint64_t target_ports(const struct options *o)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < o->ntarget; i++)
		n += port_range_count(&o->target[i].ports);
	return n;
}

/* What the holder does with data must be something its watch can do. */
static int check_traffic(struct parser *ps)
{
	struct options *o = ps->o;
	enum on_data d = o->traffic.on_data;

	if (ps->every_given && !o->traffic.send && o->cmd != CMD_SERVE)
		return fail(ps, "--every needs --send BYTES (the heartbeat it paces)");
	if (o->cmd == CMD_SWEEP && !traffic_on(&o->traffic))
		o->traffic.send = 64; /* sweep's default pattern: a 64-byte heartbeat every 10s */
	if (o->mode != MODE_URING || o->cmd == CMD_CONNECT)
		return 0;
	if (o->watch == WATCH_NONE) {
		if (o->on_data_given && d != ON_DATA_KEEP)
			return fail(ps, "--on-data %s: --watch none never reads; use --watch poll, "
				    "recv or diag, or --on-data keep", on_data_name(d));
		o->traffic.on_data = ON_DATA_KEEP;
	}
	if (o->watch == WATCH_RECV && d != ON_DATA_DRAIN)
		return fail(ps, "--on-data %s: --watch recv reads everything it is sent; use "
			    "--watch poll or diag", on_data_name(d));
	return 0;
}

static int check_parsed(struct parser *ps)
{
	const struct options *o = ps->o;

	if (o->cmd == CMD_SERVE && !o->nlisten)
		return fail(ps, "serve needs --listen ADDR:PORT[-PORT] "
			    "(e.g. --listen 127.0.0.1:5000-5015)");
	if (o->cmd == CMD_CONNECT && !o->ntarget)
		return fail(ps, "connect needs --target ADDR:PORT[-PORT] "
			    "(e.g. --target 127.0.0.1:5000-5015)");
	if (o->cmd == CMD_CONNECT && !ps->conns_given)
		return fail(ps, "connect needs --conns N (e.g. --conns 1M)");
	if (o->cmd == CMD_SWEEP && !o->nsweep_rcvbuf && !o->nsweep_sndbuf)
		return fail(ps, "sweep needs --rcvbuf LIST and/or --sndbuf LIST "
			    "(e.g. --rcvbuf 4k,16k,64k,default)");
	if (check_traffic(ps))
		return -EINVAL;
	if (o->cmd == CMD_CONNECT && target_ports(o) > PLAN_MAX_DST)
		return fail(ps, "--target: %" PRIu64 " destination ports in all (at most %d)",
			    target_ports(o), PLAN_MAX_DST);
	return 0;
}

static void set_defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = MODE_URING;
	o->client_mode = MODE_URING;
	o->watch = WATCH_POLL;
	o->client_watch = WATCH_NONE;
	o->sweep_interval_us = 1000000;
	o->report_every = DEFAULT_REPORT_EVERY;
	o->backlog = DEFAULT_BACKLOG;
	o->ports = DEFAULT_BENCH_PORTS;
	o->traffic.every_us = DEFAULT_EVERY_US;
	o->sweep_when = SWEEP_BEFORE | SWEEP_AFTER;
}

static bool is_help_word(const char *s)
{
	return !strcmp(s, "help") || !strcmp(s, "--help") || !strcmp(s, "-h");
}

/* `holdconn help` alone, or `holdconn help bench` for one command's help. */
static int parse_help(struct parser *ps, int argc, char **argv)
{
	const struct command_desc *c;

	if (argc == 2) {
		ps->o->cmd = CMD_HELP;
		return 0;
	}
	c = find_command(argv[2]);
	if (argc > 3 || !c)
		return fail(ps, "help: unknown command '%s' "
			    "(serve, connect, bench, limits, compare, sweep)", argv[2]);
	ps->o->cmd = c->cmd;
	ps->o->help = true;
	return 0;
}

int args_parse(int argc, char **argv, struct options *o, char *err, size_t errlen)
{
	struct parser ps = { .o = o, .err = err, .errlen = errlen };
	int ret;

	set_defaults(o);
	if (err && errlen)
		err[0] = '\0';
	if (argc < 2 || !argv[1])
		return fail(&ps, "missing command (serve, connect, bench, limits, compare, sweep); "
			    "see holdconn --help");
	if (is_help_word(argv[1]))
		return parse_help(&ps, argc, argv);
	if (!strcmp(argv[1], "--version")) {
		if (argc > 2)
			return fail(&ps, "unexpected argument '%s' after --version", argv[2]);
		o->cmd = CMD_VERSION;
		return 0;
	}
	ps.cmd = find_command(argv[1]);
	if (!ps.cmd)
		return fail(&ps, "unknown command '%s' (serve, connect, bench, limits, compare, sweep); "
			    "see holdconn --help", argv[1]);
	o->cmd = ps.cmd->cmd;
	if (o->cmd == CMD_BENCH)
		o->conns = DEFAULT_BENCH_CONNS;
	if (o->cmd == CMD_COMPARE)
		compare_defaults(o);
	if (o->cmd == CMD_SWEEP)
		o->conns = DEFAULT_SWEEP_CONNS;
	/* argv from the command on: getopt takes argv[0] as the program's name. */
	ret = parse_options(&ps, argc - 1, argv + 1);
	if (ret || o->help)
		return ret;
	return check_parsed(&ps);
}
