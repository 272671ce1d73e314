/*
 * report_tls.h - TLS's part of a report (--tls), per side: what OpenSSL
 * holds per connection (its bytes counted exactly, src/session/tls.c), with
 * the library's buffers released or kept, the handshakes' CPU and rate; and
 * whether this kernel could take the sessions over (kernel TLS), said once.
 */
#ifndef HOLDCONN_REPORT_TLS_H
#define HOLDCONN_REPORT_TLS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "hold/stats.h"

struct tls_side_report {
	bool on;                  /* this side ran TLS */
	uint64_t conns;           /* connections with TLS state when read */
	int64_t bytes;            /* OpenSSL's bytes over its warmed baseline, for those */
	int64_t startup_bytes;    /* the baseline: contexts, certificate, the library's caches */
	uint64_t handshakes, failed;
	double cpu_s;             /* thread CPU inside TLS calls until established, in all */
	double span_s;            /* first handshake done to last */
};

struct tls_report {
	bool keep_buffers;        /* --tls-keep-buffers */
	double records;           /* holdconn's own user bytes per connection (the summary's user line) */
	bool ktls;                /* the kernel takes a TLS session */
	char ktls_why[160];       /* ... and if not, why */
	struct tls_side_report client, server;
};

/* One side's published figures (bench: the clients' sum); -1 bytes when tls_mem_init did not run. */
void tls_report_side(struct tls_side_report *r, const struct side_stats *st);
/* Probes kernel TLS (measure/ktls.c) once for the report. */
void tls_report_probe(struct tls_report *r);
/* ,"tls":{...} for a JSON object being written. */
void tls_report_json(FILE *f, const struct tls_report *r);
/*
 * The summary's user line under --tls: holdconn's records, which leave
 * OpenSSL out, beside each side's total with it.
 */
void tls_report_user_human(FILE *f, const struct tls_report *r);
/* "  TLS client:  39088 B/conn ..." lines for the human summary. */
void tls_report_human(FILE *f, const struct tls_report *r);

#endif
