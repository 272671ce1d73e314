/* units.h - parsing of counts, byte sizes and durations given by the user. */
#ifndef HOLDCONN_UNITS_H
#define HOLDCONN_UNITS_H

#include <stdint.h>

/*
 * All parsers take the whole string (no trailing junk, no sign, no empty
 * string) and return 0, -EINVAL when the text is malformed or -ERANGE when
 * the value does not fit.
 */

/* "1000000", "1M", "100k", "2.5M", "1_000_000": decimal multipliers k/K, m/M, g/G. */
int parse_count(const char *s, uint64_t *out);

/* "4096", "4k"/"4K"/"4KiB" (1024), "1m"/"1M"/"1MiB", "1g"/"1G"/"1GiB"; "B" suffix allowed. */
int parse_size(const char *s, uint64_t *out);

/* "250ms", "10s", "2m", "1h", "1500us"; a bare number is seconds. Result in microseconds. */
int parse_duration_us(const char *s, uint64_t *out);

/* Formats a byte count as "1.50 GiB" style into buf; returns buf. */
const char *format_size(uint64_t bytes, char *buf, int len);

#endif
