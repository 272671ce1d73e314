/*
 * limits.c - the limits on holding connections, as arithmetic over a
 * struct of inputs: one row per resource, how many connections each
 * allows, which binds first in each mode. Reads nothing from the machine.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "measure/limits.h"
#include "measure/sysinfo.h"

#define RING_SLOTS_MAX (1u << 20) /* IORING_MAX_FIXED_FILES */
#define MIB (1024.0 * 1024.0)
#define GIB (1024.0 * MIB)

__attribute__((format(printf, 3, 4)))
static void text(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

#define TEXT(field, ...) text(field, sizeof(field), __VA_ARGS__)

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static uint64_t div_floor(double budget, double per)
{
	if (per <= 0)
		return LIMITS_NONE;
	if (budget <= 0)
		return 0;
	if (budget / per >= (double)UINT64_MAX)
		return LIMITS_NONE;
	return (uint64_t)floor(budget / per);
}

static uint64_t div_ceil(uint64_t a, uint64_t b)
{
	return b ? a / b + (a % b != 0) : 0;
}

/* Sockets one connection puts on this box: system-wide resources count these. */
static unsigned sockets_here(const struct limits_input *in)
{
	return in->bench || in->loopback ? 2 : 1;
}

static const char *conn_word(const struct limits_input *in)
{
	return in->bench ? "pair" : "conn";
}

/* The mode of the process that holds a descriptor per connection. */
static bool holds_fds(enum mode m)
{
	return m == MODE_EPOLL || m == MODE_THREADS;
}

static struct limits_row *row(struct limits_table *t, const char *resource, const char *stop)
{
	struct limits_row *r = &t->rows[t->nrows++];

	memset(r, 0, sizeof(*r));
	r->resource = resource;
	r->stop = stop;
	r->allows = LIMITS_NONE;
	return r;
}

uint64_t limits_tuples(const struct limits_input *in)
{
	uint64_t ports = in->sport_last >= in->sport_first ? in->sport_last - in->sport_first + 1 : 0;
	uint64_t addrs = in->bind_source ? in->nsaddr : 1;

	if (ports && addrs && in->ndst && ports * addrs > UINT64_MAX / in->ndst)
		return LIMITS_NONE;
	return ports * addrs * in->ndst;
}

static void addr_text(const struct limits_input *in, addr128 a, char *buf, size_t len)
{
	format_addr(in->saddr_v6, a, buf, (int)len);
}

static void row_tuples(const struct limits_input *in, struct limits_table *t)
{
	struct limits_row *r = row(t, "4-tuples", "EADDRNOTAVAIL");
	uint64_t ports = in->sport_last - in->sport_first + 1;
	uint64_t per_addr = ports * in->ndst;
	char first[INET6_ADDRSTRLEN], last[INET6_ADDRSTRLEN];

	r->value = r->allows = limits_tuples(in);
	r->per_conn = 1;
	addr_text(in, in->saddr_first, first, sizeof(first));
	addr_text(in, in->saddr_first + (in->nsaddr ? in->nsaddr - 1 : 0), last, sizeof(last));
	TEXT(r->source, "%s %" PRIu32 "-%" PRIu32 " (%" PRIu64 " ports) x %" PRIu32
	     " source address%s (%s%s%s) x %" PRIu64 " destination%s",
	     !in->sport_default ? "--sport" : in->bind_source ? "ports below/above ip_local_port_range"
								: "ip_local_port_range", in->sport_first,
	     in->sport_last, ports, in->bind_source ? in->nsaddr : 1,
	     !in->bind_source || in->nsaddr == 1 ? "" : "es", in->bind_source ? first : "kernel's choice",
	     in->bind_source && in->nsaddr > 1 ? "-" : "", in->bind_source && in->nsaddr > 1 ? last : "",
	     in->ndst, in->ndst == 1 ? "" : "s");
	TEXT(r->unit, "1 (source address, source port, destination) per %s", conn_word(in));
	if (in->conns > r->allows && per_addr && !in->bind_source) {
		TEXT(r->lift, "--source ADDR-ADDR with %" PRIu64 " local addresses (%" PRIu64
		     " tuples each)", div_ceil(in->conns, per_addr), per_addr);
	} else if (in->conns > r->allows && per_addr) {
		uint64_t need = div_ceil(in->conns, per_addr);

		addr_text(in, in->saddr_first + need - 1, last, sizeof(last));
		TEXT(r->lift, "--source %s-%s (%" PRIu64 " addresses x %" PRIu64 " tuples each)", first,
		     last, need, per_addr);
	} else {
		TEXT(r->lift, "more --source addresses or --target ports, or sysctl -w "
		     "net.ipv4.ip_local_port_range=\"1024 65535\"");
	}
}

/* Descriptors the holding process opens besides its connections. */
static uint64_t fds_fixed(const struct limits_input *in)
{
	return in->fds_open + in->listeners + 1; /* the epoll fd, or the eventfd */
}

static void nofile_lift(const struct limits_input *in, enum mode m, struct limits_row *r)
{
	uint64_t want = in->conns ? in->conns + fds_fixed(in) + 16 : in->nr_open;

	if (want > in->nr_open)
		want = in->nr_open;
	if (in->nofile_soft < in->nofile_hard)
		TEXT(r->lift, "ulimit -n %" PRIu64 " (the hard limit; no privilege needed)",
		     in->nofile_hard);
	else if (in->cap_sys_resource)
		TEXT(r->lift, "ulimit -n %" PRIu64 " (as root; fs.nr_open %" PRIu64
		     " caps it: sysctl -w fs.nr_open=N first)", want, in->nr_open);
	else
		TEXT(r->lift, "not here: hard limit %" PRIu64 " and no CAP_SYS_RESOURCE to raise it; "
		     "start holdconn with a higher one (LimitNOFILE=, limits.conf)%s",
		     in->nofile_hard, m == MODE_URING ? "" : ", or use --mode uring");
}

static void row_nofile(const struct limits_input *in, enum mode m, struct limits_table *t)
{
	struct limits_row *r = row(t, "RLIMIT_NOFILE", "EMFILE");

	r->value = in->nofile_soft;
	TEXT(r->source, "soft %" PRIu64 ", hard %" PRIu64 ", fs.nr_open %" PRIu64
	     "; CAP_SYS_RESOURCE %s; %" PRIu64 " open at start, %" PRIu32 " listeners",
	     in->nofile_soft, in->nofile_hard, in->nr_open, in->cap_sys_resource ? "yes" : "no",
	     in->fds_open, in->listeners);
	nofile_lift(in, m, r);
	if (!holds_fds(m)) {
		TEXT(r->unit, "none: %s mode keeps connections as io_uring direct descriptors, "
		     "which RLIMIT_NOFILE does not count", mode_name(m));
		return;
	}
	r->per_conn = 1;
	r->allows = sub0(in->nofile_soft, fds_fixed(in));
	TEXT(r->unit, "1 fd in the %s process%s", in->bench ? "serving" : "holding",
	     in->bench ? " (the client, uring, holds direct descriptors)" : "");
}

static void row_tables(const struct limits_input *in, enum mode m, struct limits_table *t)
{
	struct limits_row *r = row(t, "registered tables", "EMFILE");
	uint64_t slots = in->nofile_soft < RING_SLOTS_MAX ? in->nofile_soft : RING_SLOTS_MAX;
	/* The uring process: the holder itself, or under bench the client when the server is not. */
	uint64_t fixed = m == MODE_URING ? fds_fixed(in) : in->fds_open + 1;
	uint64_t rings = sub0(in->nofile_soft, fixed);
	uint64_t need = in->conns && slots ? div_ceil(in->conns, slots) : 0;

	r->value = slots;
	TEXT(r->source, "min(RLIMIT_NOFILE %" PRIu64 ", 1<<20) slots per ring; a ring is an fd, "
	     "so at most %" PRIu64 " rings per process", in->nofile_soft, rings);
	TEXT(r->lift, "ulimit -n (bigger tables, fewer rings)");
	if (m != MODE_URING && !in->bench) {
		TEXT(r->unit, "none: %s mode has no rings", mode_name(m));
		return;
	}
	r->per_conn = 1;
	r->allows = slots && rings > UINT64_MAX / slots ? LIMITS_NONE : rings * slots;
	if (need)
		TEXT(r->unit, "1 slot in each uring process; %" PRIu64 " need %" PRIu64
		     " rings (fds) each", in->conns, need);
	else
		TEXT(r->unit, "1 slot in each uring process");
}

static void row_files(const struct limits_input *in, struct limits_table *t)
{
	struct limits_row *r = row(t, "fs.file-max", "ENFILE");
	unsigned n = sockets_here(in);

	r->value = in->file_max;
	r->per_conn = n;
	TEXT(r->source, "fs.file-max %" PRIu64 ", %" PRIu64 " allocated now (fs.file-nr)",
	     in->file_max, in->file_nr);
	TEXT(r->lift, "sysctl -w fs.file-max=%" PRIu64,
	     in->file_nr + (in->conns ? in->conns : 10000000) * n * 2);
	if (in->cap_sys_admin) {
		TEXT(r->unit, "%u struct file per %s (direct descriptors too); the kernel lets a "
		     "caller with CAP_SYS_ADMIN past file-max, and this one has it", n, conn_word(in));
		return;
	}
	r->allows = sub0(in->file_max, in->file_nr + SYSINFO_FILE_RESERVE) / n;
	TEXT(r->unit, "%u struct file per %s (direct descriptors too): ENFILE past file-max "
	     "without CAP_SYS_ADMIN, for every process of the box; the ramp stops %d short",
	     n, conn_word(in), SYSINFO_FILE_RESERVE);
}

/*
 * MemAvailable = free + ... + R - min(R/2, low), R the reclaimable slab,
 * low the zones' low watermarks summed: until R reaches 2*low each new
 * reclaimable byte counts half, beyond it not at all. The holder's reserve
 * check (meter_avail_pinned) also subtracts the growth of R since the ramp
 * began, since an open socket pins it: each connection spends u + rc,
 * plus rc/2 more while R is under 2*low.
 */
uint64_t limits_memory_allows(const struct limits_input *in, const struct limits_cost *c)
{
	double u = c->unreclaimable + c->buffers, rc = c->reclaimable;
	double budget = (double)in->mem_available + in->pcp_free - (double)in->reserve;
	double half = 2.0 * in->wmark_low - (double)in->reclaimable_now;
	double n1, step1 = u + rc + rc / 2, step2 = u + rc;

	if (budget <= 0)
		return 0;
	if (half <= 0 || rc <= 0)
		return div_floor(budget, step2);
	n1 = half / rc;
	if (budget <= n1 * step1)
		return div_floor(budget, step1);
	if (step2 <= 0)
		return LIMITS_NONE;
	return (uint64_t)floor(n1 + (budget - n1 * step1) / step2);
}

static double cost_total(const struct limits_cost *c)
{
	return c->unreclaimable + c->reclaimable + c->buffers;
}

static void row_reserve(const struct limits_input *in, enum mode m, struct limits_table *t)
{
	struct limits_row *r = row(t, "memory reserve", "reserve");
	const struct limits_cost *c = &in->cost[m];

	r->bytes = true;
	r->value = sub0(in->mem_available + in->pcp_free, in->reserve);
	r->per_conn = cost_total(c);
	r->allows = limits_memory_allows(in, c);
	TEXT(r->source, "MemAvailable %.2f GiB + %.0f MiB free in per-CPU lists - reserve %.2f GiB "
	     "(%s)", in->mem_available / GIB, in->pcp_free / MIB, in->reserve / GIB,
	     in->reserve_default ? "default: max(1 GiB, 5% of MemTotal)" : "--reserve");
	TEXT(r->unit, "%.0f B per %s, %.0f B of it in caches MemAvailable calls reclaimable "
	     "(socket inodes, dentries): the ramp counts their growth as spent, since an open "
	     "socket pins them", r->per_conn, conn_word(in), c->reclaimable);
	TEXT(r->lift, "--reserve BYTES (smaller): it is where bench stops, not what the box holds");
}

static void row_ram(const struct limits_input *in, enum mode m, struct limits_table *t)
{
	struct limits_row *r = row(t, "memory (RAM)", "OOM");
	const struct limits_cost *c = &in->cost[m];
	uint64_t n = div_floor((double)in->mem_available + in->pcp_free, cost_total(c));

	r->bytes = true;
	r->value = in->mem_available;
	r->per_conn = cost_total(c);
	r->allows = n;
	TEXT(r->source, "MemAvailable %.2f GiB + %.0f MiB free in per-CPU lists",
	     in->mem_available / GIB, in->pcp_free / MIB);
	TEXT(r->unit, "%.0f B per %s (%s); %.0f B of it are dentries and socket inodes that "
	     "MemAvailable counts as free, yet an open socket pins them", r->per_conn,
	     conn_word(in), in->cost_measured && m == in->mode ? "measured" : "documented",
	     c->reclaimable);
	TEXT(r->lift, "add RAM (the reserve stops the ramp before this: it counts the pinned "
	     "'reclaimable' slab as spent)");
}

/*
 * The ramp stops (reason cgroup) once the room under the limit falls to
 * the reserve: what is left after the processes' own start-up cost, at
 * what the cgroup is charged per connection.
 */
static void row_memcg(const struct limits_input *in, enum mode m, struct limits_table *t)
{
	struct limits_row *r = row(t, "memory cgroup", "cgroup");
	const struct limits_cost *c = &in->cost[m];
	bool measured = in->memcg_charge > 0 && m == in->mode;
	double per = measured ? in->memcg_charge : cost_total(c);
	/* bench's namespace's hash table (8 B a bucket) is charged to the cgroup too. */
	double fixed = (measured ? in->memcg_fixed : 0) + (in->ehash_per_run ? 8.0 * in->ehash : 0);
	double budget;
	uint64_t want;

	r->bytes = true;
	r->value = in->memcg_limit;
	r->per_conn = per;
	TEXT(r->unit, "%.0f B per %s charged to the cgroup (%s)%s", per, conn_word(in),
	     measured ? "measured: its usage's growth per pair" : "documented slab cost",
	     measured ? "" : "; the cgroup is charged per object, not per slab page");
	if (!in->memcg_limit) {
		TEXT(r->source, "%s: no limit, nor above it",
		     in->memcg_file[0] ? in->memcg_file : "no memory cgroup");
		TEXT(r->lift, "-");
		return;
	}
	budget = (double)sub0(in->memcg_limit, in->memcg_usage + in->memcg_reserve) - fixed;
	r->allows = div_floor(budget > 0 ? budget : 0, per);
	TEXT(r->source, "%s %.2f GiB (%s), %.0f MiB used, reserve %.0f MiB (%s), %.1f MiB before the "
	     "first (the processes, bench's hash table)", in->memcg_file, in->memcg_limit / GIB,
	     in->memcg_version ? in->memcg_version : "?", in->memcg_usage / MIB,
	     in->memcg_reserve / MIB,
	     in->memcg_reserve_default ? "default: max(32 MiB, 5% of the limit)" : "--reserve",
	     fixed / MIB);
	want = in->conns ? in->conns : r->allows * 2;
	TEXT(r->lift, "echo %" PRIu64 " > %s (room for %" PRIu64 "), or --reserve BYTES (smaller)",
	     in->memcg_usage + in->memcg_reserve + (uint64_t)(fixed + per * want), in->memcg_file, want);
}

static void row_tcp_mem(const struct limits_input *in, enum mode m, struct limits_table *t)
{
	struct limits_row *r = row(t, "tcp_mem", "ENOMEM");
	double per = in->cost[m].buffers;
	uint64_t room = sub0(in->tcp_mem[2], in->tcp_mem_used) * in->page_size;

	r->bytes = true;
	r->value = in->tcp_mem[2] * in->page_size;
	r->per_conn = per;
	TEXT(r->source, "net.ipv4.tcp_mem %" PRIu64 " %" PRIu64 " %" PRIu64 " pages (hard limit "
	     "%.2f GiB), %" PRIu64 " in use", in->tcp_mem[0], in->tcp_mem[1], in->tcp_mem[2],
	     (double)in->tcp_mem[2] * in->page_size / GIB, in->tcp_mem_used);
	TEXT(r->lift, "sysctl -w net.ipv4.tcp_mem=\"%" PRIu64 " %" PRIu64 " %" PRIu64 "\"",
	     in->tcp_mem[0] * 2, in->tcp_mem[1] * 2, in->tcp_mem[2] * 2);
	if (per < 1) {
		TEXT(r->unit, "%.0f B queued per %s: idle connections queue nothing", per,
		     conn_word(in));
		return;
	}
	r->allows = div_floor((double)room, per);
	TEXT(r->unit, "%.0f B queued per %s in socket buffers", per, conn_word(in));
}

static void row_time_wait(const struct limits_input *in, struct limits_table *t)
{
	struct limits_row *r = row(t, "TIME_WAIT", "-");

	r->value = in->tw_buckets;
	TEXT(r->source, "net.ipv4.tcp_max_tw_buckets %" PRIu64, in->tw_buckets);
	TEXT(r->unit, "none while held; closed with SO_LINGER {1,0} (RST), none after either. "
	     "A FIN close parks each for 60 s; past the cap the kernel skips TIME_WAIT");
	TEXT(r->lift, "sysctl -w net.ipv4.tcp_max_tw_buckets=N (only for FIN closes)");
}

static void row_backlog(const struct limits_input *in, struct limits_table *t)
{
	struct limits_row *r = row(t, "listen backlog", "backlog");
	uint64_t q = in->backlog < in->somaxconn ? in->backlog : in->somaxconn;
	uint32_t l = in->listeners ? in->listeners : 1;

	r->value = q;
	TEXT(r->source, "min(--backlog %" PRIu64 ", net.core.somaxconn %" PRIu64 ") per listener x %"
	     PRIu32 "; tcp_max_syn_backlog %" PRIu64, in->backlog, in->somaxconn, l, in->syn_backlog);
	if (q * l >= in->window)
		TEXT(r->unit, "a slot only until accepted: %" PRIu32 " connects in flight fit in %" PRIu64,
		     in->window, q * l);
	else
		TEXT(r->unit, "a slot only until accepted; %" PRIu32 " in flight overflow %" PRIu64
		     ": SYNs dropped and retried", in->window, q * l);
	TEXT(r->lift, "sysctl -w net.core.somaxconn=65535 and --backlog 65535");
}

static void row_ehash(const struct limits_input *in, struct limits_table *t)
{
	struct limits_row *r = row(t, "TCP ehash", "-");
	unsigned n = sockets_here(in);
	uint64_t at = in->conns ? in->conns : 1000000;

	r->value = in->ehash;
	r->per_conn = n;
	if (in->ehash_per_run)
		TEXT(r->source, "bench sizes its namespace's hash for the run "
		     "(tcp_child_ehash_entries around its unshare); the host's has %" PRIu64,
		     in->ehash_host);
	else
		TEXT(r->source, "net.ipv4.tcp_ehash_entries %" PRIu64 " (set at boot)", in->ehash);
	TEXT(r->unit, "%u entries per %s; no limit, lookups slow: %.2f per chain at %" PRIu64, n,
	     conn_word(in), in->ehash ? (double)at * n / in->ehash : 0, at);
	TEXT(r->lift, "boot with thash_entries=N; new namespaces: sysctl -w "
	     "net.ipv4.tcp_child_ehash_entries=N");
}

static void thread_unit(const struct limits_input *in, enum mode m, struct limits_row *r,
			const char *what)
{
	if (m != MODE_THREADS) {
		TEXT(r->unit, "none: %s mode starts no thread per connection", mode_name(m));
		return;
	}
	r->per_conn = 1;
	TEXT(r->unit, "%s per %s%s", what, conn_word(in),
	     in->bench ? " (the serving side; the client is uring)" : "");
}

static void row_threads_max(const struct limits_input *in, enum mode m, struct limits_table *t)
{
	struct limits_row *r = row(t, "kernel.threads-max", "threads");

	r->value = in->threads_max;
	TEXT(r->source, "kernel.threads-max %" PRIu64 ", %" PRIu64 " tasks now", in->threads_max,
	     in->threads_now);
	TEXT(r->lift, "sysctl -w kernel.threads-max=%" PRIu64,
	     in->threads_now + (in->conns ? in->conns : 1000000) + 1000);
	thread_unit(in, m, r, "1 thread");
	if (m == MODE_THREADS)
		r->allows = sub0(in->threads_max, in->threads_now);
}

static void row_nproc(const struct limits_input *in, enum mode m, struct limits_table *t)
{
	struct limits_row *r = row(t, "RLIMIT_NPROC", "threads");
	bool exempt = in->uid_root || in->cap_sys_admin || in->cap_sys_resource;

	r->value = in->nproc_soft;
	TEXT(r->source, "soft %" PRIu64 "; %s", in->nproc_soft,
	     exempt ? "exempt: the kernel skips it for the root user and for CAP_SYS_ADMIN or "
		      "CAP_SYS_RESOURCE" : "counts this user's tasks");
	TEXT(r->lift, "ulimit -u %" PRIu64, in->threads_now + (in->conns ? in->conns : 1000000));
	thread_unit(in, m, r, "1 task");
	if (m == MODE_THREADS && !exempt)
		r->allows = sub0(in->nproc_soft, in->threads_now);
}

static void row_pid_max(const struct limits_input *in, enum mode m, struct limits_table *t)
{
	struct limits_row *r = row(t, "kernel.pid_max", "threads");

	r->value = in->pid_max;
	TEXT(r->source, "kernel.pid_max %" PRIu64 ", %" PRIu64 " tasks now", in->pid_max,
	     in->threads_now);
	TEXT(r->lift, "sysctl -w kernel.pid_max=4194304");
	thread_unit(in, m, r, "1 pid");
	if (m == MODE_THREADS)
		r->allows = sub0(in->pid_max, in->threads_now);
}

static void row_map_count(const struct limits_input *in, enum mode m, struct limits_table *t)
{
	struct limits_row *r = row(t, "vm.max_map_count", "threads");

	r->value = in->max_map_count;
	TEXT(r->source, "vm.max_map_count %" PRIu64 " per process, ~%" PRIu64 " mapped at start; "
	     "stacks of %" PRIu64 " B", in->max_map_count, in->maps_now, in->stack_size);
	TEXT(r->lift, "sysctl -w vm.max_map_count=%" PRIu64,
	     in->maps_now + THREAD_MAPS * (in->conns ? in->conns : 1000000));
	thread_unit(in, m, r, "2 mappings (stack and guard page)");
	if (m == MODE_THREADS) {
		r->per_conn = THREAD_MAPS;
		r->allows = sub0(in->max_map_count, in->maps_now) / THREAD_MAPS;
	}
}

static void row_thread_stack(const struct limits_input *in, enum mode m, struct limits_table *t)
{
	struct limits_row *r = row(t, "thread stack", "threads");

	r->bytes = true;
	r->value = in->stack_size + in->page_size;
	TEXT(r->source, "PTHREAD_STACK_MIN rounded to pages, at least 16 KiB: %" PRIu64
	     " B of stack + a %" PRIu64 " B guard page, reserved, not resident", in->stack_size,
	     in->page_size);
	TEXT(r->lift, "no limit of its own: the memory rows count a thread's resident cost");
	if (m != MODE_THREADS) {
		TEXT(r->unit, "none: %s mode starts no thread per connection", mode_name(m));
		return;
	}
	r->per_conn = COST_THREAD_KERNEL + COST_THREAD_USER;
	TEXT(r->unit, "%.0f B resident per thread (documented): a 16 KiB kernel stack, the "
	     "task_struct, two VMAs, a pid, and two touched pages of the stack", r->per_conn);
}

static void row_pids_cgroup(const struct limits_input *in, enum mode m, struct limits_table *t)
{
	struct limits_row *r;

	if (!in->pids_max)
		return;
	r = row(t, "pids cgroup", "threads");
	r->value = in->pids_max;
	TEXT(r->source, "pids.max %" PRIu64 ", %" PRIu64 " in the cgroup", in->pids_max, in->pids_now);
	TEXT(r->lift, "echo max > pids.max of this cgroup");
	thread_unit(in, m, r, "1 task");
	if (m == MODE_THREADS)
		r->allows = sub0(in->pids_max, in->pids_now);
}

/* Slots per ring: min(RLIMIT_NOFILE, 1<<20), as ringset.c sizes the tables. */
static uint64_t ring_slots(const struct limits_input *in)
{
	return in->nofile_soft < RING_SLOTS_MAX ? in->nofile_soft : RING_SLOTS_MAX;
}

/* A bench server ring moves on with this many slots left free (backend_uring.c). */
static uint64_t server_ring_holds(const struct limits_input *in)
{
	uint64_t slots = ring_slots(in), margin = in->accept_margin;

	if (margin > slots / 2)
		margin = slots / 2;
	return slots - margin;
}

/* Rings the uring processes make to hold n: the client's, and bench's uring server's. */
static uint64_t rings_for(const struct limits_input *in, enum mode m, uint64_t n)
{
	uint64_t slots = ring_slots(in), rings = n > slots ? div_ceil(n, slots) : 1;

	if (in->bench && m == MODE_URING)
		rings += n / server_ring_holds(in) + 1; /* it moves on once a ring is nearly full */
	return rings;
}

/* The most connections whose rings fit in budget rings (rings_for only grows with n). */
static uint64_t conns_in_rings(const struct limits_input *in, enum mode m, uint64_t budget)
{
	uint64_t lo = 0, hi = (uint64_t)1 << 40;

	if (rings_for(in, m, 0) > budget)
		return 0;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo + 1) / 2;

		if (rings_for(in, m, mid) <= budget)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

static void row_memlock(const struct limits_input *in, enum mode m, struct limits_table *t)
{
	struct limits_row *r = row(t, "RLIMIT_MEMLOCK", "RLIMIT_MEMLOCK");
	bool uring = m == MODE_URING || in->bench;
	uint64_t slots = ring_slots(in);

	r->bytes = true;
	r->value = in->memlock_soft == LIMITS_NONE ? 0 : in->memlock_soft;
	if (in->memlock_soft == LIMITS_NONE)
		TEXT(r->source, "unlimited");
	else
		TEXT(r->source, "soft %.0f KiB, hard %.0f KiB, per user (uid %" PRIu32 "): every ring of "
		     "every process it runs; CAP_IPC_LOCK %s", in->memlock_soft / 1024.0,
		     in->memlock_hard == LIMITS_NONE ? INFINITY : in->memlock_hard / 1024.0, in->uid,
		     in->memlock_charged ? "no" : "yes (nothing is charged)");
	TEXT(r->lift, "ulimit -l KIB (up to the hard limit), memlock in /etc/security/limits.conf or "
	     "LimitMEMLOCK= above it, or CAP_IPC_LOCK");
	if (!uring) {
		TEXT(r->unit, "none: %s mode makes no rings", mode_name(m));
		return;
	}
	if (!in->memlock_charged || !in->ring_charge || !slots) {
		TEXT(r->unit, "%" PRIu64 " B per ring, not charged here", in->ring_charge);
		return;
	}
	r->per_conn = (double)in->ring_charge / slots;
	if (in->bench && m == MODE_URING)
		r->per_conn += (double)in->ring_charge / server_ring_holds(in);
	r->allows = conns_in_rings(in, m, in->memlock_soft / in->ring_charge);
	if (in->bench && m == MODE_URING)
		TEXT(r->unit, "%" PRIu64 " B per ring (its queues, whole pages); a ring holds %" PRIu64
		     " client slots or %" PRIu64 " server ones (the rest kept free for accepts), both "
		     "processes one user", in->ring_charge, slots, server_ring_holds(in));
	else
		TEXT(r->unit, "%" PRIu64 " B per ring (its queues, whole pages) of %" PRIu64 " slots",
		     in->ring_charge, slots);
}

static void row_uring(const struct limits_input *in, enum mode m, struct limits_table *t)
{
	struct limits_row *r = row(t, "io_uring", "error");
	/* 1: only CAP_SYS_ADMIN or members of kernel.io_uring_group may create rings. */
	bool off = in->io_uring_disabled == 2 ||
		   (in->io_uring_disabled == 1 && !in->cap_sys_admin && !in->uring_group_member);
	bool usable = in->uring_probed && !in->uring_missing[0] && !off;

	r->value = in->io_uring_disabled < 0 ? 0 : (uint64_t)in->io_uring_disabled;
	char group[64] = "";

	if (in->io_uring_disabled == 1)
		TEXT(group, " (io_uring_group %" PRId64 ": %s)", in->uring_group,
		     in->uring_group_member ? "a member" : in->cap_sys_admin ? "CAP_SYS_ADMIN" : "not a member");
	TEXT(r->source, "kernel.io_uring_disabled %d%s; probe: %s%s%s%s", in->io_uring_disabled, group,
	     !in->uring_probed ? "no answer" : in->uring_missing[0] ? "lacks " : "every opcode needed",
	     in->uring_missing, in->uring_optional[0] ? "; without (falls back): " : "",
	     in->uring_optional);
	TEXT(r->lift, usable ? "-" : off && in->io_uring_disabled == 1
			? "join kernel.io_uring_group, or sysctl -w kernel.io_uring_disabled=0"
			: off ? "sysctl -w kernel.io_uring_disabled=0"
				     : "a newer kernel (SOCKET 5.19, BIND 6.11), or --mode epoll");
	if (m != MODE_URING && !in->bench) {
		TEXT(r->unit, "not used in %s mode", mode_name(m));
		return;
	}
	TEXT(r->unit, "%s", in->bench && m != MODE_URING ? "bench's client runs uring" : "the mode itself");
	if (!usable)
		r->allows = 0;
}

static void row_cpu(const struct limits_input *in, struct limits_table *t, uint64_t n)
{
	struct limits_row *r = row(t, "CPU (establish rate)", "-");

	r->value = (uint64_t)llround(in->rate);
	if (in->rate > 0) {
		r->per_conn = 1e6 / in->rate;
		TEXT(r->source, "measured: %.0f %ss/s over the calibration ramp", in->rate, conn_word(in));
		TEXT(r->unit, "%.1f us of ramp per %s: %.1f s to reach %" PRIu64, r->per_conn,
		     conn_word(in), n != LIMITS_NONE ? n / in->rate : 0, n);
	} else {
		TEXT(r->source, "not measured (--no-calibrate)");
		TEXT(r->unit, "-");
	}
	TEXT(r->lift, "no limit, only time; more CPUs (bench spreads loopback over them with RPS)");
}

static void build(const struct limits_input *in, enum mode m, struct limits_table *t)
{
	memset(t, 0, sizeof(*t));
	t->mode = m;
	row_tuples(in, t);
	row_nofile(in, m, t);
	row_tables(in, m, t);
	row_files(in, t);
	row_reserve(in, m, t);
	row_ram(in, m, t);
	row_memcg(in, m, t);
	row_tcp_mem(in, m, t);
	row_time_wait(in, t);
	row_backlog(in, t);
	row_ehash(in, t);
	row_threads_max(in, m, t);
	row_nproc(in, m, t);
	row_pid_max(in, m, t);
	row_map_count(in, m, t);
	row_thread_stack(in, m, t);
	row_pids_cgroup(in, m, t);
	row_uring(in, m, t);
	row_memlock(in, m, t);
}

/* The first row with the fewest connections; -1 when nothing bounds. */
static int binding_row(const struct limits_table *t)
{
	int best = -1;

	for (int i = 0; i < t->nrows; i++) {
		if (t->rows[i].allows == LIMITS_NONE)
			continue;
		if (best < 0 || t->rows[i].allows < t->rows[best].allows)
			best = i;
	}
	return best;
}

void limits_compute(const struct limits_input *in, struct limits_table *t)
{
	uint64_t predicted[LIMITS_MODES];
	const char *binding[LIMITS_MODES], *stop[LIMITS_MODES];

	for (int m = 0; m < LIMITS_MODES; m++) {
		int b;

		build(in, m, t);
		b = binding_row(t);
		predicted[m] = b < 0 ? LIMITS_NONE : t->rows[b].allows;
		binding[m] = b < 0 ? NULL : t->rows[b].resource;
		stop[m] = b < 0 ? NULL : t->rows[b].stop;
	}
	build(in, in->mode, t);
	t->binding = binding_row(t);
	row_cpu(in, t, in->conns ? in->conns : predicted[in->mode]);
	memcpy(t->predicted, predicted, sizeof(predicted));
	memcpy(t->binding_by_mode, binding, sizeof(binding));
	memcpy(t->stop_by_mode, stop, sizeof(stop));
}

void limits_documented_shares(struct slab_shares *s)
{
	s->tcp = COST_TCP_SOCK;
	s->sock_inode = COST_SOCK_INODE;
	s->filp = COST_FILP;
	s->dentry = COST_DENTRY;
	s->uring_poll = COST_URING_POLL;
	s->epoll_item = COST_EPOLL_ITEM;
}

double limits_side_extra(const struct slab_shares *s, enum mode m)
{
	switch (m) {
	case MODE_EPOLL:
		return s->epoll_item + COST_RECORD;
	case MODE_THREADS:
		return COST_THREAD_KERNEL + COST_THREAD_USER + COST_RECORD;
	default:
		return s->uring_poll + COST_URING_SLOT + COST_RECORD;
	}
}

void limits_default_cost(const struct limits_input *in, enum mode m, struct limits_cost *c)
{
	const struct slab_shares *s = &in->share;
	double sock = s->tcp + s->filp + COST_LSM + COST_MEMCG;
	double rec = s->sock_inode + s->dentry;

	c->buffers = 0;
	c->unreclaimable = sock + limits_side_extra(s, m);
	c->reclaimable = rec;
	/* The other end: bench's client, or a loopback server assumed to run uring. */
	if (in->bench)
		c->unreclaimable += sock + BENCH_CLIENT_EXTRA;
	else if (in->loopback)
		c->unreclaimable += sock + limits_side_extra(s, MODE_URING);
	if (in->bench || in->loopback)
		c->reclaimable += rec;
}
