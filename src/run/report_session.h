/*
 * report_session.h - the sessions' part of a report (--proto, --tls): how
 * many the server accepted, refused or ended, the keepalives both ways, and
 * why the first refused one was, with the server's words.
 */
#ifndef HOLDCONN_REPORT_SESSION_H
#define HOLDCONN_REPORT_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "hold/stats.h"

struct session_report {
	const char *proto;          /* "mqtt", ...; NULL: TLS alone */
	bool tls;
	uint64_t established;       /* sessions the server accepted (TLS done, the opening answered) */
	uint64_t refused;           /* ... it turned down (the run stops at the first) */
	uint64_t closed;            /* ... it ended once established */
	uint64_t acked;             /* our keepalives the server answered (PINGRESP, PONG, pong) */
	uint64_t answered;          /* the server's keepalives we answered (PONG, pong) */
	uint64_t tls_established, tls_failed;
	double tls_handshake_cpu_s; /* thread CPU inside TLS calls until established, in all */
	char refusal[SESSION_REFUSAL_MAX]; /* why the first refused session was; "": none */
	bool http;                  /* --proto http: the idle closes below are reported */
	uint64_t idle_closed;       /* idle sessions the server closed (its keep-alive timeout) */
	double idle_s[3];           /* ... after how long idle: min, median, max, seconds */
};

/*
 * The server's idle closes, n of them, least and most idle min_ms and
 * max_ms, all in idle (µs): min, median and max in seconds. The median is
 * the histogram's (its bucket's upper edge, ~9% wide) kept within [min, max],
 * so closes all at one timeout read as it.
 */
void session_idle_seconds(uint64_t n, uint64_t min_ms, uint64_t max_ms,
			  const struct lat_hist *idle, double out[3]);

/* From one generator's published counts (bench: the clients' sum). */
void session_report_fill(struct session_report *r, const char *proto, bool tls,
			 const struct side_stats *st);
/* The stop line's detail for STOP_SESSION: the refusal and what to check. */
void session_report_stop(const struct session_report *r, char *buf, size_t len);
/* ,"sessions":{...} for a JSON object being written. */
void session_report_json(FILE *f, const struct session_report *r);
/* "  sessions:  mqtt, 10000 established, ..." for the human summary. */
void session_report_human(FILE *f, const struct session_report *r);

#endif
