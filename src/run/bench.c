/*
 * bench.c - `holdconn bench`: forks a serve and a connect process, each a
 * single-threaded holder, steers them through a shared page, and measures
 * the box from outside both: slab, sockstat and MemAvailable deltas
 * against a baseline taken before either started.
 *
 * Over 800 lines, and one cohesive thing: one run's steps (spawn, ramp to
 * each report point, quiesce, measure, hold, probe, tear down) all read and
 * write the same struct bench and the shared page; split, each part would
 * need the others' private state through a wider header.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>
#include "run/bench.h"
#include "base/units.h"
#include "hold/conn.h"
#include "hold/holder.h"
#include "measure/meter.h"
#include "measure/netns.h"
#include "run/explain.h"
#include "run/report.h"
#include "run/side.h"
#include "measure/limits.h"
#include "hold/diag.h"
#include "measure/attrib.h"
#include "measure/proc.h"
#include "run/extserver.h"
#include "measure/sysinfo.h"
#include "measure/vethnet.h"
#include "run/metrics_http.h"
#include <arpa/inet.h>

#define POLL_NS 5000000L        /* the parent's loop period */
#define QUIESCE_S 3.0           /* longest wait for the sides to settle for a measurement */
#define TEARDOWN_TIMEOUT_S 120.0
#define BENCH_WINDOW 1024       /* connects in flight or unaccepted, at most */
#define BENCH_SERVER_WINDOW 256 /* the same against a server of its own (bench --server) */
#define PROBE_SHARE 100         /* the close-detection probe closes 1 connection in this many */
#define PROBE_TIMEOUT_S 5.0
#define SETTLE_TIMEOUT_S 15.0   /* longest wait for an earlier run's sockets to be freed */
#define LAND_TIMEOUT_S 3.0      /* longest wait for messages in flight when the beats stop */
#define HOLD_ONCE_S 2.0         /* default --hold with --send-once alone */
#define WINDOW_LEAD_S 0.2       /* a schedule window is announced this far ahead of its start */
#define SCHED_TIMEOUT_S 10.0    /* longest wait for a lagging generator to hand out what fell due */
#define SERVER_LISTEN_S 10.0    /* bench --server: longest wait for it to listen */
#define SERVER_STALL_S 10.0     /* bench --server: no new accept for this long ends the ramp */
#define NOFILE_SLACK 64         /* fds this close to RLIMIT_NOFILE: the limit is what binds */

struct bench {
	const struct run_opts *o;
	struct shared_area *area;
	struct holder_config scfg, ccfg[BENCH_MAX_CLIENTS]; /* ccfg[k]: client k's */
	struct plan plan[BENCH_MAX_CLIENTS];
	pid_t spid, cpid[BENCH_MAX_CLIENTS];
	int nclients;          /* --clients: 1 writes area->client; more write clients[] */
	uint32_t naddrs;       /* --path veth: addresses in each client's namespace */
	struct metrics_server *metrics; /* --metrics */
	int metrics_fd;        /* its listening socket until the server takes it; -1 */
	bool veth;             /* --path veth: each client in a namespace of its own */
	struct reporter *rep;
	struct bench_result *res;
	struct meter_sample *base, *now;
	struct meter_delta delta;
	struct crosscheck_env env;
	struct crosscheck check;
	struct report_point last;
	uint64_t next_report, last_pairs;
	double t0, last_t, peak_rate, ramp_s, teardown_s;
	uint64_t mem_available_min;
	enum stop_reason stop;
	char detail[400];
	uint64_t closed_early; /* server-side closes before the teardown */
	uint64_t probe, detected;
	double detect_s;
	struct limits_prediction pred; /* --conns max: what `holdconn limits` expects */
	uint64_t rss_base[2];  /* RssAnon of [0] server, [1] clients once started */
	uint64_t pressures0;   /* TCPMemoryPressures before the run */
	bool v6_block;         /* --ipv6: BENCH_SOURCE6_BLOCK is routed to lo, sources from it */
	double hold_s, throughput, hold_buffer, hold_buffer_res;
	int wscale[2];         /* offered by [0] server, [1] client; -1 unknown */
	struct traffic_report tr[2]; /* [0] server, [1] client, when the hold ended */
	const struct bench_slo *slo; /* NULL: no --slo */
	uint32_t window;       /* schedule windows opened so far */
	uint64_t unseen_due;   /* beats due the generator never reached: it was still behind */
	struct cpu_report hold_cpu;
	bool has_hold_cpu;
	struct slo_report slor;
	struct lat_hist connect_lat_prev; /* the client's connect latencies at the last point */
	/* bench --server: a server holdconn did not write holds the connections */
	const char *server_cmd;      /* the command as given; NULL: holdconn serve */
	struct extserver ext;
	struct proc_usage srv_base;  /* its processes once it listens */
	uint64_t inuse0;             /* TCP sockets in the namespace once it listens */
	struct attrib_generator gen; /* the generator's own objects per socket */
};

/* CPU counters at one moment: both processes' rusage, the box's /proc/stat. */
struct cpu_mark {
	double t;
	uint64_t user[2], sys[2]; /* [0] server, [1] client, µs */
	uint64_t msgs;            /* messages the holder has read */
	struct cpu_times box;
	bool have_box;
};

/* One stretch of the heartbeat schedule, opened and closed by the parent. */
struct window {
	uint64_t from_us, until_us;
	struct cpu_mark c0;
	struct traffic_counts sv, cl; /* at the opening; at the close, what the window added */
	struct cpu_report cpu;
};

static bool external(const struct bench *b)
{
	return b->server_cmd != NULL;
}

/* Listening ports: --ports for holdconn serve; one for a server unless its command takes {ports}. */
static uint32_t bench_ports(const struct bench *b)
{
	return !external(b) || strstr(b->server_cmd, "{ports}") ? b->o->ports : 1;
}

static void sleep_ns(long ns)
{
	struct timespec ts = { 0, ns };

	nanosleep(&ts, NULL);
}

