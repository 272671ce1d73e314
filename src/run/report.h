/*
 * report.h - everything the user reads: the live progress line on a TTY,
 * the table of report points, the summary, or one JSON object per line
 * with --json. Takes numbers, never touches sockets or /proc.
 */
#ifndef HOLDCONN_REPORT_H
#define HOLDCONN_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "base/json.h"
#include "measure/attrib.h"
#include "measure/crosscheck.h"
#include "measure/meter.h"
#include "hold/traffic.h"
#include "run/report_cgroup.h"
#include "run/report_session.h"
#include "run/report_tls.h"

#define SERVE_PEAK_MS 100 /* serve's peak accept rate is over the progress tick */
#define REPORT_WHOLE_BYTE 0.5 /* a per-cache figure in whole bytes resolves no less than this */

/* Connect latency: from the start of a connect to its completion, on the generator. */
struct lat_report {
	uint64_t count;                 /* connects timed; 0: none (the figures are absent) */
	double p50_us, p99_us, p999_us, max_us;
};

struct report_point {
	uint64_t conns;                 /* pairs (bench) or connections held (serve/connect) */
	uint64_t sockets;               /* TCP sockets those use on this box */
	double elapsed_s;
	double rate;                    /* conns per second over the last interval */
	double user_bytes_per_conn;     /* arena bytes / sockets held by our processes */
	double kernel_bytes_per_socket; /* slab delta / sockets (check->divisor when checked) */
	double buffer_bytes_per_conn;   /* sockstat TCP mem delta / sockets (the same) */
	double rss_bytes_per_socket;    /* RssAnon growth of our processes / sockets (bench) */
	double rss_res;                 /* ... and its resolution, bytes per socket */
	uint64_t mem_available;
	bool has_cgroup;                /* under a memory cgroup's limit: */
	uint64_t cgroup_headroom;       /* ... the room left under it */
	const struct meter_delta *delta; /* per-cache breakdown; NULL to omit */
	struct lat_report connect_lat;  /* connects since the previous point */
	const struct crosscheck *check; /* the kernel's count against ours; NULL: none */
};

/* The server's first bytes, escaped as one line, with room for the NUL. */
#define FIRST_ESCAPED_MAX 104

/* One side's traffic, as the summary shows it. */
struct traffic_report {
	uint64_t bytes_in, bytes_out;
	uint64_t msgs_sent, msgs_recv;  /* messages handed whole to the kernel / read whole */
	uint64_t timed;                 /* messages read with their stamp whole: the latencies */
	double p50_us, p99_us, p999_us, max_us; /* server: one way; connect: round trip (echo) */
	uint64_t beats_blocked;         /* heartbeats skipped: the last had not gone out */
	uint64_t stalled_conns;         /* connections that blocked at least once */
	uint64_t send_errors;
	uint64_t waiting;               /* messages begun and not yet out (nor failed) */
};

/*
 * CPU spent while the pattern ran (bench): each process's user + system
 * time from its rusage, and the box's softirq time from /proc/stat (on
 * loopback, where both ends' TCP receive work runs). Depending on the
 * kernel's IRQ time accounting, softirq time may also show in the
 * process that was interrupted.
 */
struct cpu_report {
	double seconds;                 /* wall time the figures cover */
	int ncpus;
	uint64_t msgs;                  /* messages the server read in that time */
	double server_user_s, server_sys_s, generator_user_s, generator_sys_s;
	double softirq_s;
};

/* CPU ms per 1,000 messages, and share of the box's CPUs (0..1) of x seconds of CPU. */
double cpu_ms_per_kmsg(const struct cpu_report *c, double cpu_s);
double cpu_share(const struct cpu_report *c, double cpu_s);

/* bench --slo: the largest count that met the objective, and the first that did not. */
struct slo_report {
	double p99_us;                  /* the objective: one-way p99 at most this */
	double slip;                    /* and at most this share of heartbeats not on time */
	uint64_t met_conns;             /* the largest count that met it; 0: none */
	double met_msgs_per_s, met_p99_us, met_slip;
	struct cpu_report met_cpu;
	uint64_t failed_conns;          /* the count that did not; 0: none did */
	double failed_p99_us, failed_slip;
	double window_s;                /* how long each point held the pattern */
};

/* One report point's window under bench --slo. */
struct slo_point {
	uint64_t conns;
	double seconds, msgs_per_s;
	double p99_us;                  /* one way, at the server */
	double lag_p99_us;              /* the generator's own lag */
	double slip;                    /* share of the heartbeats due not sent on time */
	bool met;
	struct cpu_report cpu;
};

