/*
 * calibrate.h - what one connection costs on this box, measured: a short
 * bench (a few thousand pairs, reports to /dev/null) in a child process,
 * its slab deltas turned into bytes per pair as MemAvailable counts them.
 */
#ifndef HOLDCONN_CALIBRATE_H
#define HOLDCONN_CALIBRATE_H

#include <stdbool.h>
#include <stdint.h>
#include "measure/limits.h"
#include "measure/meter.h"

#define CALIBRATE_PAIRS 10000
#define CALIBRATE_PAIRS_THREADS 4000 /* a thread each: keep it short */

struct calibration_cache {
	char name[METER_NAME_LEN];
	double bytes_per_pair;  /* objects x object size */
	double pages_per_pair;  /* their share of whole slab pages */
	bool reclaimable;       /* the cache is flagged reclaimable */
};

struct calibration {
	bool measured;
	enum mode mode;         /* the server's; bench's client runs uring */
	uint64_t pairs, sockets;
	const char *stop;
	double kernel_bytes_per_socket; /* bench's figure: objects, not pages */
	double user_bytes_per_pair;     /* the conn arena */
	double ring_bytes_per_pair;     /* SQ/CQ memory shared over a full ring's slots */
	double rate;                    /* pairs per second over the ramp */
	double memcg_charge;            /* bytes the memory cgroup was charged per pair; 0: none */
	double memcg_fixed;             /* ... and before the first pair */
	struct limits_cost pair;        /* per pair, in slab pages */
	int ncaches;
	struct calibration_cache caches[METER_TOP_CACHES];
	char why[200];          /* when not measured: why */
};

/*
 * Runs bench for `pairs` pairs in mode q->mode (client uring) in a child
 * process, so that its namespace stays there; again, up to 3 times, while
 * other activity on the box shows in the slab deltas (expect: the
 * documented cost per pair). 0, or -errno with c->why set.
 */
int calibrate(const struct limits_query *q, uint64_t pairs, const struct limits_cost *expect,
	      struct calibration *c);
/* Sets the measured mode's cost in `in` (the others keep the documented ones). */
void calibrate_apply(const struct calibration *c, struct limits_input *in);

#endif
