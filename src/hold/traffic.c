/* traffic.c - message framing, heartbeat schedule and latency histogram. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "hold/traffic.h"

static const char *const on_data_names[] = {
	[ON_DATA_DRAIN] = "drain",
	[ON_DATA_ECHO] = "echo",
	[ON_DATA_KEEP] = "keep",
};

const char *on_data_name(enum on_data d)
{
	return (unsigned)d < 3 ? on_data_names[d] : "unknown";
}

int parse_on_data(const char *s, enum on_data *out)
{
	for (unsigned i = 0; s && i < 3; i++) {
		if (!strcmp(s, on_data_names[i])) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

bool traffic_on(const struct traffic *t)
{
	return t->send || t->once;
}

uint32_t traffic_msg_len(const struct traffic *t, uint64_t n)
{
	return n == 0 && t->once ? t->once : t->send;
}

void traffic_fill(char *buf, uint32_t len, uint64_t stamp_ns)
{
	memset(buf, 'h', len - TRAFFIC_STAMP);
	memcpy(buf + len - TRAFFIC_STAMP, &stamp_ns, TRAFFIC_STAMP);
}

int traffic_iov(const char *body, size_t bodylen, uint32_t len, uint32_t off,
		const uint64_t *stamp, struct iovec iov[2])
{
	uint32_t fill = len - TRAFFIC_STAMP, at;
	int n = 0;

	if (off < fill) {
		size_t k = fill - off < bodylen ? fill - off : bodylen;

		iov[n++] = (struct iovec){ (char *)body, k };
		if (off + k < fill)
			return n;
	}
	at = off > fill ? off - fill : 0;
	iov[n++] = (struct iovec){ (char *)stamp + at, TRAFFIC_STAMP - at };
	return n;
}

void traffic_rx(const struct traffic *t, struct traffic_stats *st, uint32_t *rx, const char *buf,
		size_t n, uint64_t now)
{
	while (n) {
		bool past = (*rx & TRAFFIC_RX_PAST_ONCE) || !t->once;
		uint32_t off = *rx & ~TRAFFIC_RX_PAST_ONCE;
		uint32_t len = past ? t->send : t->once;
		uint32_t take;

		if (len < TRAFFIC_STAMP)
			return; /* not a pattern we framed: the bytes are counted, not timed */
		take = n < len - off ? (uint32_t)n : len - off;
		if (off + take < len) {
			*rx = (past ? TRAFFIC_RX_PAST_ONCE : 0) | (off + take);
			return;
		}
		if (off <= len - TRAFFIC_STAMP) {
			uint64_t stamp;

			memcpy(&stamp, buf + (len - TRAFFIC_STAMP - off), TRAFFIC_STAMP);
			if (stamp && stamp <= now)
				lat_record(st, now - stamp);
		}
		atomic_fetch_add_explicit(&st->msgs_recv, 1, memory_order_relaxed);
		*rx = TRAFFIC_RX_PAST_ONCE;
		buf += take;
		n -= take;
	}
}

/* Positions in a period: the slots rounded up to a power of two, for the bit reversal. */
static uint32_t positions(uint32_t slots)
{
	uint32_t p = 1;

	while (p < slots)
		p <<= 1;
	return p;
}

/* Phase points passed since time 0: one per position per period. */
static uint64_t passed(const struct traffic *t, uint32_t npos, uint64_t us)
{
	return (uint64_t)((unsigned __int128)us * npos / t->every_us);
}

void traffic_due(const struct traffic *t, uint32_t slots, uint64_t prev_us, uint64_t now_us,
		 uint32_t *first, uint32_t *n)
{
	uint64_t a, b;

	*n = 0;
	*first = 0;
	uint32_t npos = positions(slots);

	if (!t->send || !t->every_us || !slots || now_us <= prev_us)
		return;
	a = passed(t, npos, prev_us);
	b = passed(t, npos, now_us);
	*first = (a + 1) & (npos - 1);
	*n = b - a >= npos ? npos : (uint32_t)(b - a);
}

