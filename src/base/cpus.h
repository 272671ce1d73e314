/*
 * cpus.h - where bench's sides run with --pin: the server on one CPU, the
 * generators on the others. Left to the scheduler on two CPUs, holdconn's
 * ramp switched between two speeds within runs far more often than the
 * floor's (docs/floor.md, "Why a round misses"); pinned, the comparison
 * no longer depends on where the scheduler put each side.
 */
#ifndef HOLDCONN_CPUS_H
#define HOLDCONN_CPUS_H

/*
 * The CPU side k of a run is pinned to: the server (k = 0) to the first
 * CPU this process may run on, generator k >= 1 to one of the rest in
 * turn. -1 when fewer than two are allowed; *allowed says how many are.
 */
int cpus_side(int k, int *allowed);
/* Pins the calling process to cpu; 0 or -errno. */
int cpus_pin(int cpu);

#endif