/*
 * What a server process cost (connect --server-pid, bench --server): its
 * own growth from /proc/PID and its part of the box's kernel growth.
 */
struct server_cost {
	uint64_t conns;                 /* connections it held at the point */
	double startup_bytes;           /* its PSS once settled, before the first connection */
	double user_bytes_per_conn;     /* private PSS growth since then / conns: the slope */
	double user_res;                /* pages, and how far it moved while still */
	double pss_file_res;            /* file-backed PSS: how far it moved while still */
	double pss_anon_per_conn, pss_file_per_conn;
	double rss_per_conn;
	double kernel_bytes_per_socket; /* attributed: the growth less the generator's */
	double generator_kernel_bytes_per_socket;
	double kernel_res, generator_kernel_res; /* what each cannot resolve, B/socket: ~0 within */
	double fds_per_conn;
	uint64_t fds, threads;          /* at the point */
	uint64_t nofile_soft, nofile_hard; /* RLIMIT_NOFILE; UINT64_MAX: unlimited */
	int nprocs;
	const char *split;              /* how the kernel growth was split */
	int64_t other_bytes;            /* kernel growth neither end owns: charged to no one */
	int nother;
	struct attrib_other others[ATTRIB_MAX_OTHER];
	const char *command;            /* bench --server: the command run; NULL otherwise */
	const char *stopped_by;         /* bench --server: what stopped it, in its terms; NULL: - */
};

struct report_summary {
	const char *command;            /* "bench", "serve", "connect" */
	const char *mode;               /* the side's mode (bench: the server's): "uring", ... */
	const char *client_mode;        /* bench only; NULL otherwise */
	int clients;                    /* bench: generator processes (--clients) */
	const char *path;               /* bench: "loopback" or "veth"; NULL otherwise */
	uint64_t target;                /* 0: max */
	uint64_t held;
	uint64_t sockets;               /* TCP sockets the held conns use on this box */
	const char *stop_reason;        /* stop_reason_name() */
	const char *stop_detail;        /* one line, may be NULL */
	double ramp_s, teardown_s;
	double avg_rate, peak_rate;
	double user_bytes_per_conn, kernel_bytes_per_socket, buffer_bytes_per_conn;
	int rcvbuf_server, sndbuf_server, rcvbuf_client, sndbuf_client; /* -1: unknown */
	uint64_t failed, lost, closed_early;
	uint32_t rings_server, rings_client;
	uint64_t ring_bytes;            /* SQ/CQ memory of all rings */
	uint64_t reserve, mem_available_min;
	uint64_t predicted;             /* bench --conns max: limits' prediction; 0: none */
	const char *predicted_binding, *predicted_stop;
	const struct meter_delta *delta;
	const struct crosscheck *check; /* the last point's; NULL: none */
	const char *watch;              /* uring watch strategy; NULL: not applicable */
	const char *client_watch;       /* bench: the generator's */
	uint64_t bytes_in, bytes_out;   /* payload read (and dropped) / written by the holder */
	uint64_t scans;                /* --watch diag: dumps the holder took */
	double scan_ms;                /* ... and the CPU time each took, on average */
	uint64_t rx_buf_bytes;          /* --watch recv: the holder's provided buffers; 0: none */
	uint64_t rx_empty;              /* ... recvs that found none and were armed again */
	bool rx_inc;                    /* ... consumed incrementally */
	uint64_t close_probe;           /* bench: client connections closed to time detection */
	uint64_t close_detected;        /* ... of which the server noticed */
	double close_detect_s;          /* until the last was noticed; -1: not all were */
	const struct traffic *traffic;  /* the pattern; NULL: none (idle connections) */
	struct traffic_report tr_server, tr_client;
	double hold_s;                  /* how long heartbeats ran (bench) */
	double throughput_Bps;          /* payload the server read per second of the hold */
	double hold_buffer_bytes_per_conn; /* sockstat TCP mem / pairs at the end of the hold */
	double hold_buffer_res;         /* ... and its resolution */
	uint64_t tcp_mem_pressures;     /* TCPMemoryPressures entered during the run */
	int wscale_server, wscale_client; /* window scale each side offered; -1: unknown */
	bool has_schedule;              /* the generator kept the heartbeat schedule's account */
	struct schedule_report schedule;
	bool has_cpu;
	struct cpu_report cpu;          /* bench: during the hold */
	const struct slo_report *slo;   /* bench --slo; NULL otherwise */
	struct lat_report connect_lat;  /* every connect of the run */
	uint64_t peer_closed, peer_reset; /* connect: held connections the server ended */
	const char *first_bytes;        /* connect: the server's first bytes, escaped; NULL: none */
	uint64_t first_conns;           /* ... and how many connections began with them */
	const struct server_cost *server; /* NULL: not measured */
	const struct cgroup_report *cgroup; /* under a memory cgroup's limit; NULL: none */
	const struct death_report *killed;  /* bench: a side that died; NULL: none */
	const struct session_report *sessions; /* --proto, --tls: the generator's; NULL: none */
	const struct tls_report *tls;   /* --tls: each side's TLS figures; NULL: none */
};

