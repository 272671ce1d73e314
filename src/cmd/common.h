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
#include "base/exit_codes.h"
#include "base/opts.h"
#include "run/options.h"

struct command {
	const char *name;
	const char *usage;          /* --help's first lines: "usage: holdconn ..." */
	const char *about;          /* what the command does, before the options */
	const struct opt *options;  /* OPT_END()-terminated, with their help; -h/--help is always taken */
	const char *notes;          /* after the options: notes, units, examples, exit codes */
	void (*defaults)(void);     /* resets the parsed options to the defaults */
	int (*check)(struct opt_parser *p); /* rules across options, after the parse */
	int (*run)(void);           /* runs on what was parsed; returns the exit code */
	const void *parsed;         /* the options struct the table fills (tests read it) */
	const bool *json;           /* its --json: the run header goes first (run/runinfo.h) */
};

extern const struct command cmd_serve, cmd_connect, cmd_bench, cmd_limits, cmd_compare,
	cmd_sweep;

#define SOCKBUF_MAX INT_MAX /* SO_RCVBUF and SO_SNDBUF take an int */
#define BACKLOG_MAX 65535   /* the kernel caps it further at net.core.somaxconn */
#define BENCH_PORTS_MAX 1024

/* Shared by every command's help: how counts, sizes and durations may be written. */
#define UNITS_HELP \
	"N is a count: 1000000, 1M, 2.5M, 100k or 1_000_000 (k, M, G = 10^3, 10^6, 10^9).\n" \
	"BYTES is a size, SI and IEC apart: 64k or 64kB = 64,000; 64Ki or 64KiB = 65,536;\n" \
	"  1M, 1G = 10^6, 10^9; 1Mi, 1Gi = 2^20, 2^30.\n" \
	"DURATION is 1500us, 500ms, 10s, 2m (minutes: m is never mega) or 1h.\n"

#define EXIT_HELP EXIT_CODES_TEXT

/* Callbacks; each comment names what value points to (groups: run/options.h). */
int opt_listen(struct opt_parser *p, const struct opt *o, const char *arg); /* listen_opts */
int opt_target(struct opt_parser *p, const struct opt *o, const char *arg); /* target_opts */
int opt_source(struct opt_parser *p, const struct opt *o, const char *arg); /* source_opts */
int opt_sport(struct opt_parser *p, const struct opt *o, const char *arg);  /* source_opts */
int opt_conns(struct opt_parser *p, const struct opt *o, const char *arg);  /* uint64_t */
int opt_reserve(struct opt_parser *p, const struct opt *o, const char *arg); /* reserve_opt */
int opt_mode(struct opt_parser *p, const struct opt *o, const char *arg);  /* enum mode */
int opt_watch(struct opt_parser *p, const struct opt *o, const char *arg); /* enum watch */
int opt_scan_interval(struct opt_parser *p, const struct opt *o, const char *arg); /* us */
int opt_msg(struct opt_parser *p, const struct opt *o, const char *arg);   /* uint32_t */
int opt_every(struct opt_parser *p, const struct opt *o, const char *arg); /* holder_opts */
int opt_hold(struct opt_parser *p, const struct opt *o, const char *arg);  /* hold_time */
int opt_duration(struct opt_parser *p, const struct opt *o, const char *arg); /* uint64_t us */
int opt_tcp_keepalive(struct opt_parser *p, const struct opt *o, const char *arg);
int opt_user_timeout(struct opt_parser *p, const struct opt *o, const char *arg); /* unsigned ms */
int opt_slo(struct opt_parser *p, const struct opt *o, const char *arg); /* slo_p99_us */
int opt_on_data(struct opt_parser *p, const struct opt *o, const char *arg); /* holder_opts */
int opt_set_buffers(struct opt_parser *p, const struct opt *o, const char *arg); /* bool */
int opt_metrics(struct opt_parser *p, const struct opt *o, const char *arg); /* metrics_opt */
int opt_shard(struct opt_parser *p, const struct opt *o, const char *arg);   /* plan_shard */

/*
 * Options several commands take, each declared once with its help. The
 * argument is the group the option fills: h a struct holder_opts, s a
 * struct session_opts, src a struct source_opts, and so on; r is the
 * command's own options struct, for a plain field of it (mode, json,
 * report_every, ports, rate). A command whose option means something
 * narrower (bench's --mode is the server's) writes its own entry.
 */
