/*
 * bench_ramp.c - the ramp: raising the limit both sides may reach, point by
 * point, until the target, a limit or a side's death stops it, and saying why.
 */
#include "run/bench_internal.h"

static void bench_stop(struct bench *b, enum stop_reason r)
{
	if (!b->stop)
		b->stop = r;
	atomic_store(&b->area->ctl.stop, r);
}

/*
 * Reaps side pid if it has ended before bench asked it to: the first such
 * death is kept (which side, signal or exit status) for the summary.
 */
static bool child_gone(struct bench *b, pid_t pid, const char *side)
{
	int status;

	if (waitpid(pid, &status, WNOHANG) != pid)
		return false;
	if (!b->death.side) {
		b->death.side = side;
		b->death.pid = pid;
		b->death.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
		b->death.status = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
		b->death.has_cgroup = cgroup_track_oom_kills(&b->cgt, &b->death.oom_kills);
	}
	return true;
}

/* Any client exited (its pid is then reaped, and forgotten). */
bool bench_clients_gone(struct bench *b)
{
	bool gone = false;

	for (int k = 0; k < b->nclients; k++) {
		if (b->cpid[k] > 0 && child_gone(b, b->cpid[k], "connect")) {
			b->cpid[k] = 0;
			gone = true;
		}
	}
	return gone;
}

/* The server exited: serve, or bench --server's command. */
bool bench_server_gone(struct bench *b)
{
	if (external(b))
		return !extserver_alive(&b->ext);
	if (b->spid > 0 && child_gone(b, b->spid, "serve"))
		b->spid = 0;
	return b->spid <= 0;
}

/*
 * A side that dies closes its sockets as it goes: the other side sees
 * resets (or, its listener gone, refusals) before the dead one can be
 * reaped. Its death, not the resets, is the cause: wait a little for it
 * before taking the resets' word.
 */
static bool holder_died_meanwhile(struct bench *b, int32_t client_reason)
{
	double until = now_s() + DEATH_WAIT_S;

	if (external(b) || (client_reason != STOP_RESET && client_reason != STOP_PEER &&
			    client_reason != STOP_ERROR && client_reason != STOP_TIMEOUT &&
			    client_reason != STOP_REFUSED))
		return false;
	while (!bench_server_gone(b) && now_s() < until)
		sleep_ns(POLL_NS);
	return b->spid <= 0;
}

/* The stop reason and detail a death gives: killed by a signal, or exited. */
static void stop_on_death(struct bench *b)
{
	struct death_report *d = &b->death;
	char sig[32], oom[96] = "";

	if (d->has_cgroup && d->oom_kills)
		snprintf(oom, sizeof(oom), " (the memory cgroup's OOM killer: oom_kill +%" PRIu64 ")",
			 d->oom_kills);
	else if (d->has_cgroup)
		snprintf(oom, sizeof(oom), " (not the memory cgroup's OOM killer: oom_kill +0)");
	b->stop = d->signal ? STOP_KILLED : STOP_PEER;
	atomic_store(&b->area->ctl.stop, b->stop);
	if (d->signal)
		snprintf(b->detail, sizeof(b->detail), "%s (pid %d) was killed by %s%s", d->side, d->pid,
			 report_signal_name(d->signal, sig, sizeof(sig)), oom);
	else
		snprintf(b->detail, sizeof(b->detail), "the %s process exited (status %d)%s",
			 external(b) ? "server" : d->side, d->status, oom);
}

/* Every message the generator sent has been read (and echoed back, if asked). */
bool bench_landed(struct bench *b)
{
	struct traffic_stats *s = &b->area->server.traffic, *c = &b->area->client.traffic;

	if (b->o->holder.traffic.on_data == ON_DATA_KEEP)
		return true;
	if (ld(&s->msgs_recv) < ld(&c->msgs_sent))
		return false;
	return b->o->holder.traffic.on_data != ON_DATA_ECHO || ld(&c->msgs_recv) >= ld(&s->msgs_sent);
}

/*
 * The next look at the ramp: POLL_NS, or sooner when the pairs will reach
 * the next report point before then at the rate they came since the last
 * look: the sides stand still there until the point is taken.
 */
static long ramp_poll_ns(const struct bench *b, uint64_t n, double rate)
{
	double eta = rate > 0 && b->next_report > n ? (b->next_report - n) / rate * 1e9 : 0;

	if (rate <= 0 || eta >= POLL_NS)
		return POLL_NS;
	return eta > RAMP_POLL_MIN_NS ? (long)eta : RAMP_POLL_MIN_NS;
}

