/*
 * test_sweep.c - sweep's pure parts: which runs it makes, when a run
 * keeps its pattern flowing, how settings rank, what the winner saves,
 * when the window-scale caveat applies, and the sizes it prints.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#define PARSE(...) parse_argv((char *[]){ "holdconn", "sweep", __VA_ARGS__, NULL })
#include "cmdline.h"
#include "run/sweep.h"

#define MIB (1024.0 * 1024.0)

static struct sweep_setting plan[SWEEP_RUNS_MAX];


static void expect_setting(int i, unsigned when, uint64_t rcvbuf, uint64_t sndbuf)
{
	cr_expect_eq(plan[i].when, when, "run %d: when %u, not %u", i, plan[i].when, when);
	cr_expect_eq(plan[i].rcvbuf, rcvbuf, "run %d: rcvbuf", i);
	cr_expect_eq(plan[i].sndbuf, sndbuf, "run %d: sndbuf", i);
}

/*
 * A run that held its 1000 pairs, sent 2000 heartbeats and had them all
 * read, with the holder's effective sizes and window scale 7 both ways.
 */
static struct sweep_row row(unsigned when, uint64_t rcvbuf, uint64_t sndbuf, int eff_rcv,
			    int eff_snd)
{
	struct sweep_row r = { .set = { when, rcvbuf, sndbuf } };

	r.s.target = r.s.held = 1000;
	r.s.sockets = 2000;
	r.s.rcvbuf_server = r.s.rcvbuf_client = eff_rcv;
	r.s.sndbuf_server = r.s.sndbuf_client = eff_snd;
	r.s.wscale_server = r.s.wscale_client = 7;
	r.s.tr_client.msgs_sent = r.s.tr_server.msgs_recv = 2000;
	return r;
}

/* --- the plan --- */

Test(sweep_plan, before_then_after_with_the_defaults_once)
{
	cr_assert_eq(PARSE("--rcvbuf", "4Ki,default"), 0);
	cr_assert_eq(sweep_plan(&sopts, plan), 3);
	expect_setting(0, SWEEP_BEFORE, 4096, 0);
	expect_setting(1, 0, 0, 0);
	expect_setting(2, SWEEP_AFTER, 4096, 0);
}

Test(sweep_plan, every_pair_of_the_two_lists_rcvbuf_outer)
{
	cr_assert_eq(PARSE("--rcvbuf", "4Ki,8Ki", "--sndbuf", "16Ki,default", "--set-buffers",
			   "after"), 0);
	cr_assert_eq(sweep_plan(&sopts, plan), 4);
	expect_setting(0, SWEEP_AFTER, 4096, 16384);
	expect_setting(1, SWEEP_AFTER, 4096, 0);
	expect_setting(2, SWEEP_AFTER, 8192, 16384);
	expect_setting(3, SWEEP_AFTER, 8192, 0);
}

Test(sweep_plan, an_absent_list_is_the_default_alone)
{
	cr_assert_eq(PARSE("--sndbuf", "2304", "--set-buffers", "before"), 0);
	cr_assert_eq(sweep_plan(&sopts, plan), 1);
	expect_setting(0, SWEEP_BEFORE, 0, 2304);
}

Test(sweep_plan, the_defaults_alone_run_once_with_nothing_set)
{
	cr_assert_eq(PARSE("--rcvbuf", "default"), 0);
	cr_assert_eq(sweep_plan(&sopts, plan), 1);
	expect_setting(0, 0, 0, 0);
}

Test(sweep_plan, after_alone_still_runs_the_defaults)
{
	cr_assert_eq(PARSE("--rcvbuf", "default,4Ki", "--set-buffers", "after"), 0);
	cr_assert_eq(sweep_plan(&sopts, plan), 2);
	expect_setting(0, 0, 0, 0);
	expect_setting(1, SWEEP_AFTER, 4096, 0);
}

