/* test_sweep.c - holdconn sweep runs one bench per buffer setting and reads back what the kernel set. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "proc.h"

TestSuite(sweep, .fini = proc_cleanup);

static struct proc P;

/* The n-th line of output containing needle (0-based), into buf. */
static const char *nth_line(const char *out, const char *needle, int n, char *buf, size_t len)
{
	const char *p = out;

	while ((p = strstr(p, needle))) {
		const char *start = p, *end = strchr(p, '\n');

		while (start > out && start[-1] != '\n')
			start--;
		if (n-- == 0) {
			size_t l = end ? (size_t)(end - start) : strlen(start);

			snprintf(buf, len, "%.*s", (int)(l < len ? l : len - 1), start);
			return buf;
		}
		p = end ? end : p + strlen(p);
	}
	return NULL;
}

static double in(const char *line, const char *obj, const char *key)
{
	const char *o = strstr(line, obj);
	double v;

	cr_assert_not_null(o, "no %s: %s", obj, line);
	cr_assert(json_num(o, key, &v), "no %s in %s: %s", key, obj, line);
	return v;
}

Test(sweep, each_setting_reports_the_sizes_the_kernel_made_of_it, .timeout = 120)
{
	const char *args[] = { "sweep", "--rcvbuf", "4Ki,16Ki", "--sndbuf", "8Ki", "--conns", "200",
			       "--set-buffers", "before", "--send", "64", "--every", "100ms",
			       "--hold", "500ms", "--json", NULL };
	char row[16384], verdict[4096];
	double v;

	cr_assert_eq(run_holdconn(&P, args, 0, 110), 0, "%s", P.err);
	/* The kernel doubles each request: 4k -> 8192, 16k -> 32768, 8k -> 16384. */
	cr_assert_not_null(nth_line(P.out, "\"event\":\"sweep_row\"", 0, row, sizeof(row)), "%s", P.out);
	cr_expect_eq(in(row, "\"rcvbuf_effective_bytes\"", "server"), 8192, "%s", row);
	cr_expect_eq(in(row, "\"rcvbuf_effective_bytes\"", "client"), 8192, "%s", row);
	cr_expect_eq(in(row, "\"sndbuf_effective_bytes\"", "server"), 16384, "%s", row);
	cr_assert(json_num(row, "held", &v));
	cr_expect_eq(v, 200, "%s", row);
	cr_assert_not_null(nth_line(P.out, "\"event\":\"sweep_row\"", 1, row, sizeof(row)), "%s", P.out);
	cr_expect_eq(in(row, "\"rcvbuf_effective_bytes\"", "server"), 32768, "%s", row);
	cr_expect_eq(in(row, "\"sndbuf_effective_bytes\"", "client"), 16384, "%s", row);
	cr_expect_null(nth_line(P.out, "\"event\":\"sweep_row\"", 2, row, sizeof(row)),
		       "two settings, two rows: %s", P.out);
	/* Both flow (64 B every 100 ms fits any buffer): the smaller one is recommended. */
	cr_assert_not_null(nth_line(P.out, "\"event\":\"sweep\"", 0, verdict, sizeof(verdict)));
	cr_expect_eq(in(verdict, "\"recommended\"", "rcvbuf_bytes"), 4096, "%s", verdict);
}

Test(sweep, a_pattern_that_stalls_is_never_recommended, .timeout = 120)
{
	/* 16 KiB every 50 ms into a holder that keeps it: 4k buffers block, default ones do not. */
	const char *args[] = { "sweep", "--rcvbuf", "4Ki,default", "--sndbuf", "4Ki,default",
			       "--conns", "100", "--set-buffers", "before", "--send", "16Ki",
			       "--every", "200ms", "--on-data", "keep", "--hold", "600ms", "--json",
			       NULL };
	char row[16384], verdict[4096];
	char flows[32];

	cr_assert_eq(run_holdconn(&P, args, 0, 110), 0, "%s", P.err);
	cr_assert_not_null(nth_line(P.out, "\"event\":\"sweep_row\"", 0, row, sizeof(row)), "%s", P.out);
	cr_assert(json_str(row, "flows", flows, sizeof(flows)), "%s", row);
	cr_expect_str_neq(flows, "yes", "4k/4k with keep must stall: %s", row);
	cr_assert_not_null(nth_line(P.out, "\"event\":\"sweep\"", 0, verdict, sizeof(verdict)));
	cr_expect_neq(in(verdict, "\"recommended\"", "rcvbuf_bytes"), 4096, "%s", verdict);
}
