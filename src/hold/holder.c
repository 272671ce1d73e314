/* holder.c - the loop every mode shares: ramp, limits, publish, release. */
#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include "hold/holder.h"
#include "hold/conn.h"
#include "measure/meter.h"
#include "measure/sysinfo.h"

#define CHECK_INTERVAL_S 0.010  /* reserve and control checks while ramping */
#define ARENA_INTERVAL_S 0.100  /* arena stats refresh */
#define RAMP_WAIT_MS 1
#define HOLD_WAIT_MS 50
/*
 * Under bench, the ramp's last point is taken as soon as it ends: turn as
 * while ramping this long after, or that point waits out a HOLD_WAIT_MS
 * sleep on each side before its figures are fresh.
 */
#define SETTLE_S 0.5
/*
 * A server reading heartbeats is woken by their completions (the eventfd):
 * its timeout only paces its checks, and a 1 ms one added turns that
 * found nothing (19% of its CPU per message at 600K pairs, 3 rounds,
 * bench/results/20261207-issue25k-server-wait/).
 */
#define SERVE_BEAT_WAIT_MS 10
#define BEAT_SPAN_MAX_US 20000 /* the most of the schedule handed out in one turn of the loop */
#define MAX_CONSECUTIVE_FAILURES 10000 /* skipped tuples in a row before giving up */
/*
 * connect: held connections the peer may close before the ramp stops
 * (without --reconnect). A server that closes what it accepts, at a
 * client cap or always, shows itself within this many.
 */
#define PEER_CLOSE_LIMIT 100
/*
 * connect: seconds with connects in flight and none finishing before the
 * ramp stops as a timeout. A full accept queue drops SYNs, and the kernel
 * retries one after 1 s, then 3 s: two lost retries mean nobody accepts.
 * Under bench the holder is ours and a stall is bench's to judge: longer.
 */
#define CONNECT_STALL_S 3.0
#define CONNECT_STALL_BENCH_S 10.0

volatile sig_atomic_t holder_signalled;

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_signal(int sig)
{
	holder_signalled = sig;
}