#define OPT_RUN_MODE(r) \
	OPT_CALLBACK(0, "mode", &(r).mode, opt_mode, "MODE", "uring, epoll or threads (default: uring)")
#define OPT_RUN_RESERVE(h)                                                                   \
	OPT_CALLBACK(0, "reserve", &(h).reserve, opt_reserve, "BYTES",                                \
		     "open no new connection once MemAvailable, or the room under the memory " \
		     "cgroup's limit, would fall below this (default: the larger of 1 GiB and 5% " \
		     "of MemTotal; under a cgroup, 5% of its limit, at least 32 MiB)")
#define OPT_RUN_REPORT_EVERY(r)                                    \
	OPT_COUNT(0, "report-every", &(r).report_every, 1, "N", \
		  "progress every N connections (default: 100000)")
#define OPT_RUN_JSON(r) OPT_FLAG(0, "json", &(r).json, "print the final report as JSON")
#define OPT_RUN_SOURCE(src)                                                                   \
	OPT_CALLBACK(0, "source", &(src), opt_source, "ADDR[-ADDR]",                           \
		     "source addresses to bind, e.g. 127.0.0.2-127.0.0.40, or a block ADDR/LEN, " \
		     "e.g. fd00:1::/64 (default: 127.1.0.1-127.1.255.254 when every target is "  \
		     "on 127/8, ::1 for [::1], else no bind)")
#define OPT_RUN_SPORT(src)                                                                \
	OPT_CALLBACK(0, "sport", &(src), opt_sport, "LO-HI",                                \
		     "source ports to bind (default: those outside "                          \
		     "net.ipv4.ip_local_port_range when sources are bound, so the box keeps " \
		     "its own)")
#define OPT_RUN_METRICS(r)                                                    \
	OPT_CALLBACK(0, "metrics", &(r).metrics, opt_metrics, "ADDR:PORT", \
		     "serve Prometheus metrics at http://ADDR:PORT/metrics")
#define OPT_RUN_PORTS(r)                                                       \
	OPT_UINT(0, "ports", &(r).ports, 1, BENCH_PORTS_MAX, "N",             \
		 "ports the server listens on, 1-1024 (default: 16)")
#define BUFFER_OPTS(h)                                                                   \
	OPT_SIZE(0, "rcvbuf", &(h).rcvbuf, SOCKBUF_MAX, "BYTES",                         \
		 "SO_RCVBUF per connection (default: kernel's)"),                        \
		OPT_SIZE(0, "sndbuf", &(h).sndbuf, SOCKBUF_MAX, "BYTES",                 \
			 "SO_SNDBUF per connection (default: kernel's)")
#define OPT_RUN_WATCH(h)                                                                    \
	OPT_CALLBACK(0, "watch", &(h).watch, opt_watch, "HOW",                              \
		     "how a closed peer is noticed (uring): poll, one-shot poll per socket; " \
		     "recv, multishot recv into shared buffers; none, never look; diag, a "   \
		     "sock_diag dump of the living every --scan-interval; auto (the default), "  \
		     "recv on a server reading --send heartbeats where buffers are consumed " \
		     "incrementally (Linux 6.12), poll otherwise")
/* --sweep-interval, its old name, is kept so that scripts keep working. */
#define OPT_SCAN_INTERVAL(h)                                                            \
	OPT_CALLBACK(0, "scan-interval", &(h).scan_interval_us, opt_scan_interval,     \
		     "DURATION", "how often --watch diag scans the sockets (default: 1s)"), \
		OPT_CALLBACK(0, "sweep-interval", &(h).scan_interval_us,               \
			     opt_scan_interval, "DURATION", "the same as --scan-interval")
#define WATCH_OPTS(h) OPT_RUN_WATCH(h), OPT_SCAN_INTERVAL(h)
#define OPT_SEND(h)                                                                   \
	OPT_CALLBACK(0, "send", &(h).traffic.send, opt_msg, "BYTES",                  \
		     "a heartbeat of BYTES on every connection (at least 8: it ends with " \
		     "its send time)")
#define OPT_EVERY(h)                                                                     \
	OPT_CALLBACK(0, "every", &(h), opt_every, "DURATION",                            \
		     "heartbeat period; connections are spread over it, not fired at once " \
		     "(default: 10s)")
#define OPT_SEND_ONCE(h)                                                 \
	OPT_CALLBACK(0, "send-once", &(h).traffic.once, opt_msg, "BYTES", \
		     "send BYTES once per connection, right after connecting")