Test(sweep_plan, the_largest_lists_fit)
{
	sopts = (struct sweep_opts){ .nrcvbuf = SWEEP_MAX, .nsndbuf = SWEEP_MAX,
				     .when = SWEEP_BEFORE | SWEEP_AFTER };
	for (int i = 0; i < SWEEP_MAX; i++)
		sopts.rcvbuf[i] = sopts.sndbuf[i] = 4096 * (i + 1);
	cr_assert_eq(sweep_plan(&sopts, plan), SWEEP_RUNS_MAX);
	expect_setting(SWEEP_RUNS_MAX - 1, SWEEP_AFTER, 4096 * SWEEP_MAX, 4096 * SWEEP_MAX);
}

/* --- flowing --- */

Test(sweep_flow, every_message_read_and_nothing_blocked_flows)
{
	struct sweep_row r = row(SWEEP_BEFORE, 4096, 0, 8192, 16384);

	cr_expect_eq(sweep_flow(&r, ON_DATA_DRAIN), FLOW_YES);
}

Test(sweep_flow, a_failed_run_does_not)
{
	struct sweep_row r = row(SWEEP_BEFORE, 4096, 0, 8192, 16384);

	r.code = 1;
	cr_expect_eq(sweep_flow(&r, ON_DATA_DRAIN), FLOW_FAILED);
}

Test(sweep_flow, holding_fewer_pairs_than_asked_does_not)
{
	struct sweep_row r = row(SWEEP_BEFORE, 4096, 0, 8192, 16384);

	r.s.held = 999;
	cr_expect_eq(sweep_flow(&r, ON_DATA_DRAIN), FLOW_SHORT);
}

Test(sweep_flow, nothing_sent_shows_nothing)
{
	struct sweep_row r = row(SWEEP_BEFORE, 4096, 0, 8192, 16384);

	r.s.tr_client.msgs_sent = r.s.tr_server.msgs_recv = 0;
	cr_expect_eq(sweep_flow(&r, ON_DATA_DRAIN), FLOW_IDLE);
}

Test(sweep_flow, a_send_error_on_either_side_does_not)
{
	struct sweep_row r = row(SWEEP_BEFORE, 4096, 0, 8192, 16384);

	r.s.tr_client.send_errors = 1;
	cr_expect_eq(sweep_flow(&r, ON_DATA_DRAIN), FLOW_ERRORS);
	r.s.tr_client.send_errors = 0;
	r.s.tr_server.send_errors = 1;
	cr_expect_eq(sweep_flow(&r, ON_DATA_ECHO), FLOW_ERRORS);
}

Test(sweep_flow, a_message_that_never_got_out_is_blocked_not_idle)
{
	struct sweep_row r = row(SWEEP_BEFORE, 4096, 4096, 8192, 8192);

	/* 16 KiB into a 4 KiB window and an 8 KiB send buffer, the holder keeping it. */
	r.s.tr_client.msgs_sent = r.s.tr_server.msgs_recv = 0;
	r.s.tr_client.beats_blocked = 9;
	cr_expect_eq(sweep_flow(&r, ON_DATA_KEEP), FLOW_BLOCKED);
}

Test(sweep_flow, a_message_still_waiting_at_the_end_is_blocked)
{
	struct sweep_row r = row(SWEEP_BEFORE, 16384, 0, 32768, 3939840);

	/* --on-data keep: the second beat went out in part and waits; none was skipped yet. */
	r.s.tr_client.waiting = 90000;
	cr_expect_eq(sweep_flow(&r, ON_DATA_KEEP), FLOW_BLOCKED);
}

Test(sweep_flow, one_blocked_heartbeat_does_not)
{
	struct sweep_row r = row(SWEEP_BEFORE, 4096, 0, 8192, 16384);

	r.s.tr_client.beats_blocked = 1;
	cr_expect_eq(sweep_flow(&r, ON_DATA_DRAIN), FLOW_BLOCKED);
	cr_expect_eq(sweep_flow(&r, ON_DATA_KEEP), FLOW_BLOCKED, "keep too: the pattern stopped");
}

