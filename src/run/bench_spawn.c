/*
 * bench_spawn.c - bench's processes: the holder configs of serve and each
 * connect, forked (each client in a namespace of its own with --path veth),
 * and the --metrics endpoint.
 */
#include "run/bench_internal.h"
#include "base/cpus.h"

/* In a side's child: it dies with the parent (a killed bench leaves nothing behind), on its CPU. */
static void child_start(int cpu)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(1);
	holder_signals(true);
	if (cpu >= 0 && cpus_pin(cpu))
		fprintf(stderr, "holdconn bench: --pin: CPU %d: %s; the scheduler places this side\n", cpu,
			strerror(errno));
}

static pid_t spawn(struct holder_config *cfg, int cpu)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid)
		return pid;
	child_start(cpu);
	{
		struct holder h;

		_exit(holder_run(&h, cfg) ? 1 : 0);
	}
}

/* Says where an IPv6 bench runs: its sockets are then TCPv6 objects, not TCP. */
void bench_notice_ipv6(struct bench *b)
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
static uint32_t veth_addrs_per_client(const struct bench_opts *o, int k)
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

/* The generator's watch: it must read the echoes it times, and see a server of its own close. */
static enum watch client_watch(const struct bench *b)
{
	bool must_read = b->o->holder.traffic.on_data == ON_DATA_ECHO || external(b) ||
			 b->o->session.cfg.proto != PROTO_NONE || b->o->session.tls;

	return must_read && b->o->client_watch == WATCH_NONE ? WATCH_POLL : b->o->client_watch;
}

/* Client k of K: its shard of the sources, its share of --conns, its own stats. */
static int configure_client(struct bench *b, int k, const struct endpoint_range *server,
			    const struct addr_range *source, char *err, size_t errlen)
{
	const struct bench_opts *o = b->o;
	struct holder_config *cfg = &b->ccfg[k];
	struct connect_spec s = { .target = server, .ntarget = 1, .source = source,
				  .conns = o->conns_max ? 0 : o->conns };
	int ret;

	if (b->nclients > 1) {
		s.shard = (struct plan_shard){ (uint32_t)k, (uint32_t)b->nclients };
		if (!o->conns_max)
			s.conns = o->conns * (k + 1) / b->nclients - o->conns * k / b->nclients;
	}
	configure_holder(cfg, &o->holder, ROLE_CONNECT, o->client_mode, client_watch(b));
	/* --connect-rate is the run's: each client starts its share. */
	cfg->rate = o->rate * (uint64_t)(k + 1) / b->nclients - o->rate * (uint64_t)k / b->nclients;
	ret = configure_connect(cfg, &b->plan[k], &s, err, errlen);
	if (ret)
		return ret;
	/*
	 * The window bounds connects in flight or unaccepted across all clients:
	 * past the listen backlog the server drops the handshake's last ACK.
	 */
	cfg->window = BENCH_WINDOW / b->nclients;
	/* Under a server's own listen backlog (511 for redis and nginx): no SYN is dropped for room. */
	if (external(b))
		cfg->window = BENCH_SERVER_WINDOW;
	cfg->stats = b->nclients > 1 ? &b->area->clients[k] : &b->area->client;
	cfg->ctl = &b->area->ctl;
	cfg->share_index = (uint32_t)k;
	cfg->share_count = (uint32_t)b->nclients;
	cfg->tls = b->client_tls;
	configure_session(cfg, &o->session, &o->holder, &b->session[k], k);
	return 0;
}

/* Where the clients connect from: the --ipv6 block, the veth namespaces' addresses, or the default. */
static const struct addr_range *client_sources(struct bench *b, struct addr_range *buf)
{
	if (b->veth) {
		*buf = (struct addr_range){ VETHNET_CLIENT_FIRST,
					    VETHNET_CLIENT_FIRST + b->naddrs * b->nclients - 1 };
		return buf;
	}
	if (b->v6_block) {
		*buf = (struct addr_range){ BENCH_SOURCE6_BLOCK | 1, BENCH_SOURCE6_BLOCK | UINT64_MAX, true };
		return buf;
	}
	/* configure.c's default: 127.1/16 for IPv4; for [::1], ::1 alone with explicit ports. */
	return NULL;
}

/* --pin: the server's CPU and each client's; -1 for every side without it. */
static int place_sides(struct bench *b, char *err, size_t errlen)
{
	int allowed = 0;

	for (int k = 0; k <= b->nclients; k++) {
		b->cpu[k] = b->o->pin ? cpus_side(k, &allowed) : -1;
		if (b->o->pin && b->cpu[k] < 0) {
			snprintf(err, errlen, "--pin needs two CPUs and this process may run on %d: "
				 "widen its affinity (taskset, the cgroup's cpuset) or drop --pin", allowed);
			return -EINVAL;
		}
	}
	return 0;
}

