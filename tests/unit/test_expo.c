/* test_expo.c - the Prometheus text format: exact lines, and promtool reads what metrics_write says. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "base/expo.h"
#include "base/version.h"
#include "run/metrics.h"

static char buf[65536];
static struct expo e;

Test(expo, a_family_is_help_then_type)
{
	expo_init(&e, buf, sizeof(buf));
	expo_family(&e, "holdconn_x_total", "counter", "What x counts.");
	cr_expect_str_eq(buf, "# HELP holdconn_x_total What x counts.\n# TYPE holdconn_x_total counter\n");
}

Test(expo, help_escapes_backslash_and_newline_but_not_quotes)
{
	expo_init(&e, buf, sizeof(buf));
	expo_family(&e, "m", "gauge", "a\\b\n\"c\"");
	cr_expect_str_eq(buf, "# HELP m a\\\\b\\n\"c\"\n# TYPE m gauge\n");
}

Test(expo, a_sample_without_labels_is_name_and_value)
{
	expo_init(&e, buf, sizeof(buf));
	expo_sample(&e, "holdconn_connections_held", NULL, 0, 400000);
	cr_expect_str_eq(buf, "holdconn_connections_held 400000\n");
}

Test(expo, label_values_escape_backslash_quote_and_newline)
{
	struct expo_label l[] = { { "side", "serve" }, { "cache", "a\"b\\c\nd" } };

	expo_init(&e, buf, sizeof(buf));
	expo_sample(&e, "m", l, 2, 1.5);
	cr_expect_str_eq(buf, "m{side=\"serve\",cache=\"a\\\"b\\\\c\\nd\"} 1.5\n");
}

Test(expo, values_are_shortest_round_trip_and_special_values_are_spelled)
{
	expo_init(&e, buf, sizeof(buf));
	expo_sample(&e, "a", NULL, 0, 0.001);
	expo_sample(&e, "b", NULL, 0, 1.0 / 3);
	expo_sample(&e, "c", NULL, 0, 9007199254740993.0);
	expo_sample(&e, "d", NULL, 0, 1.0 / 0.0);
	expo_sample(&e, "f", NULL, 0, -1.0 / 0.0);
	expo_sample(&e, "g", NULL, 0, 0.0 / 0.0);
	cr_expect_str_eq(buf, "a 0.001\nb 0.33333333333333331\nc 9007199254740992\nd +Inf\nf -Inf\ng NaN\n");
}

Test(expo, a_histogram_has_cumulative_buckets_then_inf_sum_and_count)
{
	static const double le[] = { 0.001, 0.5 };
	static const uint64_t cum[] = { 3, 7 };
	struct expo_label l[] = { { "side", "connect" } };

	expo_init(&e, buf, sizeof(buf));
	expo_histogram(&e, "h_seconds", l, 1, le, cum, 2, 9, 2.25);
	cr_expect_str_eq(buf, "h_seconds_bucket{side=\"connect\",le=\"0.001\"} 3\n"
			      "h_seconds_bucket{side=\"connect\",le=\"0.5\"} 7\n"
			      "h_seconds_bucket{side=\"connect\",le=\"+Inf\"} 9\n"
			      "h_seconds_sum{side=\"connect\"} 2.25\n"
			      "h_seconds_count{side=\"connect\"} 9\n");
}

Test(expo, text_that_does_not_fit_is_flagged_and_stays_terminated)
{
	char small[16];

	expo_init(&e, small, sizeof(small));
	expo_sample(&e, "holdconn_connections_held", NULL, 0, 1);
	cr_expect(e.overflow);
	cr_expect_lt(strlen(small), sizeof(small));
}

/* ---- metrics_write, read back by Prometheus's own parser ----------------- */

static struct side_stats st[2];

