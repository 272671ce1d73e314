/* test_traffic.c - message framing, the heartbeat schedule and the latency histogram. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "hold/traffic.h"

static struct traffic_stats st;

static void reset(void)
{
	memset(&st, 0, sizeof(st));
}

TestSuite(traffic, .init = reset);

Test(traffic, first_message_is_the_send_once_then_heartbeats)
{
	struct traffic t = { .send = 64, .once = 16384 };
	struct traffic hb = { .send = 64 };

	cr_expect_eq(traffic_msg_len(&t, 0), 16384);
	cr_expect_eq(traffic_msg_len(&t, 1), 64);
	cr_expect_eq(traffic_msg_len(&t, 7), 64);
	cr_expect_eq(traffic_msg_len(&hb, 0), 64);
}

Test(traffic, a_message_ends_with_its_send_time)
{
	char buf[64];
	uint64_t stamp;

	traffic_fill(buf, sizeof(buf), 123456789);
	memcpy(&stamp, buf + 56, 8);
	cr_expect_eq(stamp, 123456789);
	cr_expect_eq(buf[0], 'h');
	cr_expect_eq(buf[55], 'h');
}

Test(traffic, whole_messages_in_one_read_are_counted_and_timed)
{
	struct traffic t = { .send = 64 };
	char buf[3 * 64];
	uint32_t rx = 0;

	for (int i = 0; i < 3; i++)
		traffic_fill(buf + 64 * i, 64, 1000 + i * 100);
	traffic_rx(&t, &st, &rx, buf, sizeof(buf), 5000);
	cr_expect_eq(st.msgs_recv, 3);
	cr_expect_eq(lat_count(&st.lat), 3);
	cr_expect_eq(st.lat_max_ns, 4000);
	cr_expect_eq(rx & ~TRAFFIC_RX_PAST_ONCE, 0, "offset back at a message boundary");
}

Test(traffic, a_message_split_across_reads_is_timed_when_its_stamp_arrives_whole)
{
	struct traffic t = { .send = 64 };
	char buf[64];
	uint32_t rx = 0;

	traffic_fill(buf, 64, 1000);
	traffic_rx(&t, &st, &rx, buf, 50, 2000);
	cr_expect_eq(st.msgs_recv, 0);
	cr_expect_eq(rx & ~TRAFFIC_RX_PAST_ONCE, 50);
	traffic_rx(&t, &st, &rx, buf + 50, 14, 3000);
	cr_expect_eq(st.msgs_recv, 1);
	cr_expect_eq(lat_count(&st.lat), 1);
	cr_expect_eq(st.lat_max_ns, 2000, "timed at the read that completed it");
}

Test(traffic, a_stamp_split_across_reads_counts_the_message_untimed)
{
	struct traffic t = { .send = 64 };
	char buf[64];
	uint32_t rx = 0;

	traffic_fill(buf, 64, 1000);
	traffic_rx(&t, &st, &rx, buf, 60, 2000);
	traffic_rx(&t, &st, &rx, buf + 60, 4, 3000);
	cr_expect_eq(st.msgs_recv, 1);
	cr_expect_eq(lat_count(&st.lat), 0);
}

Test(traffic, the_once_message_frames_the_stream_before_heartbeats)
{
	struct traffic t = { .send = 16, .once = 100 };
	char buf[100 + 16 + 16];
	uint32_t rx = 0;

	traffic_fill(buf, 100, 10);
	traffic_fill(buf + 100, 16, 20);
	traffic_fill(buf + 116, 16, 30);
	/* Byte by byte: the worst split there is. */
	for (size_t i = 0; i < sizeof(buf); i++)
		traffic_rx(&t, &st, &rx, buf + i, 1, 100);
	cr_expect_eq(st.msgs_recv, 3);
	cr_expect_eq(lat_count(&st.lat), 0, "no stamp arrived whole");
	rx = 0;
	traffic_rx(&t, &st, &rx, buf, sizeof(buf), 100);
	cr_expect_eq(st.msgs_recv, 6);
	cr_expect_eq(lat_count(&st.lat), 3);
	cr_expect_eq(st.lat_max_ns, 90);
}