void holder_signals(bool ignore)
{
	struct sigaction sa = { .sa_handler = ignore ? SIG_IGN : on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

void holder_stop(struct holder *h, enum stop_reason r, int err)
{
	if (h->stop == STOP_NONE) {
		h->stop = r;
		h->stop_errno = err;
	}
	h->ramping = false;
}

bool holder_beating(const struct holder *h)
{
	const struct control *ctl = h->cfg->ctl;

	/* A session's keepalive runs on the same schedule as --send's heartbeats. */
	bool due = h->cfg->traffic.send ||
		   (h->cfg->session && h->cfg->traffic.every_us && h->cfg->backend->beat);

	/* A session's keepalive is not bench's to time: the server drops a client that misses one. */
	if (!h->cfg->traffic.send)
		return due;
	return due && (!ctl || atomic_load_explicit(&ctl->beats, memory_order_relaxed));
}

/*
 * A generator behind its schedule by more than a period has lost those
 * beats: each held connection missed one per period. Counted as due, never
 * sent; the schedule resumes one period back.
 */
static void skip_lost_periods(struct holder *h, uint64_t now)
{
	uint64_t every = h->cfg->traffic.every_us, skip;

	if (!every || now - h->beat_us <= every)
		return;
	skip = now - every - h->beat_us;
	atomic_fetch_add_explicit(&h->cfg->stats->traffic.beats_due,
				  (uint64_t)((double)h->held * skip / every), memory_order_relaxed);
	h->beat_us += skip;
}

/*
 * Hands the backend the heartbeats due since the last call, at most
 * BEAT_SPAN_MAX_US of the schedule at a time: a generator that fell behind
 * catches up over several turns of the loop, reaping completions between
 * them, instead of queueing seconds of beats at once. Under bench the
 * schedule runs from the window's start, not from when this loop noticed
 * it, and ends at its end however late this loop gets there: the beats
 * due meanwhile go out late, and the account says so. What is about to be
 * handed out is published first (sched_through_us), so that bench counts
 * as never reached only what the generator never took on. Returns how long
 * the loop may sleep for the schedule's sake, µs: until the next tick, 0
 * while behind; -1: no heartbeats to hand out.
 */
static int beat(struct holder *h)
{
	const struct control *ctl = h->cfg->ctl;
	uint64_t now = now_ns() / 1000, until = 0;
	bool behind;
	int wait;

	if (h->cfg->role != ROLE_CONNECT || !h->cfg->backend->beat || !holder_beating(h)) {
		h->beat_us = 0;
		return -1;
	}
	if (ctl && h->cfg->traffic.send) {
		uint32_t w = atomic_load_explicit(&ctl->beats, memory_order_acquire);

		if (w != h->beat_window) {
			h->beat_window = w;
			h->beat_us = atomic_load_explicit(&ctl->beats_from_us, memory_order_relaxed);
		}
		until = atomic_load_explicit(&ctl->beats_until_us, memory_order_relaxed);
		if (until && now > until)
			now = until;
	}
	/* Not started (a window announced ahead), or ended (its last beats out): a tick. */
	if (!h->beat_us || now <= h->beat_us) {
		if (!h->beat_us)
			h->beat_us = now;
		return TRAFFIC_TICK_US;
	}
	/*
	 * One batch a tick, as the floor's timer: a turn that the completions
	 * of the last batch woke early hands out nothing. Handing out the few
	 * beats due since the last completion instead kept the loop spinning
	 * and sent them a handful at a time, and on loopback every small batch
	 * costs the receiving CPU its own RPS interrupt. The loop sleeps to a
	 * tick after the last batch (traffic_tick_wait_us), as the floor does.
	 */
	wait = (int)traffic_tick_wait_us(h->beat_us, now);
	if (wait && now != until)
		return wait;
	skip_lost_periods(h, now);
	behind = now - h->beat_us > BEAT_SPAN_MAX_US;
	if (behind)
		now = h->beat_us + BEAT_SPAN_MAX_US;
	atomic_store_explicit(&h->cfg->stats->traffic.sched_through_us, now, memory_order_release);
	h->cfg->backend->beat(h, h->beat_us, now);
	h->beat_us = now;
	return behind ? 0 : TRAFFIC_TICK_US;
}

void holder_opened(struct holder *h)
{
	h->held++;
	h->opened++;
	h->consecutive_failures = 0;
	h->last_progress = now_s();
}

static uint64_t peer_gone(const struct holder *h)
{
	return h->peer_closed + h->peer_reset;
}

/* Why peers ended our connections: mostly resets, or mostly FINs. */
static enum stop_reason peer_reason(const struct holder *h)
{
	return h->peer_reset > h->peer_closed ? STOP_RESET : STOP_PEER;
}

void holder_peer_closed(struct holder *h, int err)
{
	if (err)
		h->peer_reset++;
	else
		h->peer_closed++;
	if (h->cfg->role != ROLE_CONNECT || h->cfg->reconnect)
		return;
	if (h->ramping && peer_gone(h) >= PEER_CLOSE_LIMIT)
		holder_stop(h, peer_reason(h), err);
	/* Every one was established, then the server closed some: that, not the target, is the news. */
	else if (!h->ramping && h->stop == STOP_TARGET)
		h->stop = peer_reason(h);
}

void holder_first_bytes(struct holder *h, const char *buf, size_t n)
{
	if (!n)
		return;
	if (!h->first_len) {
		h->first_len = n < FIRST_BYTES_MAX ? (uint32_t)n : FIRST_BYTES_MAX;
		memcpy(h->first, buf, h->first_len);
	}
	/* Counted when this read begins with what was kept (a shorter read: its whole self). */
	if (!memcmp(h->first, buf, n < h->first_len ? n : h->first_len))
		h->first_conns++;
}

void holder_connected(struct holder *h, uint32_t tuple)
{
	const struct connect_start *t0 = &h->connect_t0[tuple % HOLDER_CONNECT_TIMES];
	struct side_stats *st = h->cfg->stats;

	holder_opened(h);
	if (t0->tuple != tuple || !t0->ns)
		return;
	uint64_t ns = now_ns() - t0->ns;

	hist_record(&st->connect_lat, &st->connect_lat_max_ns, ns);
	atomic_fetch_add_explicit(&st->connect_lat_sum_ns, ns, memory_order_relaxed);
}

void holder_held(struct holder *h, struct conn *c)
{
	if (h->cfg->role == ROLE_CONNECT)
		holder_connected(h, c->next);
	else
		holder_opened(h);
	c->flags |= CONN_F_COUNTED;
	c->next = 0; /* the receiver's offset in the stream from here on */
}

void holder_closed(struct holder *h)
{
	h->held--;
	h->closed++;
}

void holder_lost(struct holder *h, int err)
{
	(void)err;
	h->lost++;
}

void holder_buffers(struct holder *h, int rcvbuf, int sndbuf)
{
	h->rcvbuf = rcvbuf;
	h->sndbuf = sndbuf;
}

/*
 * A failed connect either means a limit was reached (stop) or that this
 * one tuple is unusable, e.g. a source port some service already holds
 * (skip it and go on).
 */
void holder_open_failed(struct holder *h, uint64_t tuple, int err)
{
	enum stop_reason r = stop_reason_from_errno(err);

	(void)tuple;
	h->failed++;
	h->last_progress = now_s();
	if (err == EADDRINUSE && ++h->consecutive_failures < MAX_CONSECUTIVE_FAILURES)
		return;
	holder_stop(h, r, err);
}

static void publish(struct holder *h, bool arena)
{
	struct side_stats *st = h->cfg->stats;
	struct rusage ru;

	atomic_store_explicit(&st->held, h->held, memory_order_relaxed);
	atomic_store_explicit(&st->opened, h->opened, memory_order_relaxed);
	atomic_store_explicit(&st->closed, h->closed, memory_order_relaxed);
	atomic_store_explicit(&st->failed, h->failed, memory_order_relaxed);
	atomic_store_explicit(&st->in_flight, h->in_flight, memory_order_relaxed);
	atomic_store_explicit(&st->lost, h->lost, memory_order_relaxed);
	atomic_store_explicit(&st->opening, h->opening, memory_order_relaxed);
	atomic_store_explicit(&st->session_failed, h->session_failed, memory_order_relaxed);
	atomic_store_explicit(&st->bytes_in, h->bytes_in, memory_order_relaxed);
	atomic_store_explicit(&st->bytes_out, h->bytes_out, memory_order_relaxed);
	atomic_store_explicit(&st->ring_bytes, h->ring_bytes, memory_order_relaxed);
	atomic_store_explicit(&st->nrings, h->nrings, memory_order_relaxed);
	atomic_store_explicit(&st->scans, h->scans, memory_order_relaxed);
	atomic_store_explicit(&st->scan_us, h->scan_us, memory_order_relaxed);
	atomic_store_explicit(&st->rx_empty, h->rx_empty, memory_order_relaxed);
	atomic_store_explicit(&st->rx_buf_bytes, h->rx_buf_bytes, memory_order_relaxed);
	atomic_store_explicit(&st->rx_inc, h->rx_inc, memory_order_relaxed);
	atomic_store_explicit(&st->rcvbuf, h->rcvbuf, memory_order_relaxed);
	atomic_store_explicit(&st->sndbuf, h->sndbuf, memory_order_relaxed);
	atomic_store_explicit(&st->stop_reason, h->stop, memory_order_relaxed);
	atomic_store_explicit(&st->stop_errno, h->stop_errno, memory_order_relaxed);
	atomic_store_explicit(&st->peer_closed, h->peer_closed, memory_order_relaxed);
	atomic_store_explicit(&st->peer_reset, h->peer_reset, memory_order_relaxed);
	atomic_store_explicit(&st->first_conns, h->first_conns, memory_order_relaxed);
	if (h->first_len && !atomic_load_explicit(&st->first_len, memory_order_relaxed)) {
		memcpy(st->first, h->first, h->first_len);
		atomic_store_explicit(&st->first_len, h->first_len, memory_order_release);
	}
	if (arena) {
		struct arena_stats as;

		if (!conn_arena_stats(&as)) {
			atomic_store_explicit(&st->arena_allocated, as.allocated, memory_order_relaxed);
			atomic_store_explicit(&st->arena_resident, as.resident, memory_order_relaxed);
		}
	}
	/* Every publish: bench takes CPU per message over windows of a few seconds. */
	if (!getrusage(RUSAGE_SELF, &ru)) {
		atomic_store_explicit(&st->cpu_user_us,
				      ru.ru_utime.tv_sec * 1000000ull + ru.ru_utime.tv_usec,
				      memory_order_relaxed);
		atomic_store_explicit(&st->cpu_sys_us,
				      ru.ru_stime.tv_sec * 1000000ull + ru.ru_stime.tv_usec,
				      memory_order_relaxed);
	}
	atomic_fetch_add_explicit(&st->seq, 1, memory_order_release);
}

static void set_state(struct holder *h, enum side_state s)
{
	publish(h, true);
	atomic_store_explicit(&h->cfg->stats->state, s, memory_order_release);
}

/* bench --clients: client i's part of a count all K clients share, as the shards split tuples. */
static uint64_t share(const struct holder_config *cfg, uint64_t v)
{
	uint64_t k = cfg->share_count, i = cfg->share_index;

	if (k <= 1)
		return v;
	return v * (i + 1) / k - v * i / k;
}

/*
 * bench holds the ramp at a report point until both sides publish that they
 * reached it: a side standing at the limit publishes every turn, not every
 * CHECK_INTERVAL_S, so the point is taken and the ramp resumes sooner.
 */
static bool at_ramp_limit(const struct holder *h)
{
	uint64_t limit;

	/* Not while a window holds the count: publishing is a getrusage under traffic. */
	if (!h->cfg->ctl || !h->ramping || atomic_load_explicit(&h->cfg->ctl->pause, memory_order_relaxed))
		return false;
	limit = share(h->cfg, atomic_load_explicit(&h->cfg->ctl->ramp_limit, memory_order_relaxed));
	return limit && h->held >= limit;
}

/* How many more connects may start now: window, unaccepted backlog, rate, target. */
static uint64_t ramp_budget(struct holder *h, double now)
{
	const struct holder_config *cfg = h->cfg;
	/* A connection whose session is still opening is in flight as far as the ramp goes. */
	uint64_t pending = h->in_flight + h->opening;
	uint64_t want, counted, budget = cfg->window > pending ? cfg->window - pending : 0;

	if (cfg->ctl) {
		uint64_t accepted = share(cfg, atomic_load_explicit(&cfg->ctl->peer_accepted, memory_order_relaxed));
		uint64_t unaccepted = h->opened > accepted ? h->opened - accepted : 0;

		uint64_t limit = share(cfg, atomic_load_explicit(&cfg->ctl->ramp_limit, memory_order_relaxed));

		if (atomic_load_explicit(&cfg->ctl->pause, memory_order_relaxed))
			return 0;
		if (limit && h->held + pending >= limit)
			return 0;
		budget = unaccepted + pending >= cfg->window ? 0 : cfg->window - unaccepted - pending;
		if (limit && limit - h->held - pending < budget)
			budget = limit - h->held - pending;
	}
	if (cfg->rate) {
		double due = (now - h->t_start) * cfg->rate;
		uint64_t started = h->opened + h->failed + h->session_failed + pending;

		budget = due > started ? (uint64_t)(due - started) < budget ? (uint64_t)(due - started) : budget : 0;
	}
	/* A connection the peer closed still counts, unless --reconnect replaces it. */
	counted = h->held + pending + (cfg->reconnect ? 0 : peer_gone(h));
	want = cfg->target > counted ? cfg->target - counted : 0;
	return budget < want ? budget : want;
}

static void ramp_connect(struct holder *h, double now)
{
	const struct plan *p = h->cfg->plan;
	uint64_t n = ramp_budget(h, now);
	union sockaddr_inet src, dst;

	while (n-- && h->ramping) {
		int ret;

		if (h->next_tuple >= p->capacity) {
			if (!h->in_flight)
				holder_stop(h, STOP_EADDRNOTAVAIL, EADDRNOTAVAIL);
			return;
		}
		plan_tuple(p, h->next_tuple, &src, &dst);
		h->connect_t0[h->next_tuple % HOLDER_CONNECT_TIMES] =
			(struct connect_start){ (uint32_t)h->next_tuple, now_ns() };
		ret = h->cfg->backend->open(h, h->next_tuple, &src, &dst);
		if (ret == -EAGAIN)
			return;
		h->next_tuple++;
		if (ret)
			holder_open_failed(h, h->next_tuple - 1, -ret);
		else
			h->in_flight++;
	}
}

static void check_target(struct holder *h)
{
	if (h->cfg->role != ROLE_CONNECT || !h->ramping)
		return;
	if (h->held >= h->cfg->target)
		holder_stop(h, STOP_TARGET, 0);
	else if (!h->cfg->reconnect && !h->in_flight && !h->opening &&
		 h->held + peer_gone(h) >= h->cfg->target)
		holder_stop(h, peer_reason(h), 0); /* all opened; what is missing the peer closed */
}

/* connect: connects in flight and none finished for a while: nobody accepts them. */
static void check_stall(struct holder *h, double now)
{
	double limit = h->cfg->ctl ? CONNECT_STALL_BENCH_S : CONNECT_STALL_S;

	if (h->cfg->role == ROLE_CONNECT && h->ramping && (h->in_flight || h->opening) &&
	    now - h->last_progress > limit)
		holder_stop(h, STOP_TIMEOUT, ETIMEDOUT);
}

/*
 * What the TLS handshakes of a connect window still grow by once the ramp
 * stops: each holds both ends' library state and buffers until it is done
 * (~60 KB client, ~56 KB server, docs/sessions.md), and a window of 1,024
 * overran a 32 MiB reserve into the OOM killer (tests/integration/test_cgroup.c).
 */
#define TLS_HANDSHAKE_BYTES (128 * 1024)

static uint64_t handshakes_reserve(const struct holder_config *cfg)
{
	return cfg->tls && cfg->role == ROLE_CONNECT ? (uint64_t)cfg->window * TLS_HANDSHAKE_BYTES : 0;
}

static void check_limits(struct holder *h)
{
	const struct holder_config *cfg = h->cfg;
	uint64_t total, avail, files, room;

	if (holder_signalled)
		holder_stop(h, STOP_SIGNAL, 0);
	if (cfg->ctl) {
		uint32_t r = atomic_load_explicit(&cfg->ctl->stop, memory_order_relaxed);

		if (r)
			holder_stop(h, (enum stop_reason)r, 0);
	}
	(void)total;
	if (h->ramping && cfg->reserve && !meter_avail_pinned(h->kreclaim_base, &avail) &&
	    avail < cfg->reserve)
		holder_stop(h, STOP_RESERVE, ENOMEM);
	/* The cgroup's OOM killer comes at its limit, whatever MemAvailable says. */
	if (h->ramping && h->memcg.nlevels && !memcg_headroom(&h->memcg, &room) &&
	    room < h->cgroup_reserve)
		holder_stop(h, STOP_CGROUP, ENOMEM);
	if (h->ramping && !h->file_max_exempt && !sysinfo_files_left(&files) &&
	    files < SYSINFO_FILE_RESERVE)
		holder_stop(h, STOP_ENFILE, ENFILE);
}

/* Standalone sides decide for themselves when they are done. */
static bool standalone_done(struct holder *h)
{
	if (holder_signalled)
		return true;
	/* connect --duration: held that long once the ramp ended, whatever stopped it. */
	if (h->cfg->has_duration && !h->ramping &&
	    now_s() - (h->t_start + h->ramp_s) >= h->cfg->duration_us / 1e6)
		return true;
	/* connect: every connection gone after the ramp, e.g. the holder was killed. */
	return h->cfg->role == ROLE_CONNECT && !h->ramping && !h->held && !h->in_flight &&
	       !h->opening;
}

static bool loop_done(struct holder *h)
{
	if (h->cfg->ctl)
		return atomic_load_explicit(&h->cfg->ctl->release, memory_order_relaxed) >=
		       (h->cfg->role == ROLE_CONNECT ? RELEASE_CLIENT : RELEASE_ALL);
	return standalone_done(h);
}

/* How long this turn may sleep when nothing completes, µs; beat: what beat() allows (-1: no say). */
static int wait_us(const struct holder *h, bool quick, int beat)
{
	if (quick)
		return RAMP_WAIT_MS * 1000;
	if (h->cfg->role == ROLE_SERVE && h->cfg->traffic.send && holder_beating(h))
		return SERVE_BEAT_WAIT_MS * 1000;
	if (h->ramping)
		return beat > 0 && beat < RAMP_WAIT_MS * 1000 ? beat : RAMP_WAIT_MS * 1000;
	return beat >= 0 ? beat : holder_beating(h) ? TRAFFIC_TICK_US : HOLD_WAIT_MS * 1000;
}

int holder_run(struct holder *h, const struct holder_config *cfg)
{
	double now, last_check = 0, last_arena = 0, last_tick;
	struct memcg_usage cg;
	bool was_ramping;
	int ret;

	memset(h, 0, sizeof(*h));
	h->cfg = cfg;
	h->rcvbuf = h->sndbuf = -1;
	h->t_start = now_s();
	last_tick = h->t_start;
	set_state(h, SIDE_STARTING);

	h->failed_listener = -1;
	/* The reserve check subtracts slab our sockets pin from MemAvailable. */
	meter_kreclaimable(&h->kreclaim_base);
	if (!memcg_open(0, &h->memcg) && !memcg_read(&h->memcg, &cg))
		h->cgroup_reserve = cfg->cgroup_reserve ? cfg->cgroup_reserve
							: memcg_default_reserve(cg.limit) +
								  handshakes_reserve(cfg);
	h->file_max_exempt = sysinfo_has_cap(CAP_SYS_ADMIN);
	ret = cfg->backend->init(h);
	for (int i = 0; !ret && cfg->role == ROLE_SERVE && i < cfg->nlisten; i++) {
		ret = cfg->backend->listen(h, &cfg->listen[i]);
		if (ret)
			h->failed_listener = i;
	}
	if (ret) {
		h->stop = STOP_ERROR;
		h->stop_errno = -ret;
		if (h->be)
			cfg->backend->release(h);
		set_state(h, SIDE_FAILED);
		return ret;
	}
	h->ramping = cfg->role == ROLE_SERVE || cfg->target > 0;
	if (!h->ramping)
		holder_stop(h, STOP_TARGET, 0);
	set_state(h, SIDE_RAMPING);
	if (cfg->ready)
		cfg->ready(cfg->tick_arg, h);
	h->t_start = h->last_progress = now_s();

	while (!loop_done(h)) {
		bool quick = cfg->ctl && atomic_load_explicit(&cfg->ctl->pause, memory_order_relaxed) ==
						    PAUSE_MEASURE;

		now = now_s();
		quick |= cfg->ctl && !h->ramping && now - h->t_start - h->ramp_s < SETTLE_S;
		was_ramping = h->ramping;
		if (h->ramping && cfg->role == ROLE_CONNECT)
			ramp_connect(h, now);
		int beat_wait = beat(h);

		cfg->backend->wait(h, wait_us(h, quick, beat_wait));
		check_target(h);
		/*
		 * bench's own serve: the clients' window of connects in flight or
		 * unaccepted reads this at once, not as the parent relays it (every
		 * 5 ms, of a count published every 10 ms: ~500 of a 1,024 window
		 * looked unaccepted at 50,000 pairs/s).
		 */
		if (cfg->ctl && cfg->role == ROLE_SERVE)
			atomic_store_explicit(&cfg->ctl->peer_accepted, h->opened, memory_order_relaxed);
		now = now_s();
		/*
		 * Once the ramp ends, every turn while turns are rare (HOLD_WAIT_MS);
		 * under traffic a turn may come with every completion, and a publish
		 * is a getrusage: every CHECK_INTERVAL_S then, unless bench measures.
		 */
		if (now - last_check >= CHECK_INTERVAL_S || quick || at_ramp_limit(h) ||
		    (!h->ramping && !traffic_on(&cfg->traffic) && !cfg->session)) {
			/* Under a bench pause the parent is measuring: keep the arena figure fresh. */
			bool arena = now - last_arena >= ARENA_INTERVAL_S ||
				     (cfg->ctl && atomic_load_explicit(&cfg->ctl->pause, memory_order_relaxed) ==
							  PAUSE_MEASURE);

			check_limits(h);
			check_stall(h, now);
			publish(h, arena);
			if (arena)
				last_arena = now;
			last_check = now;
		}
		if (cfg->ctl && cfg->role == ROLE_CONNECT && cfg->backend->drop) {
			uint64_t want = share(cfg, atomic_load_explicit(&cfg->ctl->drop, memory_order_relaxed));

			if (want > h->dropped) {
				cfg->backend->drop(h, want - h->dropped);
				h->dropped = want;
			}
		}
		if (was_ramping && !h->ramping) {
			h->ramp_s = now - h->t_start;
			if (cfg->role == ROLE_SERVE)
				cfg->backend->stop_accepting(h);
			set_state(h, SIDE_HOLDING);
		}
		if (cfg->tick && (now - last_tick) * 1000 >= cfg->tick_ms) {
			cfg->tick(cfg->tick_arg, h);
			last_tick = now;
		}
	}
	if (h->ramping)
		h->ramp_s = now_s() - h->t_start;
	if (holder_signalled)
		holder_stop(h, STOP_SIGNAL, 0);
	/* A run that ends as its ramp does (--duration 0s, a limit) still gets its last tick. */
	if (cfg->tick && !h->ramping)
		cfg->tick(cfg->tick_arg, h);
	h->held_final = h->held;
	set_state(h, SIDE_RELEASING);
	now = now_s();
	cfg->backend->release(h);
	h->release_s = now_s() - now;
	h->held = h->opening = 0;
	set_state(h, SIDE_DONE);
	return 0;
}
