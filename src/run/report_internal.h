/*
 * report_internal.h - what report.c lends report_summary.c: units, the
 * per-socket divisor, the slab lines and the progress line's handling.
 * Private to src/run/report*.c.
 */
#ifndef HOLDCONN_REPORT_INTERNAL_H
#define HOLDCONN_REPORT_INTERNAL_H

#include <stdio.h>
#include <stdint.h>

struct crosscheck;
struct meter_delta;
struct reporter;

double report_gib(uint64_t bytes);
double report_mib(uint64_t bytes);
double report_divisor(const struct crosscheck *c, uint64_t sockets);
void report_json_slab(FILE *f, const struct meter_delta *d, double n);
void report_print_cost(FILE *f, double value, double resolution, const char *unit);
void report_end_line(struct reporter *r);
void report_clear_progress(struct reporter *r);
void report_slab_breakdown(FILE *f, const struct meter_delta *d, double n);

struct server_cost;
/* report_server.c: a server's figures in a summary, JSON and terminal. */
void report_server_json(FILE *f, const struct server_cost *c);
void report_server_summary(FILE *f, const struct server_cost *c);

#endif
