/* side.h - one side run on its own: `holdconn serve` and `holdconn connect`. */
#ifndef HOLDCONN_SIDE_H
#define HOLDCONN_SIDE_H

#include <stddef.h>
#include "run/options.h"
#include "hold/holder.h"
#include "hold/plan.h"
#include "measure/proc.h"

/* serve's options. */
struct serve_opts {
	enum mode mode;              /* --mode, default uring */
	struct listen_opts listen;   /* --listen */
	struct holder_opts holder;   /* buffers, TCP, reserve, watch, what peers send */
	uint32_t backlog;            /* --backlog, default 4096 */
	uint64_t report_every;       /* --report-every, default 100,000 */
	bool json;                   /* --json */
	struct metrics_opt metrics;  /* --metrics */
	struct session_opts session; /* --tls, --tls-cert, --tls-key, --tls-keep-buffers */
};

/* connect's options. */
struct connect_opts {
	enum mode mode;              /* --mode, default uring */
	struct target_opts targets;  /* --target, --resolve-timeout */
	struct source_opts sources;  /* --source, --sport */
	uint64_t conns;              /* --conns */
	uint64_t rate;               /* --connect-rate; 0 = as fast as possible */
	struct hold_time hold;       /* --duration; not given: until SIGINT or SIGTERM */
	bool reconnect;              /* --reconnect: replace connections the peer closed */
	struct holder_opts holder;   /* buffers, TCP, reserve, watch, heartbeats */
	uint64_t report_every;       /* --report-every, default 100,000 */
	bool json;                   /* --json */
	struct metrics_opt metrics;  /* --metrics */
	struct proc_set server_pids; /* --server-pid: the server's processes to read */
	struct plan_shard shard;     /* --shard I/N; count 0: not sharded */
	struct session_opts session; /* --proto, --tls and theirs */
};

/* What serve and connect start from: uring, poll watch, 100K report points. */
void serve_opts_defaults(struct serve_opts *o);
void connect_opts_defaults(struct connect_opts *o);
/* `holdconn serve` and `holdconn connect`: run in this process until done; the exit code. */
int serve_main(const struct serve_opts *o);
int connect_main(const struct connect_opts *o);

/*
 * One line for a side that could not start: what failed and what to do
 * (both: bench's two sides, which must both leave io_uring).
 */
void side_explain_failure(bool both, enum mode m, int err, char *buf, size_t len);
/* The exit code of a side that could not start with err: 4 when io_uring was refused. */
int side_start_code(enum mode m, int err);

struct server_cost;
struct proc_usage;
struct attribution;
struct attrib_side;
/*
 * A holdconn end as attribution sees it: its sockets (bound explicitly by
 * a generator: ndst destinations share a bucket) and per socket an armed
 * poll (uring, watched) or an epoll registration (epoll mode).
 */
void holder_side(struct attrib_side *s, uint64_t sockets, enum mode m, enum watch w, bool bound,
		 uint32_t ndst);
/*
 * The server's end as attribution sees it: its sockets, and what its
 * processes registered with epoll and grew in page tables since base.
 */
void server_side(struct attrib_side *srv, uint64_t sockets, const struct proc_usage *u,
		 const struct proc_usage *base);
/*
 * A server's cost at a point of n connections (connect --server-pid, bench
 * --server): its processes' growth from base to u, its share a of the kernel's.
 */
void server_cost_set(struct server_cost *c, uint64_t n, const struct proc_usage *u,
		     const struct proc_usage *base, const struct attribution *a);

#endif