/*
 * Tables fill from slot 0 up, so neighbouring positions must not be
 * neighbouring slots, or a ring holding 100 connections would beat them
 * all within 100/20000 of the period. Bit reversal spreads any prefix of
 * the slots evenly over the period (0, 1/2, 1/4, 3/4, ...). Rings are
 * turned by golden-ratio offsets so that their beats interleave.
 */
static uint32_t bitreverse(uint32_t v)
{
	v = (v >> 1 & 0x55555555u) | (v & 0x55555555u) << 1;
	v = (v >> 2 & 0x33333333u) | (v & 0x33333333u) << 2;
	v = (v >> 4 & 0x0f0f0f0fu) | (v & 0x0f0f0f0fu) << 4;
	return __builtin_bswap32(v);
}

uint32_t traffic_slot(uint32_t slots, uint32_t ring, uint32_t pos)
{
	uint32_t npos = positions(slots), bits = __builtin_ctz(npos);
	uint32_t p = (uint32_t)((pos + (uint64_t)ring * 2654435761u) & (npos - 1));

	if (bits == 0)
		return 0;
	return bitreverse(p) >> (32 - bits);
}

void traffic_blocked(struct traffic_stats *st, bool first_for_conn)
{
	atomic_fetch_add_explicit(&st->beats_blocked, 1, memory_order_relaxed);
	if (first_for_conn)
		atomic_fetch_add_explicit(&st->stalled_conns, 1, memory_order_relaxed);
}

static unsigned bucket(uint64_t ns)
{
	unsigned e, i;

	if (ns < 8)
		return (unsigned)ns;
	e = 63 - __builtin_clzll(ns);
	i = (e - 2) * 8 + ((ns >> (e - 3)) & 7);
	return i < LAT_BUCKETS ? i : LAT_BUCKETS - 1;
}

static uint64_t bucket_top(unsigned i)
{
	unsigned e = i / 8 + 2;

	if (i < 8)
		return i;
	return ((8ull + i % 8) << (e - 3)) + (1ull << (e - 3)) - 1;
}

void lat_hist_add(struct lat_hist *h, uint64_t ns)
{
	atomic_fetch_add_explicit(&h->n[bucket(ns)], 1, memory_order_relaxed);
}

void lat_cumulative(const struct lat_hist *h, const uint64_t *le_ns, int n, uint64_t *cum)
{
	uint64_t seen = 0;
	unsigned b = 0;

	for (int i = 0; i < n; i++) {
		for (; b < LAT_BUCKETS && bucket_top(b) <= le_ns[i]; b++)
			seen += atomic_load_explicit(&h->n[b], memory_order_relaxed);
		cum[i] = seen;
	}
}

void lat_record(struct traffic_stats *st, uint64_t ns)
{
	uint64_t max = atomic_load_explicit(&st->lat_max_ns, memory_order_relaxed);

	lat_hist_add(&st->lat, ns);
	atomic_fetch_add_explicit(&st->lat_sum_ns, ns, memory_order_relaxed);
	while (ns > max && !atomic_compare_exchange_weak_explicit(&st->lat_max_ns, &max, ns,
								  memory_order_relaxed,
								  memory_order_relaxed))
		;
}

uint64_t lat_count(const struct lat_hist *h)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < LAT_BUCKETS; i++)
		n += atomic_load_explicit(&h->n[i], memory_order_relaxed);
	return n;
}

uint64_t lat_quantile(const struct lat_hist *h, double q)
{
	uint64_t total = lat_count(h), seen = 0, want;

	if (!total)
		return 0;
	want = (uint64_t)(q * total + 0.5);
	if (want < 1)
		want = 1;
	for (unsigned i = 0; i < LAT_BUCKETS; i++) {
		seen += atomic_load_explicit(&h->n[i], memory_order_relaxed);
		if (seen >= want)
			return bucket_top(i);
	}
	return bucket_top(LAT_BUCKETS - 1);
}