#define OPT_ON_DATA(h)                                                                   \
	OPT_CALLBACK(0, "on-data", &(h), opt_on_data, "WHAT",                             \
		     "the server's answer to data: drain, read and drop; echo, write it "  \
		     "back; keep, leave it queued, to see what buffers cost (default: drain; " \
		     "keep with --watch none)")
#define OPT_SET_BUFFERS(h)                                                                  \
	OPT_CALLBACK(0, "set-buffers", &(h).traffic.late_buffers, opt_set_buffers, "WHEN",  \
		     "before: --rcvbuf/--sndbuf set before the handshake, which sizes the "   \
		     "window scale for them (0 for a small receive buffer: a 64 KiB window "  \
		     "for life); after: set once established (default: before)")
/* -d as wrk's: how long the connections are held once the ramp ends; --hold, its old name. */
#define DURATION_OPTS(t, help)                                                            \
	OPT_CALLBACK('d', "duration", &(t), opt_hold, "DURATION", help),                  \
		OPT_CALLBACK(0, "hold", &(t), opt_hold, "DURATION", "the same as --duration")
#define OPT_HOLD(t)                                                                          \
	DURATION_OPTS(t, "once the ramp ends, hold (with the traffic) this long, then tear " \
			 "down and print the summary (default: 2 x --every with --send, 2s " \
			 "with --send-once, else 0)")
/* tcpkali's name; -R: neither tcpkali nor wrk has a short one (tcpkali's -r is a message rate). */
#define OPT_CONNECT_RATE(r)                                                            \
	OPT_COUNT('R', "connect-rate", &(r).rate, 0, "N",                              \
		  "connections started per second, in all (default: 0, as fast as possible)")
/* What a NAT or a load balancer in the path sees of an idle connection. */
#define TCP_OPTS(h)                                                                          \
	OPT_CALLBACK(0, "tcp-keepalive", &(h).keepalive, opt_tcp_keepalive, "IDLE,INTVL,CNT", \
		     "SO_KEEPALIVE on every connection: probe after IDLE idle, every INTVL, "  \
		     "drop after CNT unanswered (e.g. 60s,10s,5; default: off)"),             \
		OPT_CALLBACK(0, "user-timeout", &(h).user_timeout_ms, opt_user_timeout,      \
			     "DURATION",                                                     \
			     "TCP_USER_TIMEOUT: drop a connection whose sent data stays "    \
			     "unacknowledged this long (default: the kernel's)")
#define OPT_SLO(v)                                                                           \
	OPT_CALLBACK(0, "slo", &(v), opt_slo, "p99=DURATION",                     \
		     "at every report point hold the pattern for a window (3s, or --hold) and "  \
		     "stop (reason slo) at the first where the one-way p99 exceeds DURATION or " \
		     "over 1% of heartbeats are not sent on time; reports the largest count "    \
		     "that met it")
/* The traffic pattern, as bench and compare take it (r: bench's options). */
#define TRAFFIC_OPTS(r)                                                                    \
	OPT_SEND((r).holder), OPT_EVERY((r).holder), OPT_SEND_ONCE((r).holder),          \
		OPT_ON_DATA((r).holder), OPT_SET_BUFFERS((r).holder), OPT_HOLD((r).hold), \
		OPT_SLO((r).slo_p99_us)

/* Sessions (session_opts.c): --proto and its options, --tls and its. */
int opt_proto(struct opt_parser *p, const struct opt *o, const char *arg);     /* session_opts */
int opt_keepalive(struct opt_parser *p, const struct opt *o, const char *arg); /* session_opts */
int opt_hello(struct opt_parser *p, const struct opt *o, const char *arg);     /* session_opts */
int opt_expect(struct opt_parser *p, const struct opt *o, const char *arg);    /* session_opts */
int opt_text(struct opt_parser *p, const struct opt *o, const char *arg);      /* const char * */
int opt_http_path(struct opt_parser *p, const struct opt *o, const char *arg); /* const char * */

