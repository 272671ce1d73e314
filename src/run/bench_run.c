/*
 * bench_run.c - `holdconn bench`: forks a serve and a connect process, each a
 * single-threaded holder, steers them through a shared page, and measures
 * the box from outside both: slab, sockstat and MemAvailable deltas
 * against a baseline taken before either started. This file runs the
 * steps in order; each step lives in a bench_*.c of its own (bench_internal.h).
 */
#include "run/bench_internal.h"

void bench_opts_defaults(struct bench_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = MODE_URING;
	o->client_mode = MODE_URING;
	o->report_every = DEFAULT_REPORT_EVERY;
	holder_opts_defaults(&o->holder);
	o->ports = BENCH_DEFAULT_PORTS;
	o->client_watch = WATCH_NONE;
	o->clients = 1;
}

/* The limits model's prediction for a bench of o: pairs on loopback, as many as fit. */
static int predict(const struct bench_opts *o, uint64_t mem_available, uint64_t reserve,
		   struct limits_prediction *p)
{
	static struct limits_query q;

	memset(&q, 0, sizeof(q));
	q.mode = o->mode;
	q.conns = o->conns_max ? 0 : o->conns;
	q.ports = o->ports;
	q.reserve = o->holder.reserve.bytes;
	q.has_reserve = o->holder.reserve.given;
	q.backlog = DEFAULT_BACKLOG;
	return limits_predict_bench(&q, mem_available, reserve, p);
}

int bench_run(const struct bench_opts *o, struct reporter *rep, struct bench_result *res)
{
	struct bench_slo slo = { o->slo_p99_us, o->hold.given ? o->hold.us / 1e6 : BENCH_SLO_WINDOW_S };

	return bench_run_slo(o, &slo, rep, res);
}

int bench_run_slo(const struct bench_opts *o, const struct bench_slo *slo, struct reporter *rep,
		  struct bench_result *res)
{
	struct bench *b = calloc(1, sizeof(*b));
	char err[256];
	int ret, code = 0;