Test(sweep_flow, a_stall_that_cleared_still_flows)
{
	struct sweep_row r = row(SWEEP_BEFORE, 4096, 0, 8192, 16384);

	r.s.tr_client.stalled_conns = 12;
	cr_expect_eq(sweep_flow(&r, ON_DATA_DRAIN), FLOW_YES);
}

Test(sweep_flow, one_message_not_read_does_not)
{
	struct sweep_row r = row(SWEEP_BEFORE, 4096, 0, 8192, 16384);

	r.s.tr_server.msgs_recv = 1999;
	cr_expect_eq(sweep_flow(&r, ON_DATA_DRAIN), FLOW_LOST);
}

Test(sweep_flow, keep_never_reads_so_delivery_is_not_asked)
{
	struct sweep_row r = row(SWEEP_BEFORE, 4096, 0, 8192, 16384);

	r.s.tr_server.msgs_recv = 0;
	cr_expect_eq(sweep_flow(&r, ON_DATA_KEEP), FLOW_YES);
}

Test(sweep_flow, echo_needs_every_echo_back)
{
	struct sweep_row r = row(SWEEP_BEFORE, 4096, 0, 8192, 16384);

	r.s.tr_server.msgs_sent = 2000;
	r.s.tr_client.msgs_recv = 1998;
	cr_expect_eq(sweep_flow(&r, ON_DATA_ECHO), FLOW_LOST);
	cr_expect_eq(sweep_flow(&r, ON_DATA_DRAIN), FLOW_YES, "drain: echoes are not asked");
	r.s.tr_client.msgs_recv = 2000;
	cr_expect_eq(sweep_flow(&r, ON_DATA_ECHO), FLOW_YES);
}

Test(sweep_flow, names)
{
	cr_expect_str_eq(sweep_flow_name(FLOW_YES), "yes");
	cr_expect_str_eq(sweep_flow_name(FLOW_FAILED), "failed");
	cr_expect_str_eq(sweep_flow_name(FLOW_SHORT), "short");
	cr_expect_str_eq(sweep_flow_name(FLOW_IDLE), "idle");
	cr_expect_str_eq(sweep_flow_name(FLOW_ERRORS), "errors");
	cr_expect_str_eq(sweep_flow_name(FLOW_BLOCKED), "blocked");
	cr_expect_str_eq(sweep_flow_name(FLOW_LOST), "lost");
}

/* --- ranking --- */

Test(sweep_limit, is_the_holders_effective_rcvbuf_plus_sndbuf)
{
	struct sweep_row r = row(SWEEP_BEFORE, 4096, 2304, 8192, 4608);

	r.s.rcvbuf_client = 1; /* the client's are not the holder's */
	cr_expect_eq(sweep_limit(&r), 12800);
}

Test(sweep_limit, a_size_not_read_back_is_twice_the_request)
{
	struct sweep_row r = row(SWEEP_BEFORE, 4096, 2304, -1, 4608);

	cr_expect_eq(sweep_limit(&r), 8192 + 4608);
}

Test(sweep_limit, a_default_not_read_back_is_unknown)
{
	struct sweep_row r = row(SWEEP_BEFORE, 4096, 0, 8192, -1);

	cr_expect_eq(sweep_limit(&r), UINT64_MAX);
}

/* --- the verdict --- */

Test(sweep_decide, the_smallest_flowing_row_against_the_defaults)
{
	struct sweep_row rows[] = {
		row(SWEEP_BEFORE, 2304, 0, 4608, 16384),   /* blocked below */
		row(SWEEP_BEFORE, 4096, 0, 8192, 16384),
		row(SWEEP_BEFORE, 16384, 0, 32768, 16384),
		row(0, 0, 0, 131072, 16384),
	};
	struct sweep_verdict v;

	rows[0].s.tr_client.beats_blocked = 3;
	rows[1].s.hold_buffer_bytes_per_conn = 40;
	rows[3].s.hold_buffer_bytes_per_conn = 1000;
	sweep_decide(rows, 4, ON_DATA_DRAIN, 2, &v);
	cr_expect_eq(v.best, 1);
	cr_expect_eq(v.ref, 3);
	cr_expect_float_eq(v.saved_bytes, 960.0 * 1e6, 1e-3);
	cr_expect_float_eq(v.saved_limit_bytes, (131072.0 - 8192.0) * 1e6, 1e-3);
	/* 2 CPUs x 1 MiB either way at two samples, over 2000 sockets. */
	cr_expect_float_eq(v.noise_bytes, 4.0 * MIB / 2000 * 1e6, 1e-3);
	cr_expect_eq(v.lost_scale, -1);
}