/* What a client's connections say once TCP is up (connect, bench, compare). */
#define SESSION_OPTS(s)                                                                          \
	OPT_CALLBACK(0, "proto", &(s), opt_proto, "NAME",                                        \
		     "open a session on every connection and keep it alive: http, websocket, "   \
		     "mqtt, nats, resp or hello; a connection counts held once the server "     \
		     "accepted it, and a refusal stops the run (docs/sessions.md)"),            \
		OPT_CALLBACK(0, "keepalive", &(s), opt_keepalive, "DURATION",                    \
			     "--proto mqtt: CONNECT's keep alive, a PINGREQ within it (default: " \
			     "60s)"),                                                            \
		OPT_CALLBACK(0, "auth", &(s).cfg.auth, opt_text, "SECRET",                   \
			     "--proto resp, mqtt or nats: PASS or USER:PASS (resp: AUTH in HELLO; " \
			     "mqtt: user name and password; nats: a token or user and password)"), \
		OPT_CALLBACK(0, "hello", &(s), opt_hello, "FILE",                                \
			     "--proto hello: send FILE's bytes (at most 1024) once connected"),   \
		OPT_CALLBACK(0, "expect", &(s), opt_expect, "TEXT",                              \
			     "--proto hello: the reply must start with TEXT, or the session is "  \
			     "refused (default: held once sent)"),                                \
		OPT_CALLBACK(0, "http-path", &(s).cfg.path, opt_http_path, "PATH",           \
			     "--proto http or websocket: the request's path (default: /)"),       \
		OPT_CALLBACK(0, "host", &(s).cfg.host, opt_text, "NAME",                     \
			     "--proto http or websocket: the Host header (default: localhost)")
#define OPT_TLS(s)                                                                         \
	OPT_FLAG(0, "tls", &(s).tls,                                                        \
		 "every connection is a TLS session (OpenSSL 3, driven without blocking the " \
		 "loop); serve makes a self-signed certificate unless given --tls-cert")
#define OPT_TLS_KEEP_BUFFERS(s)                                                              \
	OPT_FLAG(0, "tls-keep-buffers", &(s).tls_opts.keep_buffers,                           \
		 "keep OpenSSL's record buffers on idle connections (default: released, "      \
		 "SSL_MODE_RELEASE_BUFFERS), to see what releasing them saves")
#define TLS_CLIENT_OPTS(s)                                                                   \
	OPT_CALLBACK(0, "tls-sni", &(s).tls_opts.sni, opt_text, "NAME",                       \
		     "--tls: the server name sent, and checked against the certificate"),      \
		OPT_CALLBACK(0, "tls-ca", &(s).tls_opts.ca_file, opt_text, "FILE",             \
			     "--tls: trust the certificates in FILE (PEM; default: the "        \
			     "system's store)"),                                                \
		OPT_FLAG(0, "tls-insecure", &(s).tls_opts.insecure,                            \
			 "--tls: verify no certificate at all")
#define TLS_SERVER_OPTS(s)                                                                   \
	OPT_CALLBACK(0, "tls-cert", &(s).tls_opts.cert_file, opt_text, "FILE",                \
		     "--tls: serve's certificate (PEM; default: a self-signed one for "       \
		     "localhost and 127.0.0.1, made at start)"),                              \
		OPT_CALLBACK(0, "tls-key", &(s).tls_opts.key_file, opt_text, "FILE",           \
			     "--tls: the private key of --tls-cert (PEM)")

enum session_side { SESSION_SERVE, SESSION_CONNECT, SESSION_BENCH };
/* The run a session is checked for: its side, modes and watches (bench: both sides'). */
struct session_run {
	enum session_side side;
	enum mode mode;           /* serve's or connect's; bench: the server's */
	enum watch watch;
	enum mode client_mode;    /* bench: the generator's */
	enum watch client_watch;
	const char *server_cmd;   /* bench --server; NULL: bench's own serve */
};
/*
 * --proto and --tls across options: a protocol's options with their
 * protocol, the TLS options on their side, a generator that can speak
 * (a watch that reads), no --send (t's) beside a protocol.
 */
int check_session(struct opt_parser *p, const struct session_opts *s, const struct traffic *t,
		  const struct session_run *run);

/*
 * The traffic options across each other (proto: --proto's, whose keepalive
 * --every may pace; slo_p99_us: --slo's), and what a uring server does with
 * data must be something its watch can do (uring_server false for
 * connect, the generator alone, and for servers of other modes).
 */
int check_traffic(struct opt_parser *p, struct holder_opts *h, enum proto proto,
		  uint64_t slo_p99_us, bool uring_server);
/* A --server command must say where its port goes ({port} or {ports}); 0 or -EINVAL. */
int check_server_cmd(struct opt_parser *p, const char *opt, const char *arg);
/* A server of its own publishes nothing: no traffic pattern can be judged with one. */
int check_server_idle(struct opt_parser *p, const struct holder_opts *h, uint64_t slo_p99_us);

#endif