static uint64_t ld(_Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

static uint32_t ld32(_Atomic uint32_t *v)
{
	return atomic_load_explicit(v, memory_order_acquire);
}

static void st_add(_Atomic uint64_t *to, _Atomic uint64_t *from)
{
	atomic_store_explicit(to, ld(to) + ld(from), memory_order_relaxed);
}

static void hist_add(struct lat_hist *to, struct lat_hist *from)
{
	for (int i = 0; i < LAT_BUCKETS; i++)
		st_add(&to->n[i], &from->n[i]);
}

/* The clients' counters summed, states and stop reasons combined, into one side_stats. */
static void gather_traffic(struct traffic_stats *t, struct traffic_stats *c, bool first)
{
	st_add(&t->msgs_started, &c->msgs_started);
	st_add(&t->msgs_sent, &c->msgs_sent);
	st_add(&t->msgs_recv, &c->msgs_recv);
	st_add(&t->beats_blocked, &c->beats_blocked);
	st_add(&t->stalled_conns, &c->stalled_conns);
	st_add(&t->send_errors, &c->send_errors);
	st_add(&t->lat_sum_ns, &c->lat_sum_ns);
	if (ld(&c->lat_max_ns) > ld(&t->lat_max_ns))
		atomic_store(&t->lat_max_ns, ld(&c->lat_max_ns));
	hist_add(&t->lat, &c->lat);
	st_add(&t->beats_due, &c->beats_due);
	st_add(&t->beats_on_time, &c->beats_on_time);
	st_add(&t->beats_late, &c->beats_late);
	if (ld(&c->lag_max_ns) > ld(&t->lag_max_ns))
		atomic_store(&t->lag_max_ns, ld(&c->lag_max_ns));
	hist_add(&t->lag, &c->lag);
	/* The schedule is handed out as far as the furthest behind client. */
	if (first || ld(&c->sched_through_us) < ld(&t->sched_through_us))
		atomic_store(&t->sched_through_us, ld(&c->sched_through_us));
}

/*
 * bench --clients: area->client becomes the sum of every client, so that
 * everything reading it (quiesce, points, summary) sees the fleet as one.
 * The state is the least advanced client's; the stop reason the first that
 * is not the target, so one shard running out stops the bench.
 */
static void gather_clients(struct bench *b)
{
	static struct side_stats sum;
	struct side_stats *t = &sum;
	uint32_t state = SIDE_DONE;
	uint64_t seq = UINT64_MAX;
	int32_t reason = STOP_NONE, err = 0;

	if (b->nclients <= 1)
		return;
	memset(t, 0, sizeof(*t));
	for (int k = 0; k < b->nclients; k++) {
		struct side_stats *c = &b->area->clients[k];
		uint32_t cs = ld32(&c->state);
		int32_t r = atomic_load(&c->stop_reason);

		st_add(&t->held, &c->held);
		st_add(&t->opened, &c->opened);
		st_add(&t->closed, &c->closed);
		st_add(&t->failed, &c->failed);
		st_add(&t->in_flight, &c->in_flight);
		st_add(&t->lost, &c->lost);
		st_add(&t->bytes_in, &c->bytes_in);
		st_add(&t->bytes_out, &c->bytes_out);
		st_add(&t->arena_allocated, &c->arena_allocated);
		st_add(&t->arena_resident, &c->arena_resident);
		st_add(&t->ring_bytes, &c->ring_bytes);
		st_add(&t->cpu_user_us, &c->cpu_user_us);
		st_add(&t->cpu_sys_us, &c->cpu_sys_us);
		st_add(&t->sweeps, &c->sweeps);
		st_add(&t->sweep_us, &c->sweep_us);
		st_add(&t->peer_closed, &c->peer_closed);
		st_add(&t->peer_reset, &c->peer_reset);
		st_add(&t->first_conns, &c->first_conns);
		st_add(&t->connect_lat_sum_ns, &c->connect_lat_sum_ns);
		hist_add(&t->connect_lat, &c->connect_lat);
		if (ld(&c->connect_lat_max_ns) > ld(&t->connect_lat_max_ns))
			atomic_store(&t->connect_lat_max_ns, ld(&c->connect_lat_max_ns));
		gather_traffic(&t->traffic, &c->traffic, k == 0);
		atomic_store(&t->nrings, ld32(&t->nrings) + ld32(&c->nrings));
		if (ld(&c->seq) < seq)
			seq = ld(&c->seq);
		if (cs == SIDE_FAILED || (cs < state && state != SIDE_FAILED))
			state = cs;
		if (r && r != STOP_TARGET && (!reason || reason == STOP_TARGET)) {
			reason = r;
			err = atomic_load(&c->stop_errno);
		} else if (r && !reason) {
			reason = r;
		}
		if (k == 0) {
			atomic_store(&t->rcvbuf, atomic_load(&c->rcvbuf));
			atomic_store(&t->sndbuf, atomic_load(&c->sndbuf));
		}
		/* The first bytes a server sent: any client's that saw some. */
		if (!ld32(&t->first_len) && ld32(&c->first_len)) {
			memcpy(t->first, c->first, sizeof(t->first));
			atomic_store(&t->first_len, ld32(&c->first_len));
		}
	}
	atomic_store(&t->seq, seq);
	atomic_store(&t->stop_reason, reason);
	atomic_store(&t->stop_errno, err);
	atomic_store(&t->state, state);
	memcpy(&b->area->client, t, sizeof(*t));
}

/* A shard that ran out (EADDRNOTAVAIL) holds while the others wait at their share: stop all. */
static bool client_gave_up(struct bench *b)
{
	for (int k = 0; b->nclients > 1 && k < b->nclients; k++) {
		struct side_stats *c = &b->area->clients[k];
		int32_t r = atomic_load(&c->stop_reason);

		if (ld32(&c->state) >= SIDE_HOLDING && r != STOP_TARGET)
			return true;
	}
	return false;
}

static void external_publish(struct bench *b);

/* The parent's wait: then the clients' sum, and a server of its own's counts, are fresh. */
static void bench_sleep(struct bench *b, long ns)
{
	sleep_ns(ns);
	gather_clients(b);
	external_publish(b);
}

static uint64_t pairs(struct bench *b)
{
	uint64_t c = ld(&b->area->client.held), s = ld(&b->area->server.held);

	return c < s ? c : s;
}

static pid_t spawn(struct holder_config *cfg)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid)
		return pid;
	/* The child dies with the parent: a killed bench leaves nothing behind. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(1);
	holder_signals(true);
	{
		struct holder h;

		_exit(holder_run(&h, cfg) ? 1 : 0);
	}
}

/* Says where an IPv6 bench runs: its sockets are then TCPv6 objects, not TCP. */
static void notice_ipv6(struct bench *b)
{
	char block[INET6_ADDRSTRLEN];

	format_addr(true, BENCH_SOURCE6_BLOCK, block, sizeof(block));
	if (b->v6_block)
		report_notice(b->rep, "IPv6: [::1]:%d-%d from %s/%d, routed to lo in bench's namespace",
			      BENCH_BASE_PORT, BENCH_BASE_PORT + (int)b->o->ports - 1, block,
			      BENCH_SOURCE6_LEN);
	else
		report_notice(b->rep, "IPv6: [::1]:%d-%d from ::1 alone: at most %" PRIu64 " pairs",
			      BENCH_BASE_PORT, BENCH_BASE_PORT + (int)b->o->ports - 1,
			      b->plan[0].capacity);
}

/*
 * --path veth: how many addresses each client needs for its share of
 * --conns, at (source ports outside the ephemeral range) x (--ports)
 * tuples an address; --conns max: as many as the range gives them.
 */
