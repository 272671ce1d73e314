/*
 * traffic.h - what flows over a held connection, apart from the I/O that
 * carries it: the message format, the heartbeat schedule, and the numbers
 * (messages, stalls, latency) both sides publish.
 *
 * A message is BYTES long and ends with its send time (CLOCK_MONOTONIC,
 * ns, 8 bytes): whichever side reads it knows its latency without state
 * beyond its offset in the stream. Both sides know the sizes: the first
 * message is --send-once bytes (if any), every later one --send bytes.
 */
#ifndef HOLDCONN_TRAFFIC_H
#define HOLDCONN_TRAFFIC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define TRAFFIC_STAMP 8          /* bytes of send time ending each message */
#define TRAFFIC_MSG_MAX (64u << 20)
#define LAT_BUCKETS 320          /* log-linear, 8 per power of two: ~9% wide, up to ~18 min */

enum on_data {
	ON_DATA_DRAIN = 0, /* read and drop through shared buffers */
	ON_DATA_ECHO,      /* write back what was read */
	ON_DATA_KEEP,      /* leave it queued in the socket: what buffers cost */
};

struct traffic {
	uint32_t send;       /* --send: heartbeat bytes; 0: none */
	uint64_t every_us;   /* --every */
	uint32_t once;       /* --send-once: bytes sent once, right after connect */
	enum on_data on_data; /* the holder's answer to data */
	bool late_buffers;   /* --set-buffers after: SO_RCVBUF/SO_SNDBUF once established */
};

/* Receiver state per connection: offset in the current message, top bit once the first is in. */
#define TRAFFIC_RX_PAST_ONCE 0x80000000u

struct lat_hist {
	_Atomic uint64_t n[LAT_BUCKETS];
};

/*
 * Published by each side (in its side_stats); written with relaxed atomics
 * so that the threads backend's threads can share it.
 */
struct traffic_stats {
	_Atomic uint64_t msgs_started;  /* messages (and echoes) begun: minus sent and errors, waiting */
	_Atomic uint64_t msgs_sent;     /* messages handed whole to the kernel */
	_Atomic uint64_t msgs_recv;     /* messages read whole */
	_Atomic uint64_t beats_blocked; /* heartbeats skipped: the previous send had not gone out */
	_Atomic uint64_t stalled_conns; /* connections that blocked at least once */
	_Atomic uint64_t send_errors;   /* sends that failed (peer gone, say) */
	_Atomic uint64_t lat_max_ns;
	_Atomic uint64_t lat_sum_ns;    /* of every latency recorded: a histogram's _sum */
	struct lat_hist lat;            /* receive time - send time of each message read */
	/*
	 * The generator's account of its heartbeat schedule. Every heartbeat
	 * due on a held connection is counted once, then either handed to the
	 * kernel (on time, or late by more than traffic_late_us) or not at
	 * all: due - on_time - late were never sent (blocked, failed, or
	 * passed while the generator was a whole period behind).
	 */
	_Atomic uint64_t beats_due;
	_Atomic uint64_t beats_on_time;
	_Atomic uint64_t beats_late;
	_Atomic uint64_t lag_max_ns;
	struct lat_hist lag;            /* time handed over - time due, of every heartbeat sent */
	_Atomic uint64_t sched_through_us; /* heartbeats were handed out up to this time (µs) */
};

bool traffic_on(const struct traffic *t);
/* The number of bytes of a connection's n-th message (0: the first). */
uint32_t traffic_msg_len(const struct traffic *t, uint64_t n);
/* Fills one message of len bytes stamped with send time stamp_ns. */
void traffic_fill(char *buf, uint32_t len, uint64_t stamp_ns);
/*
 * The bytes of a len-byte message from offset off on, as traffic_fill
 * builds it, without building it: 'h's from body (bodylen bytes of 'h',
 * as many as fit in one call), then *stamp. Fills up to 2 iovecs; returns
 * how many.
 */
int traffic_iov(const char *body, size_t bodylen, uint32_t len, uint32_t off,
		const uint64_t *stamp, struct iovec iov[2]);
/*
 * n bytes read from a connection whose receiver state is *rx: counts every
 * message they complete and records the latency of each whose stamp they
 * hold whole (a stamp split across two reads counts the message, untimed).
 */
void traffic_rx(const struct traffic *t, struct traffic_stats *st, uint32_t *rx, const char *buf,
		size_t n, uint64_t now_ns);

/*
 * The heartbeat schedule, over a set of nrings rings (or tables) of `slots`
 * each. Phase points fall every_us / npos apart from time 0 on (µs on any
 * clock), npos being the set's positions: each ring's slots in runs of
 * TRAFFIC_RUN, the last run rounded up. Point k falls due at
 * k * every_us / npos and is position k mod npos of the period.
 * Consecutive points go to one ring in runs of TRAFFIC_RUN, the rings in
 * turn: a batch of beats lands on a few rings (a few submits), not one beat
 * on each, and a run is consecutive slots (neighbouring kernel objects,
 * fewer TLB misses). Within its ring the runs take an order that spreads a
 * ring filled part way over the period too, a run at a time; every
 * position but the last run's rounding is a slot, so a full set beats
 * evenly, a few at a time, not in bursts.
 */
