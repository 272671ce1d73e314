/*
 * bench_external.c - bench --server: a server holdconn did not write holds
 * the connections; its side of the shared page, its costs and why it stopped
 * come from the kernel's counts and its processes.
 */
#include "run/bench_internal.h"

/*
 * bench --server: the server publishes nothing, so its side of the shared
 * page is filled from the kernel's counts. Its sockets are the namespace's
 * TCP sockets less the generator's; those it has accepted are those less
 * its listener's queue. That drives the generator's window (it never runs
 * further ahead of the accepts) and the report points' wait for them.
 */
void bench_external_publish(struct bench *b)
{
	struct side_stats *s = &b->area->server, *c = &b->area->client;
	uint64_t inuse, mine, theirs, queued, held;
	long q;

	if (!external(b))
		return;
	inuse = extserver_tcp_inuse();
	mine = atomic_load(&c->held) + atomic_load(&c->in_flight);
	theirs = inuse > b->inuse0 + mine ? inuse - b->inuse0 - mine : 0;
	q = extserver_unaccepted(&b->ext);
	queued = q > 0 ? (uint64_t)q : 0;
	theirs = theirs > queued ? theirs - queued : 0;
	held = atomic_load(&c->held);
	atomic_store(&s->held, theirs < held ? theirs : held);
	atomic_store(&s->opened, theirs);
	atomic_store(&s->closed, atomic_load(&c->peer_closed) + atomic_load(&c->peer_reset));
	atomic_fetch_add(&s->seq, 1);
}

/*
 * bench --server: what the server's processes gained since they were still
 * after listening, and its part of the kernel's growth since then: the
 * objects its sockets and epoll registrations own. The generator's own and
 * what neither owns (other) are not its.
 */
void bench_server_point(struct bench *b, uint64_t n)
{
	struct server_cost *c = &b->res->server;
	uint64_t mine = ld(&b->area->client.held);
	struct attrib_side gen, srv;
	struct attribution at;
	struct proc_usage u;

	if (proc_set_read(&b->ext.procs, &u))
		return;
	/*
	 * Its sockets are the n it accepted (bench's namespace counts only its
	 * own): never what the kernel counted, which holds anyone else's too.
	 */
	attrib_generator(&gen, mine, b->gen_watched, 1);
	gen.v6 = b->o->ipv6;
	server_side(&srv, n, &u, &b->srv_base);
	srv.v6 = b->o->ipv6;
	attrib_split(b->base, b->now, &b->env, &gen, &srv, &at);
	attrib_unexplained(b->base, b->now, &b->env, &gen, &srv, &b->check.unexplained);
	snprintf(b->res->server_cmd, sizeof(b->res->server_cmd), "%s", b->ext.cmd);
	c->command = b->res->server_cmd; /* b is freed before the summary is printed */
	server_cost_set(c, n, &u, &b->srv_base, &at);
}

/*
 * bench --server: what stopped the ramp, in the server's terms: its
 * descriptors at RLIMIT_NOFILE, a cap it announced before closing, or a
 * refusal. The client's reason stays; this is its detail, and the
 * server's stopped_by.
 */