Test(sweep_decide, without_a_defaults_row_the_largest_that_ran_is_the_reference)
{
	struct sweep_row rows[] = {
		row(SWEEP_AFTER, 4096, 0, 8192, 16384),
		row(SWEEP_AFTER, 65536, 0, 131072, 16384),
		row(SWEEP_AFTER, 1 << 20, 0, 2097152, 16384),
	};
	struct sweep_verdict v;

	rows[2].code = 1;
	sweep_decide(rows, 3, ON_DATA_DRAIN, 2, &v);
	cr_expect_eq(v.best, 0);
	cr_expect_eq(v.ref, 1, "the failed 1M run is no reference");
	cr_expect_float_eq(v.saved_limit_bytes, (131072.0 - 8192.0) * 1e6, 1e-3);
}

Test(sweep_decide, a_failed_defaults_run_is_no_reference)
{
	struct sweep_row rows[] = {
		row(0, 0, 0, -1, -1),
		row(SWEEP_BEFORE, 4096, 0, 8192, 16384),
		row(SWEEP_BEFORE, 8192, 0, 16384, 16384),
	};
	struct sweep_verdict v;

	rows[0].code = 1;
	sweep_decide(rows, 3, ON_DATA_DRAIN, 2, &v);
	cr_expect_eq(v.best, 1);
	cr_expect_eq(v.ref, 2);
}

Test(sweep_decide, the_defaults_may_be_the_only_setting_that_flows)
{
	struct sweep_row rows[] = {
		row(SWEEP_BEFORE, 4096, 0, 8192, 16384),
		row(0, 0, 0, 131072, 16384),
	};
	struct sweep_verdict v;

	rows[0].s.tr_server.msgs_recv = 1500;
	sweep_decide(rows, 2, ON_DATA_DRAIN, 2, &v);
	cr_expect_eq(v.best, 1);
	cr_expect_eq(v.ref, 1);
	cr_expect_float_eq(v.saved_bytes, 0.0, 1e-9);
	cr_expect_float_eq(v.saved_limit_bytes, 0.0, 1e-9);
}

Test(sweep_decide, none_flowing_is_no_best)
{
	struct sweep_row rows[] = { row(SWEEP_BEFORE, 4096, 0, 8192, 16384) };
	struct sweep_verdict v;

	rows[0].s.tr_client.send_errors = 1;
	sweep_decide(rows, 1, ON_DATA_DRAIN, 2, &v);
	cr_expect_eq(v.best, -1);
	cr_expect_eq(v.ref, 0);
}

Test(sweep_decide, of_two_the_same_size_the_one_that_kept_its_scale_wins)
{
	struct sweep_row rows[] = {
		row(SWEEP_BEFORE, 4096, 0, 8192, 16384),
		row(SWEEP_AFTER, 4096, 0, 8192, 16384),
	};
	struct sweep_verdict v;

	rows[0].s.wscale_server = rows[0].s.wscale_client = 0;
	rows[0].s.hold_buffer_bytes_per_conn = 10; /* less held is no tie-break: it is noise */
	rows[1].s.hold_buffer_bytes_per_conn = 20;
	sweep_decide(rows, 2, ON_DATA_DRAIN, 2, &v);
	cr_expect_eq(v.best, 1);
}

