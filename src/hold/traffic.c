/* traffic.c - message framing, heartbeat schedule and latency histogram. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "base/units.h"
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

/* A ring's runs: its slots TRAFFIC_RUN at a time, the last one short (fewer slots: one run). */
static uint32_t run_len(uint32_t slots)
{
	return slots < TRAFFIC_RUN ? slots : TRAFFIC_RUN;
}

static uint32_t runs(uint32_t slots)
{
	return slots ? (slots + run_len(slots) - 1) / run_len(slots) : 0;
}

/* Phase points passed since time 0: one per position per period. */
static uint64_t passed(const struct traffic *t, uint32_t npos, uint64_t us)
{
	return (uint64_t)((unsigned __int128)us * npos / t->every_us);
}

static void span(const struct traffic *t, uint32_t npos, uint64_t prev_us, uint64_t now_us,
		 struct beat_span *sp)
{
	uint64_t a, b;

	*sp = (struct beat_span){ .npos = npos };
	if (!t->send || !t->every_us || !npos || now_us <= prev_us)
		return;
	a = passed(t, npos, prev_us);
	b = passed(t, npos, now_us);
	if (b - a > npos) {
		sp->missed = b - a - npos;
		a = b - npos;
	}
	sp->first = a + 1;
	sp->n = (uint32_t)(b - a);
}

void traffic_due_set(const struct traffic *t, uint32_t slots, uint32_t nrings, uint64_t prev_us,
		     uint64_t now_us, struct beat_span *sp)
{
	span(t, runs(slots) * run_len(slots) * nrings, prev_us, now_us, sp);
}

uint64_t traffic_point_us(const struct traffic *t, uint32_t npos, uint64_t k)
{
	unsigned __int128 x = (unsigned __int128)k * t->every_us;

	return (uint64_t)((x + npos - 1) / npos);
}

uint32_t traffic_tick_wait_us(uint64_t sched_us, uint64_t now_us)
{
	uint64_t next = sched_us + TRAFFIC_TICK_US;

	if (next <= now_us)
		return 0;
	/* A schedule that starts ahead (a window announced): a tick at a time until then. */
	return next - now_us < TRAFFIC_TICK_US ? (uint32_t)(next - now_us) : TRAFFIC_TICK_US;
}

uint64_t traffic_late_us(const struct traffic *t)
{
	uint64_t us = t->every_us / 100;

	return us > TRAFFIC_LATE_MIN_US ? us : TRAFFIC_LATE_MIN_US;
}

void traffic_beat_sent(struct traffic_stats *st, struct beat_tally *b, uint64_t late_ns,
		       uint64_t lag_ns)
{
	hist_record(&st->lag, &st->lag_max_ns, lag_ns);
	if (lag_ns > late_ns)
		b->late++;
	else
		b->on_time++;
}

void traffic_tally(struct traffic_stats *st, const struct beat_tally *b)
{
	atomic_fetch_add_explicit(&st->beats_due, b->due, memory_order_relaxed);
	atomic_fetch_add_explicit(&st->beats_on_time, b->on_time, memory_order_relaxed);
	atomic_fetch_add_explicit(&st->beats_late, b->late, memory_order_relaxed);
}

void schedule_account(struct schedule_report *r, uint64_t due, uint64_t on_time, uint64_t late)
{
	uint64_t sent = on_time + late;

	r->due = due;
	r->on_time = on_time;
	r->late = late;
	r->not_sent = due > sent ? due - sent : 0;
	r->slip = due ? (double)(due - (on_time < due ? on_time : due)) / due : 0;
	r->kept = !due || on_time >= SCHEDULE_KEPT * due;
}

void schedule_report_fill(struct schedule_report *r, const struct traffic_stats *st)
{
	uint64_t max = atomic_load_explicit(&st->lag_max_ns, memory_order_relaxed);

	schedule_account(r, atomic_load_explicit(&st->beats_due, memory_order_relaxed),
			 atomic_load_explicit(&st->beats_on_time, memory_order_relaxed),
			 atomic_load_explicit(&st->beats_late, memory_order_relaxed));
	r->lag_max_us = max / 1e3;
	r->lag_p50_us = lat_quantile(&st->lag, 0.50) / 1e3;
	r->lag_p99_us = lat_quantile(&st->lag, 0.99) / 1e3;
	/* A bucket's top edge may pass the largest value seen: never report more. */
	if (r->lag_p50_us > r->lag_max_us)
		r->lag_p50_us = r->lag_max_us;
	if (r->lag_p99_us > r->lag_max_us)
		r->lag_p99_us = r->lag_max_us;
}

/*
 * A run's beats go to consecutive slots: sockets opened one after another,
 * whose kernel objects (the fixed-file entry, the file, the socket) sit in
 * the same pages. 64 slots 512 apart cost a TLB miss apiece in the send and
 * receive paths: at 600K pairs 31-45% more CPU per message on each side and
 * in softirq (bench/results/20261207-issue25k-heartbeat-order/).
 *
 * Tables fill from slot 0 up, so a ring's runs take the period in an order
 * that spreads any prefix of them (a ring filled part way) over it: run j
 * at place j * h mod n, h coprime to n and near n / phi, which leaves gaps
 * of at most three sizes between a prefix's places; each ring's places
 * turned by an offset of its own. Every place is a run of slots (a ring's
 * last may be short). A ring's positions were once its slots rounded up
 * to a power of two, bit-reversed, and the 12,768 of 32,768 places past a
 * ring's 20,000 slots fell together over all the rings: at 1M pairs beats
 * came at 164,000 a second for 20 ms and none for the next 12
 * (bench/results/20261207-1m-heartbeats/).
 */
