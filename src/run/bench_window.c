/*
 * bench_window.c - stretches of the heartbeat schedule (--slo windows and
 * the hold): CPU and traffic counted over each, and the --slo verdict.
 */
#include "run/bench_internal.h"

static void cpu_mark(struct bench *b, struct cpu_mark *m)
{
	struct shared_area *a = b->area;

	m->t = now_s();
	m->user[0] = ld(&a->server.cpu_user_us);
	m->sys[0] = ld(&a->server.cpu_sys_us);
	m->user[1] = ld(&a->client.cpu_user_us);
	m->sys[1] = ld(&a->client.cpu_sys_us);
	m->msgs = ld(&a->server.traffic.msgs_recv);
	m->have_box = !meter_cpu_times(&m->box);
}

static void cpu_since(const struct cpu_mark *a, const struct cpu_mark *z, struct cpu_report *c)
{
	c->seconds = z->t - a->t;
	c->msgs = z->msgs - a->msgs;
	c->server_user_s = (z->user[0] - a->user[0]) / 1e6;
	c->server_sys_s = (z->sys[0] - a->sys[0]) / 1e6;
	c->generator_user_s = (z->user[1] - a->user[1]) / 1e6;
	c->generator_sys_s = (z->sys[1] - a->sys[1]) / 1e6;
	c->ncpus = a->have_box && z->have_box ? z->box.ncpus : 0;
	c->softirq_s = c->ncpus ? (z->box.softirq_us - a->box.softirq_us) / 1e6 : 0;
}

/*
 * Heartbeats fall due for every held pair from WINDOW_LEAD_S on. Announced
 * ahead: an idle generator sleeps up to HOLD_WAIT_MS at a time, and would
 * otherwise start every window that late.
 */
void bench_window_open(struct bench *b, struct window *w)
{
	struct shared_area *a = b->area;

	/* Taken before the window opens: no beat can fall between them and its start. */
	bench_wait_fresh(b, now_s() + 1);
	traffic_counts_take(&w->sv, &a->server.traffic);
	traffic_counts_take(&w->cl, &a->client.traffic);
	cpu_mark(b, &w->c0);
	w->from_us = now_ns() / 1000 + (uint64_t)(WINDOW_LEAD_S * 1e6);
	atomic_store(&a->ctl.beats_until_us, 0);
	atomic_store(&a->ctl.beats_from_us, w->from_us);
	atomic_store_explicit(&a->ctl.beats, ++b->window, memory_order_release);
	while (now_ns() / 1000 < w->from_us)
		bench_sleep(b, POLL_NS / 5);
}

/*
 * No more fall due from now on. The generator is given time to hand out
 * what fell due before, however late; what it never reached is due and
 * was never sent (counted here: the generator cannot count what it never
 * saw). Then the messages in flight are given time to land, and w takes
 * what the window added to each side's counts.
 */
void bench_window_close(struct bench *b, struct window *w)
{
	struct shared_area *a = b->area;
	_Atomic uint64_t *through = &a->client.traffic.sched_through_us;
	struct traffic_counts sv, cl;
	struct cpu_mark c1;
	uint64_t reached, unseen = 0;

	w->until_us = now_ns() / 1000;
	atomic_store(&a->ctl.beats_until_us, w->until_us);
	for (double deadline = now_s() + SCHED_TIMEOUT_S;
	     b->ccfg[0].backend->beat && now_s() < deadline && ld(through) < w->until_us &&
	     !holder_signalled && !bench_clients_gone(b);)
		bench_sleep(b, POLL_NS);
	atomic_store(&a->ctl.beats, 0);
	reached = ld(through) > w->from_us ? ld(through) : w->from_us;
	if (b->ccfg[0].backend->beat && reached < w->until_us && b->o->holder.traffic.every_us)
		unseen = (uint64_t)((double)bench_pairs(b) * (w->until_us - reached) / b->o->holder.traffic.every_us);
	for (double deadline = now_s() + LAND_TIMEOUT_S; now_s() < deadline && !bench_landed(b);)
		bench_sleep(b, POLL_NS);
	/* Both loops turned since: the beats the generator was handing out are in its counts. */
	bench_wait_fresh(b, now_s() + SCHED_TIMEOUT_S);
	cpu_mark(b, &c1);
	cpu_since(&w->c0, &c1, &w->cpu);
	traffic_counts_take(&sv, &a->server.traffic);
	traffic_counts_take(&cl, &a->client.traffic);
	traffic_counts_since(&sv, &w->sv);
	traffic_counts_since(&cl, &w->cl);
	cl.beats_due += unseen;
	b->unseen_due += unseen;
	w->sv = sv;
	w->cl = cl;
}

