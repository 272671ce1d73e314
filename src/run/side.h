/* side.h - one side run on its own: `holdconn serve` and `holdconn connect`. */
#ifndef HOLDCONN_SIDE_H
#define HOLDCONN_SIDE_H

#include <stddef.h>
#include "run/run_opts.h"
#include "hold/holder.h"

/*
 * One line for a side that could not start: what failed and what to do
 * (both: bench's two sides, which must both leave io_uring).
 */
void side_explain_failure(bool both, enum mode m, int err, char *buf, size_t len);
/* The exit code of a side that could not start with err: 4 when io_uring was refused. */
int side_start_code(enum mode m, int err);
/* Runs serve or connect in this process until done; returns the exit code. */
int side_main(const struct run_opts *o, enum role role);

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
