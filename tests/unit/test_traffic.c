/* test_traffic.c - message framing, the heartbeat schedule and the latency histogram. */
#include <criterion/criterion.h>
#include <errno.h>
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
	uint32_t slots = 1000, first, n, hits[1024] = { 0 };

	/* One period in steps of 7 ms, from an arbitrary start. */
	for (uint64_t us = 5000000, next; us < 6000000; us = next) {
		next = us + 7000 < 6000000 ? us + 7000 : 6000000;
		traffic_due(&t, slots, us, next, &first, &n);
		for (uint32_t k = 0; k < n; k++) {
			uint32_t s = traffic_slot(slots, 3, first + k);

			cr_assert_lt(s, 1024);
			hits[s]++;
		}
	}
	for (uint32_t s = 0; s < slots; s++)
		cr_expect_eq(hits[s], 1, "slot %u beat %u times", s, hits[s]);
}

Test(traffic, a_ring_that_is_mostly_empty_still_beats_evenly)
{
	struct traffic t = { .send = 64, .every_us = 1000000 };
	uint32_t first, n, per_tenth[10] = { 0 };

	/* 20,000 slots, only 0..99 held: each tenth of the period beats ~10 of them. */
	for (uint64_t us = 0; us < 1000000; us += 1000) {
		traffic_due(&t, 20000, us, us + 1000, &first, &n);
		for (uint32_t k = 0; k < n; k++)
			if (traffic_slot(20000, 0, first + k) < 100)
				per_tenth[us / 100000]++;
	}
	for (int i = 0; i < 10; i++)
		cr_expect(per_tenth[i] >= 8 && per_tenth[i] <= 12, "tenth %d beats %u", i,
			  per_tenth[i]);
}

Test(traffic, beats_are_spread_not_bunched)
{
	struct traffic t = { .send = 64, .every_us = 10000000 };
	uint32_t first, n;

	/* 20,000 slots are 32,768 positions: over 10 s, 10 ms of it is ~33 positions. */
	traffic_due(&t, 20000, 1000000, 1010000, &first, &n);
	cr_expect(n == 32 || n == 33, "%u", n);
	traffic_due(&t, 20000, 0, 30000000, &first, &n);
	cr_expect_eq(n, 32768, "a stall longer than the period beats each slot once, not thrice");
}

Test(traffic, no_beats_without_send)
{
	struct traffic t = { .once = 100, .every_us = 1000 };
	uint32_t first, n = 7;

	traffic_due(&t, 100, 0, 1000000, &first, &n);
	cr_expect_eq(n, 0);
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