Test(traffic, every_slot_beats_once_per_period)
{
	struct traffic t = { .send = 64, .every_us = 1000000 };
	uint32_t slots = 1000, hits[1024] = { 0 };
	struct beat_span sp;

	/* One period in steps of 7 ms, from an arbitrary start: 16 runs of 64, the last 24 short. */
	for (uint64_t us = 5000000, next; us < 6000000; us = next) {
		next = us + 7000 < 6000000 ? us + 7000 : 6000000;
		traffic_due_set(&t, slots, 1, us, next, &sp);
		cr_assert_eq(sp.npos, 1024);
		for (uint32_t k = 0; k < sp.n; k++) {
			uint32_t ring, s;

			traffic_set_slot(slots, 1, sp.first + k, &ring, &s);
			cr_assert_eq(ring, 0);
			cr_assert_lt(s, 1024);
			hits[s]++;
		}
	}
	for (uint32_t s = 0; s < 1024; s++)
		cr_expect_eq(hits[s], 1, "slot %u beat %u times", s, hits[s]);
}

Test(traffic, beats_are_spread_not_bunched)
{
	struct traffic t = { .send = 64, .every_us = 10000000 };
	struct beat_span sp;

	/* 20,000 slots are 313 runs, 20,032 positions: over 10 s, 10 ms of it is ~20 positions. */
	traffic_due_set(&t, 20000, 1, 1000000, 1010000, &sp);
	cr_expect(sp.n == 20 || sp.n == 21, "%u", sp.n);
	traffic_due_set(&t, 20000, 1, 0, 30000000, &sp);
	cr_expect_eq(sp.n, 20032, "a stall longer than the period beats each slot once, not thrice");
	cr_expect_eq(sp.missed, 2 * 20032, "the two periods before are missed, and counted");
	cr_expect_eq(sp.first, 2 * 20032 + 1, "the last period's points are the ones handed out");
}

Test(traffic, a_full_ring_set_beats_evenly_over_the_whole_period)
{
	struct traffic t = { .send = 64, .every_us = 10000000 };
	uint32_t fewest = UINT32_MAX, most = 0;
	struct beat_span sp;

	/*
	 * 1M connections in 50 rings of 20,000: 100 beats a ms. Each 10 ms of the
	 * period beats ~1,000 slots, none in a burst or a gap (power-of-two
	 * positions gave 20 ms at 164 a ms, then 12 ms with none).
	 */
	for (uint64_t us = 0; us < 10000000; us += 10000) {
		uint32_t held = 0;

		traffic_due_set(&t, 20000, 50, us, us + 10000, &sp);
		for (uint32_t k = 0; k < sp.n; k++) {
			uint32_t ring, slot;

			traffic_set_slot(20000, 50, sp.first + k, &ring, &slot);
			held += slot < 20000;
		}
		fewest = held < fewest ? held : fewest;
		most = held > most ? held : most;
	}
	cr_expect(fewest >= 950 && most <= 1050, "10 ms windows beat %u to %u slots", fewest, most);
}

Test(traffic, a_phase_point_falls_due_at_its_share_of_the_period)
{
	struct traffic t = { .send = 64, .every_us = 10000000 };
	struct beat_span sp;

	/* 32,768 positions in 10 s: point k at k * 305.17578125 us, rounded up. */
	cr_expect_eq(traffic_point_us(&t, 32768, 0), 0);
	cr_expect_eq(traffic_point_us(&t, 32768, 1), 306);
	cr_expect_eq(traffic_point_us(&t, 32768, 32768), 10000000);
	cr_expect_eq(traffic_point_us(&t, 32768, 3 * 32768 + 16384), 35000000);
	/* The span's points all fall due inside it, and the one after falls after it. */
	traffic_due_set(&t, 20000, 1, 1000000, 1010000, &sp);
	cr_expect_gt(traffic_point_us(&t, sp.npos, sp.first), 1000000);
	cr_expect_leq(traffic_point_us(&t, sp.npos, sp.first + sp.n - 1), 1010000);
	cr_expect_gt(traffic_point_us(&t, sp.npos, sp.first + sp.n), 1010000);
}