static uint32_t veth_addrs_per_client(const struct run_opts *o, int k)
{
	uint32_t avail = (VETHNET_CLIENT_LAST - VETHNET_CLIENT_FIRST + 1) / (uint32_t)k;
	struct port_range sp = { 1024, 32767 };
	uint64_t per_addr, need;

	sysinfo_source_ports(&sp);
	per_addr = (uint64_t)port_range_count(&sp) * o->ports;
	if (o->conns_max)
		return avail < BENCH_MAX_ADDRS_PER_CLIENT ? avail : BENCH_MAX_ADDRS_PER_CLIENT;
	need = (o->conns / (uint64_t)k + per_addr) / per_addr;
	return need < avail ? (uint32_t)need : avail;
}

/* Client k of K: its shard of the sources, its share of --conns, its own stats. */
static int configure_client(struct bench *b, struct run_opts *co, int k, uint32_t naddrs,
			    char *err, size_t errlen)
{
	struct holder_config *cfg = &b->ccfg[k];
	int ret;

	if (b->nclients > 1) {
		co->shard = (struct plan_shard){ (uint32_t)k, (uint32_t)b->nclients };
		if (!b->o->conns_max)
			co->conns = b->o->conns * (k + 1) / b->nclients - b->o->conns * k / b->nclients;
	}
	if (b->veth) {
		co->has_source = true;
		co->source = (struct addr_range){ VETHNET_CLIENT_FIRST,
						  VETHNET_CLIENT_FIRST + naddrs * b->nclients - 1 };
	}
	ret = side_config(co, ROLE_CONNECT, cfg, &b->plan[k], err, errlen);
	if (ret)
		return ret;
	/*
	 * The window bounds connects in flight or unaccepted across all clients:
	 * past the listen backlog the holder drops the handshake's last ACK.
	 */
	cfg->window = BENCH_WINDOW / b->nclients;
	/* Under a server's own listen backlog (511 for redis and nginx): no SYN is dropped for room. */
	if (external(b))
		cfg->window = BENCH_SERVER_WINDOW;
	cfg->stats = b->nclients > 1 ? &b->area->clients[k] : &b->area->client;
	cfg->ctl = &b->area->ctl;
	cfg->share_index = (uint32_t)k;
	cfg->share_count = (uint32_t)b->nclients;
	return 0;
}

static int configure(struct bench *b, char *err, size_t errlen)
{
	struct run_opts so = *b->o, co = *b->o;
	uint32_t naddrs = 0;
	int ret;

	b->nclients = b->o->clients > 1 ? b->o->clients : 1;
	b->veth = b->o->path_veth;
	so.nlisten = 1;
	so.listen[0] = (struct endpoint_range){
		b->veth ? VETHNET_HUB_ADDR : b->o->ipv6 ? BENCH_LISTEN_ADDR6 : BENCH_LISTEN_ADDR,
		{ BENCH_BASE_PORT, BENCH_BASE_PORT + bench_ports(b) - 1 }, b->o->ipv6 && !b->veth };
	ret = side_config(&so, ROLE_SERVE, &b->scfg, NULL, err, errlen);
	if (ret)
		return ret;
	co.mode = b->o->client_mode;
	co.watch = b->o->client_watch;
	/* The generator reads what the holder echoes, to time the round trip. */
	if (b->o->traffic.on_data == ON_DATA_ECHO && co.watch == WATCH_NONE)
		co.watch = WATCH_POLL;
	/* A server of its own may close what it accepted (a client cap): the generator must see it. */
	if (external(b) && co.watch == WATCH_NONE)
		co.watch = WATCH_POLL;
	co.ntarget = 1;
	co.target[0] = so.listen[0];
	/* Without the block, side.c's default for [::1] applies: ::1 alone, explicit ports. */
	if (b->v6_block) {
		co.source = (struct addr_range){ BENCH_SOURCE6_BLOCK | 1,
						 BENCH_SOURCE6_BLOCK | UINT64_MAX, true };
		co.has_source = true;
	}
	if (b->veth)
		naddrs = veth_addrs_per_client(b->o, b->nclients);
	b->naddrs = naddrs;
	for (int k = 0; k < b->nclients; k++) {
		struct run_opts one = co;

		ret = configure_client(b, &one, k, naddrs, err, errlen);
		if (ret)
			return ret;
	}
	/* No client runs more than its window ahead of what we publish as accepted. */
	b->scfg.accept_margin = 2 * BENCH_WINDOW;
	b->scfg.stats = &b->area->server;
	b->scfg.ctl = &b->area->ctl;
	attrib_generator_init(&b->gen, co.mode == MODE_URING && co.watch != WATCH_NONE, 1);
	return 0;
}

/*
 * bench --server: the server publishes nothing, so its side of the shared
 * page is filled from the kernel's counts. Its sockets are the namespace's
 * TCP sockets less the generator's; those it has accepted are those less
 * its listener's queue. That drives the generator's window (it never runs
 * further ahead of the accepts) and the report points' wait for them.
 */
static void external_publish(struct bench *b)
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

/* Waits until a side has left SIDE_STARTING; false if it failed or died. */
static bool side_started(struct side_stats *st, pid_t pid, int *status)
{
	double deadline = now_s() + 30;

	*status = -1;
	while (now_s() < deadline) {
		uint32_t s = ld32(&st->state);

		if (s == SIDE_FAILED || waitpid(pid, status, WNOHANG) == pid)
			return false;
		if (s != SIDE_STARTING)
			return true;
		sleep_ns(POLL_NS);
	}
	return false;
}

static void wait_fresh(struct bench *b, double deadline)
{
	uint64_t s0 = ld(&b->area->server.seq), c0 = ld(&b->area->client.seq);

	while (now_s() < deadline &&
	       (ld(&b->area->server.seq) < s0 + 2 || ld(&b->area->client.seq) < c0 + 2))
		bench_sleep(b, POLL_NS / 5);
}

/*
 * Holds the ramp still so that the counts and the kernel's accounting
 * describe the same set of sockets: no connect in flight, every one
 * accepted, arena figures republished.
 */
static void quiesce(struct bench *b)
{
	struct shared_area *a = b->area;
	double deadline = now_s() + QUIESCE_S;

	atomic_store(&a->ctl.pause, 1);
	external_publish(b);
	while (now_s() < deadline &&
	       (ld(&a->client.in_flight) || ld(&a->server.held) != ld(&a->client.held))) {
		atomic_store(&a->ctl.peer_accepted, ld(&a->server.opened));
		bench_sleep(b, POLL_NS / 5);
	}
	/* A server of its own: everything it will accept is accepted (its listener's queue is empty). */
	while (external(b) && now_s() < deadline && extserver_unaccepted(&b->ext) > 0)
		bench_sleep(b, POLL_NS / 5);
	external_publish(b);
	wait_fresh(b, deadline);
}

