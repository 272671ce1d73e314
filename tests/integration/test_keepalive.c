/*
 * test_keepalive.c - the heartbeat schedule's account and the CPU it costs,
 * end to end: every beat due is counted once and ends on time, late or not
 * sent; the summary gives the verdict and CPU per message.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "proc.h"

TestSuite(keepalive, .fini = proc_cleanup);

static struct proc P;
static char line[65536];

#define PAIRS 2000

/* A number in the object that starts at `obj` ("\"schedule\":{", say) of the summary line. */
static double in(const char *obj, const char *key)
{
	const char *o = strstr(line, obj);
	double v;

	cr_assert_not_null(o, "no %s: %s", obj, line);
	cr_assert(json_num(o, key, &v), "no %s in %s: %s", key, obj, line);
	return v;
}

Test(keepalive, every_beat_due_is_counted_once_and_the_summary_says_if_the_schedule_held,
     .timeout = 60)
{
	const char *args[] = { "bench", "--conns", "2000", "--send", "64", "--every", "1s",
			       "--hold", "3s", "--json", NULL };
	double due, on_time, late, not_sent, sent;
	bool kept;

	cr_assert_eq(run_holdconn(&P, args, 0, 50), 0, "%s", P.err);
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, sizeof(line)), "%s", P.out);
	due = in("\"schedule\":{", "due");
	on_time = in("\"schedule\":{", "on_time");
	late = in("\"schedule\":{", "late");
	not_sent = in("\"schedule\":{", "not_sent");
	/*
	 * 2,000 pairs beating once a second for 3 s: 6,000 due, and the parent's
	 * last 20 ms tick, which may hold a whole run of 64 (beats go 64
	 * consecutive slots at a time).
	 */
	cr_expect(due >= 3 * PAIRS && due <= 3.03 * PAIRS + 64, "due %.0f: %s", due, line);
	cr_expect_eq(on_time + late + not_sent, due, "%s", line);
	cr_expect_eq(not_sent, 0, "nothing blocks a draining holder: %s", line);
	sent = in("\"client\":{", "messages_sent");
	cr_expect_eq(sent, on_time + late, "every beat sent went out whole: %s", line);
	kept = strstr(line, "\"kept\":true") != NULL;
	cr_expect_eq(kept, on_time >= 0.99 * due, "kept means 99%% on time: %s", line);
	cr_expect_leq(in("\"schedule\":{", "lag_p50_seconds"), in("\"schedule\":{", "lag_p99_seconds"));
	cr_expect_leq(in("\"schedule\":{", "lag_p99_seconds"), in("\"schedule\":{", "lag_max_seconds"));
	/* CPU of the hold: per message read by the holder, which read every one sent. */
	cr_expect_eq(in("\"cpu\":{", "messages"), sent, "%s", line);
	cr_expect_eq(in("\"cpu\":{", "cpus"), sysconf(_SC_NPROCESSORS_ONLN), "%s", line);
	cr_expect_gt(in("\"server\":{", "cpu_seconds_per_message"), 0, "%s", line);
	cr_expect_gt(in("\"generator\":{", "cpu_seconds_per_message"), 0, "%s", line);
	cr_expect_geq(in("\"softirq\":{", "seconds"), 0, "%s", line);
}

Test(keepalive, the_human_summary_leads_with_the_verdict, .timeout = 60)
{
	const char *args[] = { "bench", "--conns", "1000", "--send", "64", "--every", "1s",
			       "--hold", "2s", NULL };
	const char *sum, *verdict;

	cr_assert_eq(run_holdconn(&P, args, 0, 50), 0, "%s", P.err);
	sum = strstr(P.out, "holdconn bench summary\n");
	cr_assert_not_null(sum, "%s", P.out);
	verdict = sum + strlen("holdconn bench summary\n");
	cr_expect(!strncmp(verdict, "  schedule:      kept the schedule: ", 36) ||
			  !strncmp(verdict, "  schedule:      fell behind: ", 30),
		  "%s", sum);
	cr_expect_not_null(strstr(sum, "cpu (hold):"), "%s", sum);
}

Test(keepalive, an_slo_nothing_meets_stops_the_ramp_at_the_first_point, .timeout = 60)
{
	const char *args[] = { "bench", "--conns", "2000", "--report-every", "1000", "--send", "64",
			       "--every", "1s", "--hold", "1s", "--slo", "p99=1us", "--json", NULL };
	char reason[32], point[4096];

	/* The SLO was missed: 3. */
	cr_assert_eq(run_holdconn(&P, args, 0, 50), 3, "%s", P.err);
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, sizeof(line)), "%s", P.out);
	cr_assert(json_str(line, "stop_reason", reason, sizeof(reason)), "%s", line);
	cr_expect_str_eq(reason, "slo", "%s", line);
	cr_expect_eq(in("\"slo\":{", "p99_seconds"), 1e-6, "p99=1us: %s", line);
	cr_expect_eq(in("\"slo\":{", "met_connections"), 0, "no count met it: %s", line);
	cr_expect_eq(in("\"slo\":{", "failed_connections"), 1000, "the first point missed: %s", line);
	cr_expect_eq(in("\"summary\"", "held"), 1000, "the ramp went no further: %s", line);
	cr_assert_not_null(proc_line(&P, "\"event\":\"slo_point\"", point, sizeof(point)), "%s", P.out);
	cr_expect_not_null(strstr(point, "\"met\":false"), "%s", point);
}

Test(keepalive, an_slo_every_point_meets_runs_to_the_target, .timeout = 60)
{
	/* Every 5 s: a heartbeat is late past 50 ms, which a busy test box does not reach. */
	const char *args[] = { "bench", "--conns", "2000", "--report-every", "1000", "--send", "64",
			       "--every", "5s", "--hold", "1s", "--slo", "p99=10s", "--json", NULL };
	char reason[32];

	cr_assert_eq(run_holdconn(&P, args, 0, 50), 0, "%s", P.err);
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, sizeof(line)), "%s", P.out);
	cr_assert(json_str(line, "stop_reason", reason, sizeof(reason)), "%s", line);
	cr_expect_str_eq(reason, "target", "%s", line);
	cr_expect_eq(in("\"slo\":{", "met_connections"), 2000, "%s", line);
	cr_expect_eq(in("\"slo\":{", "failed_connections"), 0, "%s", line);
	cr_expect(in("\"slo\":{", "met_messages_per_second") > 300 && in("\"slo\":{", "met_messages_per_second") < 500,
		  "2,000 pairs beating every 5 s: %s", line);
	cr_expect_gt(in("\"met_cpu\":{", "messages"), 0, "%s", line);
}