Test(traffic, late_means_past_one_percent_of_the_period_or_the_loop_tick)
{
	cr_expect_eq(traffic_late_us(&(struct traffic){ .send = 64, .every_us = 10000000 }), 100000);
	cr_expect_eq(traffic_late_us(&(struct traffic){ .send = 64, .every_us = 1000000 }), 10000);
	cr_expect_eq(traffic_late_us(&(struct traffic){ .send = 64, .every_us = 100000 }),
		     TRAFFIC_LATE_MIN_US);
}

Test(traffic, beats_sent_are_classed_by_their_lag_and_timed)
{
	static struct traffic_stats ts;
	struct beat_tally b = { .due = 5 };
	struct schedule_report r;

	traffic_beat_sent(&ts, &b, 10000000, 1000);     /* 1 us: on time */
	traffic_beat_sent(&ts, &b, 10000000, 10000000); /* exactly the limit: on time */
	traffic_beat_sent(&ts, &b, 10000000, 10000001); /* past it: late */
	traffic_tally(&ts, &b);
	schedule_report_fill(&r, &ts);
	cr_expect_eq(r.due, 5);
	cr_expect_eq(r.on_time, 2);
	cr_expect_eq(r.late, 1);
	cr_expect_eq(r.not_sent, 2);
	cr_expect_eq(lat_count(&ts.lag), 3);
	cr_expect_float_eq(r.lag_max_us, 10000.001, 1e-9);
	cr_expect_leq(r.lag_p99_us, r.lag_max_us, "never past the largest seen");
}

Test(traffic, the_schedule_is_kept_when_99_percent_go_on_time)
{
	struct schedule_report r;

	schedule_account(&r, 2000000, 2000000, 0);
	cr_expect(r.kept);
	cr_expect_eq(r.not_sent, 0);
	cr_expect_float_eq(r.slip, 0, 1e-12);
	schedule_account(&r, 2000000, 1980000, 15000); /* 5,000 never sent */
	cr_expect(r.kept, "exactly 99%% on time");
	cr_expect_eq(r.not_sent, 5000);
	cr_expect_float_eq(r.slip, 0.01, 1e-12);
	schedule_account(&r, 2000000, 1523774, 0); /* issue 16's run: a quarter never sent */
	cr_expect(!r.kept);
	cr_expect_eq(r.not_sent, 476226);
	cr_expect_float_eq(r.slip, 476226.0 / 2000000, 1e-12);
	schedule_account(&r, 1000, 0, 1000); /* all sent, all late */
	cr_expect(!r.kept);
	cr_expect_eq(r.not_sent, 0);
	cr_expect_float_eq(r.slip, 1, 1e-12);
	schedule_account(&r, 0, 0, 0);
	cr_expect(r.kept, "nothing due: nothing missed");
	cr_expect_float_eq(r.slip, 0, 1e-12);
}

Test(traffic, no_beats_without_send)
{
	struct traffic t = { .once = 100, .every_us = 1000 };
	struct beat_span sp = { .n = 7 };

	traffic_due_set(&t, 100, 1, 0, 1000000, &sp);
	cr_expect_eq(sp.n, 0);
}

Test(traffic, quantiles_come_from_the_histogram_within_its_resolution)
{
	for (uint64_t i = 1; i <= 1000; i++)
		lat_record(&st, i * 1000); /* 1 us .. 1 ms */
	cr_expect_eq(lat_count(&st.lat), 1000);
	uint64_t p50 = lat_quantile(&st.lat, 0.5), p99 = lat_quantile(&st.lat, 0.99);

	cr_expect(p50 >= 500000 && p50 <= 500000 * 1.13, "p50 %lu", (unsigned long)p50);
	cr_expect(p99 >= 990000 && p99 <= 990000 * 1.13, "p99 %lu", (unsigned long)p99);
	cr_expect_eq(st.lat_max_ns, 1000000);
	cr_expect_eq(lat_quantile(&(struct lat_hist){ 0 }, 0.5), 0, "empty: 0");
}