/* Anonymous memory both sides gained since they started: arenas, heaps, thread stacks. */
static int64_t rss_growth(struct bench *b)
{
	uint64_t s, c = 0;

	for (int k = 0; k < b->nclients; k++) {
		uint64_t one;

		if (meter_rss_anon(b->cpid[k], &one))
			return 0;
		c += one;
	}
	/* A server of its own may be several processes (nginx's workers): their PSS, anonymous. */
	if (external(b)) {
		struct proc_usage u;

		if (proc_set_read(&b->ext.procs, &u))
			return 0;
		return (int64_t)(u.pss_anon + c) - (int64_t)(b->srv_base.pss_anon + b->rss_base[1]);
	}
	if (meter_rss_anon(b->spid, &s))
		return 0;
	return (int64_t)(s + c) - (int64_t)(b->rss_base[0] + b->rss_base[1]);
}

/*
 * bench --server: what the server's processes gained since they listened,
 * and its part of the kernel's growth: the generator's own objects out.
 */
static void server_point(struct bench *b, uint64_t n)
{
	struct server_cost *c = &b->res->server;
	uint64_t mine = ld(&b->area->client.held), theirs = n;
	struct attribution at;
	struct proc_usage u;

	if (proc_set_read(&b->ext.procs, &u))
		return;
	/* Its sockets are those the kernel counted beyond the generator's, when it could count. */
	if (isfinite(b->check.divisor) && b->check.divisor > mine)
		theirs = (uint64_t)b->check.divisor - mine;
	attrib_split(b->base, b->now, &b->env, &b->gen, mine, theirs, &at);
	snprintf(b->res->server_cmd, sizeof(b->res->server_cmd), "%s", b->ext.cmd);
	c->command = b->res->server_cmd; /* b is freed before the summary is printed */
	server_cost_set(c, n, &u, &b->srv_base, &at);
}

static void take_point(struct bench *b)
{
	struct shared_area *a = b->area;
	struct report_point p = { 0 };
	uint64_t sockets, n;
	double t;

	quiesce(b);
	meter_sample(b->now);
	t = now_s();
	atomic_store(&a->ctl.pause, 0);
	meter_diff(b->base, b->now, &b->delta);
	n = pairs(b);
	sockets = ld(&a->client.held) + ld(&a->server.held);
	p.conns = n;
	p.sockets = sockets;
	p.elapsed_s = t - b->t0;
	p.rate = t > b->last_t && n >= b->last_pairs ? (n - b->last_pairs) / (t - b->last_t) : 0;
	p.user_bytes_per_conn = per_unit((int64_t)(ld(&a->client.arena_allocated) +
						  ld(&a->server.arena_allocated)), sockets);
	/* Our TCP sockets on the box: the pairs' and the listeners'. */
	crosscheck_point(b->base, b->now, &b->delta, &b->env, sockets, sockets + bench_ports(b),
			 &b->check);
	p.kernel_bytes_per_socket = b->check.kernel;
	p.buffer_bytes_per_conn = b->check.buffer;
	p.rss_bytes_per_socket = per_unit(rss_growth(b), sockets);
	p.rss_res = per_unit((int64_t)crosscheck_rss_res(&b->env, 1 + b->nclients), sockets);
	p.mem_available = b->now->mem_available;
	p.delta = &b->delta;
	lat_report_since(&a->client.connect_lat, &b->connect_lat_prev, &p.connect_lat);
	p.check = &b->check;
	if (external(b))
		server_point(b, n);
	if (p.rate > b->peak_rate)
		b->peak_rate = p.rate;
	b->last_t = t;
	b->last_pairs = n;
	b->last = p;
	if (b->res->npoints < BENCH_MAX_POINTS)
		b->res->points[b->res->npoints++] = (struct bench_point){
			p.conns, p.sockets, p.elapsed_s, p.rate, p.user_bytes_per_conn,
			p.kernel_bytes_per_socket, p.buffer_bytes_per_conn, p.rss_bytes_per_socket,
			b->check.kernel_res, b->check.buffer_res, b->check.sockets.disturbed };
	b->res->cpu_user_s[0] = ld(&a->server.cpu_user_us) / 1e6;
	b->res->cpu_sys_s[0] = ld(&a->server.cpu_sys_us) / 1e6;
	b->res->cpu_user_s[1] = ld(&a->client.cpu_user_us) / 1e6;
	b->res->cpu_sys_s[1] = ld(&a->client.cpu_sys_us) / 1e6;
	report_point(b->rep, &p);
}

static void bench_stop(struct bench *b, enum stop_reason r)
{
	if (!b->stop)
		b->stop = r;
	atomic_store(&b->area->ctl.stop, r);
}

static bool child_gone(pid_t pid)
{
	return waitpid(pid, NULL, WNOHANG) == pid;
}

/* Any client exited (its pid is then reaped, and forgotten). */
static bool clients_gone(struct bench *b)
{
	bool gone = false;

	for (int k = 0; k < b->nclients; k++) {
		if (b->cpid[k] > 0 && child_gone(b->cpid[k])) {
			b->cpid[k] = 0;
			gone = true;
		}
	}
	return gone;
}

/* The holder exited: serve, or the server of bench --server. */
static bool holder_gone(struct bench *b)
{
	return external(b) ? !extserver_alive(&b->ext) : child_gone(b->spid);
}

/* Every message the generator sent has been read (and echoed back, if asked). */
static bool landed(struct bench *b)
{
	struct traffic_stats *s = &b->area->server.traffic, *c = &b->area->client.traffic;

	if (b->o->traffic.on_data == ON_DATA_KEEP)
		return true;
	if (ld(&s->msgs_recv) < ld(&c->msgs_sent))
		return false;
	return b->o->traffic.on_data != ON_DATA_ECHO || ld(&c->msgs_recv) >= ld(&s->msgs_sent);
}

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
	c->holder_user_s = (z->user[0] - a->user[0]) / 1e6;
	c->holder_sys_s = (z->sys[0] - a->sys[0]) / 1e6;
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
static void window_open(struct bench *b, struct window *w)
{
	struct shared_area *a = b->area;

	/* Taken before the window opens: no beat can fall between them and its start. */
	wait_fresh(b, now_s() + 1);
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
static void window_close(struct bench *b, struct window *w)
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
	     !holder_signalled && !clients_gone(b);)
		bench_sleep(b, POLL_NS);
	atomic_store(&a->ctl.beats, 0);
	reached = ld(through) > w->from_us ? ld(through) : w->from_us;
	if (b->ccfg[0].backend->beat && reached < w->until_us && b->o->traffic.every_us)
		unseen = (uint64_t)((double)pairs(b) * (w->until_us - reached) / b->o->traffic.every_us);
	for (double deadline = now_s() + LAND_TIMEOUT_S; now_s() < deadline && !landed(b);)
		bench_sleep(b, POLL_NS);
	/* Both loops turned since: the beats the generator was handing out are in its counts. */
	wait_fresh(b, now_s() + SCHED_TIMEOUT_S);
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