void bench_hold_progress(struct bench *b, double end)
{
	double last_progress = 0;

	while (now_s() < end && !holder_signalled && !bench_server_gone(b)) {
		double t = now_s();

		if (t - last_progress >= 0.2) {
			report_progress(b->rep, bench_pairs(b), t - b->t0, 0, 0, UINT64_MAX);
			last_progress = t;
		}
		bench_sleep(b, POLL_NS * 4);
	}
}

static void slo_stop(struct bench *b, const char *why)
{
	if (!b->stop || b->stop == STOP_TARGET)
		b->stop = STOP_SLO;
	atomic_store(&b->area->ctl.stop, b->stop);
	snprintf(b->detail, sizeof(b->detail), "%s", why);
}

/*
 * bench --slo: holds the pattern at this count (the ramp paused) for the
 * window, then judges it: the server's one-way p99 and the share of
 * heartbeats not sent on time. The first count that misses either stops
 * the ramp with reason slo.
 */
void bench_slo_point(struct bench *b)
{
	struct slo_report *r = &b->slor;
	struct schedule_report sr;
	struct slo_point pt = { .conns = b->last.conns };
	struct window w;
	char why[160];

	if (!b->spid || !b->last.conns || b->stop == STOP_SIGNAL || b->stop == STOP_SLO)
		return;
	atomic_store(&b->area->ctl.pause, PAUSE_WINDOW);
	bench_window_open(b, &w);
	bench_hold_progress(b, now_s() + b->slo->window_s);
	bench_window_close(b, &w);
	atomic_store(&b->area->ctl.pause, 0);
	schedule_account(&sr, w.cl.beats_due, w.cl.beats_on_time, w.cl.beats_late);
	pt.seconds = (w.until_us - w.from_us) / 1e6;
	pt.msgs_per_s = pt.seconds > 0 ? w.sv.msgs_recv / pt.seconds : 0;
	pt.p99_us = counts_quantile(w.sv.lat, 0.99) / 1e3;
	pt.lag_p99_us = counts_quantile(w.cl.lag, 0.99) / 1e3;
	pt.slip = sr.slip;
	pt.met = pt.p99_us <= r->p99_us && pt.slip <= r->slip;
	pt.cpu = w.cpu;
	report_slo_point(b->rep, &pt);
	if (pt.met) {
		r->met_conns = pt.conns;
		r->met_msgs_per_s = pt.msgs_per_s;
		r->met_p99_us = pt.p99_us;
		r->met_slip = pt.slip;
		r->met_cpu = pt.cpu;
		return;
	}
	r->failed_conns = pt.conns;
	r->failed_p99_us = pt.p99_us;
	r->failed_slip = pt.slip;
	if (pt.p99_us > r->p99_us)
		snprintf(why, sizeof(why), "one-way p99 %.0f us > %.0f us at %" PRIu64 " pairs",
			 pt.p99_us, r->p99_us, pt.conns);
	else
		snprintf(why, sizeof(why), "%.1f%% of heartbeats not sent on time > %.0f%% at %" PRIu64
			 " pairs", 100 * pt.slip, 100 * r->slip, pt.conns);
	slo_stop(b, why);
}
