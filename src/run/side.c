/* side.c - `holdconn serve` and `holdconn connect`: one holder, reported live. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/exit_codes.h"
#include <unistd.h>
#include "hold/conn.h"
#include "measure/meter.h"
#include "run/explain.h"
#include "run/metrics_http.h"
#include "run/cgroup_track.h"
#include "run/configure.h"
#include "run/report.h"
#include "run/side.h"
#include "measure/sysinfo.h"
#include "measure/attrib.h"
#include "measure/proc.h"

#define SERVER_SETTLE_S 10.0 /* longest wait for a server's memory to be still */

/* What a side runs on: the parts of serve's or connect's options the run reads. */
struct side_opts {
	enum role role;
	enum mode mode;
	const struct holder_opts *holder;
	const struct session_opts *session;
	uint64_t report_every;
	bool json;
	const struct metrics_opt *metrics;
	const struct proc_set *server_pids; /* connect --server-pid; NULL: none */
	uint64_t conns;                     /* connect --conns; 0: serve */
};

void serve_opts_defaults(struct serve_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = MODE_URING;
	holder_opts_defaults(&o->holder);
	o->backlog = DEFAULT_BACKLOG;
	o->report_every = DEFAULT_REPORT_EVERY;
}

void connect_opts_defaults(struct connect_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = MODE_URING;
	target_opts_defaults(&o->targets);
	holder_opts_defaults(&o->holder);
	o->report_every = DEFAULT_REPORT_EVERY;
}

/* serve's holder: its mode, its --listen endpoints and backlog, its TLS. */
static int serve_config(const struct serve_opts *o, struct holder_config *cfg, char *err,
			size_t errlen)
{
	static struct tls_ctx *tls;
	int ret;

	configure_holder(cfg, &o->holder, ROLE_SERVE, o->mode, o->holder.watch);
	cfg->backlog = o->backlog;
	ret = configure_tls(&tls, &o->session, true, NULL, err, errlen);
	if (ret)
		return ret == -EINVAL ? ret : -EIO;
	cfg->tls = tls;
	return configure_listen(cfg, o->listen.range, o->listen.n, err, errlen);
}

/* connect's holder: its mode, targets and sources as typed, its sessions. */
static int connect_config(const struct connect_opts *o, struct holder_config *cfg,
			  struct plan *plan, char *err, size_t errlen)
{
	struct connect_spec s = {
		.target = o->targets.range, .ntarget = o->targets.n,
		.source = o->sources.has_source ? &o->sources.source : NULL,
		.sport = o->sources.has_sport ? &o->sources.sport : NULL,
		.shard = o->shard, .conns = o->conns,
	};
	static struct run_session session;
	static struct tls_ctx *tls;
	int ret;

	configure_holder(cfg, &o->holder, ROLE_CONNECT, o->mode, o->holder.watch);
	/* connect --duration: a standalone side ends itself; bench ends its own sides. */
	cfg->has_duration = o->hold.given;
	cfg->duration_us = o->hold.us;
	cfg->rate = o->rate;
	cfg->reconnect = o->reconnect;
	ret = configure_tls(&tls, &o->session, false, NULL, err, errlen);
	if (ret)
		return ret == -EINVAL ? ret : -EIO;
	cfg->tls = tls;
	configure_session(cfg, &o->session, &o->holder, &session, 0);
	return configure_connect(cfg, plan, &s, err, errlen);
}