static void hold_progress(struct bench *b, double end)
{
	double last_progress = 0;

	while (now_s() < end && !holder_signalled && !holder_gone(b)) {
		double t = now_s();

		if (t - last_progress >= 0.2) {
			report_progress(b->rep, pairs(b), t - b->t0, 0, 0);
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
 * window, then judges it: the holder's one-way p99 and the share of
 * heartbeats not sent on time. The first count that misses either stops
 * the ramp with reason slo.
 */
static void slo_point(struct bench *b)
{
	struct slo_report *r = &b->slor;
	struct schedule_report sr;
	struct slo_point pt = { .conns = b->last.conns };
	struct window w;
	char why[160];

	if (!b->spid || !b->last.conns || b->stop == STOP_SIGNAL || b->stop == STOP_SLO)
		return;
	atomic_store(&b->area->ctl.pause, 1);
	window_open(b, &w);
	hold_progress(b, now_s() + b->slo->window_s);
	window_close(b, &w);
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

/* The ramp: until the client stops by itself, or we stop it. */
static void ramp(struct bench *b)
{
	struct shared_area *a = b->area;
	double last_progress = 0, stall_t = now_s();
	uint64_t stall_n = 0;

	for (;;) {
		uint64_t total, avail = 0, n;
		bool have;
		uint32_t cs;
		double t;

		bench_sleep(b, POLL_NS);
		atomic_store(&a->ctl.peer_accepted, ld(&a->server.opened));
		t = now_s();
		n = pairs(b);
		(void)total;
		/* Unread (no file to read it with, say), MemAvailable says nothing. */
		have = !meter_avail_pinned(b->base->reclaimable, &avail);
		if (have && (!b->mem_available_min || avail < b->mem_available_min))
			b->mem_available_min = avail;
		if (holder_signalled)
			bench_stop(b, STOP_SIGNAL);
		else if (have && avail < b->ccfg[0].reserve)
			bench_stop(b, STOP_RESERVE);
		if (holder_gone(b)) {
			b->spid = 0;
			bench_stop(b, STOP_PEER);
			snprintf(b->detail, sizeof(b->detail), "the %s process exited",
				 external(b) ? "server" : "serve");
			return;
		}
		/* The holder hit a limit (EMFILE for epoll): the client would wait on its window forever. */
		if (ld32(&a->server.state) >= SIDE_HOLDING)
			bench_stop(b, atomic_load(&a->server.stop_reason));
		if (client_gave_up(b))
			bench_stop(b, atomic_load(&a->client.stop_reason));
		cs = ld32(&a->client.state);
		if (cs >= SIDE_HOLDING || b->stop)
			return;
		if (t - last_progress >= 0.2) {
			double dt = t - b->last_t;

			report_progress(b->rep, n, t - b->t0, dt > 0 ? (n - b->last_pairs) / dt : 0, avail);
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
			take_point(b);
			if (b->slo)
				slo_point(b);
			if (b->stop == STOP_SLO)
				return; /* the ramp limit stays at this point: nothing more opens */
			while (b->next_report <= n)
				b->next_report += b->o->report_every;
			atomic_store(&a->ctl.ramp_limit, b->next_report);
		}
	}
}

/* The detail line: which side stopped, on what resource, and what to change. */
static void explain_bench_stop(struct bench *b)
{
	struct shared_area *a = b->area;
	/* The side that met it has its errno; the other was told to stop (errno 0). */
	bool server = atomic_load(&a->server.stop_reason) == (int32_t)b->stop &&
		      atomic_load(&a->server.stop_errno);
	bool client = !server && atomic_load(&a->client.stop_reason) == (int32_t)b->stop;
	struct side_stats *st = client ? &a->client : &a->server;
	enum mode m = client ? b->o->client_mode : b->o->mode;
	char why[sizeof(b->detail) - 16];

	explain_stop(b->stop, client || server ? atomic_load(&st->stop_errno) : 0, m == MODE_URING,
		     why, sizeof(why));
	if (why[0])
		snprintf(b->detail, sizeof(b->detail), "%s%s", client ? "connect: " : server ? "serve: " : "",
			 why);
}

/*
 * bench --server: what stopped the ramp, in the server's terms: its
 * descriptors at RLIMIT_NOFILE, a cap it announced before closing, or a
 * refusal. The client's reason stays; this is its detail, and the
 * server's stopped_by.
 */
static void explain_server_stop(struct bench *b)
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

/* After the ramp: let the client finish what is in flight, then the last point. */
static void settle(struct bench *b)
{
	struct shared_area *a = b->area;
	double deadline = now_s() + QUIESCE_S;
	int32_t cr, sr;

	while (now_s() < deadline && ld32(&a->client.state) < SIDE_HOLDING && b->spid)
		bench_sleep(b, POLL_NS);
	b->ramp_s = now_s() - b->t0;
	cr = atomic_load(&a->client.stop_reason);
	sr = atomic_load(&a->server.stop_reason);
	/* A holder that hit a limit first is the cause; the client's resets follow from it. */
	if (sr && sr != STOP_SIGNAL && b->stop != STOP_PEER)
		b->stop = sr;
	else if (cr && cr != STOP_SIGNAL && b->stop != STOP_PEER)
		b->stop = cr;
	if (!b->stop)
		b->stop = STOP_TARGET;
	if (b->stop != STOP_TARGET && b->stop != STOP_SIGNAL && !b->detail[0])
		explain_bench_stop(b);
	external_publish(b);
	if (external(b))
		explain_server_stop(b);
	/* A slower holder (threads) may still be accepting what the client holds. */
	while (!external(b) && now_s() < deadline + QUIESCE_S && b->spid &&
	       ld32(&a->server.state) < SIDE_HOLDING &&
	       ld(&a->server.opened) < ld(&a->client.opened)) {
		atomic_store(&a->ctl.peer_accepted, ld(&a->server.opened));
		bench_sleep(b, POLL_NS);
	}
	/* Tell the server too: it stops accepting, and holds. */
	atomic_store(&a->ctl.stop, b->stop);
	if (b->spid && pairs(b) && pairs(b) != b->last.conns)
		take_point(b);
	/* The count the ramp ended at is judged too, unless it already was. */
	if (b->slo && b->last.conns != b->slor.met_conns)
		slo_point(b);
	b->closed_early = ld(&a->server.closed);
}

/*
 * Close-detection latency: the client closes a share of its connections
 * (RST) and we time how long the holder takes to notice them all.
 */
static void probe_close(struct bench *b)
{
	struct shared_area *a = b->area;
	uint64_t c0 = ld(&a->server.closed), n = b->last.conns / PROBE_SHARE;
	double t0 = now_s();

	b->detect_s = -1;
	/* Only a client that can close on request (uring) can run the probe; a server of its own cannot tell. */
	if (!b->spid || external(b) || b->stop == STOP_SIGNAL || !n || !b->ccfg[0].backend->drop)
		return;
	b->probe = n;
	atomic_store(&a->ctl.drop, n);
	/* diag notices at its next sweep: allow a few intervals. */
	double timeout = PROBE_TIMEOUT_S + 3 * b->o->sweep_interval_us / 1e6;

	while (now_s() < t0 + timeout && ld(&a->server.closed) < c0 + n && !holder_signalled)
		bench_sleep(b, POLL_NS / 5);
	b->detected = ld(&a->server.closed) - c0;
	if (b->detected >= n)
		b->detect_s = now_s() - t0;
}

static double hold_seconds(const struct run_opts *o)
{
	if (o->has_hold)
		return o->hold_us / 1e6;
	if (o->traffic.send)
		return 2 * o->traffic.every_us / 1e6;
	return o->traffic.once ? HOLD_ONCE_S : 0;
}

/*
 * Holds every pair with the traffic running for --hold: heartbeats start
 * only now, so their figures describe a steady box, not the ramp. The
 * buffer memory is taken while they still run; then they stop and the
 * messages in flight are given time to land.
 */
static void hold(struct bench *b)
{
	struct shared_area *a = b->area;
	uint64_t in0 = ld(&a->server.bytes_in);
	uint64_t sockets = ld(&a->client.held) + ld(&a->server.held);
	struct window w;
	bool traffic = traffic_on(&b->o->traffic);

	/* Idle connections are held for --hold too, when it is given. */
	if (!b->spid || b->stop == STOP_SIGNAL || !b->last.conns || (!traffic && !b->o->has_hold))
		return;
	if (!traffic) {
		double t0 = now_s();

		hold_progress(b, t0 + hold_seconds(b->o));
		b->hold_s = now_s() - t0;
		return;
	}
	window_open(b, &w);
	hold_progress(b, now_s() + hold_seconds(b->o));
	if (!meter_sample(b->now)) {
		struct meter_delta d;
		struct crosscheck c;

		meter_diff(b->base, b->now, &d);
		crosscheck_point(b->base, b->now, &d, &b->env, sockets, sockets + bench_ports(b), &c);
		b->hold_buffer = c.buffer;
		b->hold_buffer_res = c.buffer_res;
	}
	diag_wscale(BENCH_BASE_PORT, BENCH_BASE_PORT + b->o->ports - 1, &b->wscale[1], &b->wscale[0]);
	window_close(b, &w);
	b->hold_s = (w.until_us - w.from_us) / 1e6;
	b->throughput = b->hold_s > 0 ? (ld(&a->server.bytes_in) - in0) / b->hold_s : 0;
	b->hold_cpu = w.cpu;
	b->has_hold_cpu = true;
	/* Taken now: the close probe and the teardown would add their own errors. */
	traffic_report_fill(&b->tr[0], &a->server.traffic, ld(&a->server.bytes_in),
			    ld(&a->server.bytes_out));
	traffic_report_fill(&b->tr[1], &a->client.traffic, ld(&a->client.bytes_in),
			    ld(&a->client.bytes_out));
}

static void teardown(struct bench *b)
{
	double t0 = now_s(), deadline = t0 + TEARDOWN_TIMEOUT_S;
	struct meter_sample *s = b->now;

	netns_rps(false);
	atomic_store(&b->area->ctl.release, RELEASE_CLIENT);
	for (int k = 0; k < b->nclients; k++)
		if (b->cpid[k] > 0)
			waitpid(b->cpid[k], NULL, 0);
	/* Let the server see the RSTs as peer closes while it keeps up, then release the rest. */
	external_publish(b);
	for (uint64_t held = UINT64_MAX, last = 0; !external(b) && b->spid && ld(&b->area->server.held);) {
		double t = now_s();

		if (ld(&b->area->server.held) < held) {
			held = ld(&b->area->server.held);
			last = t * 1000;
		} else if (t * 1000 - last > 250 || t > t0 + TEARDOWN_TIMEOUT_S / 2) {
			break; /* --watch none: it will not notice */
		}
		bench_sleep(b, POLL_NS);
	}
	atomic_store(&b->area->ctl.release, RELEASE_ALL);
	if (external(b))
		extserver_stop(&b->ext);
	else if (b->spid)
		waitpid(b->spid, NULL, 0);
	/* Done when the kernel has let go of the sockets, not when the processes exit. */
	while (now_s() < deadline) {
		if (!meter_sample(s) &&
		    s->tcp_inuse + s->tcp6_inuse <= b->base->tcp_inuse + b->base->tcp6_inuse + 16)
			break;
		bench_sleep(b, POLL_NS * 4);
	}
	b->teardown_s = now_s() - t0;
}

/* bench --server: the server's name, its cost, and what the generator saw of it. */
static void summary_external(struct bench *b, struct report_summary *s)
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

static void summary(struct bench *b)
{
	struct shared_area *a = b->area;
	struct report_summary s = { 0 };
	struct bench_result *res = b->res;

	s.command = "bench";
	s.mode = mode_name(b->o->mode);
	s.client_mode = mode_name(b->o->client_mode);
	s.target = b->o->conns_max ? 0 : b->o->conns;
	s.held = b->last.conns;
	s.stop_reason = stop_reason_name(b->stop);
	memcpy(res->detail, b->detail, sizeof(res->detail));
	s.stop_detail = res->detail[0] ? res->detail : NULL;
	s.ramp_s = b->ramp_s;
	s.teardown_s = b->teardown_s;
	s.avg_rate = b->ramp_s > 0 ? b->last.conns / b->ramp_s : 0;
	s.peak_rate = b->peak_rate;
	s.user_bytes_per_conn = b->last.user_bytes_per_conn;
	s.kernel_bytes_per_socket = b->last.kernel_bytes_per_socket;
	s.buffer_bytes_per_conn = b->last.buffer_bytes_per_conn;
	s.rcvbuf_server = atomic_load(&a->server.rcvbuf);
	s.sndbuf_server = atomic_load(&a->server.sndbuf);
	s.rcvbuf_client = atomic_load(&a->client.rcvbuf);
	s.sndbuf_client = atomic_load(&a->client.sndbuf);
	s.failed = ld(&a->client.failed);
	s.lost = ld(&a->server.lost);
	s.closed_early = b->closed_early;
	s.watch = b->o->mode == MODE_URING ? watch_name(b->o->watch) : NULL;
	s.client_watch = b->o->client_mode == MODE_URING ? watch_name(b->o->client_watch) : NULL;
	s.close_probe = b->probe;
	s.bytes_in = ld(&a->server.bytes_in);
	s.sweeps = ld(&a->server.sweeps);
	s.sweep_ms = s.sweeps ? ld(&a->server.sweep_us) / 1e3 / s.sweeps : 0;
	s.rx_buf_bytes = ld(&a->server.rx_buf_bytes);
	s.rx_empty = ld(&a->server.rx_empty);
	s.rx_inc = atomic_load(&a->server.rx_inc);
	s.bytes_out = ld(&a->server.bytes_out);
	s.close_detected = b->detected;
	s.close_detect_s = b->detect_s;
	s.rings_server = atomic_load(&a->server.nrings);
	s.rings_client = atomic_load(&a->client.nrings);
	s.ring_bytes = ld(&a->server.ring_bytes) + ld(&a->client.ring_bytes);
	s.reserve = b->ccfg[0].reserve;
	s.clients = b->nclients;
	s.path = b->veth ? "veth" : "loopback";
	s.mem_available_min = b->mem_available_min;
	s.predicted = b->pred.max;
	s.predicted_binding = b->pred.binding;
	s.predicted_stop = b->pred.stop;
	if (traffic_on(&b->o->traffic)) {
		uint64_t pressures = 0;

		s.traffic = &b->o->traffic;
		s.tr_server = b->tr[0];
		s.tr_client = b->tr[1];
		s.hold_s = b->hold_s;
		s.throughput_Bps = b->throughput;
		s.hold_buffer_bytes_per_conn = b->hold_buffer;
		s.hold_buffer_res = b->hold_buffer_res;
		if (!meter_tcp_pressures(&pressures))
			s.tcp_mem_pressures = pressures - b->pressures0;
	}
	if (b->o->traffic.send) {
		struct traffic_stats *ct = &a->client.traffic;

		s.has_schedule = true;
		schedule_report_fill(&s.schedule, ct);
		/* What the generator never reached is due too: the account is redone with it. */
		schedule_account(&s.schedule, s.schedule.due + b->unseen_due, s.schedule.on_time,
				 s.schedule.late);
	}
	s.has_cpu = b->has_hold_cpu;
	s.cpu = b->hold_cpu;
	if (b->slo) {
		res->slo = b->slor;
		s.slo = &res->slo;
	}
	s.hold_s = b->hold_s;
	lat_report_fill(&s.connect_lat, &a->client.connect_lat, ld(&a->client.connect_lat_max_ns));
	s.wscale_server = b->wscale[0];
	s.wscale_client = b->wscale[1];
	if (external(b))
		summary_external(b, &s);
	res->delta = b->delta;
	s.delta = &res->delta;
	res->check = b->check;
	s.check = &res->check;
	s.sockets = b->last.sockets;
	res->summary = s;
}

/* --metrics: the holder and every client, each with its own labels, from the shared page. */
static int start_metrics(struct bench *b)
{
	struct metrics_side sides[1 + BENCH_MAX_CLIENTS] = { { "serve", "", &b->area->server } };
	int ret;

	for (int k = 0; k < b->nclients; k++) {
		sides[1 + k] = (struct metrics_side){ "connect", "", b->ccfg[k].stats };
		if (b->nclients > 1)
			snprintf(sides[1 + k].client, sizeof(sides[1 + k].client), "%d", k);
	}
	ret = metrics_start(&b->metrics, b->metrics_fd, sides, 1 + b->nclients);
	b->metrics_fd = -1;
	if (ret)
		fprintf(stderr, "holdconn bench: --metrics: %s\n", strerror(-ret));
	return ret;
}

/* Bound in the host's namespace, before bench enters its own: scrapers reach it there. */
static int listen_metrics(struct bench *b)
{
	char ep[64];

	b->metrics_fd = metrics_listen(&b->o->metrics);
	if (b->metrics_fd >= 0)
		return 0;
	format_sockaddr(&b->o->metrics, ep, sizeof(ep));
	fprintf(stderr, "holdconn bench: --metrics %s: %s\n", ep,
		b->metrics_fd == -EADDRINUSE ? "already in use: pick another port" : strerror(-b->metrics_fd));
	return -1;
}

/* A side that died instead of failing cleanly: say so rather than "Success". */
static void explain_death(int status, char *msg, size_t len)
{
	if (status == -1 || (WIFEXITED(status) && WEXITSTATUS(status) == 1))
		return;
	if (WIFSIGNALED(status))
		snprintf(msg, len, "the process died while starting (signal %d): a bug, please report it",
			 WTERMSIG(status));
	else
		snprintf(msg, len, "the process exited while starting (status %d)", WEXITSTATUS(status));
}

/*
 * Client k in a closed namespace of its own: the child unshares its
 * network, we join it to the bridge and give it its addresses, then it
 * runs. Returns its pid, or -1 with the reason in msg.
 */
static pid_t spawn_in_netns(struct bench *b, int k, char *msg, size_t len)
{
	int up[2], go[2];
	char c = 0;
	pid_t pid;

	if (pipe2(up, O_CLOEXEC) || pipe2(go, O_CLOEXEC)) {
		snprintf(msg, len, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(1);
		holder_signals(true);
		c = unshare(CLONE_NEWNET) ? 1 : 0;
		if (write(up[1], &c, 1) != 1 || c || read(go[0], &c, 1) != 1 || c)
			_exit(1);
		struct holder h;

		_exit(holder_run(&h, &b->ccfg[k]) ? 1 : 0);
	}
	close(up[1]);
	close(go[0]);
	if (pid < 0 || read(up[0], &c, 1) != 1 || c) {
		snprintf(msg, len, "no network namespace of its own (needs root)");
		c = 1;
	} else if (vethnet_join(pid, k, VETHNET_CLIENT_FIRST + (uint32_t)k * b->naddrs, b->naddrs, msg,
				len)) {
		c = 1;
	}
	if (write(go[1], &c, 1) != 1)
		c = 1;
	close(up[0]);
	close(go[1]);
	if (c && pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	return c ? -1 : pid;
}

/* The generators, once the holder listens; --path veth: each in a namespace of its own. */
static int start_clients(struct bench *b)
{
	char msg[256];
	int status = -1;

	for (int k = 0; k < b->nclients; k++) {
		struct side_stats *st = b->ccfg[k].stats;
		uint64_t rss = 0;

		b->cpid[k] = b->veth ? spawn_in_netns(b, k, msg, sizeof(msg)) : spawn(&b->ccfg[k]);
		if (b->cpid[k] < 0) {
			fprintf(stderr, "holdconn bench: client %d: %s\n", k, msg);
			return -1;
		}
		if (!side_started(st, b->cpid[k], &status)) {
			side_explain_failure(b->o, b->o->client_mode, atomic_load(&st->stop_errno), msg,
					     sizeof(msg));
			explain_death(status, msg, sizeof(msg));
			fprintf(stderr, "holdconn bench: connect: %s\n", msg);
			atomic_store(&b->area->client.stop_errno, atomic_load(&st->stop_errno));
			return -1;
		}
		meter_rss_anon(b->cpid[k], &rss);
		b->rss_base[1] += rss;
	}
	gather_clients(b);
	return 0;
}

/* bench --server: the command, in this namespace, listening before the generator starts. */
static int start_external(struct bench *b)
{
	char cmd[EXTSERVER_CMD_MAX], err[EXTSERVER_CMD_MAX + 128];
	uint16_t first = BENCH_BASE_PORT, last = (uint16_t)(BENCH_BASE_PORT + bench_ports(b) - 1);

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
	b->inuse0 = extserver_tcp_inuse();
	proc_set_read(&b->ext.procs, &b->srv_base);
	meter_rss_anon(b->spid, &b->rss_base[0]);
	atomic_store(&b->area->server.state, SIDE_RAMPING);
	b->t0 = b->last_t = now_s();
	return start_clients(b);
}

static int start_sides(struct bench *b)
{
	char msg[256];
	int status = -1;

	if (external(b))
		return start_external(b);
	b->spid = spawn(&b->scfg);
	if (b->spid < 0 || !side_started(&b->area->server, b->spid, &status)) {
		side_explain_failure(b->o, b->o->mode, atomic_load(&b->area->server.stop_errno), msg,
				     sizeof(msg));
		explain_death(status, msg, sizeof(msg));
		fprintf(stderr, "holdconn bench: serve: %s\n", msg);
		return -1;
	}
	meter_rss_anon(b->spid, &b->rss_base[0]);
	b->t0 = b->last_t = now_s();
	return start_clients(b);
}

int bench_parse_slo(const char *s, struct bench_slo *out)
{
	uint64_t us;

	if (!s || strncmp(s, "p99=", 4) || parse_duration_us(s + 4, &us) || !us)
		return -EINVAL;
	out->p99_us = us;
	return 0;
}

/* The limits model's prediction for a bench of o: pairs on loopback, as many as fit. */
static int predict(const struct run_opts *o, uint64_t mem_available, uint64_t reserve,
		   struct limits_prediction *p)
{
	static struct limits_query q;

	run_opts_limits_query(o, &q);
	return limits_predict_bench(&q, mem_available, reserve, p);
}

int bench_run(const struct run_opts *o, struct reporter *rep, struct bench_result *res)
{
	struct bench_slo slo = { o->slo_p99_us, o->has_hold ? o->hold_us / 1e6 : BENCH_SLO_WINDOW_S };

	return bench_run_slo(o, &slo, rep, res);
}

int bench_run_slo(const struct run_opts *o, const struct bench_slo *slo, struct reporter *rep,
		  struct bench_result *res)
{
	struct bench *b = calloc(1, sizeof(*b));
	char err[256];
	int ret, code = 0;

	memset(res, 0, sizeof(*res));
	if (!b)
		return 1;
	b->o = o;
	if (slo && slo->p99_us && o->traffic.send) {
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
	if (o->has_metrics && listen_metrics(b)) {
		code = 1;
		goto out;
	}
	if (o->path_veth && o->no_netns) {
		fprintf(stderr, "holdconn bench: --path veth needs bench's own network namespace: "
				 "drop --no-netns\n");
		code = 2;
		goto out;
	}
	if (!o->no_netns) {
		int rps;

		/* Sized for the run; --conns max: as many as memory could hold. */
		uint64_t sockets = 2 * o->conns, total = 0, avail = 0;

		/* --conns max: as many sockets as memory could hold at ~3.6 KB each. */
		if (o->conns_max && !meter_meminfo(&total, &avail))
			sockets = avail / 3600;
		ret = netns_enter(sockets, err, sizeof(err), &rps);
		if (ret && o->path_veth) {
			fprintf(stderr, "holdconn bench: --path veth: %s\n", err);
			code = 1;
			goto out;
		}
		if (ret || !rps)
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
	ret = configure(b, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "holdconn bench: %s\n", err);
		code = ret == -EINVAL ? 2 : 1;
		goto out;
	}
	if (o->ipv6)
		notice_ipv6(b);
	/*
	 * The kernel frees sockets through RCU, seconds after a previous run let
	 * go of them: a baseline taken meanwhile would hide part of this run's
	 * cost. The floor (bench/floor) waits the same way.
	 */
	crosscheck_env(&b->env);
	meter_settle(b->base, SETTLE_TIMEOUT_S, &b->env.residue);
	b->wscale[0] = b->wscale[1] = -1;
	meter_tcp_pressures(&b->pressures0);
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
	if (start_sides(b)) {
		/* Either side without io_uring is a usage matter (exit 2), as for serve/connect. */
		int se = atomic_load(&b->area->server.stop_errno);
		int ce = atomic_load(&b->area->client.stop_errno);

		code = se == ENOSYS || se == EPERM || ce == ENOSYS || ce == EPERM ? 2 : 1;
	} else if (b->metrics_fd >= 0 && start_metrics(b)) {
		code = 1;
	} else {
		ramp(b);
		settle(b);
		/* With --slo every point held the pattern already. */
		if (!b->slo)
			hold(b);
		probe_close(b);
	}
	teardown(b);
	if (!code)
		summary(b);
out:
	metrics_stop(b->metrics);
	if (b->metrics_fd >= 0)
		close(b->metrics_fd);
	if (b->area != MAP_FAILED)
		munmap(b->area, sizeof(*b->area));
	free(b->base);
	free(b->now);
	free(b);
	return code;
}

int bench_main(const struct run_opts *o)
{
	static struct bench_result res;
	struct reporter rep;
	int code;

	reporter_init(&rep, stdout, o->json);
	holder_signals(false);
	code = bench_run(o, &rep, &res);
	if (!code)
		report_summary(&rep, &res.summary);
	return code;
}

struct point_cost bench_point_cost(const struct bench_point *p)
{
	/* A cost its source cannot tell from nothing counts as nothing, never as a negative. */
	struct point_cost c = {
		.kernel = figure_is_zero(p->kernel_bytes_per_socket, p->kernel_res) ?
				  0 : p->kernel_bytes_per_socket,
		.buffers = figure_is_zero(p->buffer_bytes_per_conn, p->buffer_res) ?
				   0 : p->buffer_bytes_per_conn,
		.user = p->user_bytes_per_conn,
	};

	if (p->rss_bytes_per_socket > c.user)
		c.user = p->rss_bytes_per_socket;
	c.total = c.kernel + c.buffers + c.user;
	return c;
}