int bench_configure(struct bench *b, char *err, size_t errlen)
{
	const struct bench_opts *o = b->o;
	struct endpoint_range server;
	struct addr_range buf;
	const struct addr_range *source;
	int ret;

	b->nclients = o->clients > 1 ? o->clients : 1;
	ret = place_sides(b, err, errlen);
	if (ret)
		return ret;
	/* --tls: serve's context first (its certificate), then the clients', trusting it. */
	if (!external(b) && (ret = configure_tls(&b->server_tls, &o->session, true, NULL, err, errlen)))
		return ret;
	ret = configure_tls(&b->client_tls, &o->session, false, b->server_tls, err, errlen);
	if (ret)
		return ret;
	b->veth = o->path_veth;
	server = (struct endpoint_range){
		b->veth ? VETHNET_HUB_ADDR : o->ipv6 ? BENCH_LISTEN_ADDR6 : BENCH_LISTEN_ADDR,
		{ BENCH_BASE_PORT, BENCH_BASE_PORT + bench_ports(b) - 1 }, o->ipv6 && !b->veth };
	configure_holder(&b->scfg, &o->holder, ROLE_SERVE, o->mode, o->holder.watch);
	ret = configure_listen(&b->scfg, &server, 1, err, errlen);
	if (ret)
		return ret;
	b->naddrs = b->veth ? veth_addrs_per_client(o, b->nclients) : 0;
	source = client_sources(b, &buf);
	for (int k = 0; k < b->nclients; k++) {
		ret = configure_client(b, k, &server, source, err, errlen);
		if (ret)
			return ret;
	}
	/* No client runs more than its window ahead of what we publish as accepted. */
	b->scfg.accept_margin = 2 * BENCH_WINDOW;
	b->scfg.tls = b->server_tls;
	b->scfg.stats = &b->area->server;
	b->scfg.ctl = &b->area->ctl;
	b->gen_watched = o->client_mode == MODE_URING && client_watch(b) != WATCH_NONE;
	return 0;
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

/* --metrics: the server and every client, each with its own labels, from the shared page. */
int bench_start_metrics(struct bench *b)
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
int bench_listen_metrics(struct bench *b)
{
	char ep[64];

	b->metrics_fd = metrics_listen(&b->o->metrics.addr);
	if (b->metrics_fd >= 0)
		return 0;
	format_sockaddr(&b->o->metrics.addr, ep, sizeof(ep));
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
		child_start(b->cpu[1 + k]);
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

/* The generators, once the server listens; --path veth: each in a namespace of its own. */
int bench_start_clients(struct bench *b)
{
	char msg[256];
	int status = -1;

	for (int k = 0; k < b->nclients; k++) {
		struct side_stats *st = b->ccfg[k].stats;
		uint64_t rss = 0;

		b->cpid[k] = b->veth ? spawn_in_netns(b, k, msg, sizeof(msg)) : spawn(&b->ccfg[k], b->cpu[1 + k]);
		if (b->cpid[k] < 0) {
			fprintf(stderr, "holdconn bench: client %d: %s\n", k, msg);
			return -1;
		}
		if (!side_started(st, b->cpid[k], &status)) {
			side_explain_failure(true, b->o->client_mode, atomic_load(&st->stop_errno), msg,
					     sizeof(msg));
			explain_death(status, msg, sizeof(msg));
			fprintf(stderr, "holdconn bench: connect: %s\n", msg);
			atomic_store(&b->area->client.stop_errno, atomic_load(&st->stop_errno));
			return -1;
		}
		meter_rss_anon(b->cpid[k], &rss);
		b->rss_base[1] += rss;
	}
	bench_gather_clients(b);
	return 0;
}

int bench_start_sides(struct bench *b)
{
	char msg[256];
	int status = -1;

	if (external(b))
		return bench_start_external(b);
	b->spid = spawn(&b->scfg, b->cpu[0]);
	if (b->spid < 0 || !side_started(&b->area->server, b->spid, &status)) {
		side_explain_failure(true, b->o->mode, atomic_load(&b->area->server.stop_errno), msg,
				     sizeof(msg));
		explain_death(status, msg, sizeof(msg));
		fprintf(stderr, "holdconn bench: serve: %s\n", msg);
		return -1;
	}
	meter_rss_anon(b->spid, &b->rss_base[0]);
	b->t0 = b->last_t = now_s();
	return bench_start_clients(b);
}
