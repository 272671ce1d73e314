/* bench.h - `holdconn bench`: serve and connect as two processes on loopback. */
#ifndef HOLDCONN_BENCH_H
#define HOLDCONN_BENCH_H

#include "args.h"

#define BENCH_LISTEN_ADDR 0x7f000001u /* 127.0.0.1 */
#define BENCH_BASE_PORT 17000

/* Returns the exit code. */
int bench_main(const struct options *o);

#endif