struct beat_span {
	uint64_t first;  /* the first phase point handed out */
	uint32_t n;      /* points from first on: at most npos (one period) */
	uint32_t npos;
	uint64_t missed; /* points passed before first: more than a period behind, never sent */
};

/*
 * The points passed in (prev_us, now_us]: all of them, or the last
 * period's when more passed. traffic_set_slot: where point sits (a slot
 * number >= slots, in a ring's last run, is no slot).
 */
#define TRAFFIC_RUN 64
void traffic_due_set(const struct traffic *t, uint32_t slots, uint32_t nrings, uint64_t prev_us,
		     uint64_t now_us, struct beat_span *sp);
void traffic_set_slot(uint32_t slots, uint32_t nrings, uint64_t point, uint32_t *ring,
		      uint32_t *slot);
/* When phase point k falls due, µs (rounded up). */
uint64_t traffic_point_us(const struct traffic *t, uint32_t npos, uint64_t k);

/*
 * The generator hands heartbeats out a batch a tick, as the floor's timer
 * (bench/floor/beat.c). traffic_tick_wait_us: how long a generator that
 * handed out the schedule through sched_us sleeps at clock time now_us,
 * until a tick after that batch (0: the next is due; at most a tick, for
 * a schedule that starts ahead of now_us). A tick counted
 * from the batch, not from when its completions woke the loop: those come
 * after its sends, and a tick slept from then put batches a tick plus the
 * sends apart.
 */
#define TRAFFIC_TICK_US 1000
uint32_t traffic_tick_wait_us(uint64_t sched_us, uint64_t now_us);

/*
 * How late a heartbeat may be handed over and still count as on time: 1%
 * of its period, and never less than the generator loop's own tick.
 */
#define TRAFFIC_LATE_MIN_US 2000
uint64_t traffic_late_us(const struct traffic *t);

/* A generator's tally of one batch of heartbeats, added to its stats at once. */
struct beat_tally {
	uint64_t due, on_time, late;
};
/* One heartbeat handed over lag_ns after it fell due: its lag timed, itself classed. */
void traffic_beat_sent(struct traffic_stats *st, struct beat_tally *b, uint64_t late_ns,
		       uint64_t lag_ns);
void traffic_tally(struct traffic_stats *st, const struct beat_tally *b);

/* A plain copy of the counters (maxima aside), to take differences over a window. */
struct traffic_counts {
	uint64_t msgs_sent, msgs_recv, beats_due, beats_on_time, beats_late, beats_blocked;
	uint64_t lat[LAT_BUCKETS], lag[LAT_BUCKETS];
};
void traffic_counts_take(struct traffic_counts *c, const struct traffic_stats *st);
/* c -= before, counter by counter. */
void traffic_counts_since(struct traffic_counts *c, const struct traffic_counts *before);
/* The value at quantile q (0..1) of a plain histogram, ns (a bucket's top edge); 0 when empty. */
uint64_t counts_quantile(const uint64_t n[LAT_BUCKETS], double q);

/* What the schedule's account says, from a generator's published numbers. */
struct schedule_report {
	uint64_t due, on_time, late, not_sent;
	double lag_p50_us, lag_p99_us, lag_max_us; /* the generator's own lag, beats sent */
	double slip;   /* (late + not sent) / due; 0 when nothing was due */
	bool kept;     /* at least SCHEDULE_KEPT of the beats due were sent on time */
};
#define SCHEDULE_KEPT 0.99
void schedule_report_fill(struct schedule_report *r, const struct traffic_stats *st);
/* Arithmetic of the above, for tests: lag quantiles are left to the caller. */
void schedule_account(struct schedule_report *r, uint64_t due, uint64_t on_time, uint64_t late);

void traffic_blocked(struct traffic_stats *st, bool first_for_conn);
void lat_record(struct traffic_stats *st, uint64_t ns);
void lat_hist_add(struct lat_hist *h, uint64_t ns);
/* One value into a histogram and its running maximum. */
void hist_record(struct lat_hist *h, _Atomic uint64_t *max, uint64_t ns);
/* out = now - before, bucket by bucket: the latencies recorded in between. */
void lat_hist_diff(const struct lat_hist *now, const struct lat_hist *before, struct lat_hist *out);
/* The upper edge of the highest non-empty bucket, ns; 0 when empty. */
uint64_t lat_hist_top(const struct lat_hist *h);
uint64_t lat_count(const struct lat_hist *h);
/*
 * Cumulative counts at the n increasing bounds le_ns[]: cum[i] counts the
 * buckets whose upper edge is <= le_ns[i] (edges are ~9% apart, so a bound
 * between two edges counts only the buckets wholly below it).
 */
void lat_cumulative(const struct lat_hist *h, const uint64_t *le_ns, int n, uint64_t *cum);
/* The latency at quantile q (0..1), ns (a bucket's upper edge); 0 when empty. */
uint64_t lat_quantile(const struct lat_hist *h, double q);
uint64_t now_ns(void);

const char *on_data_name(enum on_data d);
/* 0 or -EINVAL. */
int parse_on_data(const char *s, enum on_data *out);

#endif