/* x with a * x = 1 mod n (a coprime to n). */
static uint32_t inverse(uint32_t a, uint32_t n)
{
	int64_t t = 0, nt = 1, r = n, nr = a;

	while (nr) {
		int64_t q = r / nr, x;

		x = t - q * nt;
		t = nt;
		nt = x;
		x = r - q * nr;
		r = nr;
		nr = x;
	}
	return (uint32_t)(t < 0 ? t + n : t);
}

/* The run at place k is k * run_step(n) mod n: the inverse of h. */
static uint32_t run_step(uint32_t n)
{
	static uint32_t known_n, known_step;
	uint32_t h;

	if (n == known_n)
		return known_step;
	h = (uint32_t)(n * 0.6180339887498949);
	while (gcd(h, n) != 1)
		h++;
	known_n = n;
	known_step = inverse(h, n);
	return known_step;
}

void traffic_set_slot(uint32_t slots, uint32_t nrings, uint64_t point, uint32_t *ring,
		      uint32_t *slot)
{
	uint32_t run = run_len(slots), n = runs(slots);
	uint64_t q = point % ((uint64_t)n * run * nrings), chunk = q / run;
	uint64_t place = chunk / nrings;

	*ring = (uint32_t)(chunk % nrings);
	/* Each ring's order turned by its own offset: their short last runs fall apart. */
	place = (place + (uint64_t)*ring * 2654435761u) % n;
	*slot = (uint32_t)(place * run_step(n) % n) * run + (uint32_t)(q % run);
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

void lat_hist_diff(const struct lat_hist *now, const struct lat_hist *before, struct lat_hist *out)
{
	for (unsigned i = 0; i < LAT_BUCKETS; i++) {
		uint64_t a = atomic_load_explicit(&now->n[i], memory_order_relaxed);
		uint64_t b = atomic_load_explicit(&before->n[i], memory_order_relaxed);

		atomic_store_explicit(&out->n[i], a > b ? a - b : 0, memory_order_relaxed);
	}
}

uint64_t lat_hist_top(const struct lat_hist *h)
{
	for (unsigned i = LAT_BUCKETS; i-- > 0;)
		if (atomic_load_explicit(&h->n[i], memory_order_relaxed))
			return bucket_top(i);
	return 0;
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

void hist_record(struct lat_hist *h, _Atomic uint64_t *max_ns, uint64_t ns)
{
	uint64_t max = atomic_load_explicit(max_ns, memory_order_relaxed);

	lat_hist_add(h, ns);
	while (ns > max && !atomic_compare_exchange_weak_explicit(max_ns, &max, ns,
								  memory_order_relaxed,
								  memory_order_relaxed))
		;
}

void lat_record(struct traffic_stats *st, uint64_t ns)
{
	hist_record(&st->lat, &st->lat_max_ns, ns);
	atomic_fetch_add_explicit(&st->lat_sum_ns, ns, memory_order_relaxed);
}

uint64_t lat_count(const struct lat_hist *h)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < LAT_BUCKETS; i++)
		n += atomic_load_explicit(&h->n[i], memory_order_relaxed);
	return n;
}

uint64_t counts_quantile(const uint64_t n[LAT_BUCKETS], double q)
{
	uint64_t total = 0, seen = 0, want;

	for (unsigned i = 0; i < LAT_BUCKETS; i++)
		total += n[i];
	if (!total)
		return 0;
	want = (uint64_t)(q * total + 0.5);
	if (want < 1)
		want = 1;
	for (unsigned i = 0; i < LAT_BUCKETS; i++) {
		seen += n[i];
		if (seen >= want)
			return bucket_top(i);
	}
	return bucket_top(LAT_BUCKETS - 1);
}

static void hist_copy(uint64_t out[LAT_BUCKETS], const struct lat_hist *h)
{
	for (unsigned i = 0; i < LAT_BUCKETS; i++)
		out[i] = atomic_load_explicit(&h->n[i], memory_order_relaxed);
}

uint64_t lat_quantile(const struct lat_hist *h, double q)
{
	uint64_t n[LAT_BUCKETS];

	hist_copy(n, h);
	return counts_quantile(n, q);
}

void traffic_counts_take(struct traffic_counts *c, const struct traffic_stats *st)
{
	c->msgs_sent = atomic_load_explicit(&st->msgs_sent, memory_order_relaxed);
	c->msgs_recv = atomic_load_explicit(&st->msgs_recv, memory_order_relaxed);
	c->beats_due = atomic_load_explicit(&st->beats_due, memory_order_relaxed);
	c->beats_on_time = atomic_load_explicit(&st->beats_on_time, memory_order_relaxed);
	c->beats_late = atomic_load_explicit(&st->beats_late, memory_order_relaxed);
	c->beats_blocked = atomic_load_explicit(&st->beats_blocked, memory_order_relaxed);
	hist_copy(c->lat, &st->lat);
	hist_copy(c->lag, &st->lag);
}

void traffic_counts_since(struct traffic_counts *c, const struct traffic_counts *before)
{
	c->msgs_sent -= before->msgs_sent;
	c->msgs_recv -= before->msgs_recv;
	c->beats_due -= before->beats_due;
	c->beats_on_time -= before->beats_on_time;
	c->beats_late -= before->beats_late;
	c->beats_blocked -= before->beats_blocked;
	for (unsigned i = 0; i < LAT_BUCKETS; i++) {
		c->lat[i] -= before->lat[i];
		c->lag[i] -= before->lag[i];
	}
}
