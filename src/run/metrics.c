/* metrics.c - holdconn's Prometheus metrics (see metrics.h). */
#include <stdio.h>
#include <string.h>
#include "base/version.h"
#include "measure/memcg.h"
#include "run/metrics.h"

/* Latency bucket bounds, seconds: loopback connects and messages sit at 10-500 µs. */
static const double lat_le_s[] = { 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
				   0.01,    0.025,  0.05,    0.1,    0.25,  0.5,    1,
				   2.5,     5,      10 };
#define NLE ((int)(sizeof(lat_le_s) / sizeof(lat_le_s[0])))

static const char *const state_names[] = {
	[SIDE_STARTING] = "starting", [SIDE_RAMPING] = "ramping", [SIDE_HOLDING] = "holding",
	[SIDE_RELEASING] = "releasing", [SIDE_DONE] = "done",     [SIDE_FAILED] = "failed",
};

static uint64_t ld(_Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

/* side="serve" and, under bench --clients, client="N". */
static int side_labels(const struct metrics_side *s, struct expo_label *l)
{
	l[0] = (struct expo_label){ "side", s->side };
	if (!s->client[0])
		return 1;
	l[1] = (struct expo_label){ "client", s->client };
	return 2;
}

struct counter {
	const char *name, *type, *help;
	size_t offset; /* of an _Atomic uint64_t in struct side_stats */
	double scale;
};

#define SS(f) offsetof(struct side_stats, f)

static const struct counter per_side[] = {
	{ "holdconn_connections_held", "gauge", "Connections held right now.", SS(held), 1 },
	{ "holdconn_connections_opened_total", "counter",
	  "Connections established (connect) or accepted (serve).", SS(opened), 1 },
	{ "holdconn_connections_failed_total", "counter", "Connect attempts that failed.", SS(failed), 1 },
	{ "holdconn_connections_closed_total", "counter",
	  "Held connections that went away before the release: closed by the peer, or by bench's generator on bench's request (its close-detection probe).",
	  SS(closed), 1 },
	{ "holdconn_connections_in_flight", "gauge", "Connects started and not yet finished.",
	  SS(in_flight), 1 },
	{ "holdconn_connections_lost_total", "counter",
	  "Connections the kernel accepted into a full table and dropped.", SS(lost), 1 },
	{ "holdconn_received_bytes_total", "counter", "Payload bytes read.", SS(bytes_in), 1 },
	{ "holdconn_sent_bytes_total", "counter", "Payload bytes written.", SS(bytes_out), 1 },
	{ "holdconn_arena_allocated_bytes", "gauge",
	  "Bytes allocated in the per-connection jemalloc arena.", SS(arena_allocated), 1 },
	{ "holdconn_ring_bytes", "gauge", "SQ, CQ and SQE memory of every io_uring ring.",
	  SS(ring_bytes), 1 },
	{ "holdconn_sessions_established_total", "counter",
	  "--proto/--tls: sessions the server accepted (TLS done, the opening answered).",
	  SS(sessions.established), 1 },
	{ "holdconn_sessions_refused_total", "counter",
	  "--proto/--tls: sessions the server refused (the run stops at the first).",
	  SS(sessions.refused), 1 },
	{ "holdconn_sessions_closed_total", "counter",
	  "--proto/--tls: established sessions the server ended.", SS(sessions.closed), 1 },
	{ "holdconn_session_keepalives_acked_total", "counter",
	  "--proto: our keepalives the server answered (PINGRESP, PONG, WebSocket pong).",
	  SS(sessions.acked), 1 },
	{ "holdconn_session_keepalives_answered_total", "counter",
	  "--proto: the server's keepalives we answered (NATS PING, WebSocket ping).",
	  SS(sessions.answered), 1 },
};

static void write_counters(struct expo *e, const struct metrics_side *sides, int n)
{
	struct expo_label l[2];

	for (size_t c = 0; c < sizeof(per_side) / sizeof(per_side[0]); c++) {
		expo_family(e, per_side[c].name, per_side[c].type, per_side[c].help);
		for (int i = 0; i < n; i++) {
			_Atomic uint64_t *v = (_Atomic uint64_t *)((char *)sides[i].st + per_side[c].offset);

			expo_sample(e, per_side[c].name, l, side_labels(&sides[i], l), (double)ld(v) * per_side[c].scale);
		}
	}
}

static void write_cpu(struct expo *e, const struct metrics_side *sides, int n)
{
	static const char name[] = "holdconn_cpu_seconds_total";
	struct expo_label l[3];

	expo_family(e, name, "counter", "CPU time of the side's process, user and system.");
	for (int i = 0; i < n; i++) {
		int k = side_labels(&sides[i], l);

		l[k] = (struct expo_label){ "mode", "user" };
		expo_sample(e, name, l, k + 1, ld(&sides[i].st->cpu_user_us) / 1e6);
		l[k] = (struct expo_label){ "mode", "system" };
		expo_sample(e, name, l, k + 1, ld(&sides[i].st->cpu_sys_us) / 1e6);
	}
}

/*
 * The side's state and its ramp's stop reason as state sets: one series per
 * possible value, 1 for the current one and 0 for the rest, so a series
 * never appears or vanishes as the run moves on.
 */
static void write_states(struct expo *e, const struct metrics_side *sides, int n)
{
	static const char state[] = "holdconn_state", stop[] = "holdconn_stop_reason";
	struct expo_label l[3];

	expo_family(e, state, "gauge",
		    "1 for the side's state now (starting, ramping, holding, releasing, done, failed), 0 for the others.");
	for (int i = 0; i < n; i++) {
		uint32_t s = atomic_load_explicit(&sides[i].st->state, memory_order_relaxed);
		int k = side_labels(&sides[i], l);

		for (uint32_t v = SIDE_STARTING; v <= SIDE_FAILED; v++) {
			l[k] = (struct expo_label){ "state", state_names[v] };
			expo_sample(e, state, l, k + 1, v == s);
		}
	}
	expo_family(e, stop, "gauge",
		    "1 for why the side's ramp stopped (none while it runs), 0 for every other reason.");
	for (int i = 0; i < n; i++) {
		int32_t r = atomic_load_explicit(&sides[i].st->stop_reason, memory_order_relaxed);
		int k = side_labels(&sides[i], l);

		if (r <= STOP_NONE || r >= STOP__COUNT)
			r = STOP_NONE;
		for (int v = STOP_NONE; v < STOP__COUNT; v++) {
			l[k] = (struct expo_label){ "reason", stop_reason_name((enum stop_reason)v) };
			expo_sample(e, stop, l, k + 1, v == r);
		}
	}
}

static void write_build_info(struct expo *e)
{
	static const char name[] = "holdconn_build_info";
	const struct expo_label l[1] = { { "version", HOLDCONN_VERSION } };

	expo_family(e, name, "gauge", "Always 1: the holdconn version that serves these metrics.");
	expo_sample(e, name, l, 1, 1);
}

/* Prometheus's standard process_* metrics, of the process that serves them. */
static void write_process(struct expo *e, const struct self_usage *u)
{
	if (!u)
		return;
	expo_family(e, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
	expo_sample(e, "process_cpu_seconds_total", NULL, 0, u->cpu_seconds);
	expo_family(e, "process_open_fds", "gauge", "Number of open file descriptors.");
	expo_sample(e, "process_open_fds", NULL, 0, (double)u->open_fds);
	expo_family(e, "process_max_fds", "gauge", "Maximum number of open file descriptors.");
	expo_sample(e, "process_max_fds", NULL, 0, (double)u->max_fds);
	expo_family(e, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
	expo_sample(e, "process_virtual_memory_bytes", NULL, 0, (double)u->virtual_bytes);
	expo_family(e, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
	expo_sample(e, "process_resident_memory_bytes", NULL, 0, (double)u->resident_bytes);
	expo_family(e, "process_start_time_seconds", "gauge",
		    "Start time of the process since unix epoch in seconds.");
	expo_sample(e, "process_start_time_seconds", NULL, 0, u->start_time_seconds);
}

static void write_hist(struct expo *e, const char *name, const struct metrics_side *s,
		       const struct lat_hist *h, uint64_t sum_ns)
{
	struct expo_label l[2];
	uint64_t le_ns[NLE], cum[NLE];

	for (int i = 0; i < NLE; i++)
		le_ns[i] = (uint64_t)(lat_le_s[i] * 1e9 + 0.5);
	lat_cumulative(h, le_ns, NLE, cum);
	/* Read after the buckets: a record landing meanwhile makes the count no smaller than them. */
	expo_histogram(e, name, l, side_labels(s, l), lat_le_s, cum, NLE, lat_count(h), sum_ns / 1e9);
}

static void write_latencies(struct expo *e, const struct metrics_side *sides, int n)
{
	static const char conn[] = "holdconn_connect_latency_seconds";
	static const char msg[] = "holdconn_message_latency_seconds";

	expo_family(e, conn, "histogram",
		    "From the start of a connect to its establishment (connect side; uring and epoll modes).");
	for (int i = 0; i < n; i++)
		write_hist(e, conn, &sides[i], &sides[i].st->connect_lat, ld(&sides[i].st->connect_lat_sum_ns));
	expo_family(e, msg, "histogram",
		    "Send to read of each message: one way at the server, a round trip at the generator when the server echoes.");
	for (int i = 0; i < n; i++)
		write_hist(e, msg, &sides[i], &sides[i].st->traffic.lat, ld(&sides[i].st->traffic.lat_sum_ns));
}

static uint64_t sockets_held(const struct metrics_side *sides, int n)
{
	uint64_t total = 0;

	for (int i = 0; i < n; i++)
		total += ld(&sides[i].st->held);
	return total;
}

/*
 * Bytes and sockets apart, never divided here: a ratio cannot be summed
 * across pods, its parts can (docs/prometheus.md divides them in PromQL).
 */
static void write_kernel(struct expo *e, const struct metrics_side *sides, int n,
			 const struct metrics_kernel *k)
{
	static const char slab[] = "holdconn_slab_growth_bytes";
	struct expo_label l[1];

	expo_family(e, "holdconn_sockets", "gauge", "TCP sockets held by the processes reported here.");
	expo_sample(e, "holdconn_sockets", NULL, 0, (double)sockets_held(sides, n));
	if (!k || !k->have)
		return;
	expo_family(e, "holdconn_kernel_growth_bytes", "gauge",
		    "Kernel memory grown since serving began (slab, kernel stacks, page tables), the whole host.");
	expo_sample(e, "holdconn_kernel_growth_bytes", NULL, 0, (double)k->delta->kernel_bytes);
	expo_family(e, slab, "gauge",
		    k->delta->from_slabinfo ? "Growth of one slab cache since serving began (the largest caches)."
					    : "Growth of meminfo Slab since serving began (slabinfo unreadable).");
	for (int i = 0; i < k->delta->ncaches; i++) {
		l[0] = (struct expo_label){ "cache", k->delta->caches[i].name };
		expo_sample(e, slab, l, 1, (double)k->delta->caches[i].bytes);
	}
	expo_family(e, "holdconn_tcp_buffer_bytes", "gauge",
		    "TCP socket buffer memory (sockstat TCP mem), the whole network namespace.");
	expo_sample(e, "holdconn_tcp_buffer_bytes", NULL, 0, (double)k->tcp_mem_bytes);
	expo_family(e, "holdconn_tcp_buffer_growth_bytes", "gauge",
		    "Growth of TCP socket buffer memory since serving began.");
	expo_sample(e, "holdconn_tcp_buffer_growth_bytes", NULL, 0, (double)k->delta->buffer_bytes);
}

/* The memory cgroup this process is charged to, when it has a limit: what stops the ramp in a pod. */
static void write_cgroup(struct expo *e)
{
	struct memcg cg;
	struct memcg_usage u;

	if (memcg_open(0, &cg) || memcg_read(&cg, &u) || !u.limit)
		return;
	expo_family(e, "holdconn_cgroup_limit_bytes", "gauge",
		    "The memory cgroup's limit (the tightest of its levels): memory.max or memory.limit_in_bytes.");
	expo_sample(e, "holdconn_cgroup_limit_bytes", NULL, 0, (double)u.limit);
	expo_family(e, "holdconn_cgroup_usage_bytes", "gauge",
		    "Memory charged to the cgroup that sets that limit, kernel sockets included.");
	expo_sample(e, "holdconn_cgroup_usage_bytes", NULL, 0, (double)u.usage);
	expo_family(e, "holdconn_cgroup_oom_kills_total", "counter",
		    "Processes of this cgroup the OOM killer took.");
	expo_sample(e, "holdconn_cgroup_oom_kills_total", NULL, 0, (double)u.oom_kills);
}

void metrics_write(struct expo *e, const struct metrics_side *sides, int nsides,
		   const struct metrics_kernel *k)
{
	write_build_info(e);
	write_counters(e, sides, nsides);
	write_states(e, sides, nsides);
	write_cpu(e, sides, nsides);
	write_latencies(e, sides, nsides);
	write_kernel(e, sides, nsides, k);
	write_process(e, k ? k->self : NULL);
	write_cgroup(e);
}

size_t metrics_size(int nsides)
{
	/* ~95 lines a side of ~120 bytes, plus the kernel's and the process's families. */
	return 20480 + (size_t)nsides * 16384;
}
