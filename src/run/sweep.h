/*
 * sweep.h - `holdconn sweep`: one bench per socket buffer setting, each
 * holding --conns pairs under the same traffic pattern, a row per setting
 * as soon as it has run, then the smallest setting that keeps the pattern
 * flowing and what it saves against the kernel's defaults.
 *
 * Every setting is run with the buffers set before the handshake and
 * after it (--set-buffers): a receive buffer locked before connect/listen
 * makes the kernel offer window scale 0, which caps the window at 64 KiB
 * for the connection's life, and the two rows show the difference.
 */
#ifndef HOLDCONN_SWEEP_H
#define HOLDCONN_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "run/bench.h"
#include "run/report.h"

#define SWEEP_MAX 16 /* sizes in one sweep --rcvbuf/--sndbuf list */
#define SWEEP_BEFORE 1u /* buffers set before connect/listen */
#define SWEEP_AFTER 2u  /* buffers set once established */

/* sweep's options: a bench's, and the buffer settings to run it with. */
struct sweep_opts {
	struct bench_opts bench;
	uint64_t rcvbuf[SWEEP_MAX], sndbuf[SWEEP_MAX]; /* --rcvbuf/--sndbuf lists (0: default) */
	int nrcvbuf, nsndbuf;
	unsigned when;            /* --set-buffers: SWEEP_BEFORE | SWEEP_AFTER */
};

#define SWEEP_RUNS_MAX (2 * SWEEP_MAX * SWEEP_MAX)
#define SWEEP_DETAIL_LEN 400
#define SWEEP_PER 1000000.0 /* savings are per this many connections */

/* One run's buffers. */
struct sweep_setting {
	unsigned when;            /* SWEEP_BEFORE or SWEEP_AFTER; 0: nothing set, the defaults */
	uint64_t rcvbuf, sndbuf;  /* requested bytes; 0: the kernel's default */
};

struct sweep_row {
	struct sweep_setting set;
	int code;                 /* bench_run's exit code: nonzero, the run failed */
	char detail[SWEEP_DETAIL_LEN]; /* why the bench stopped short; "" otherwise */
	struct report_summary s;  /* the bench's summary; its pointers into the run are cleared */
	struct crosscheck check;  /* the bench's last point's */
};

/* Whether a row kept the pattern flowing, or the first reason it did not. */
enum sweep_flow {
	FLOW_YES = 0,
	FLOW_FAILED,   /* the run failed */
	FLOW_SHORT,    /* it held fewer pairs than asked */
	FLOW_IDLE,     /* no message was sent: nothing was shown */
	FLOW_ERRORS,   /* a send failed */
	FLOW_BLOCKED,  /* a heartbeat was skipped: the previous one had not gone out */
	FLOW_LOST,     /* fewer messages delivered than sent (or echoed back than echoed) */
};

/* What the rows add up to. */
struct sweep_verdict {
	int best;                 /* the smallest row that flows; -1: none */
	int ref;                  /* what best is set against: the defaults row, else the
				   * largest that ran; -1: none */
	double saved_bytes;       /* per SWEEP_PER conns: buffer memory held during the hold */
	double saved_limit_bytes; /* per SWEEP_PER conns: of the server's rcvbuf + sndbuf */
	double noise_bytes;       /* per SWEEP_PER conns: how far saved_bytes may be off */
	int lost_scale;           /* a `before` row whose window scale is 0 ... */
	int kept_scale;           /* ... where its `after` twin's is not; -1: none */
};

/*
 * The runs, in order: for each of before and after (as o->sweep_when
 * asks), each --rcvbuf size, each --sndbuf size (an empty list: the
 * default alone). Defaults on both sides set nothing, so that pair runs
 * once, with when 0. Fills out (SWEEP_RUNS_MAX); returns the count.
 */
int sweep_plan(const struct sweep_opts *o, struct sweep_setting out[SWEEP_RUNS_MAX]);
/*
 * Flowing: the run held every pair, sent messages, no send failed, no
 * heartbeat was skipped for a send still pending, and unless the server
 * keeps what it reads (on_data keep) every message sent was delivered,
 * and with echo every echo came back.
 */
enum sweep_flow sweep_flow(const struct sweep_row *r, enum on_data on_data);
/* "yes", "failed", "short", "idle", "errors", "blocked", "lost". */
const char *sweep_flow_name(enum sweep_flow f);
/*
 * The server's buffer limits, to rank settings: its effective SO_RCVBUF +
 * SO_SNDBUF; where one was not read back, twice the request (the kernel
 * doubles it), and the default, not known, ranks above every size.
 */
uint64_t sweep_limit(const struct sweep_row *r);
/*
 * How far a per-socket sockstat figure may be off: each CPU keeps up to
 * 1 MiB of TCP memory charged to it but not yet to the total sockstat
 * shows (Linux 6.0+), either way, at each of the two samples a delta takes.
 */
double sweep_buffer_noise(uint64_t sockets, long ncpus);
/*
 * The verdict: best is the flowing row with the smallest limit (ties: the
 * one that kept the larger window scale, then the earlier row); the
 * savings are ref's figures less best's, scaled to SWEEP_PER connections,
 * with the noise of best's buffer figure on a box of ncpus CPUs.
 */
void sweep_decide(const struct sweep_row *rows, int n, enum on_data on_data, long ncpus,
		  struct sweep_verdict *v);

/* sweep_report.c: the table as rows arrive, the verdict; or JSON lines. */
/* A requested size as the user would type it: "default", "4K", "1M", "2304". */
const char *sweep_size_text(uint64_t bytes, char *buf, size_t len);
void sweep_print_head(FILE *f, const struct bench_opts *o, int nruns);
void sweep_print_row(FILE *f, const struct bench_opts *o, const struct sweep_row *r);
void sweep_print_verdict(FILE *f, const struct bench_opts *o, const struct sweep_row *rows, int n,
			 const struct sweep_verdict *v);
void sweep_json_row(FILE *f, const struct bench_opts *o, const struct sweep_row *r);
void sweep_json_verdict(FILE *f, const struct bench_opts *o, const struct sweep_row *rows, int n,
			const struct sweep_verdict *v);

/* `holdconn sweep`. Returns the exit code. */
int sweep_main(const struct sweep_opts *s);

#endif
