/*
 * metrics.h - what holdconn exposes to Prometheus: every side's published
 * side_stats plus the kernel's accounting, as exposition text (base/expo).
 * Reads only the already-published atomics and /proc: its cost does not
 * grow with the connections held.
 */
#ifndef HOLDCONN_METRICS_H
#define HOLDCONN_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include "base/expo.h"
#include "hold/stats.h"
#include "measure/meter.h"
#include "measure/selfstat.h"

#define METRICS_MAX_SIDES 65 /* bench: the server and up to 64 clients */

struct metrics_side {
	const char *side;   /* "serve" or "connect" */
	char client[12];    /* bench --clients: the client's index; "" otherwise */
	struct side_stats *st;
};

/* The kernel's figures at one moment, against the baseline taken when serving began. */
struct metrics_kernel {
	bool have;                 /* false: /proc could not be read, nothing below is set */
	const struct meter_delta *delta;
	uint64_t tcp_mem_bytes;    /* sockstat TCP mem, pages * page size */
	const struct self_usage *self; /* the serving process, for process_*; NULL: left out */
};

/* Writes the whole exposition into e (e->overflow says when it did not fit). */
void metrics_write(struct expo *e, const struct metrics_side *sides, int nsides,
		   const struct metrics_kernel *k);
/* Bytes a buffer for nsides sides needs, with room to spare. */
size_t metrics_size(int nsides);

#endif