Test(traffic, blocked_beats_count_each_connection_once)
{
	traffic_blocked(&st, true);
	traffic_blocked(&st, false);
	traffic_blocked(&st, true);
	cr_expect_eq(st.beats_blocked, 3);
	cr_expect_eq(st.stalled_conns, 2);
}

Test(traffic, on_data_names_round_trip)
{
	enum on_data d;

	cr_expect_eq(parse_on_data("echo", &d), 0);
	cr_expect_eq(d, ON_DATA_ECHO);
	cr_expect_str_eq(on_data_name(ON_DATA_KEEP), "keep");
	cr_expect_eq(parse_on_data("ECHO", &d), -EINVAL);
}

Test(traffic, iov_rebuilds_a_message_from_any_offset)
{
	char body[16], want[40], got[40];
	uint64_t stamp = 0x1122334455667788ull;

	memset(body, 'h', sizeof(body));
	traffic_fill(want, sizeof(want), stamp);
	for (uint32_t off = 0; off < sizeof(want); off++) {
		struct iovec iov[2];
		uint32_t at = off;

		/* As a sender would: take what one call offers, move on, until the end. */
		while (at < sizeof(want)) {
			int n = traffic_iov(body, sizeof(body), sizeof(want), at, &stamp, iov);

			cr_assert(n >= 1 && n <= 2);
			for (int i = 0; i < n; i++) {
				memcpy(got + at, iov[i].iov_base, iov[i].iov_len);
				at += iov[i].iov_len;
			}
		}
		cr_assert_eq(at, sizeof(want));
		cr_assert_arr_eq(got + off, want + off, sizeof(want) - off, "from %u", off);
	}
}

Test(traffic, a_histogram_difference_holds_only_what_came_between)
{
	static struct lat_hist before, now, d;
	lat_hist_add(&before, 1000);
	lat_hist_add(&now, 1000);
	lat_hist_add(&now, 50000);
	lat_hist_add(&now, 60000);
	lat_hist_diff(&now, &before, &d);
	cr_assert_eq(lat_count(&d), 2);
	cr_assert_geq(lat_quantile(&d, 0.5), 50000);
	cr_assert_lt(lat_quantile(&d, 0.5), 50000 * 1.1);
	cr_assert_geq(lat_hist_top(&d), 60000);
	cr_assert_lt(lat_hist_top(&d), 60000 * 1.1);
	lat_hist_diff(&now, &now, &d);
	cr_assert_eq(lat_hist_top(&d), 0, "an empty histogram has no top");
}

Test(traffic, a_ring_set_beats_every_slot_of_every_ring_once_per_period)
{
	struct traffic t = { .send = 64, .every_us = 1000000 };
	static uint8_t hits[3][1024];
	struct beat_span sp;

	/* 3 rings of 1,000 slots (16 runs, 1,024 positions each), one period in 7 ms steps. */
	for (uint64_t us = 5000000, next; us < 6000000; us = next) {
		next = us + 7000 < 6000000 ? us + 7000 : 6000000;
		traffic_due_set(&t, 1000, 3, us, next, &sp);
		cr_assert_eq(sp.npos, 3 * 1024);
		for (uint32_t k = 0; k < sp.n; k++) {
			uint32_t ring, slot;

			traffic_set_slot(1000, 3, sp.first + k, &ring, &slot);
			cr_assert_lt(ring, 3);
			cr_assert_lt(slot, 1024);
			hits[ring][slot]++;
		}
	}
	for (int r = 0; r < 3; r++)
		for (uint32_t s = 0; s < 1024; s++)
			cr_expect_eq(hits[r][s], 1, "ring %d slot %u beat %u times", r, s, hits[r][s]);
}

