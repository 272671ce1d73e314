/* compare.c - `holdconn compare`: one bench per holder mode, side by side. */
#include <errno.h>
#include "cmd/common.h"
#include "run/compare.h"
#include "run/plot.h"

static const char compare_help[] =
	"usage: holdconn compare [--conns N] [--modes MODE,...] [options]\n"
	"\n"
	"Runs bench once per holder mode (and per --server command), one after\n"
	"another, with the same target, buffers and an io_uring client, so that only\n"
	"the holder differs; then prints one table with a column per mode or server:\n"
	"connections held and why each stopped,\n"
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
	"  --slo p99=DURATION     stop each bench at the first report point that misses\n"
	"                         the objective (see bench --help)\n"
	"  --plot FILE            draw bytes per socket against connections held, one\n"
	"                         line per mode, into FILE (.png or .svg; needs gnuplot)\n"
	"  --server CMD           also run bench --server CMD (see bench --help), a\n"
	"                         column after the modes' (repeatable, at most 6)\n"
	"  -h, --help             print this help\n"
	"\n"
	UNITS_HELP
	"\n"
	"examples:\n"
	"  holdconn compare --conns 15000\n"
	"  holdconn compare --modes uring,epoll --json --plot compare.png\n"
	"  holdconn compare --modes uring --server 'memcached -p {port} -c 30000' --conns 15k\n"
	"\n"
	EXIT_HELP;

static struct compare_opts c;

static int opt_modes(struct opt_parser *p, const struct opt *o, const char *arg)
{
	char why[128];

	if (compare_parse_modes(arg, c.modes, &c.nmodes, why, sizeof(why)))
		return opts_fail(p, "--%s: '%s' %s", o->name, arg, why);
	return 0;
}

/* --server CMD, repeatable: a column after the modes' for each. */
static int opt_server(struct opt_parser *p, const struct opt *o, const char *arg)
{
	if (check_server_cmd(p, o->name, arg))
		return -EINVAL;
	if (c.nservers == COMPARE_MAX_SERVERS)
		return opts_fail(p, "--%s: at most %d servers in one comparison", o->name,
				 COMPARE_MAX_SERVERS);
	c.servers[c.nservers++] = arg;
	return 0;
}

static int opt_plot(struct opt_parser *p, const struct opt *o, const char *arg)
{
	if (plot_format(arg) < 0)
		return opts_fail(p, "--%s: '%s' must end in .png or .svg", o->name, arg);
	c.plot = arg;
	return 0;
}

static const struct opt options[] = {
	OPT_CALLBACK("conns", &c.run, opt_conns),
	OPT_CALLBACK("modes", &c, opt_modes),
	OPT_RUN_WATCH(c.run),
	BUFFER_OPTS(c.run),
	OPT_RUN_RESERVE(c.run),
	OPT_RUN_REPORT_EVERY(c.run),
	OPT_RUN_JSON(c.run),
	OPT_CALLBACK("plot", &c, opt_plot),
	OPT_CALLBACK("server", &c, opt_server),
	TRAFFIC_OPTS(c.run),
	OPT_END(),
};

static void defaults(void)
{
	run_opts_defaults(&c.run);
	c.run.bench = true;
	c.plot = NULL;
	c.nservers = 0;
	compare_defaults(&c);
}

static int check(struct opt_parser *p)
{
	if (c.nservers && check_server_idle(p, &c.run))
		return -EINVAL;
	return check_traffic(p, &c.run, true);
}

static int run(void)
{
	return compare_main(&c);
}

const struct command cmd_compare = { "compare", compare_help, options, defaults, check, run, &c };
