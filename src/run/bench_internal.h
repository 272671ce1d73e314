/*
 * bench_internal.h - what the steps of one bench share: struct bench, the
 * parent's timings, and each step's entry point (bench_*.c). Private to
 * src/run/bench*.c.
 */
#ifndef HOLDCONN_BENCH_INTERNAL_H
#define HOLDCONN_BENCH_INTERNAL_H

#include <stdatomic.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>
#include "run/bench.h"
#include "run/configure.h"
#include "base/units.h"
#include "hold/conn.h"
#include "hold/holder.h"
#include "measure/memcg.h"
#include "run/cgroup_track.h"
#include "measure/meter.h"
#include "measure/netns.h"
#include "run/explain.h"
#include "run/report.h"
#include "run/side.h"
#include "measure/limits.h"
#include "hold/diag.h"
#include "measure/attrib.h"
#include "measure/proc.h"
#include "run/extserver.h"
#include "measure/sysinfo.h"
#include "measure/vethnet.h"
#include "run/metrics_http.h"
#include <arpa/inet.h>

#define POLL_NS 5000000L        /* the parent's loop period */
#define RAMP_POLL_MIN_NS 250000L /* its shortest: near a report point, taking one */
#define QUIESCE_S 3.0           /* longest wait for the sides to settle for a measurement */
#define TEARDOWN_TIMEOUT_S 120.0
#define BENCH_WINDOW 1024       /* connects in flight or unaccepted, at most */
#define BENCH_SERVER_WINDOW 256 /* the same against a server of its own (bench --server) */
#define PROBE_SHARE 100         /* the close-detection probe closes 1 connection in this many */
#define PROBE_TIMEOUT_S 5.0
#define LAND_TIMEOUT_S 3.0      /* longest wait for messages in flight when the beats stop */
#define HOLD_ONCE_S 2.0         /* default --hold with --send-once alone */
#define WINDOW_LEAD_S 0.2       /* a schedule window is announced this far ahead of its start */
#define SCHED_TIMEOUT_S 10.0    /* longest wait for a lagging generator to hand out what fell due */
#define SERVER_LISTEN_S 10.0    /* bench --server: longest wait for it to listen */
#define SERVER_SETTLE_S 10.0    /* bench --server: longest wait for its memory to be still */
#define SERVER_STALL_S 10.0     /* bench --server: no new accept for this long ends the ramp */
#define DEATH_WAIT_S 1.0        /* longest wait for a side whose sockets reset to be reaped */
#define SESSION_SETTLE_S 10.0   /* the longest wait for sessions opened in the ramp to be answered */
#define NOFILE_SLACK 64         /* fds this close to RLIMIT_NOFILE: the limit is what binds */

/* The page bench shares with the processes it forks: its steering, and what each side publishes. */
struct shared_area {
	struct control ctl;
	struct side_stats server, client; /* client: the sum of clients[] under bench --clients */
	struct side_stats clients[BENCH_MAX_CLIENTS];
};

