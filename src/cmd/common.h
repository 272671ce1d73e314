/*
 * common.h - what the commands share: the shape of a command, the option
 * callbacks and option groups several commands take (declared once here,
 * listed in each command's own table), and the help lines about units and
 * exit codes. Each command's own options, defaults and help live in its
 * file: serve.c, connect.c, bench.c, compare.c, sweep.c, limits.c.
 */
#ifndef HOLDCONN_COMMON_H
#define HOLDCONN_COMMON_H

#include <limits.h>
#include <stdbool.h>
#include "base/opts.h"
#include "run/run_opts.h"

struct command {
	const char *name;
	const char *help;           /* the --help text */
	const struct opt *options;  /* OPT_END()-terminated; -h/--help is always taken */
	void (*defaults)(void);     /* resets the parsed options to the defaults */
	int (*check)(struct opt_parser *p); /* rules across options, after the parse */
	int (*run)(void);           /* runs on what was parsed; returns the exit code */
	const void *parsed;         /* the options struct the table fills (tests read it) */
};

extern const struct command cmd_serve, cmd_connect, cmd_bench, cmd_limits, cmd_compare,
	cmd_sweep;

#define SOCKBUF_MAX INT_MAX /* SO_RCVBUF and SO_SNDBUF take an int */
#define BACKLOG_MAX 65535   /* the kernel caps it further at net.core.somaxconn */
#define BENCH_PORTS_MAX 1024

/* Shared by every command's help: how counts, sizes and durations may be written. */
#define UNITS_HELP \
	"N is a count: 1000000, 1M, 2.5M, 100k or 1_000_000 (k, M, G = 10^3, 10^6, 10^9).\n" \
	"BYTES is a size: 4096, 64k, 4KiB, 1G (k, M, G = 2^10, 2^20, 2^30).\n" \
	"DURATION is 500ms, 10s, 2m or 1h.\n"

#define EXIT_HELP "exit codes: 0 ok, 1 runtime failure, 2 bad usage\n"

/* Callbacks; value is the struct run_opts unless a field is named. */
int opt_endpoint(struct opt_parser *p, const struct opt *o, const char *arg); /* listen/target */
int opt_source(struct opt_parser *p, const struct opt *o, const char *arg);
int opt_sport(struct opt_parser *p, const struct opt *o, const char *arg);
int opt_conns(struct opt_parser *p, const struct opt *o, const char *arg);
int opt_conns_or_max(struct opt_parser *p, const struct opt *o, const char *arg);
int opt_reserve(struct opt_parser *p, const struct opt *o, const char *arg);
int opt_mode(struct opt_parser *p, const struct opt *o, const char *arg);  /* enum mode */
int opt_watch(struct opt_parser *p, const struct opt *o, const char *arg); /* enum watch */
int opt_sweep_interval(struct opt_parser *p, const struct opt *o, const char *arg); /* us */
int opt_msg(struct opt_parser *p, const struct opt *o, const char *arg);   /* uint32_t */
int opt_every(struct opt_parser *p, const struct opt *o, const char *arg);
int opt_hold(struct opt_parser *p, const struct opt *o, const char *arg);
int opt_slo(struct opt_parser *p, const struct opt *o, const char *arg); /* slo_p99_us */
int opt_on_data(struct opt_parser *p, const struct opt *o, const char *arg);
int opt_set_buffers(struct opt_parser *p, const struct opt *o, const char *arg); /* bool */
int opt_metrics(struct opt_parser *p, const struct opt *o, const char *arg);
int opt_shard(struct opt_parser *p, const struct opt *o, const char *arg);
int opt_path(struct opt_parser *p, const struct opt *o, const char *arg);

/* Options several commands take, each declared once; r is the command's struct run_opts. */
#define OPT_RUN_MODE(r) OPT_CALLBACK("mode", &(r).mode, opt_mode)
#define OPT_RUN_RESERVE(r) OPT_CALLBACK("reserve", &(r), opt_reserve)
#define OPT_RUN_REPORT_EVERY(r) OPT_COUNT("report-every", &(r).report_every, 1)
#define OPT_RUN_JSON(r) OPT_FLAG("json", &(r).json)
#define OPT_RUN_TARGET(r) OPT_CALLBACK("target", &(r), opt_endpoint)
#define OPT_RUN_SOURCE(r) OPT_CALLBACK("source", &(r), opt_source)
#define OPT_RUN_SPORT(r) OPT_CALLBACK("sport", &(r), opt_sport)
#define OPT_RUN_METRICS(r) OPT_CALLBACK("metrics", &(r), opt_metrics)
#define METRICS_HELP \
	"  --metrics ADDR:PORT        serve Prometheus metrics at http://ADDR:PORT/metrics\n"
#define OPT_RUN_PORTS(r) OPT_UINT("ports", &(r).ports, 1, BENCH_PORTS_MAX)
#define BUFFER_OPTS(r)                                    \
	OPT_SIZE("rcvbuf", &(r).rcvbuf, SOCKBUF_MAX), \
		OPT_SIZE("sndbuf", &(r).sndbuf, SOCKBUF_MAX)
#define OPT_RUN_WATCH(r) OPT_CALLBACK("watch", &(r).watch, opt_watch)
#define WATCH_OPTS(r) \
	OPT_RUN_WATCH(r), OPT_CALLBACK("sweep-interval", &(r).sweep_interval_us, opt_sweep_interval)
#define OPT_SEND(r) OPT_CALLBACK("send", &(r).traffic.send, opt_msg)
#define OPT_EVERY(r) OPT_CALLBACK("every", &(r), opt_every)
#define OPT_SEND_ONCE(r) OPT_CALLBACK("send-once", &(r).traffic.once, opt_msg)
#define OPT_ON_DATA(r) OPT_CALLBACK("on-data", &(r), opt_on_data)
#define OPT_SET_BUFFERS(r) OPT_CALLBACK("set-buffers", &(r).traffic.late_buffers, opt_set_buffers)
#define OPT_HOLD(r) OPT_CALLBACK("hold", &(r), opt_hold)
#define OPT_SLO(r) OPT_CALLBACK("slo", &(r).slo_p99_us, opt_slo)
/* The traffic pattern, as bench, compare and sweep take it. */
#define TRAFFIC_OPTS(r)                                                            \
	OPT_SEND(r), OPT_EVERY(r), OPT_SEND_ONCE(r), OPT_ON_DATA(r), OPT_SET_BUFFERS(r), \
		OPT_HOLD(r), OPT_SLO(r)

/*
 * What the holder does with data must be something its watch can do
 * (holder: the run's --mode holds; false for connect, the generator alone).
 */
int check_traffic(struct opt_parser *p, struct run_opts *r, bool holder);
/* A --server command must say where its port goes ({port} or {ports}); 0 or -EINVAL. */
int check_server_cmd(struct opt_parser *p, const char *opt, const char *arg);
/* A server of its own publishes nothing: no traffic pattern can be judged with one. */
int check_server_idle(struct opt_parser *p, const struct run_opts *r);

#endif