void side_explain_failure(bool both, enum mode m, int err, char *buf, size_t len)
{
	/* bench runs two sides: both must leave io_uring, or the other fails next. */
	const char *fix = both ? "--mode epoll --client-mode epoll" : "--mode epoll";

	char memlock[32];

	if (m == MODE_URING && err == EPERM && sysinfo_io_uring_disabled() == 1)
		snprintf(buf, len,
			 "io_uring is disabled for this user (kernel.io_uring_disabled=1: only "
			 "CAP_SYS_ADMIN or members of kernel.io_uring_group may create rings): use %s, "
			 "join that group, or sysctl kernel.io_uring_disabled=0", fix);
	else if (m == MODE_URING && (err == ENOSYS || err == EPERM))
		snprintf(buf, len,
			 "io_uring is unavailable here (%s; kernel.io_uring_disabled=%d): "
			 "use %s, or allow it with sysctl kernel.io_uring_disabled=0",
			 strerror(err), sysinfo_io_uring_disabled(), fix);
	else if (m == MODE_URING && err == ENOMEM && explain_memlock(memlock, sizeof(memlock)))
		snprintf(buf, len,
			 "no room for one io_uring ring under RLIMIT_MEMLOCK (%s, charged per user "
			 "without CAP_IPC_LOCK): raise it (ulimit -l, memlock in "
			 "/etc/security/limits.conf) or use %s", memlock, fix);
	else if (err == EADDRINUSE)
		snprintf(buf, len, "a listening address is already in use: pick other ports");
	else if (err == EADDRNOTAVAIL)
		snprintf(buf, len, "a listening address is not local to this host");
	else if (err == EMFILE)
		explain_stop(STOP_EMFILE, err, m == MODE_URING, buf, len);
	else
		snprintf(buf, len, "%s mode could not start: %s", mode_name(m), strerror(err));
}

int side_start_code(enum mode m, int err)
{
	return m == MODE_URING && (err == ENOSYS || err == EPERM) ? EXIT_NO_URING : EXIT_RUNTIME;
}

/* connect with a target it no longer holds at the end (short, or lost since) exits 3. */
static int side_exit_code(const struct holder *h, const struct holder_config *cfg)
{
	if (h->stop == STOP_ERROR)
		return EXIT_RUNTIME;
	if (cfg->role == ROLE_CONNECT && cfg->target != UINT64_MAX && h->held_final < cfg->target)
		return EXIT_SHORT;
	return EXIT_HELD;
}

/* ---- live reporting ------------------------------------------------------- */

struct side_report {
	struct reporter rep;
	const struct side_opts *o;
	enum role role;
	uint64_t target, reserve;
	struct meter_sample *base, *now;
	uint64_t report_every, next_report;
	uint64_t last_conns;
	double t0, last_t, last_report_t;
	uint64_t last_report_conns;
	double peak_rate;
	struct meter_delta delta;
	struct crosscheck_env env;
	struct crosscheck check;
	int nlisten;              /* serve's listening sockets: ours too */
	struct report_point last; /* the latest point, for the summary */
	bool final_taken;
	uint64_t mem_available_min;
	struct lat_hist connect_lat_prev; /* connect: the latencies at the last point */
	/* connect --server-pid: the server's processes, listed once, read at the baseline and each point */
	const struct proc_set *server;
	struct proc_set server_set;
	struct proc_usage server_base, server_now;
	bool server_ok, server_read;
	struct server_cost cost;
	bool watched;             /* the generator arms a poll per connection */
	enum watch watch;         /* this end's watch (uring) */
	uint32_t ndst;            /* destinations sharing a source address and port */
	struct session_report sessions; /* connect --proto, --tls */
	struct tls_report tls;    /* --tls: this side's, at its most connections (the teardown frees them) */
	struct cgroup_track cgt;  /* this process's memory cgroup */
	struct cgroup_report cgroup;
};

/*
 * This run's TCP sockets on the box: what it holds and, with --server-pid,
 * the server's end of each (the server is on this box).
 */
static uint64_t side_sockets(const struct side_report *sr, uint64_t held)
{
	return sr->server ? 2 * held : held;
}

/*
 * The TCP sockets the kernel should have gained: the run's and its
 * listeners. A peer on the same box that is not named (serve and connect
 * on loopback) adds its own, which the kernel counts too: the check then
 * says disturbed and divides over what it counted.
 */
static uint64_t side_expected(const struct side_report *sr, uint64_t held)
{
	return side_sockets(sr, held) + (uint64_t)sr->nlisten;
}

/* Checks the point against the kernel's count; sr->delta must be this point's. */
static void side_check(struct side_report *sr, uint64_t held)
{
	crosscheck_point(sr->base, sr->now, &sr->delta, &sr->env, side_sockets(sr, held),
			 side_expected(sr, held), &sr->check);
}

