/* serve.c - `holdconn serve`: accept connections on --listen endpoints and hold them. */
#include "cmd/common.h"
#include "run/side.h"

static const char serve_help[] =
	"usage: holdconn serve --listen ADDR:PORT[-PORT] [--listen ...] [options]\n"
	"\n"
	"Listens on every port of each --listen range, accepts connections and holds\n"
	"them open and idle until interrupted (SIGINT or SIGTERM).\n"
	"\n"
	"options:\n"
	"  --listen ADDR:PORT[-PORT]  where to listen; repeatable, up to 64 (required);\n"
	"                             IPv6 in brackets: [::1]:5000-5007\n"
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
	METRICS_HELP
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

static struct run_opts o;

static const struct opt options[] = {
	OPT_CALLBACK("listen", &o, opt_endpoint),
	OPT_RUN_MODE(o),
	BUFFER_OPTS(o),
	OPT_UINT("backlog", &o.backlog, 1, BACKLOG_MAX),
	OPT_RUN_RESERVE(o),
	OPT_RUN_REPORT_EVERY(o),
	OPT_RUN_JSON(o),
	WATCH_OPTS(o),
	OPT_ON_DATA(o),
	OPT_SET_BUFFERS(o),
	OPT_SEND(o),
	OPT_SEND_ONCE(o),
	OPT_RUN_METRICS(o),
	OPT_END(),
};

static void defaults(void)
{
	run_opts_defaults(&o);
}

static int check(struct opt_parser *p)
{
	if (!o.nlisten)
		return opts_fail(p, "serve needs --listen ADDR:PORT[-PORT] "
				 "(e.g. --listen 127.0.0.1:5000-5015)");
	return check_traffic(p, &o, true);
}

static int run(void)
{
	return side_main(&o, ROLE_SERVE);
}

const struct command cmd_serve = { "serve", serve_help, options, defaults, check, run, &o };
