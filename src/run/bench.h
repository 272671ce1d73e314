/* bench.h - `holdconn bench`: serve and connect as two processes on loopback. */
#ifndef HOLDCONN_BENCH_H
#define HOLDCONN_BENCH_H

#include "base/exit_codes.h"
#include "hold/stats.h"
#include "run/options.h"
#include "run/report.h"
#include "run/extserver.h"

#define BENCH_LISTEN_ADDR 0x7f000001u /* 127.0.0.1 */
#define BENCH_LISTEN_ADDR6 1           /* ::1 */
/* --ipv6 sources in bench's namespace: fd00:1::/64, a unique local block routed to lo. */
#define BENCH_SOURCE6_BLOCK ((addr128)0xfd000001 << 96)
#define BENCH_SOURCE6_LEN 64
#define BENCH_BASE_PORT 17000
#define BENCH_DEFAULT_PORTS 16 /* --ports */

#define BENCH_MAX_POINTS 512
#define BENCH_MAX_CLIENTS 32 /* --clients */
#define BENCH_MAX_ADDRS_PER_CLIENT 64       /* --path veth --conns max */

/* bench's options; compare and sweep run benches with theirs (calibrate too). */
struct bench_opts {
	enum mode mode;             /* --mode: the server's, default uring */
	enum mode client_mode;      /* --client-mode, default uring */
	uint64_t conns;             /* --conns */
	bool conns_max;             /* --conns max */
	uint64_t rate;              /* --connect-rate, all clients together; 0 = as fast as possible */
	uint64_t report_every;      /* --report-every, default 100,000 */
	struct holder_opts holder;  /* both sides' buffers, TCP, reserve, traffic; the server's watch */
	uint32_t ports;             /* --ports: listening ports, default 16 */
	bool json;                  /* --json */
	enum watch client_watch;    /* --client-watch, default none: bench watches the server itself */
	bool no_netns;              /* --no-netns: stay in the host's network namespace */
	bool ipv6;                  /* --ipv6: [::1] from fd00:1::/64 instead of IPv4 */
	uint64_t slo_p99_us;        /* --slo p99=D: judge every report point; 0: none */
	struct hold_time hold;      /* --duration (--hold): time held with traffic */
	struct metrics_opt metrics; /* --metrics */
	uint32_t clients;           /* --clients: generator processes, default 1 */
	bool path_veth;             /* --path veth: each client in a closed namespace of its own */
	bool pin;                   /* --pin: the server on one CPU, the generators on the others */
	const char *server_cmd;     /* --server: this command holds instead of serve; NULL: serve */
	struct session_opts session; /* --proto, --tls and theirs: the clients' sessions */
};

/* What every bench starts from: uring both sides, poll watch, one client, 16 ports. */
void bench_opts_defaults(struct bench_opts *o);

/* One report point, kept for plots and comparisons. */
struct bench_point {
	uint64_t conns, sockets;
	double elapsed_s, rate;
	double user_bytes_per_conn, kernel_bytes_per_socket, buffer_bytes_per_conn;
	double rss_bytes_per_socket; /* RssAnon growth of both sides / sockets */
	double kernel_res, buffer_res; /* what the kernel and buffer figures cannot resolve */
	bool disturbed;              /* the kernel counted other sockets too (check) */
};

/* bench --slo: what every report point must meet while the pattern runs. */
struct bench_slo {
	uint64_t p99_us;   /* one-way p99 at most this; 0: no --slo */
	double window_s;   /* how long each point holds the pattern */
};
/* --slo p99=DURATION (the one objective so far); 0 or -EINVAL. */
int bench_parse_slo(const char *s, struct bench_slo *out);
#define BENCH_SLO_SLIP 0.01      /* and at most 1% of the heartbeats due not sent on time */
#define BENCH_SLO_WINDOW_S 3.0   /* default window: a steady rate, not a whole period */
/* Bytes per socket of one report point: kernel, buffers and user memory. */
struct point_cost {
	double kernel, buffers, user, total;
};
/* A point's bytes per socket; user memory is the larger of the arena and RssAnon growth. */
struct point_cost bench_point_cost(const struct bench_point *p);


struct bench_result {
	struct report_summary summary; /* summary.delta and .check point at delta and check below */
	struct meter_delta delta;
	struct crosscheck check;       /* the last point's */
	char detail[400];
	struct server_cost server;     /* bench --server: summary.server points here */
	char server_name[64];          /* ... and its short name for tables */
	char first[FIRST_ESCAPED_MAX]; /* summary.first_bytes points here */
	char server_cmd[EXTSERVER_CMD_MAX]; /* server.command points here: the command as run */
	double cpu_user_s[2], cpu_sys_s[2]; /* [0] server, [1] client, over the ramp */
	struct slo_report slo;
	struct cgroup_report cgroup;   /* summary.cgroup points here */
	struct death_report death;     /* summary.killed points here */
	struct session_report sessions; /* summary.sessions points here */
	struct tls_report tls;          /* summary.tls points here */
	int npoints;
	struct bench_point points[BENCH_MAX_POINTS];
};

/*
 * Runs one bench: both sides, the ramp, the teardown. Report points go to
 * rep as they are taken (rep may write to /dev/null); the summary is left
 * in res, not printed. Returns 0, or the exit code of a run that failed (1 runtime, 2 usage, 4 io_uring refused).
 */
int bench_run(const struct bench_opts *o, struct reporter *rep, struct bench_result *res);
/* The same, checking slo at every report point (slo->p99_us 0: none). */
int bench_run_slo(const struct bench_opts *o, const struct bench_slo *slo, struct reporter *rep,
		  struct bench_result *res);
/* A finished run's exit code: 3 when it held fewer than --conns or missed --slo, else 0. */
int bench_exit_code(const struct bench_result *res);
/* `holdconn bench`: bench_run and print the summary. Returns the exit code. */
int bench_main(const struct bench_opts *o);

#endif
