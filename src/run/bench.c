/*
 * bench.c - what bench hands its callers besides the run: the --slo
 * parser and the cost of one report point. The run is bench_run.c.
 */
#include <errno.h>
#include <string.h>
#include "base/units.h"
#include "run/bench.h"

int bench_parse_slo(const char *s, struct bench_slo *out)
{
	uint64_t us;

	if (!s || strncmp(s, "p99=", 4) || parse_duration_us(s + 4, &us) || !us)
		return -EINVAL;
	out->p99_us = us;
	return 0;
}

struct point_cost bench_point_cost(const struct bench_point *p)
{
	/* A cost its source cannot tell from nothing counts as nothing, never as a negative. */
	struct point_cost c = {
		.kernel = figure_is_zero(p->kernel_bytes_per_socket, p->kernel_res) ?
				  0 : p->kernel_bytes_per_socket,
		.buffers = figure_is_zero(p->buffer_bytes_per_conn, p->buffer_res) ?
				   0 : p->buffer_bytes_per_conn,
		.user = p->user_bytes_per_conn,
	};

	if (p->rss_bytes_per_socket > c.user)
		c.user = p->rss_bytes_per_socket;
	c.total = c.kernel + c.buffers + c.user;
	return c;
}