struct bench {
	const struct bench_opts *o;
	struct shared_area *area;
	struct holder_config scfg, ccfg[BENCH_MAX_CLIENTS]; /* ccfg[k]: client k's */
	struct plan plan[BENCH_MAX_CLIENTS];
	pid_t spid, cpid[BENCH_MAX_CLIENTS];
	int nclients;          /* --clients: 1 writes area->client; more write clients[] */
	int cpu[1 + BENCH_MAX_CLIENTS]; /* --pin: side k's CPU (0 the server, 1 + k client k); -1 unpinned */
	uint32_t naddrs;       /* --path veth: addresses in each client's namespace */
	struct metrics_server *metrics; /* --metrics */
	int metrics_fd;        /* its listening socket until the server takes it; -1 */
	bool veth;             /* --path veth: each client in a namespace of its own */
	struct reporter *rep;
	struct bench_result *res;
	struct meter_sample *base, *now;
	struct meter_delta delta;
	struct crosscheck_env env;
	struct crosscheck check;
	struct report_point last;
	uint64_t next_report, last_pairs;
	uint64_t seen_pairs; /* the most pairs the ramp loop has seen, first at seen_t */
	double seen_t;
	double t0, last_t, peak_rate, ramp_s, teardown_s;
	uint64_t mem_available_min;
	enum stop_reason stop;
	char detail[400];
	uint64_t closed_early; /* server-side closes before the teardown */
	uint64_t probe, detected;
	double detect_s;
	struct limits_prediction pred; /* --conns max: what `holdconn limits` expects */
	uint64_t rss_base[2];  /* RssAnon of [0] server, [1] clients once started */
	uint64_t pressures0;   /* TCPMemoryPressures before the run */
	bool v6_block;         /* --ipv6: BENCH_SOURCE6_BLOCK is routed to lo, sources from it */
	double hold_s, throughput, hold_buffer, hold_buffer_res;
	int wscale[2];         /* offered by [0] server, [1] client; -1 unknown */
	struct traffic_report tr[2]; /* [0] server, [1] client, when the hold ended */
	const struct bench_slo *slo; /* NULL: no --slo */
	uint32_t window;       /* schedule windows opened so far */
	uint64_t unseen_due;   /* beats due the generator never reached: it was still behind */
	struct cpu_report hold_cpu;
	bool has_hold_cpu;
	struct slo_report slor;
	struct lat_hist connect_lat_prev; /* the client's connect latencies at the last point */
	/* bench --server: a server holdconn did not write holds the connections */
	const char *server_cmd;      /* the command as given; NULL: holdconn serve */
	struct extserver ext;
	struct proc_usage srv_base;  /* its processes once still after it listened */
	uint64_t inuse0;             /* TCP sockets in the namespace once it listens */
	bool gen_watched;            /* the generator arms a poll per connection */
	struct cgroup_track cgt;     /* the memory cgroup bench runs in, and so its sides */
	struct death_report death;   /* a side that died (death.side NULL: none) */
	/* --proto, --tls: each client's session (its own MQTT ids), each side's TLS context */
	struct run_session session[BENCH_MAX_CLIENTS];
	struct tls_ctx *server_tls, *client_tls;
	struct tls_report tls;       /* --tls: each side's TLS figures at the last report point */
};

/* CPU counters at one moment: both processes' rusage, the box's /proc/stat. */
struct cpu_mark {
	double t;
	uint64_t user[2], sys[2]; /* [0] server, [1] client, µs */
	uint64_t msgs;            /* messages the server has read */
	struct cpu_times box;
	bool have_box;
};

/* One stretch of the heartbeat schedule, opened and closed by the parent. */
struct window {
	uint64_t from_us, until_us;
	struct cpu_mark c0;
	struct traffic_counts sv, cl; /* at the opening; at the close, what the window added */
	struct cpu_report cpu;
};

static inline bool external(const struct bench *b)
{
	return b->server_cmd != NULL;
}

/* Listening ports: --ports for holdconn serve; one for a server unless its command takes {ports}. */
static inline uint32_t bench_ports(const struct bench *b)
{
	return !external(b) || strstr(b->server_cmd, "{ports}") ? b->o->ports : 1;
}

static inline void sleep_ns(long ns)
{
	struct timespec ts = { 0, ns };

	nanosleep(&ts, NULL);
}

static inline uint64_t ld(_Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

static inline uint32_t ld32(_Atomic uint32_t *v)
{
	return atomic_load_explicit(v, memory_order_acquire);
}

/* bench_spawn.c */
void bench_notice_ipv6(struct bench *b);
int bench_configure(struct bench *b, char *err, size_t errlen);
int bench_start_metrics(struct bench *b);
int bench_listen_metrics(struct bench *b);
int bench_start_clients(struct bench *b);
int bench_start_sides(struct bench *b);

/* bench_external.c */
void bench_external_publish(struct bench *b);
void bench_server_point(struct bench *b, uint64_t n);
void bench_explain_server_stop(struct bench *b);
void bench_summary_external(struct bench *b, struct report_summary *s);
int bench_start_external(struct bench *b);

/* bench_sample.c */
void bench_gather_clients(struct bench *b);
bool bench_client_gave_up(struct bench *b);
void bench_sleep(struct bench *b, long ns);
uint64_t bench_pairs(struct bench *b);
void bench_wait_fresh(struct bench *b, double deadline);
void bench_take_point(struct bench *b);

/* bench_ramp.c */
bool bench_clients_gone(struct bench *b);
bool bench_server_gone(struct bench *b);
bool bench_landed(struct bench *b);
void bench_ramp(struct bench *b);
void bench_explain_stop(struct bench *b);

/* bench_window.c */
void bench_window_open(struct bench *b, struct window *w);
void bench_window_close(struct bench *b, struct window *w);
void bench_hold_progress(struct bench *b, double end);
void bench_slo_point(struct bench *b);

/* bench_hold.c */
void bench_settle(struct bench *b);
void bench_probe_close(struct bench *b);
void bench_hold(struct bench *b);
void bench_teardown(struct bench *b);


/* bench_summary.c */
void bench_summary(struct bench *b);

#endif
