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
 * The heartbeat schedule. Each slot of a ring of `slots` has its own phase
 * in the --every period, spread evenly over it (and staggered between
 * rings), so that a million connections beat a few at a time, not at once.
 * traffic_due: the phases passed from prev_us to now_us (µs on any clock),
 * as *n positions from *first on; traffic_slot: which slot of ring `ring`
 * sits at position pos. There are more positions than slots (a power of
 * two): a slot number >= slots is no slot, skip it.
 */
void traffic_due(const struct traffic *t, uint32_t slots, uint64_t prev_us, uint64_t now_us,
		 uint32_t *first, uint32_t *n);
uint32_t traffic_slot(uint32_t slots, uint32_t ring, uint32_t pos);

void traffic_blocked(struct traffic_stats *st, bool first_for_conn);
void lat_record(struct traffic_stats *st, uint64_t ns);
void lat_hist_add(struct lat_hist *h, uint64_t ns);
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
