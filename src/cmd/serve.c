/* serve.c - `holdconn serve`: accept connections on --listen endpoints and hold them. */
#include <errno.h>
#include "cmd/common.h"
#include "run/side.h"

static const char serve_usage[] =
	"usage: holdconn serve --listen ADDR:PORT[-PORT] [--listen ...] [options]\n";

static const char serve_about[] =
	"Listens on every port of each --listen range, accepts connections and holds\n"
	"them open and idle until interrupted (SIGINT or SIGTERM).\n";

static const char serve_notes[] =
	UNITS_HELP
	"\n"
	"example:\n"
	"  holdconn serve --listen 127.0.0.1:5000-5015 --mode epoll\n"
	"\n"
	EXIT_HELP;

static struct serve_opts o;

static const struct opt options[] = {
	OPT_CALLBACK_F(0, "listen", &o.listen, opt_listen, "ADDR:PORT[-PORT]",
		       "where to listen; repeatable, up to 64 (required); IPv6 in brackets: "
		       "[::1]:5000-5007", OPT_REQUIRED | OPT_REPEAT),
	OPT_RUN_MODE(o),
	BUFFER_OPTS(o.holder),
	OPT_UINT(0, "backlog", &o.backlog, 1, BACKLOG_MAX, "N",
		 "listen() backlog, 1-65535, capped by net.core.somaxconn (default: 4096)"),
	OPT_RUN_RESERVE(o.holder),
	OPT_RUN_REPORT_EVERY(o),
	TCP_OPTS(o.holder),
	OPT_RUN_JSON(o),
	WATCH_OPTS(o.holder),
	OPT_ON_DATA(o.holder),
	OPT_SET_BUFFERS(o.holder),
	OPT_CALLBACK(0, "send", &o.holder.traffic.send, opt_msg, "BYTES",
		     "what peers send as heartbeats (see connect --help), so that their messages "
		     "are timed; bytes are counted either way"),
	OPT_CALLBACK(0, "send-once", &o.holder.traffic.once, opt_msg, "BYTES",
		     "what peers send once after connecting, likewise"),
	OPT_RUN_METRICS(o),
	OPT_TLS(o.session),
	TLS_SERVER_OPTS(o.session),
	OPT_TLS_KEEP_BUFFERS(o.session),
	OPT_END(),
};

static void defaults(void)
{
	serve_opts_defaults(&o);
}

static int check(struct opt_parser *p)
{
	struct session_run run = { SESSION_SERVE, o.mode, o.holder.watch };

	if (!o.listen.n)
		return opts_fail(p, "serve needs --listen ADDR:PORT[-PORT] "
				 "(e.g. --listen 127.0.0.1:5000-5015)");
	if (check_session(p, &o.session, &o.holder.traffic, &run))
		return -EINVAL;
	return check_traffic(p, &o.holder, PROTO_NONE, 0, o.mode == MODE_URING);
}

static int run(void)
{
	return serve_main(&o);
}

const struct command cmd_serve = { "serve", serve_usage, serve_about, options, serve_notes,
				   defaults, check, run, &o, &o.json };
