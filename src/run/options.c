/* options.c - the option groups' defaults, and --target names resolved (see options.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "run/options.h"

#define DEFAULT_SWEEP_INTERVAL_US 1000000 /* --watch diag: one dump a second */
#define DEFAULT_EVERY_US 10000000         /* --every: 10 s */
#define DEFAULT_RESOLVE_TIMEOUT_US 60000000 /* --resolve-timeout: 60 s */
#define RESOLVE_RETRY_NS 1000000000L      /* a name that did not resolve is asked again after 1 s */

void holder_opts_defaults(struct holder_opts *h)
{
	memset(h, 0, sizeof(*h));
	h->watch = WATCH_AUTO;
	h->scan_interval_us = DEFAULT_SWEEP_INTERVAL_US;
	h->traffic.every_us = DEFAULT_EVERY_US;
}

void target_opts_defaults(struct target_opts *t)
{
	memset(t, 0, sizeof(*t));
	t->resolve_timeout_us = DEFAULT_RESOLVE_TIMEOUT_US;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int target_opts_resolve(struct target_opts *t, const char *cmd, char *err, size_t errlen)
{
	const struct timespec retry = { RESOLVE_RETRY_NS / 1000000000L,
					 RESOLVE_RETRY_NS % 1000000000L };
	double deadline = mono_s() + t->resolve_timeout_us / 1e6;
	bool said = false;

	for (int i = 0; i < t->n; i++) {
		struct endpoint_range *e = &t->range[i];
		int ret;

		if (!t->host[i][0])
			continue;
		while ((ret = resolve_host(t->host[i], &e->addr, &e->v6)) == -EAGAIN &&
		       mono_s() + RESOLVE_RETRY_NS / 1e9 <= deadline) {
			if (!said)
				fprintf(stderr, "holdconn %s: waiting for %s to resolve (at most %.0f s, "
					"--resolve-timeout)\n", cmd, t->host[i],
					t->resolve_timeout_us / 1e6);
			said = true;
			nanosleep(&retry, NULL);
		}
		if (ret) {
			snprintf(err, errlen, "--target %s: the name did not resolve within %.0f s: "
				 "check it, or wait longer with --resolve-timeout", t->host[i],
				 t->resolve_timeout_us / 1e6);
			return -EAGAIN;
		}
	}
	return 0;
}