	memset(res, 0, sizeof(*res));
	if (!b)
		return 1;
	b->o = o;
	if (slo && slo->p99_us && o->holder.traffic.send) {
		b->slo = slo;
		b->slor.p99_us = slo->p99_us;
		b->slor.slip = BENCH_SLO_SLIP;
		b->slor.window_s = slo->window_s;
	}
	b->server_cmd = o->server_cmd;
	b->rep = rep;
	b->res = res;
	b->metrics_fd = -1;
	b->area = mmap(NULL, sizeof(*b->area), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	b->base = malloc(sizeof(*b->base));
	b->now = malloc(sizeof(*b->now));
	if (b->area == MAP_FAILED || !b->base || !b->now) {
		code = 1;
		goto out;
	}
	memset(b->area, 0, sizeof(*b->area));
	if (o->metrics.given && bench_listen_metrics(b)) {
		code = 1;
		goto out;
	}
	if (!o->no_netns) {
		int rps;

		/* Sized for the run; --conns max: as many as memory could hold. */
		uint64_t sockets = 2 * o->conns, total = 0, avail = 0;
		struct memcg cg;
		struct memcg_usage cgu;

		/* --conns max: as many sockets as memory could hold at ~3.6 KB each. */
		if (o->conns_max && !meter_meminfo(&total, &avail))
			sockets = avail / 3600;
		/* The table is charged to a memory cgroup: sized for what fits under its limit. */
		if (!memcg_open(0, &cg) && !memcg_read(&cg, &cgu) && cgu.limit &&
		    sockets > cgu.headroom / MEMCG_BYTES_PER_SOCKET)
			sockets = cgu.headroom / MEMCG_BYTES_PER_SOCKET;
		ret = netns_enter(sockets, err, sizeof(err), &rps);
		if (ret && o->path_veth) {
			fprintf(stderr, "holdconn bench: --path veth: %s\n", err);
			code = 1;
			goto out;
		}
		if (ret || (!rps && err[0]))
			report_notice(rep, "%s; running on the host's loopback%s", err, rps ? "" : " settings");
		if (!ret && o->ipv6)
			b->v6_block = !netns_ipv6_sources(BENCH_SOURCE6_BLOCK, BENCH_SOURCE6_LEN, err,
							  sizeof(err));
		if (!ret && o->ipv6 && !b->v6_block)
			report_notice(rep, "%s; sources: ::1 alone", err);
		if (o->path_veth && vethnet_hub(err, sizeof(err))) {
			fprintf(stderr, "holdconn bench: --path veth: %s\n", err);
			code = 1;
			goto out;
		}
	}
	ret = bench_configure(b, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "holdconn bench: %s\n", err);
		code = ret == -EINVAL ? 2 : 1;
		goto out;
	}
	if (o->ipv6)
		bench_notice_ipv6(b);
	if (o->pin)
		report_notice(rep, "--pin: serve on CPU %d, connect on CPU %d%s", b->cpu[0], b->cpu[1],
			      b->nclients > 1 ? " and the next clients on the rest in turn" : "");
	/*
	 * The kernel frees sockets through RCU, seconds after a previous run let
	 * go of them: a baseline taken meanwhile would hide part of this run's
	 * cost. The floor (bench/floor) waits the same way.
	 */
	crosscheck_env(&b->env);
	meter_settle(b->base, &b->env.residue);
	attrib_env(&b->env, b->base);
	b->wscale[0] = b->wscale[1] = -1;
	meter_tcp_pressures(&b->pressures0);
	cgroup_track_start(&b->cgt, b->ccfg[0].cgroup_reserve);
	b->next_report = o->report_every;
	atomic_store(&b->area->ctl.ramp_limit, b->next_report);
	if (external(b))
		extserver_name(o->server_cmd, res->server_name, sizeof(res->server_name));
	report_start(rep, "bench", external(b) ? res->server_name : mode_name(o->mode),
		     o->conns_max ? 0 : o->conns, b->ccfg[0].reserve, b->base->mem_available);
	/* Said before the ramp, from documented costs, so the summary can be checked against it. */
	if (o->conns_max && !external(b) &&
	    !predict(o, b->base->mem_available, b->ccfg[0].reserve, &b->pred))
		report_notice(rep, "predicted: %" PRIu64 " pairs, bound by %s (stop: %s)%s%s",
			      b->pred.max, b->pred.binding, b->pred.stop,
			      /* The reserve check cannot stop the OOM killer: say how to make it. */
			      strcmp(b->pred.stop, "OOM") ? "; holdconn limits explains" : "; ",
			      strcmp(b->pred.stop, "OOM") ? "" : b->pred.lift);
	if (bench_start_sides(b)) {
		/* Either side without io_uring exits 4, as serve/connect do. */
		int se = atomic_load(&b->area->server.stop_errno);
		int ce = atomic_load(&b->area->client.stop_errno);

		code = se == ENOSYS || se == EPERM || ce == ENOSYS || ce == EPERM ? EXIT_NO_URING
										 : EXIT_RUNTIME;
	} else if (b->metrics_fd >= 0 && bench_start_metrics(b)) {
		code = 1;
	} else {
		bench_ramp(b);
		bench_settle(b);
		/* With --slo every point held the pattern already. */
		if (!b->slo)
			bench_hold(b);
		bench_probe_close(b);
	}
	bench_teardown(b);
	if (!code)
		bench_summary(b);
out:
	metrics_stop(b->metrics);
	if (b->metrics_fd >= 0)
		close(b->metrics_fd);
	if (b->area != MAP_FAILED)
		munmap(b->area, sizeof(*b->area));
	free(b->base);
	free(b->now);
	tls_ctx_free(b->server_tls);
	tls_ctx_free(b->client_tls);
	free(b);
	return code;
}

int bench_exit_code(const struct bench_result *res)
{
	const struct report_summary *s = &res->summary;

	/* A side that died is a failure, whatever was held before it did. */
	if (s->killed)
		return EXIT_RUNTIME;
	if (s->stop_reason && !strcmp(s->stop_reason, "slo"))
		return EXIT_SHORT;
	/* target 0 is --conns max: whatever limit stopped it is the finding. */
	return s->target && s->held < s->target ? EXIT_SHORT : EXIT_HELD;
}

int bench_main(const struct bench_opts *o)
{
	static struct bench_result res;
	struct reporter rep;
	int code;

	reporter_init(&rep, stdout, o->json);
	holder_signals(false);
	code = bench_run(o, &rep, &res);
	if (code)
		return code;
	report_summary(&rep, &res.summary);
	return bench_exit_code(&res);
}