Test(sweep_decide, of_two_alike_the_first_wins)
{
	struct sweep_row rows[] = {
		row(SWEEP_BEFORE, 4096, 0, 8192, 16384),
		row(SWEEP_AFTER, 4096, 0, 8192, 16384),
	};
	struct sweep_verdict v;

	sweep_decide(rows, 2, ON_DATA_DRAIN, 2, &v);
	cr_expect_eq(v.best, 0);
}

Test(sweep_decide, an_unknown_limit_leaves_its_saving_undefined)
{
	struct sweep_row rows[] = {
		row(SWEEP_BEFORE, 4096, 0, 8192, 16384),
		row(0, 0, 0, -1, -1),
	};
	struct sweep_verdict v;

	sweep_decide(rows, 2, ON_DATA_DRAIN, 2, &v);
	cr_expect_eq(v.best, 0);
	cr_expect_eq(v.ref, 1);
	cr_expect(isnan(v.saved_limit_bytes));
}

Test(sweep_decide, a_scale_of_0_before_where_after_has_one_is_the_caveat)
{
	struct sweep_row rows[] = {
		row(SWEEP_BEFORE, 4096, 0, 8192, 16384),
		row(SWEEP_BEFORE, 65536, 0, 131072, 16384),
		row(SWEEP_AFTER, 4096, 0, 8192, 16384),
		row(SWEEP_AFTER, 65536, 0, 131072, 16384),
	};
	struct sweep_verdict v;

	rows[1].s.wscale_server = 0; /* the holder's buffer was locked before listen */
	sweep_decide(rows, 4, ON_DATA_DRAIN, 2, &v);
	cr_expect_eq(v.lost_scale, 1);
	cr_expect_eq(v.kept_scale, 3, "its twin: the same sizes, set after");
}

Test(sweep_decide, no_caveat_when_after_has_no_scale_either)
{
	struct sweep_row rows[] = {
		row(SWEEP_BEFORE, 4096, 0, 8192, 16384),
		row(SWEEP_AFTER, 4096, 0, 8192, 16384),
	};
	struct sweep_verdict v;

	rows[0].s.wscale_client = rows[1].s.wscale_client = 0; /* the client's peer offered none */
	sweep_decide(rows, 2, ON_DATA_DRAIN, 2, &v);
	cr_expect_eq(v.lost_scale, -1);
}

Test(sweep_decide, no_caveat_from_an_unknown_scale_or_a_failed_twin)
{
	struct sweep_row rows[] = {
		row(SWEEP_BEFORE, 4096, 0, 8192, 16384),
		row(SWEEP_AFTER, 4096, 0, 8192, 16384),
		row(SWEEP_BEFORE, 8192, 0, 16384, 16384),
		row(SWEEP_AFTER, 8192, 0, 16384, 16384),
	};
	struct sweep_verdict v;

	rows[0].s.wscale_server = 0;
	rows[1].s.wscale_server = -1;
	rows[2].s.wscale_server = 0;
	rows[3].code = 1;
	sweep_decide(rows, 4, ON_DATA_DRAIN, 2, &v);
	cr_expect_eq(v.lost_scale, -1);
}

Test(sweep_noise, is_two_mib_per_cpu_over_the_sockets)
{
	cr_expect_float_eq(sweep_buffer_noise(200000, 16), 32.0 * MIB / 200000, 1e-9);
	cr_expect(isinf(sweep_buffer_noise(0, 16)));
}

/* --- sizes as typed --- */

Test(sweep_size_text, sizes_read_as_they_are_typed)
{
	char buf[32];

	cr_expect_str_eq(sweep_size_text(0, buf, sizeof(buf)), "default");
	cr_expect_str_eq(sweep_size_text(4096, buf, sizeof(buf)), "4Ki");
	cr_expect_str_eq(sweep_size_text(1 << 20, buf, sizeof(buf)), "1Mi");
	cr_expect_str_eq(sweep_size_text(3 << 20, buf, sizeof(buf)), "3Mi");
	cr_expect_str_eq(sweep_size_text(2304, buf, sizeof(buf)), "2304");
	cr_expect_str_eq(sweep_size_text(1536, buf, sizeof(buf)), "1536");
}
