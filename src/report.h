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
#include "meter.h"

struct report_point {
	uint64_t conns;                 /* pairs (bench) or connections held (serve/connect) */
	uint64_t sockets;               /* TCP sockets those use on this box */
	double elapsed_s;
	double rate;                    /* conns per second over the last interval */
	double user_bytes_per_conn;     /* arena bytes / sockets held by our processes */
	double kernel_bytes_per_socket; /* slab delta / sockets */
	double buffer_bytes_per_conn;   /* sockstat TCP mem delta / sockets */
	double rss_bytes_per_socket;    /* RssAnon growth of our processes / sockets (bench) */
	uint64_t mem_available;
	const struct meter_delta *delta; /* per-cache breakdown; NULL to omit */
};

struct report_summary {
	const char *command;            /* "bench", "serve", "connect" */
	const char *mode;               /* holder mode: "uring", ... */
	const char *client_mode;        /* bench only; NULL otherwise */
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
	const char *watch;              /* uring watch strategy; NULL: not applicable */
	const char *client_watch;       /* bench: the generator's */
	uint64_t bytes_in, bytes_out;   /* payload read (and dropped) / written by the holder */
	uint64_t sweeps;                /* --watch diag: dumps the holder took */
	double sweep_ms;                /* ... and the CPU time each took, on average */
	uint64_t close_probe;           /* bench: client connections closed to time detection */
	uint64_t close_detected;        /* ... of which the holder noticed */
	double close_detect_s;          /* until the last was noticed; -1: not all were */
};

struct reporter {
	FILE *out;
	bool json;
	bool tty;       /* live progress line allowed */
	bool quiet;     /* compare: the progress line and notices only, no start line or table */
	bool progress_shown;
	int rows;       /* table rows printed, to repeat the header */
};

void reporter_init(struct reporter *r, FILE *out, bool json);
/* One line saying what runs ("holdconn bench: uring holder, ..."); JSON: {"event":"start",...}. */
void report_start(struct reporter *r, const char *command, const char *mode, uint64_t target,
		  uint64_t reserve, uint64_t mem_available);
/* TTY only: overwrites one line in place; no-op for JSON or a pipe. */
void report_progress(struct reporter *r, uint64_t conns, double elapsed_s, double rate,
		     uint64_t mem_available);
void report_point(struct reporter *r, const struct report_point *p);
void report_summary(struct reporter *r, const struct report_summary *s);
/* A one-line notice ("warning: ..."); JSON: {"event":"notice","text":...}. */
void report_notice(struct reporter *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes s as a JSON string literal (with quotes) to f. */
void json_string(FILE *f, const char *s);

#endif