void holder_side(struct attrib_side *s, uint64_t sockets, enum mode m, enum watch w, bool bound,
		 uint32_t ndst)
{
	attrib_generator(s, sockets, m == MODE_URING && w != WATCH_NONE, ndst);
	if (!bound)
		s->binds = 0;
	if (m == MODE_EPOLL)
		s->epoll_items = sockets;
}

void server_side(struct attrib_side *srv, uint64_t sockets, const struct proc_usage *u,
		 const struct proc_usage *base)
{
	memset(srv, 0, sizeof(*srv));
	srv->sockets = sockets;
	srv->epoll_items = u->epoll_items > base->epoll_items ? u->epoll_items - base->epoll_items : 0;
	srv->page_tables = (int64_t)u->page_tables - (int64_t)base->page_tables;
}

void server_cost_set(struct server_cost *c, uint64_t n, const struct proc_usage *u,
		     const struct proc_usage *base, const struct attribution *a)
{
	long page = sysconf(_SC_PAGESIZE);
	int nprocs = u->nprocs > base->nprocs ? u->nprocs : base->nprocs;
	/* smaps_rollup counts whole pages: each process's reading is within one, both samples. */
	double pages = 2.0 * nprocs * (double)(page > 0 ? page : 4096);

	c->conns = n;
	c->startup_bytes = (double)base->pss;
	/*
	 * What the connections cost it is its private memory's growth: its
	 * file-backed PSS is the share of libraries that every other process
	 * mapping them divides, and moves with them (shown apart, with how far
	 * it moved while the server was still).
	 */
	c->user_bytes_per_conn = per_unit((int64_t)proc_private(u) - (int64_t)proc_private(base), n);
	c->user_res = n ? (pages + (double)base->anon_spread) / (double)n : 0;
	/*
	 * File-backed PSS is a share: it falls as other processes map the same
	 * libraries (the generator, started after the baseline, maps libc too),
	 * by up to all of it. That, and how far it moved while still.
	 */
	c->pss_file_res = n ? (pages + 2.0 * (double)base->file_spread + (double)base->pss_file) /
				      (double)n
			    : 0;
	c->pss_anon_per_conn = per_unit((int64_t)u->pss_anon - (int64_t)base->pss_anon, n);
	c->pss_file_per_conn = per_unit((int64_t)u->pss_file - (int64_t)base->pss_file, n);
	c->rss_per_conn = per_unit((int64_t)u->rss - (int64_t)base->rss, n);
	c->fds_per_conn = per_unit((int64_t)u->fds - (int64_t)base->fds, n);
	c->kernel_bytes_per_socket = a->server_per_socket;
	c->generator_kernel_bytes_per_socket = a->generator_per_socket;
	c->kernel_res = a->server_res;
	c->generator_kernel_res = a->generator_res;
	c->split = a->method;
	c->other_bytes = a->other;
	c->nother = a->nother;
	memcpy(c->others, a->others, sizeof(c->others));
	c->fds = u->fds;
	c->threads = u->threads;
	c->nofile_soft = u->nofile_soft;
	c->nofile_hard = u->nofile_hard;
	c->nprocs = u->nprocs;
}

/*
 * connect --server-pid: what the server gained since the baseline, and its
 * part of the box's kernel growth (the generator's own objects taken out).
 * The server's sockets are those the kernel counted beyond ours.
 */
static void server_point(struct side_report *sr, struct holder *h)
{
	struct server_cost *c = &sr->cost;
	struct attrib_side gen, srv;
	struct proc_usage u;
	struct attribution a;
	uint64_t n = h->held;

	sr->server_read = false;
	if (!sr->server || !sr->server_ok || proc_set_read(sr->server, &u))
		return;
	sr->server_now = u;
	sr->server_read = true;
	/* The server named is on this box and holds the other end of each: n sockets, never others'. */
	attrib_generator(&gen, n, sr->watched, sr->ndst);
	server_side(&srv, n, &u, &sr->server_base);
	attrib_split(sr->base, sr->now, &sr->env, &gen, &srv, &a);
	server_cost_set(c, n, &u, &sr->server_base, &a);
}

