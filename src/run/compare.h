/*
 * compare.h - `holdconn compare`: one bench per server mode (and per
 * --server command), one after another, the same target, buffers and
 * uring client, then one table with a column per mode or server. Where a mode stops early (epoll at
 * RLIMIT_NOFILE) the modes are also compared at the largest count every
 * one of them reached, read from the report points.
 */
#ifndef HOLDCONN_COMPARE_H
#define HOLDCONN_COMPARE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "run/bench.h"

#define COMPARE_DEFAULT_CONNS 100000
#define COMPARE_DETAIL_LEN 400
#define COMPARE_MAX_SERVERS 6 /* --server, repeatable */
#define COMPARE_MAX_RUNS (MAX_MODES + COMPARE_MAX_SERVERS)

/* compare's options: a bench's, and the servers to run it with. */
struct compare_opts {
	struct bench_opts bench;
	enum mode modes[MAX_MODES]; /* --modes, default uring,epoll,threads */
	int nmodes;
	const char *servers[COMPARE_MAX_SERVERS]; /* --server CMD: after the modes, in order */
	int nservers;
	const char *plot;           /* --plot FILE (.png or .svg); NULL: no plot */
};

struct compare_run {
	enum mode mode;
	const char *server;       /* --server CMD held instead of serve; NULL: serve in that mode */
	char name[64];            /* the column's name: the mode, or the server's */
	int code;                 /* bench_run's exit code: nonzero, the run failed */
	char detail[COMPARE_DETAIL_LEN]; /* why it stopped; "" when it reached the target */
	struct bench_result res;
};

struct comparison {
	const struct compare_opts *o;
	uint64_t report_every;    /* the interval every run used */
	uint64_t nofile;          /* RLIMIT_NOFILE the sides inherit */
	uint32_t slots_per_ring;  /* a uring server's registered table size */
	int nruns;
	struct compare_run runs[COMPARE_MAX_RUNS];
	uint64_t common_n;        /* largest count every run has a point at; 0: none */
	int at[COMPARE_MAX_RUNS];        /* index of that point in each run's points */
};


/* compare's defaults: COMPARE_DEFAULT_CONNS, every mode, the report interval from --conns. */
void compare_defaults(struct compare_opts *o);
/*
 * Parses a --modes list ("uring,epoll"). 0, or -EINVAL with the reason in
 * why, worded to follow the list: "names 'x', not a mode (...)".
 */
int compare_parse_modes(const char *s, enum mode modes[MAX_MODES], int *n, char *why,
			size_t len);
/* The report interval when none is given: min(N/10, 1000), or coarser to fit the points. */
uint64_t compare_report_every(uint64_t conns);
/*
 * The largest connection count at which every run has a report point
 * (points are taken at exact multiples of the interval, and where a run
 * stops). Runs with code != 0 are left out. Fills at[] with each run's
 * point index; 0 when no count is common.
 */
uint64_t compare_common_n(const struct compare_run *runs, int nruns, int at[]);
/* The run's last point, or NULL when it has none. */
const struct bench_point *compare_last_point(const struct compare_run *r);

/* compare_report.c: the side-by-side table, and the JSON object. */
void compare_print_table(FILE *f, const struct comparison *c);
void compare_print_json(FILE *f, const struct comparison *c);

/* `holdconn compare`. Returns the exit code. */
int compare_main(const struct compare_opts *o);

#endif
