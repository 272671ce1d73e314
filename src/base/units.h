/* units.h - parsing of counts, byte sizes and durations given by the user. */
#ifndef HOLDCONN_UNITS_H
#define HOLDCONN_UNITS_H

#include <stdint.h>

/*
 * All parsers take the whole string (no trailing junk, no sign, no empty
 * string) and return 0, -EINVAL when the text is malformed or -ERANGE when
 * the value does not fit.
 */

/* "1000000", "1M", "100k", "2.5M", "1_000_000": k/K, M, G = 10^3, 10^6, 10^9 (m is minutes). */
int parse_count(const char *s, uint64_t *out);

/*
 * "4096", "64k"/"64kB" (64,000), "64Ki"/"64KiB" (65,536), "1M"/"1MB", "1Mi"/"1MiB",
 * "1G"/"1GB", "1Gi"/"1GiB": SI and IEC spelled apart; "B" alone allowed; no "K", "m", "g".
 */
int parse_size(const char *s, uint64_t *out);

/* "250ms", "10s", "2m", "1h", "1500us"; a bare number is seconds. Result in microseconds. */
int parse_duration_us(const char *s, uint64_t *out);

/* The greatest common divisor of a and b (b, when a is 0). */
uint64_t gcd(uint64_t a, uint64_t b);

/* Formats a byte count as "1.50 GiB" style into buf; returns buf. */
const char *format_size(uint64_t bytes, char *buf, int len);

#endif