/* Growth in any cache this run's sockets (and a named server's) do not explain: disturbed. */
static void side_unexplained(struct side_report *sr, uint64_t n)
{
	struct attrib_side mine, theirs = { 0 };

	holder_side(&mine, n, sr->o->mode, sr->watch, sr->role == ROLE_CONNECT, sr->ndst);
	if (sr->server_read)
		server_side(&theirs, n, &sr->server_now, &sr->server_base);
	attrib_unexplained(sr->base, sr->now, &sr->env, &mine, &theirs, &sr->check.unexplained);
}

static void side_point(struct side_report *sr, struct holder *h, double t)
{
	struct arena_stats as = { 0 };
	struct report_point p = { 0 };

	/* Out of descriptors (epoll at EMFILE) /proc cannot be read: keep the last delta. */
	if (!meter_sample(sr->now))
		meter_diff(sr->base, sr->now, &sr->delta);
	conn_arena_stats(&as);
	p.conns = h->held;
	p.sockets = side_sockets(sr, h->held);
	p.elapsed_s = t - sr->t0;
	p.rate = t > sr->last_report_t ? (double)(h->opened - sr->last_report_conns) / (t - sr->last_report_t) : 0;
	p.user_bytes_per_conn = per_unit((int64_t)as.allocated, h->held);
	side_check(sr, h->held);
	p.kernel_bytes_per_socket = sr->check.kernel;
	p.buffer_bytes_per_conn = sr->check.buffer;
	server_point(sr, h);
	side_unexplained(sr, h->held);
	p.mem_available = sr->now->mem_available;
	cgroup_track_point(&sr->cgt, h->held);
	p.has_cgroup = cgroup_track_limited(&sr->cgt);
	p.cgroup_headroom = sr->cgt.last.headroom;
	p.delta = &sr->delta;
	if (sr->role == ROLE_CONNECT)
		lat_report_since(&h->cfg->stats->connect_lat, &sr->connect_lat_prev, &p.connect_lat);
	p.check = &sr->check;
	if (p.rate > sr->peak_rate)
		sr->peak_rate = p.rate;
	sr->last_report_t = t;
	sr->last_report_conns = h->opened;
	sr->last = p;
	report_point(&sr->rep, &p);
}

/* The processes --server-pid names; NULL: none. */
static const struct proc_set *side_server_pids(const struct connect_opts *o)
{
	const struct proc_set *set = &o->server_pids;

	return set->npids || set->cgroup[0] ? set : NULL;
}

/*
 * connect --server-pid: the server's processes listed once and its memory
 * once still, before the kernel's baseline (listing them looks at /proc,
 * which allocates what the baseline must already hold).
 */
static void side_server_init(struct side_report *sr, const struct side_opts *o,
			     const struct holder_config *cfg)
{
	sr->watched = o->mode == MODE_URING && cfg->watch != WATCH_NONE;
	sr->watch = cfg->watch;
	sr->ndst = cfg->plan ? cfg->plan->ndst : 1;
	if (!o->server_pids)
		return;
	sr->server_set = *o->server_pids;
	sr->server = &sr->server_set;
	proc_set_resolve(&sr->server_set);
	sr->server_ok = !proc_set_settle(sr->server, SERVER_SETTLE_S, &sr->server_base) ||
			!proc_set_read(sr->server, &sr->server_base);
}

/* --server-pid names processes that must be readable now: say which is not. */
static int check_server_pids(const struct proc_set *set)
{
	struct proc_usage u;

	for (int i = 0; i < set->npids; i++)
		if (proc_read(set->pids[i], &u)) {
			fprintf(stderr, "holdconn connect: --server-pid %d: no such process (or /proc/%d "
				"is not readable): give the server's PID\n", (int)set->pids[i],
				(int)set->pids[i]);
			return -1;
		}
	if (set->cgroup[0] && proc_set_read(set, &u)) {
		fprintf(stderr, "holdconn connect: --server-pid %s: no process in this cgroup: give its "
			"directory under /sys/fs/cgroup\n", set->cgroup);
		return -1;
	}
	return 0;
}

