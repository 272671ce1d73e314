/* expo.c - the Prometheus text exposition format (see expo.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/expo.h"

void expo_init(struct expo *e, char *buf, size_t cap)
{
	e->buf = buf;
	e->len = 0;
	e->cap = cap;
	e->overflow = cap == 0;
	if (cap)
		buf[0] = 0;
}

static void put(struct expo *e, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (e->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(e->buf + e->len, e->cap - e->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= e->cap - e->len) {
		e->overflow = true;
		e->buf[e->len] = 0;
		return;
	}
	e->len += (size_t)n;
}

/* quote: also escape '"' (label values); help text keeps it. */
static void put_escaped(struct expo *e, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			put(e, "\\\\");
		else if (*s == '\n')
			put(e, "\\n");
		else if (*s == '"' && quote)
			put(e, "\\\"");
		else
			put(e, "%c", *s);
	}
}

/* The shortest of %.15g and %.17g that reads back as the same double: 0.001, not 0.0010000000000000000208. */
static void format_double(double v, char *buf, size_t len)
{
	if (isnan(v)) {
		snprintf(buf, len, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, len, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	snprintf(buf, len, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, len, "%.17g", v);
}

static void put_value(struct expo *e, double v)
{
	char buf[40];

	format_double(v, buf, sizeof(buf));
	put(e, "%s", buf);
}

void expo_family(struct expo *e, const char *name, const char *type, const char *help)
{
	put(e, "# HELP %s ", name);
	put_escaped(e, help, false);
	put(e, "\n# TYPE %s %s\n", name, type);
}

/* {a="x",b="y"} plus an optional le="..." last; nothing when there are no labels. */
static void put_labels(struct expo *e, const struct expo_label *l, int n, const char *le)
{
	if (!n && !le)
		return;
	put(e, "{");
	for (int i = 0; i < n; i++) {
		put(e, "%s%s=\"", i ? "," : "", l[i].name);
		put_escaped(e, l[i].value, true);
		put(e, "\"");
	}
	if (le)
		put(e, "%sle=\"%s\"", n ? "," : "", le);
	put(e, "}");
}

void expo_sample(struct expo *e, const char *name, const struct expo_label *labels, int n,
		 double value)
{
	put(e, "%s", name);
	put_labels(e, labels, n, NULL);
	put(e, " ");
	put_value(e, value);
	put(e, "\n");
}

void expo_histogram(struct expo *e, const char *name, const struct expo_label *labels, int nlabels,
		    const double *le, const uint64_t *cum, int n, uint64_t count, double sum)
{
	char bound[32];

	for (int i = 0; i < n; i++) {
		format_double(le[i], bound, sizeof(bound));
		put(e, "%s_bucket", name);
		put_labels(e, labels, nlabels, bound);
		put(e, " %llu\n", (unsigned long long)cum[i]);
	}
	put(e, "%s_bucket", name);
	put_labels(e, labels, nlabels, "+Inf");
	put(e, " %llu\n%s_sum", (unsigned long long)count, name);
	put_labels(e, labels, nlabels, NULL);
	put(e, " ");
	put_value(e, sum);
	put(e, "\n%s_count", name);
	put_labels(e, labels, nlabels, NULL);
	put(e, " %llu\n", (unsigned long long)count);
}
