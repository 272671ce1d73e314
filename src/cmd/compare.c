/* compare.c - `holdconn compare`: one bench per server mode, side by side. */
#include <errno.h>
#include "cmd/common.h"
#include "run/compare.h"
#include "run/plot.h"

static const char compare_usage[] =
	"usage: holdconn compare [--conns N] [--modes MODE,...] [options]\n";

static const char compare_about[] =
	"Runs bench once per server mode (and per --server command), one after\n"
	"another, with the same target, buffers and an io_uring client, so that only\n"
	"the server differs; then prints one table with a column per mode or server:\n"
	"connections held and why each stopped,\n"
	"establish rate, CPU, teardown, and bytes per socket split by slab cache.\n"
	"A mode that stops early (epoll at RLIMIT_NOFILE) is also compared with the\n"
	"others at the largest count every mode reached.\n";

static const char compare_notes[] =
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
	OPT_CALLBACK('c', "conns", &c.bench.conns, opt_conns, "N",
		     "connections each mode should hold (default: 100000)"),
	OPT_CONNECT_RATE(c.bench),
	OPT_CALLBACK(0, "modes", &c, opt_modes, "MODE,...",
		     "server modes to compare, in order (default: uring,epoll,threads)"),
	OPT_CALLBACK(0, "watch", &c.bench.holder.watch, opt_watch, "HOW",
		     "how a uring server notices a closed peer: poll, recv, none, diag or auto "
		     "(default: auto: recv with --send, else poll); see serve --help"),
	BUFFER_OPTS(c.bench.holder),
	OPT_RUN_RESERVE(c.bench.holder),
	OPT_COUNT(0, "report-every", &c.bench.report_every, 1, "N",
		  "measure every N connections (default: N/10, at most 1000, so that the modes "
		  "share points to compare at)"),
	OPT_FLAG(0, "json", &c.bench.json,
		 "print each run as bench --json does, then one {\"event\":\"comparison\"} object"),
	OPT_CALLBACK(0, "plot", &c, opt_plot, "FILE",
		     "draw bytes per socket against connections held, one line per mode, into "
		     "FILE (.png or .svg; needs gnuplot)"),
	OPT_CALLBACK_F(0, "server", &c, opt_server, "CMD",
		       "also run bench --server CMD (see bench --help), a column after the modes' "
		       "(repeatable, at most 6)", OPT_REPEAT),
	TRAFFIC_OPTS(c.bench),
	SESSION_OPTS(c.bench.session),
	OPT_TLS(c.bench.session),
	TLS_CLIENT_OPTS(c.bench.session),
	TLS_SERVER_OPTS(c.bench.session),
	OPT_TLS_KEEP_BUFFERS(c.bench.session),
	OPT_END(),
};

static void defaults(void)
{
	bench_opts_defaults(&c.bench);
	c.plot = NULL;
	c.nservers = 0;
	compare_defaults(&c);
}

static int check(struct opt_parser *p)
{
	struct bench_opts *r = &c.bench;
	struct session_run run = { SESSION_BENCH, r->mode, r->holder.watch, r->client_mode,
				   r->client_watch, NULL };

	if (c.nservers && check_server_idle(p, &r->holder, r->slo_p99_us))
		return -EINVAL;
	if (check_session(p, &r->session, &r->holder.traffic, &run))
		return -EINVAL;
	return check_traffic(p, &r->holder, r->session.cfg.proto, r->slo_p99_us,
			     r->mode == MODE_URING);
}

static int run(void)
{
	return compare_main(&c);
}

const struct command cmd_compare = { "compare", compare_usage, compare_about, options,
				     compare_notes, defaults, check, run, &c, &c.bench.json };