/* The ramp: until the client stops by itself, or we stop it. */
void bench_ramp(struct bench *b)
{
	struct shared_area *a = b->area;
	double last_progress = 0, stall_t = now_s(), look_t = stall_t, rate = 0;
	uint64_t stall_n = 0, look_n = 0;

	for (;;) {
		uint64_t total, avail = 0, n, room;
		bool have;
		uint32_t cs;
		double t;

		bench_sleep(b, ramp_poll_ns(b, look_n, rate));
		if (external(b)) /* our own serve stores it itself, at once */
			atomic_store(&a->ctl.peer_accepted, ld(&a->server.opened));
		t = now_s();
		n = bench_pairs(b);
		if (t > look_t && n >= look_n)
			rate = (n - look_n) / (t - look_t);
		if (n > b->seen_pairs) {
			b->seen_pairs = n;
			b->seen_t = t;
		}
		look_t = t;
		look_n = n;
		(void)total;
		/* Unread (no file to read it with, say), MemAvailable says nothing. */
		have = !meter_avail_pinned(b->base->reclaimable, &avail);
		if (have && (!b->mem_available_min || avail < b->mem_available_min))
			b->mem_available_min = avail;
		room = cgroup_track_poll(&b->cgt);
		if (holder_signalled)
			bench_stop(b, STOP_SIGNAL);
		else if (have && avail < b->ccfg[0].reserve)
			bench_stop(b, STOP_RESERVE);
		if (bench_server_gone(b) || bench_clients_gone(b)) {
			if (!external(b) || b->death.side)
				stop_on_death(b);
			else
				bench_stop(b, STOP_PEER);
			if (external(b) && !b->detail[0])
				snprintf(b->detail, sizeof(b->detail), "the server process exited");
			return;
		}
		/* The server hit a limit (EMFILE for epoll): the client would wait on its window forever. */
		if (ld32(&a->server.state) >= SIDE_HOLDING)
			bench_stop(b, atomic_load(&a->server.stop_reason));
		if (bench_client_gave_up(b))
			bench_stop(b, atomic_load(&a->client.stop_reason));
		cs = ld32(&a->client.state);
		if (cs >= SIDE_HOLDING && holder_died_meanwhile(b, atomic_load(&a->client.stop_reason))) {
			stop_on_death(b);
			return;
		}
		if (cs >= SIDE_HOLDING || b->stop)
			return;
		if (t - last_progress >= 0.2) {
			double dt = t - b->last_t;

			report_progress(b->rep, n, t - b->t0, dt > 0 ? (n - b->last_pairs) / dt : 0, avail,
					room);
			last_progress = t;
		}
		/* A server of its own that stops accepting holds the generator at its window: no connect is in flight to time out. */
		if (external(b) && n > stall_n) {
			stall_n = n;
			stall_t = t;
		} else if (external(b) && t - stall_t > SERVER_STALL_S) {
			bench_stop(b, STOP_TIMEOUT);
			return;
		}
		if (n >= b->next_report) {
			bench_take_point(b);
			if (b->slo)
				bench_slo_point(b);
			if (b->stop == STOP_SLO)
				return; /* the ramp limit stays at this point: nothing more opens */
			while (b->next_report <= n)
				b->next_report += b->o->report_every;
			atomic_store(&a->ctl.ramp_limit, b->next_report);
		}
	}
}

/* The detail line: which side stopped, on what resource, and what to change. */
void bench_explain_stop(struct bench *b)
{
	struct shared_area *a = b->area;
	/* The side that met it has its errno; the other was told to stop (errno 0). */
	bool server = atomic_load(&a->server.stop_reason) == (int32_t)b->stop &&
		      atomic_load(&a->server.stop_errno);
	bool client = !server && atomic_load(&a->client.stop_reason) == (int32_t)b->stop;
	struct side_stats *st = client ? &a->client : &a->server;
	enum mode m = client ? b->o->client_mode : b->o->mode;
	char why[sizeof(b->detail) - 16];
	struct memcg_usage u;

	if (b->stop == STOP_SESSION) {
		struct session_report r;

		session_report_fill(&r, NULL, false, &a->client);
		session_report_stop(&r, why, sizeof(why));
		snprintf(b->detail, sizeof(b->detail), "connect: %s", why);
		return;
	}
	if (b->stop == STOP_CGROUP && cgroup_track_limited(&b->cgt)) {
		cgroup_track_tightest(&b->cgt, &u);
		explain_cgroup(&b->cgt.cg, &u, why, sizeof(why));
	} else
		explain_stop(b->stop, client || server ? atomic_load(&st->stop_errno) : 0,
			     m == MODE_URING, why, sizeof(why));
	if (why[0])
		snprintf(b->detail, sizeof(b->detail), "%s%s", client ? "connect: " : server ? "serve: " : "",
			 why);
}
