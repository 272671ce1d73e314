/*
 * args.h - the command line: subcommands, their options and --help texts.
 *
 *   holdconn serve   --listen ADDR:PORT[-PORT] ... [--mode M] [--rcvbuf B] [--sndbuf B]
 *                    [--backlog N] [--reserve B] [--report-every N] [--json]
 *   holdconn connect --target ADDR:PORT[-PORT] ... --conns N [--rate R]
 *                    [--source ADDR[-ADDR]] [--sport LO-HI] [--mode M] [--rcvbuf B]
 *                    [--sndbuf B] [--reserve B] [--report-every N] [--json]
 *   holdconn bench   [--conns N|max] [--mode M] [--client-mode M] [--report-every N]
 *                    [--rcvbuf B] [--sndbuf B] [--reserve B] [--ports N] [--json]
 *   holdconn limits  [--mode M] [--conns N] [--target ADDR:PORT[-PORT] ...]
 *                    [--source ADDR[-ADDR]] [--sport LO-HI] [--ports N] [--reserve B]
 *                    [--json] [--no-calibrate]
 *   holdconn compare [--conns N] [--modes M,M,...] [--watch W] [--rcvbuf B] [--sndbuf B]
 *                    [--reserve B] [--report-every N] [--json] [--plot FILE]
 *
 * Exit codes: 0 ok, 1 runtime failure, 2 bad usage.
 */
#ifndef HOLDCONN_ARGS_H
#define HOLDCONN_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/addr.h"
#include "hold/traffic.h"

#define MAX_ENDPOINTS 64
#define SWEEP_MAX 16 /* sizes in one sweep --rcvbuf/--sndbuf list */

enum command {
	CMD_NONE = 0,
	CMD_SERVE,
	CMD_CONNECT,
	CMD_BENCH,
	CMD_LIMITS,  /* `holdconn limits`: which limit binds first */
	CMD_COMPARE, /* `holdconn compare`: one bench per mode, side by side */
	CMD_SWEEP,   /* `holdconn sweep`: one bench per buffer setting, under traffic */
	CMD_HELP,    /* `holdconn help`, `--help`, `-h` at top level */
	CMD_VERSION, /* `holdconn --version` */
};

enum mode {
	MODE_URING = 0,
	MODE_EPOLL,
	MODE_THREADS,
};

#define MAX_MODES 3 /* uring, epoll, threads */

/* How the uring holder notices a peer close (issue: cheaper ways to watch idle connections). */
enum watch {
	WATCH_POLL = 0, /* one-shot poll per socket: +io_kiocb per socket */
	WATCH_RECV,     /* multishot recv into a provided buffer ring */
	WATCH_NONE,     /* hold and never look */
	WATCH_DIAG,     /* nothing per socket: a sock_diag dump every --sweep-interval */
};

struct options {
	enum command cmd;
	bool help;                /* --help given to a subcommand: print its help, exit 0 */
	enum mode mode;           /* --mode, default uring */
	enum mode client_mode;    /* bench --client-mode, default uring */

	struct endpoint_range listen[MAX_ENDPOINTS]; /* serve --listen, repeatable */
	int nlisten;
	struct endpoint_range target[MAX_ENDPOINTS]; /* connect --target, repeatable */
	int ntarget;
	struct addr_range source; /* connect --source */
	bool has_source;
	struct port_range sport;  /* connect --sport; default: net.ipv4.ip_local_port_range */
	bool has_sport;

	uint64_t conns;           /* --conns; bench default 1,000,000 */
	bool conns_max;           /* --conns max (bench) */
	uint64_t rate;            /* --rate, connections per second; 0 = as fast as possible */
	uint64_t report_every;    /* --report-every, default 100,000 */
	uint64_t rcvbuf, sndbuf;  /* --rcvbuf/--sndbuf bytes; 0 = kernel default */
	uint64_t reserve;         /* --reserve bytes; 0 = default max(1 GiB, 5% MemTotal) */
	bool has_reserve;
	uint32_t backlog;         /* --backlog, default 4096 */
	uint32_t ports;           /* bench --ports: listening ports, default 16 */
	bool json;                /* --json */
	enum watch watch;         /* --watch, default poll */
	uint64_t sweep_interval_us; /* --sweep-interval for --watch diag, default 1 s */
	enum watch client_watch;  /* bench --client-watch, default none: bench watches the holder itself */
	bool no_netns;            /* bench --no-netns: stay in the host's network namespace */
	bool no_calibrate;        /* limits --no-calibrate: documented costs, no measuring bench */
	enum mode modes[MAX_MODES]; /* compare --modes, default uring,epoll,threads */
	int nmodes;
	const char *plot;         /* compare --plot FILE (.png or .svg); NULL: no plot */
	struct traffic traffic;   /* --send, --every, --send-once, --on-data, --set-buffers */
	bool on_data_given;
	uint64_t hold_us;         /* bench/compare/sweep --hold: time held with traffic */
	bool has_hold;
	uint64_t sweep_rcvbuf[SWEEP_MAX], sweep_sndbuf[SWEEP_MAX]; /* sweep lists (0: default) */
	int nsweep_rcvbuf, nsweep_sndbuf;
	unsigned sweep_when;      /* sweep --set-buffers: SWEEP_BEFORE | SWEEP_AFTER */
};

#define SWEEP_BEFORE 1u /* buffers set before connect/listen */
#define SWEEP_AFTER 2u  /* buffers set once established */

/*
 * Parses argv into o (o is reset to defaults first). Returns 0 on success
 * (check o->help / o->cmd for help and version), or -EINVAL with a one-line
 * message in err naming the bad argument and its value, e.g.
 *   "--conns: 'abc' is not a count (try 1000000 or 1M)".
 */
int args_parse(int argc, char **argv, struct options *o, char *err, size_t errlen);

/* The --help text of a command (CMD_NONE/CMD_HELP: the top-level usage). */
const char *args_help(enum command cmd);
const char *mode_name(enum mode m);
const char *watch_name(enum watch w);
/* "uring"|"epoll"|"threads"; 0 or -EINVAL. */
int parse_mode(const char *s, enum mode *out);

#endif