/* --tls: this side's TLS figures, kept at the most connections seen (the teardown frees them). */
static void side_tls(struct side_report *sr, struct holder *h)
{
	struct tls_side_report *mine = sr->role == ROLE_SERVE ? &sr->tls.server : &sr->tls.client;
	struct tls_side_report now;

	if (!sr->o->session->tls)
		return;
	tls_report_side(&now, h->cfg->stats);
	if (now.conns >= mine->conns)
		*mine = now;
}

static void side_tick(void *arg, struct holder *h)
{
	struct side_report *sr = arg;
	double t = now_s(), rate = 0;
	uint64_t total, avail = 0;

	meter_meminfo(&total, &avail);
	if (!sr->mem_available_min || avail < sr->mem_available_min)
		sr->mem_available_min = avail;
	if (t > sr->last_t)
		rate = (double)(h->opened - sr->last_conns) / (t - sr->last_t);
	/* serve has no ramp to average over: its peak is the best 100 ms of accepting. */
	if (sr->role == ROLE_SERVE && rate > sr->peak_rate)
		sr->peak_rate = rate;
	sr->last_t = t;
	sr->last_conns = h->opened;
	report_progress(&sr->rep, h->held, t - sr->t0, rate, avail, cgroup_track_poll(&sr->cgt));
	side_tls(sr, h);
	if (h->held >= sr->next_report) {
		side_point(sr, h, t);
		while (sr->next_report <= h->held)
			sr->next_report += sr->report_every;
	}
	/* The ramp is over: one last point at the count actually held. */
	if (!h->ramping && !sr->final_taken && h->held) {
		sr->final_taken = true;
		if (sr->last.conns != h->held)
			side_point(sr, h, t);
	}
}

/* The start line means "up": serve prints it once it listens. */
static void side_ready(void *arg, struct holder *h)
{
	struct side_report *sr = arg;

	(void)h;
	report_start(&sr->rep, sr->role == ROLE_SERVE ? "serve" : "connect", mode_name(sr->o->mode),
		     sr->target, sr->reserve, sr->base->mem_available);
}