void bench_explain_server_stop(struct bench *b)
{
	struct side_stats *c = &b->area->client;
	uint32_t first_len = atomic_load_explicit(&c->first_len, memory_order_acquire);
	const char **by = &b->res->server.stopped_by;
	struct proc_usage u;
	char said[FIRST_ESCAPED_MAX] = "";

	*by = b->stop == STOP_TARGET ? "target" : b->stop == STOP_SIGNAL ? "signal"
		: b->stop == STOP_RESERVE ? "memory reserve" : stop_reason_name(b->stop);
	if (b->stop == STOP_TARGET || b->stop == STOP_SIGNAL || b->stop == STOP_RESERVE)
		return;
	if (b->stop == STOP_SESSION) {
		*by = "refused the session"; /* the detail is the refusal's (bench_explain_stop) */
		return;
	}
	if (!b->ext.pid) {
		*by = "exited";
		return; /* the ramp said so */
	}
	if (first_len)
		report_escape(c->first, first_len, said, sizeof(said));
	if (!proc_set_read(&b->ext.procs, &u) && u.nofile_soft != UINT64_MAX &&
	    u.fds + NOFILE_SLACK >= u.nofile_soft) {
		*by = "RLIMIT_NOFILE";
		snprintf(b->detail, sizeof(b->detail),
			 "the server's RLIMIT_NOFILE (%" PRIu64 "): %" PRIu64 " descriptors open%s%s",
			 u.nofile_soft, u.fds, said[0] ? "; it said " : "", said);
	} else if (said[0]) {
		*by = "its own cap";
		snprintf(b->detail, sizeof(b->detail), "the server's own cap: it said \"%s\" and closed", said);
	} else if (b->stop == STOP_TIMEOUT) {
		*by = "stopped accepting";
		snprintf(b->detail, sizeof(b->detail), "the server stopped accepting (its listen queue is full)");
	} else if (b->stop == STOP_REFUSED) {
		*by = "refused";
		snprintf(b->detail, sizeof(b->detail), "the server refused connections");
	} else if (b->stop == STOP_PEER || b->stop == STOP_RESET) {
		*by = "closed connections";
		snprintf(b->detail, sizeof(b->detail),
			 "the server closed connections it had accepted, saying nothing (%" PRIu64
			 " descriptors open, RLIMIT_NOFILE %" PRIu64 ")", u.fds, u.nofile_soft);
	}
}

/* bench --server: the server's name, its cost, and what the generator saw of it. */
void bench_summary_external(struct bench *b, struct report_summary *s)
{
	struct side_stats *c = &b->area->client;
	struct bench_result *res = b->res;
	uint32_t first_len = atomic_load_explicit(&c->first_len, memory_order_acquire);

	extserver_name(b->ext.cmd, res->server_name, sizeof(res->server_name));
	s->mode = res->server_name;
	s->watch = NULL;
	s->rcvbuf_server = s->sndbuf_server = -1;
	s->peer_closed = ld(&c->peer_closed);
	s->peer_reset = ld(&c->peer_reset);
	if (first_len) {
		s->first_bytes = report_escape(c->first, first_len, res->first, sizeof(res->first));
		s->first_conns = ld(&c->first_conns);
	}
	if (res->server.conns)
		s->server = &res->server;
}

/* bench --server: the command, in this namespace, listening before the generator starts. */
int bench_start_external(struct bench *b)
{
	char cmd[EXTSERVER_CMD_MAX], err[EXTSERVER_CMD_MAX + 128];
	uint16_t first = BENCH_BASE_PORT, last = (uint16_t)(BENCH_BASE_PORT + bench_ports(b) - 1);
	struct proc_usage settled;

	if (extserver_expand(b->server_cmd, first, last, cmd, sizeof(cmd))) {
		fprintf(stderr, "holdconn bench: --server: the command is longer than %d bytes\n",
			EXTSERVER_CMD_MAX - 1);
		return -1;
	}
	if (extserver_start(&b->ext, cmd, first, SERVER_LISTEN_S, err, sizeof(err))) {
		fprintf(stderr, "holdconn bench: %s\n", err);
		return -1;
	}
	b->spid = b->ext.pid;
	/* Its start-up is not the connections' cost: wait until it is still, then list its processes once. */
	if (proc_set_settle(&b->ext.procs, SERVER_SETTLE_S, &b->srv_base) == -ETIMEDOUT)
		report_notice(b->rep, "the server's memory did not settle within %.0f s after it "
			      "listened: its per-connection figure may hold some of its start-up",
			      SERVER_SETTLE_S);
	settled = b->srv_base;
	proc_set_resolve(&b->ext.procs);
	proc_set_read(&b->ext.procs, &b->srv_base);
	b->srv_base.anon_spread = settled.anon_spread;
	b->srv_base.file_spread = settled.file_spread;
	/* The kernel's baseline again, the server's start-up in it: its growth is the connections'. */
	meter_settle(b->base, &b->env.residue);
	attrib_env(&b->env, b->base);
	b->inuse0 = extserver_tcp_inuse();
	meter_rss_anon(b->spid, &b->rss_base[0]);
	atomic_store(&b->area->server.state, SIDE_RAMPING);
	b->t0 = b->last_t = now_s();
	return bench_start_clients(b);
}
