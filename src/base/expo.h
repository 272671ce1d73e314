/*
 * expo.h - the Prometheus text exposition format (version 0.0.4), written
 * into a caller's buffer: pure formatting, no I/O.
 *
 * A metric family is one "# HELP name text" line, one "# TYPE name type"
 * line, then its samples: "name{label="value",...} value". Label values
 * escape backslash, double quote and newline; help text escapes backslash
 * and newline. A histogram's samples are cumulative name_bucket{le="..."}
 * lines in increasing le, ending with le="+Inf" (equal to name_count),
 * then name_sum and name_count.
 */
#ifndef HOLDCONN_EXPO_H
#define HOLDCONN_EXPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXPO_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct expo {
	char *buf;
	size_t len, cap;
	bool overflow; /* something did not fit: the text is cut, do not serve it */
};

struct expo_label {
	const char *name, *value;
};

void expo_init(struct expo *e, char *buf, size_t cap);
/* The HELP and TYPE lines; type is "counter", "gauge", "histogram" or "untyped". */
void expo_family(struct expo *e, const char *name, const char *type, const char *help);
/* One sample; labels may be NULL when n is 0. */
void expo_sample(struct expo *e, const char *name, const struct expo_label *labels, int n,
		 double value);
/*
 * A histogram's samples. le[] are the n finite upper bounds, increasing;
 * cum[i] the observations <= le[i] (cumulative); count every observation
 * (the +Inf bucket); sum their total.
 */
void expo_histogram(struct expo *e, const char *name, const struct expo_label *labels, int nlabels,
		    const double *le, const uint64_t *cum, int n, uint64_t count, double sum);

#endif