static void side_summary(struct side_report *sr, const struct side_opts *o, struct holder *h,
			 const struct holder_config *cfg, enum role role)
{
	struct report_summary s = { 0 };
	char detail[400] = "", first[FIRST_ESCAPED_MAX];

	/* A run that ended before its first point (a server that closed everything) still has one. */
	if (!sr->last.conns && !meter_sample(sr->now)) {
		meter_diff(sr->base, sr->now, &sr->delta);
		side_check(sr, h->held_final);
		sr->last.sockets = side_sockets(sr, h->held_final);
		sr->last.kernel_bytes_per_socket = sr->check.kernel;
		sr->last.buffer_bytes_per_conn = sr->check.buffer;
		sr->last.check = &sr->check;
	}
	s.command = role == ROLE_SERVE ? "serve" : "connect";
	s.mode = mode_name(o->mode);
	s.target = o->conns;
	s.held = h->held_final;
	s.stop_reason = stop_reason_name(h->stop);
	if (h->stop == STOP_CGROUP && cgroup_track_limited(&sr->cgt)) {
		struct memcg_usage u;

		cgroup_track_tightest(&sr->cgt, &u);
		explain_cgroup(&sr->cgt.cg, &u, detail, sizeof(detail));
	} else
		explain_stop(h->stop, h->stop_errno, o->mode == MODE_URING, detail, sizeof(detail));
	s.stop_detail = detail[0] ? detail : NULL;
	/* serve accepts until the signal: a ramp time or an average over it would mean nothing. */
	s.ramp_s = role == ROLE_SERVE ? NAN : h->ramp_s;
	s.teardown_s = h->release_s;
	s.avg_rate = role == ROLE_SERVE ? NAN : h->ramp_s > 0 ? h->opened / h->ramp_s : 0;
	s.peak_rate = sr->peak_rate;
	s.user_bytes_per_conn = sr->last.user_bytes_per_conn;
	s.kernel_bytes_per_socket = sr->last.kernel_bytes_per_socket;
	s.buffer_bytes_per_conn = sr->last.buffer_bytes_per_conn;
	s.rcvbuf_server = s.sndbuf_server = s.rcvbuf_client = s.sndbuf_client = -1;
	if (role == ROLE_SERVE) {
		s.rcvbuf_server = h->rcvbuf;
		s.sndbuf_server = h->sndbuf;
		s.rings_server = h->nrings;
	} else {
		s.rcvbuf_client = h->rcvbuf;
		s.sndbuf_client = h->sndbuf;
		s.rings_client = h->nrings;
	}
	s.failed = h->failed;
	s.lost = h->lost;
	s.closed_early = h->closed;
	s.bytes_in = h->bytes_in;
	s.scans = h->scans;
	s.scan_ms = h->scans ? h->scan_us / 1e3 / h->scans : 0;
	s.rx_buf_bytes = h->rx_buf_bytes;
	s.rx_empty = h->rx_empty;
	s.rx_inc = h->rx_inc;
	s.bytes_out = h->bytes_out;
	s.watch = o->mode == MODE_URING ? watch_name(cfg->watch) : NULL;
	s.ring_bytes = h->ring_bytes;
	s.reserve = cfg->reserve;
	s.mem_available_min = sr->mem_available_min;
	s.delta = &sr->delta;
	s.check = sr->last.check;
	s.sockets = sr->last.sockets;
	s.wscale_server = s.wscale_client = -1;
	if (role == ROLE_CONNECT)
		lat_report_fill(&s.connect_lat, &cfg->stats->connect_lat,
				atomic_load(&cfg->stats->connect_lat_max_ns));
	s.peer_closed = h->peer_closed;
	s.peer_reset = h->peer_reset;
	if (h->first_len) {
		s.first_bytes = report_escape(h->first, h->first_len, first, sizeof(first));
		s.first_conns = h->first_conns;
	}
	if (sr->server && sr->cost.conns)
		s.server = &sr->cost;
	if (role == ROLE_CONNECT && (o->session->cfg.proto != PROTO_NONE || o->session->tls)) {
		session_report_fill(&sr->sessions, o->session->cfg.proto != PROTO_NONE ?
				    proto_name(o->session->cfg.proto) : NULL, o->session->tls, cfg->stats);
		s.sessions = &sr->sessions;
		if (h->stop == STOP_SESSION)
			session_report_stop(&sr->sessions, detail, sizeof(detail));
	}
	if (o->session->tls) {
		sr->tls.keep_buffers = o->session->tls_opts.keep_buffers;
		sr->tls.records = s.user_bytes_per_conn;
		tls_report_probe(&sr->tls);
		s.tls = &sr->tls;
	}
	if (cgroup_track_limited(&sr->cgt)) {
		cgroup_track_summary(&sr->cgt, &sr->cgroup);
		s.cgroup = &sr->cgroup;
	}
	/* A server's banner is not traffic: connect speaks of traffic only when it sent some. */
	if (traffic_on(&o->holder->traffic) || (role == ROLE_SERVE && (h->bytes_in || h->bytes_out))) {
		s.traffic = &o->holder->traffic;
		traffic_report_fill(role == ROLE_SERVE ? &s.tr_server : &s.tr_client,
				    &cfg->stats->traffic, h->bytes_in, h->bytes_out);
		/* The generator kept the schedule's account: say whether it kept the schedule. */
		s.has_schedule = role == ROLE_CONNECT && o->holder->traffic.send;
		schedule_report_fill(&s.schedule, &cfg->stats->traffic);
	}
	report_summary(&sr->rep, &s);
}