static void fill_stats(void)
{
	memset(st, 0, sizeof(st));
	atomic_store(&st[0].held, 2000);
	atomic_store(&st[0].opened, 2010);
	atomic_store(&st[0].closed, 10);
	atomic_store(&st[0].state, SIDE_HOLDING);
	atomic_store(&st[0].stop_reason, STOP_TARGET);
	atomic_store(&st[0].arena_allocated, 16384);
	atomic_store(&st[0].cpu_user_us, 1500000);
	atomic_store(&st[1].held, 2000);
	atomic_store(&st[1].state, SIDE_RAMPING);
	lat_hist_add(&st[1].connect_lat, 80000);
	lat_hist_add(&st[1].connect_lat, 300000);
	atomic_store(&st[1].connect_lat_sum_ns, 380000);
	lat_record(&st[1].traffic, 150000);
}

static char *write_all_with(bool kernel, const struct self_usage *self)
{
	struct metrics_side sides[2] = { { "serve", "", &st[0] }, { "connect", "0", &st[1] } };
	struct meter_delta d = { .from_slabinfo = true, .kernel_bytes = 4000 * 2520, .buffer_bytes = 0,
				 .ncaches = 2 };
	struct metrics_kernel k = { kernel, &d, 4096 * 3, self };

	d.caches[0] = (struct cache_delta){ "TCP", 4000, 4000 * 2368 };
	d.caches[1] = (struct cache_delta){ "sock_inode_cache", 4000, 4000 * 832 };
	fill_stats();
	expo_init(&e, buf, sizeof(buf));
	metrics_write(&e, sides, 2, &k);
	cr_assert(!e.overflow);
	return buf;
}

static char *write_all(bool kernel)
{
	static struct self_usage u;

	self_usage_read(&u, true);
	return write_all_with(kernel, &u);
}

Test(metrics, held_is_the_published_count_per_side)
{
	char *t = write_all(true);

	cr_expect(strstr(t, "\nholdconn_connections_held{side=\"serve\"} 2000\n"));
	cr_expect(strstr(t, "\nholdconn_connections_held{side=\"connect\",client=\"0\"} 2000\n"));
	cr_expect(strstr(t, "\nholdconn_sockets 4000\n"));
}

Test(metrics, state_and_stop_reason_are_state_sets)
{
	char *t = write_all(true);

	cr_expect(strstr(t, "holdconn_state{side=\"serve\",state=\"holding\"} 1\n"));
	cr_expect(strstr(t, "holdconn_state{side=\"serve\",state=\"ramping\"} 0\n"));
	cr_expect(strstr(t, "holdconn_state{side=\"connect\",client=\"0\",state=\"ramping\"} 1\n"));
	cr_expect(strstr(t, "holdconn_stop_reason{side=\"serve\",reason=\"target\"} 1\n"));
	cr_expect(strstr(t, "holdconn_stop_reason{side=\"serve\",reason=\"none\"} 0\n"));
	cr_expect(strstr(t, "holdconn_stop_reason{side=\"connect\",client=\"0\",reason=\"none\"} 1\n"));
	cr_expect(strstr(t, "holdconn_stop_reason{side=\"connect\",client=\"0\",reason=\"EMFILE\"} 0\n"));
}

Test(metrics, build_info_names_the_version)
{
	char *t = write_all(true);

	cr_expect(strstr(t, "\nholdconn_build_info{version=\"" HOLDCONN_VERSION "\"} 1\n"), "%s", t);
}

Test(metrics, no_name_says_per)
{
	char *t = write_all(true);

	cr_expect_null(strstr(t, "_per_"), "a ratio cannot be summed across pods: %s", t);
}