Test(traffic, a_batch_of_beats_lands_on_a_few_rings_not_all)
{
	struct traffic t = { .send = 64, .every_us = 10000000 };
	struct beat_span sp;
	bool touched[50] = { false };
	int rings = 0;

	/* 50 rings of 20,000 (1M connections), 10 s period: 1 ms is ~100 points. */
	traffic_due_set(&t, 20000, 50, 3000000, 3001000, &sp);
	cr_expect(sp.n >= 99 && sp.n <= 101, "%u", sp.n);
	for (uint32_t k = 0; k < sp.n; k++) {
		uint32_t ring, slot;

		traffic_set_slot(20000, 50, sp.first + k, &ring, &slot);
		rings += !touched[ring];
		touched[ring] = true;
	}
	cr_expect_leq(rings, 3, "100 points in runs of 64: at most 3 rings, %d touched", rings);
}

Test(traffic, a_half_full_ring_in_a_set_beats_a_run_at_a_time_spread_over_the_period)
{
	struct traffic t = { .send = 64, .every_us = 1000000 };
	uint32_t per_tenth[10] = { 0 };
	int first = -1, second = -1;
	struct beat_span sp;

	/*
	 * 2 rings of 20,000, the second holding slots 0..99 only: its runs 0
	 * (slots 0..63) and 1 (64..99) sit 193 of its 313 places apart (193 near
	 * 313 / phi), 0.62 of a period one way and 0.38 the other.
	 */
	for (uint64_t us = 0; us < 1000000; us += 1000) {
		traffic_due_set(&t, 20000, 2, us, us + 1000, &sp);
		for (uint32_t k = 0; k < sp.n; k++) {
			uint32_t ring, slot;

			traffic_set_slot(20000, 2, sp.first + k, &ring, &slot);
			if (ring == 1 && slot < 100)
				per_tenth[us / 100000]++;
		}
	}
	for (int i = 0; i < 10; i++) {
		if (per_tenth[i] == 64)
			first = i;
		else if (per_tenth[i] == 36)
			second = i;
		else
			cr_expect_eq(per_tenth[i], 0, "tenth %d beats %u", i, per_tenth[i]);
	}
	cr_assert(first >= 0 && second >= 0, "each run beats whole within one tenth");
	cr_expect(abs(first - second) >= 3 && abs(first - second) <= 7,
		  "runs 0 and 1 beat in tenths %d and %d: too close", first, second);
}

Test(traffic, a_run_of_beats_goes_to_consecutive_slots_of_one_ring)
{
	uint32_t ring0, slot0;

	/* 50 rings of 20,000: points 64k..64k+63 are one run, slots s..s+63 of one ring. */
	for (uint64_t run = 0; run < 50 * 313; run += 97) {
		traffic_set_slot(20000, 50, run * 64, &ring0, &slot0);
		cr_assert_eq(slot0 % 64, 0, "run %lu starts at slot %u", (unsigned long)run, slot0);
		for (uint32_t k = 1; k < 64; k++) {
			uint32_t ring, slot;

			traffic_set_slot(20000, 50, run * 64 + k, &ring, &slot);
			cr_assert_eq(ring, ring0);
			cr_assert_eq(slot, slot0 + k);
		}
	}
}

Test(traffic, the_generator_sleeps_to_a_tick_after_its_last_batch)
{
	/* A batch handed out at 5 s: the completions of its sends wake the loop 300 µs later. */
	cr_expect_eq(traffic_tick_wait_us(5000000, 5000300), 700);
	cr_expect_eq(traffic_tick_wait_us(5000000, 5000999), 1);
	cr_expect_eq(traffic_tick_wait_us(5000000, 5001000), 0, "a tick after: the next batch is due");
	cr_expect_eq(traffic_tick_wait_us(5000000, 5003500), 0, "sends that took longer than a tick: no sleep");
}

Test(traffic, a_schedule_that_starts_ahead_is_waited_for_a_tick_at_a_time)
{
	/* bench announces a window 200 ms ahead: the generator sleeps a tick, looks again. */
	cr_expect_eq(traffic_tick_wait_us(5200000, 5000000), TRAFFIC_TICK_US);
	cr_expect_eq(traffic_tick_wait_us(5200000, 5200000), TRAFFIC_TICK_US);
	cr_expect_eq(traffic_tick_wait_us(5200000, 5200400), 600);
}