/* A side whose options were taken and its holder configured: run it, report, and exit. */
static int side_main(const struct side_opts *o, struct holder_config *cfg)
{
	struct side_report sr = { 0 };
	struct stats_block { struct side_stats st; } *blk = calloc(1, sizeof(*blk));
	struct metrics_server *metrics = NULL;
	enum role role = o->role;
	struct holder h;
	char err[256];
	int ret, code = EXIT_RUNTIME;

	if (!blk)
		return EXIT_RUNTIME;
	reporter_init(&sr.rep, stdout, o->json);
	/* Zeroed: a sample /proc could not fill (EMFILE) is never read uninitialised. */
	sr.base = calloc(1, sizeof(*sr.base));
	sr.now = calloc(1, sizeof(*sr.now));
	if (!sr.base || !sr.now)
		goto out;
	side_server_init(&sr, o, cfg);
	crosscheck_env(&sr.env);
	meter_settle(sr.base, &sr.env.residue);
	attrib_env(&sr.env, sr.base);
	cgroup_track_start(&sr.cgt, cfg->cgroup_reserve);
	sr.nlisten = cfg->nlisten;
	/* A run shorter than one tick (a refused target) still has a minimum. */
	sr.mem_available_min = sr.base->mem_available;
	sr.report_every = o->report_every;
	sr.next_report = o->report_every;
	sr.t0 = sr.last_t = sr.last_report_t = now_s();
	cfg->stats = &blk->st;
	cfg->tick = side_tick;
	cfg->tick_arg = &sr;
	cfg->tick_ms = SERVE_PEAK_MS;
	cfg->ready = side_ready;
	sr.o = o;
	sr.role = role;
	sr.target = role == ROLE_CONNECT ? cfg->target : 0;
	sr.reserve = cfg->reserve;
	holder_signals(false);
	if (o->metrics->given) {
		struct metrics_side ms = { role == ROLE_SERVE ? "serve" : "connect", "", cfg->stats };
		char ep[64];

		ret = metrics_listen(&o->metrics->addr);
		if (ret >= 0)
			ret = metrics_start(&metrics, ret, &ms, 1);
		if (ret) {
			format_sockaddr(&o->metrics->addr, ep, sizeof(ep));
			fprintf(stderr, "holdconn %s: --metrics %s: %s\n", ms.side, ep,
				ret == -EADDRINUSE ? "already in use: pick another port" : strerror(-ret));
			goto out;
		}
	}
	ret = holder_run(&h, cfg);
	if (ret) {
		side_explain_failure(false, o->mode, -ret, err, sizeof(err));
		if (h.failed_listener >= 0 && (ret == -EADDRINUSE || ret == -EADDRNOTAVAIL)) {
			char ep[64];

			format_sockaddr(&cfg->listen[h.failed_listener], ep, sizeof(ep));
			snprintf(err, sizeof(err), "%s %s", ep,
				 ret == -EADDRINUSE ? "is already in use: pick another port"
						    : "is not an address of this host");
		}
		fprintf(stderr, "holdconn %s: %s\n", role == ROLE_SERVE ? "serve" : "connect", err);
		code = side_start_code(o->mode, -ret);
		goto out;
	}
	side_summary(&sr, o, &h, cfg, role);
	code = side_exit_code(&h, cfg);
out:
	metrics_stop(metrics);
	free(sr.base);
	free(sr.now);
	free(blk);
	return code;
}

/* A holder that could not be configured: a usage error (2) or a runtime one (1). */
static int config_failed(int ret, const char *err)
{
	fprintf(stderr, "holdconn: %s\n", err);
	return ret == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
}

int serve_main(const struct serve_opts *o)
{
	static struct holder_config cfg;
	const struct side_opts s = { ROLE_SERVE, o->mode, &o->holder, &o->session,
				     o->report_every, o->json, &o->metrics, NULL, 0 };
	char err[256];
	int ret = serve_config(o, &cfg, err, sizeof(err));

	return ret ? config_failed(ret, err) : side_main(&s, &cfg);
}

int connect_main(const struct connect_opts *opts)
{
	static struct connect_opts o; /* opts with its --target names resolved */
	static struct holder_config cfg;
	static struct plan plan;
	struct side_opts s = { ROLE_CONNECT, opts->mode, &o.holder, &o.session,
			       opts->report_every, opts->json, &o.metrics, NULL, opts->conns };
	char err[256];
	int ret;

	o = *opts;
	s.server_pids = side_server_pids(&o);
	if (target_opts_resolve(&o.targets, "connect", err, sizeof(err))) {
		fprintf(stderr, "holdconn connect: %s\n", err);
		return EXIT_RUNTIME;
	}
	ret = connect_config(&o, &cfg, &plan, err, sizeof(err));
	if (ret)
		return config_failed(ret, err);
	if (s.server_pids && check_server_pids(s.server_pids))
		return EXIT_RUNTIME;
	return side_main(&s, &cfg);
}