/* Quantiles of h; max_ns is the exact largest (0: the top of h's highest bucket). */
void lat_report_fill(struct lat_report *r, const struct lat_hist *h, uint64_t max_ns);
/* The latencies h gained since *prev (a snapshot, which moves on to now). */
void lat_report_since(const struct lat_hist *h, struct lat_hist *prev, struct lat_report *out);
/* ,"key":{"count":N,"p50":...,"p99":...,"p999":...,"max":...} in µs; nothing when count is 0. */
void lat_report_json(FILE *f, const char *key, const struct lat_report *l);

/* Fills r from one side's published numbers. */
void traffic_report_fill(struct traffic_report *r, const struct traffic_stats *st,
			 uint64_t bytes_in, uint64_t bytes_out);

struct reporter {
	FILE *out;
	bool json;
	bool tty;       /* live progress line allowed */
	bool quiet;     /* compare: the progress line and notices only, no start line or table */
	bool progress_shown;
	int rows;       /* table rows printed, to repeat the header */
};

void reporter_init(struct reporter *r, FILE *out, bool json);
/* One line saying what runs ("holdconn bench: uring server, ..."); JSON: {"event":"start",...}. */
void report_start(struct reporter *r, const char *command, const char *mode, uint64_t target,
		  uint64_t reserve, uint64_t mem_available);
/* TTY only: overwrites one line in place; no-op for JSON or a pipe. cgroup_headroom UINT64_MAX: none. */
void report_progress(struct reporter *r, uint64_t conns, double elapsed_s, double rate,
		     uint64_t mem_available, uint64_t cgroup_headroom);
void report_point(struct reporter *r, const struct report_point *p);
void report_summary(struct reporter *r, const struct report_summary *s);
/* bench --slo: one line per report point's window; JSON: {"event":"slo_point",...}. */
void report_slo_point(struct reporter *r, const struct slo_point *p);
/* ,"cpu":{...}: CPU seconds, ms per 1,000 messages and share of the box, per process. */
void cpu_json(FILE *f, const char *key, const struct cpu_report *c);
/* ,"schedule":{"kept":...,"due":...,...}. */
void schedule_json(FILE *f, const struct schedule_report *r);
/* One line: "kept the schedule: ..." or "fell behind: N of M due were not sent, ...". */
void schedule_verdict(FILE *f, const struct schedule_report *r);
/* A one-line notice ("warning: ..."); JSON: {"event":"notice","text":...}. */
void report_notice(struct reporter *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Bytes as one printable line: \r \n \t \\ and \xNN for the rest, at most
 * outlen - 1 characters, "..." when cut. Returns out.
 */
char *report_escape(const char *buf, size_t n, char *out, size_t outlen);
/*
 * ,"resolution":{"name":R,...} for n costs, ,"within_resolution":{"name":V,...}
 * and ,"negative":{"name":V,...} (below minus R: flagged, json_cost wrote null)
 * with the measured value of those within theirs (written 0.0 by json_cost).
 */
void json_resolutions(FILE *f, const char *const names[], const double v[], const double res[],
		      int n);
/* ,"seen_sockets":M and, when disturbed, ,"disturbed":{"expected_sockets":N,...}. */
void crosscheck_sockets_json(FILE *f, const struct crosscheck *c);
/* json_resolutions of a point's kernel, buffer (and rss, when rss_res > 0), then its sockets. */
void crosscheck_json(FILE *f, const struct crosscheck *c, double rss, double rss_res);
/* The one TTY line of a disturbed check ("disturbed: ..."); nothing when undisturbed. */
void crosscheck_line(FILE *f, const char *indent, const struct crosscheck *c);
/* A per-socket cost as people read it: "~0" within its resolution, "?" undefined, else %.1f. */
void print_figure(FILE *f, int width, double value, double resolution);
/* ,"key":v for a cost: 0.0 within its resolution (json_resolutions gives the measured value). */
void json_cost(FILE *f, const char *key, double value, double resolution);
/* ,"key":{"bytes_in":...,"lat_p50_us":...,"send_errors":...}: one side's traffic. */
void traffic_side_json(FILE *f, const char *key, const struct traffic_report *t);

#endif