Test(metrics, connect_latency_buckets_count_what_was_recorded)
{
	char *t = write_all(true);

	cr_expect(strstr(t, "holdconn_connect_latency_seconds_bucket{side=\"connect\",client=\"0\",le=\"0.0001\"} 1\n"));
	cr_expect(strstr(t, "holdconn_connect_latency_seconds_bucket{side=\"connect\",client=\"0\",le=\"0.0005\"} 2\n"));
	cr_expect(strstr(t, "holdconn_connect_latency_seconds_sum{side=\"connect\",client=\"0\"} 0.00038\n"));
	cr_expect(strstr(t, "holdconn_connect_latency_seconds_count{side=\"connect\",client=\"0\"} 2\n"));
	cr_expect(strstr(t, "holdconn_message_latency_seconds_count{side=\"connect\",client=\"0\"} 1\n"));
}

Test(metrics, kernel_bytes_and_sockets_are_separate_gauges)
{
	char *t = write_all(true);

	cr_expect(strstr(t, "\nholdconn_kernel_growth_bytes 10080000\n"), "%s", t);
	cr_expect(strstr(t, "\nholdconn_slab_growth_bytes{cache=\"TCP\"} 9472000\n"), "%s", t);
	cr_expect(strstr(t, "\nholdconn_tcp_buffer_bytes 12288\n"));
	cr_expect(strstr(t, "\nholdconn_tcp_buffer_growth_bytes 0\n"));
	cr_expect(strstr(t, "\nholdconn_arena_allocated_bytes{side=\"serve\"} 16384\n"));
}

Test(metrics, without_proc_the_kernel_families_are_left_out)
{
	char *t = write_all(false);

	cr_expect_null(strstr(t, "holdconn_kernel_growth_bytes"));
	cr_expect(strstr(t, "holdconn_sockets 4000"));
}

Test(metrics, process_metrics_describe_the_serving_process)
{
	struct self_usage u;
	char *t;

	cr_assert_eq(self_usage_read(&u, true), 0);
	cr_expect_gt(u.open_fds, 2, "stdin, stdout, stderr at least");
	cr_expect_gt(u.resident_bytes, 0);
	cr_expect_gt(u.start_time_seconds, 1.6e9);
	t = write_all_with(true, &u);
	cr_expect(strstr(t, "\nprocess_cpu_seconds_total "));
	cr_expect(strstr(t, "\nprocess_open_fds "));
	cr_expect(strstr(t, "\nprocess_max_fds "));
	cr_expect(strstr(t, "\nprocess_resident_memory_bytes "));
	cr_expect(strstr(t, "\nprocess_virtual_memory_bytes "));
	cr_expect(strstr(t, "\nprocess_start_time_seconds "));
}

/* promtool checks the recording rules docs/prometheus.md shows, and their unit test. */
Test(metrics, promtool_checks_and_tests_the_recording_rules_in_docs)
{
	char out[4096] = "";
	size_t n;
	FILE *f;

	if (access("/usr/bin/promtool", X_OK))
		cr_skip_test("promtool is not installed (Debian package prometheus)");
	if (access("docs/prometheus-rules.yml", R_OK))
		cr_skip_test("docs/prometheus-rules.yml: run from the checkout");
	f = popen("promtool check rules docs/prometheus-rules.yml 2>&1 && "
		  "promtool test rules docs/prometheus-rules.test.yml 2>&1", "r");
	cr_assert_not_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = 0;
	cr_expect_eq(pclose(f), 0, "promtool: %s", out);
}

/* promtool check metrics: parses the text format and lints names, types and units. */
Test(metrics, promtool_check_metrics_accepts_the_exposition)
{
	char path[] = "/tmp/holdconn-expo-XXXXXX", cmd[160];
	FILE *f;
	int fd, status;

	if (access("/usr/bin/promtool", X_OK))
		cr_skip_test("promtool is not installed (Debian package prometheus)");
	write_all(true);
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	fputs(buf, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s 2>&1", path);
	f = popen(cmd, "r");
	char out[4096] = "";
	size_t n = fread(out, 1, sizeof(out) - 1, f);

	out[n] = 0;
	status = pclose(f);
	unlink(path);
	cr_expect_eq(status, 0, "promtool check metrics: %s", out);
}
