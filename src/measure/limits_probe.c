/*
 * limits_probe.c - the inputs of `holdconn limits`, read from this
 * machine: rlimits and capabilities, /proc/sys, the memory watermarks,
 * cgroups, the task and mapping counts, io_uring's opcode probe.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "measure/limits.h"
#include "measure/memcg.h"
#include "measure/meter.h"
#include "measure/sysinfo.h"
#include "base/uring_compat.h"

/* bench's plan (side.c): loopback sources in 127.1.0.0/16, one per address. */
#define BENCH_SOURCE_FIRST 0x7f010001u /* 127.1.0.1 */
#define BENCH_SOURCE_COUNT 65534u      /* to 127.1.255.254 */
/* A new network namespace starts from the kernel's default port range. */
/* bench's own namespace: default ip_local_port_range 32768-60999, so sources 1024-32767 */
#define NETNS_PORT_FIRST 1024
#define NETNS_PORT_LAST 32767
#define WINDOW 1024                    /* connects in flight: bench's and connect's window */
#define THREAD_STACK_FLOOR (16 * 1024) /* backend_threads.c's minimum worker stack */
#define EHASH_MIN 1024u                /* netns.c sizes bench's hash within these */
#define EHASH_MAX (1u << 24)
#define BENCH_SOCKET_GUESS 3600        /* netns.c: bytes per socket for --conns max */
#define CG_UNLIMITED (1ull << 62)      /* cgroup v1 reports "no limit" as ~2^63 */

static uint64_t read_u64(const char *path, uint64_t dflt)
{
	uint64_t v;

	return sysinfo_read_u64s(path, &v, 1) == 1 ? v : dflt;
}

/* A signed /proc/sys value (io_uring_group is -1 when unset). */
static int64_t read_i64(const char *path, int64_t dflt)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC), n;

	if (fd < 0)
		return dflt;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return n > 0 ? strtoll(buf, NULL, 10) : dflt;
}

static bool in_group(int64_t gid)
{
	gid_t groups[256];
	int n;

	if (gid < 0)
		return false;
	if (getegid() == (gid_t)gid)
		return true;
	n = getgroups(256, groups);
	for (int i = 0; i < n; i++)
		if (groups[i] == (gid_t)gid)
			return true;
	return false;
}

/* Entries of a directory, less the one opendir itself holds when it is /proc/self/fd. */
static uint64_t count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	uint64_t n = 0;

	if (!d)
		return 3;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n ? n - 1 : 0;
}

static uint64_t count_lines(const char *path)
{
	FILE *f = fopen(path, "re");
	uint64_t n = 0;
	int c;

	if (!f)
		return 0;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* The 4th field of /proc/loadavg, "running/total": tasks on the box. */
static uint64_t tasks_now(void)
{
	FILE *f = fopen("/proc/loadavg", "re");
	unsigned long long running = 0, total = 0;

	if (f) {
		if (fscanf(f, "%*s %*s %*s %llu/%llu", &running, &total) != 2)
			total = 0;
		fclose(f);
	}
	return total;
}

/*
 * From /proc/zoneinfo, summed over zones, in bytes: the low watermarks,
 * and the free pages in the per-CPU lists above each list's high_min
 * (6.7+): under a long run of allocations the kernel shrinks a list's
 * high mark toward high_min, so what sits above it goes to the ramp,
 * unseen by MemFree; below it, a list keeps refilling.
 */
static void zoneinfo(uint64_t page, uint64_t *low, uint64_t *pcp)
{
	FILE *f = fopen("/proc/zoneinfo", "re");
	unsigned long long v, lows = 0, spare = 0, count = 0;
	char line[256];

	*low = *pcp = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " low %llu", &v) == 1) {
			lows += v;
		} else if (sscanf(line, " count: %llu", &v) == 1) {
			count = v;
			spare += v; /* kernels without high_min: all of it */
		} else if (sscanf(line, " high_min: %llu", &v) == 1) {
			spare -= count < v ? count : v;
		}
	}
	fclose(f);
	*low = lows * page;
	*pcp = spare * page;
}

/* Whether comma-separated list holds word. */
static bool in_list(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, word, n) && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

/*
 * This process's cgroup path under v1 controller ctl, or under v2 when
 * ctl is NULL. /proc/self/cgroup lines: "ID:CONTROLLERS:PATH".
 */
static bool cgroup_path(const char *ctl, char *path, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[512];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (!c2)
			continue;
		*c1 = *c2 = 0;
		c2[1 + strcspn(c2 + 1, "\n")] = 0;
		found = ctl ? in_list(c1 + 1, ctl) : !strcmp(line, "0") && !c1[1];
		if (found)
			snprintf(path, len, "%s", c2 + 1);
	}
	fclose(f);
	return found;
}

/* A cgroup file holding a number or "max"; 0 for "max" or absent. */
static uint64_t cg_value(const char *dir, const char *file)
{
	char path[512], buf[32] = "";
	int fd, n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return strtoull(buf, NULL, 10) >= CG_UNLIMITED ? 0 : strtoull(buf, NULL, 10);
}

/*
 * Limits nest: the tightest is the level with the least room, from this
 * cgroup up to the root. Fills the limit, the usage and the limit's file.
 */
static void cg_tightest(const char *root, const char *rel, const char *limit_file,
			const char *usage_file, uint64_t *limit, uint64_t *usage, char *file, size_t len)
{
	char dir[512];
	uint64_t best = UINT64_MAX;

	snprintf(dir, sizeof(dir), "%s%s", root, rel);
	if (snprintf(file, len, "%s/%s", dir, limit_file) >= (int)len)
		file[0] = 0;
	*limit = *usage = 0;
	for (;;) {
		uint64_t l = cg_value(dir, limit_file), u = cg_value(dir, usage_file);
		char *slash = strrchr(dir, '/');

		if (l && (l > u ? l - u : 0) < best) {
			best = l > u ? l - u : 0;
			*limit = l;
			*usage = u;
			if (snprintf(file, len, "%s/%s", dir, limit_file) >= (int)len)
				file[0] = 0;
		}
		if (strlen(dir) <= strlen(root) || !slash)
			break;
		*slash = 0;
	}
}

void limits_memcg(uint64_t *limit, uint64_t *usage, char *file, size_t len)
{
	struct memcg cg;
	struct memcg_usage u;

	*limit = *usage = 0;
	file[0] = 0;
	if (memcg_open(0, &cg) || memcg_read(&cg, &u))
		return;
	*limit = u.limit;
	*usage = u.usage;
	snprintf(file, len, "%s", u.limit ? u.file : cg.dir);
}

/* Where the v2 hierarchy is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified beside v1). */
static bool v2_mount(char *mnt, size_t len)
{
	static char text[65536];
	char root[256];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	size_t n;

	if (!f)
		return false;
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = 0;
	fclose(f);
	return !memcg_parse_mountinfo(text, 2, mnt, len, root, sizeof(root));
}

static void probe_cgroups(struct limits_input *in)
{
	char rel[256], file[256], mnt[256];
	struct memcg cg;

	limits_memcg(&in->memcg_limit, &in->memcg_usage, in->memcg_file, sizeof(in->memcg_file));
	if (!memcg_open(0, &cg))
		in->memcg_version = memcg_version_name(&cg);
	/* pids.max: v1's pids hierarchy, else v2's (the same file names). */
	if (cgroup_path("pids", rel, sizeof(rel)))
		cg_tightest("/sys/fs/cgroup/pids", rel, "pids.max", "pids.current", &in->pids_max,
			    &in->pids_now, file, sizeof(file));
	else if (cgroup_path(NULL, rel, sizeof(rel)) && v2_mount(mnt, sizeof(mnt)))
		cg_tightest(mnt, rel, "pids.max", "pids.current", &in->pids_max, &in->pids_now, file,
			    sizeof(file));
}

static void append(char *buf, size_t len, const char *word)
{
	size_t n = strlen(buf);

	snprintf(buf + n, len - n, "%s%s", n ? " " : "", word);
}

static void probe_uring(struct limits_input *in)
{
	static const struct { int op; const char *name; bool required; } ops[] = {
		{ IORING_OP_SOCKET, "SOCKET", true },
		{ IORING_OP_ACCEPT, "ACCEPT", true },
		{ IORING_OP_CONNECT, "CONNECT", true },
		{ IORING_OP_POLL_ADD, "POLL_ADD", true },
		{ IORING_OP_ASYNC_CANCEL, "ASYNC_CANCEL", true },
		{ IORING_OP_CLOSE, "CLOSE", true },
		{ IORING_OP_RECV, "RECV", true },
		{ HC_OP_URING_CMD, "URING_CMD", false },
		{ HC_OP_BIND, "BIND", false },
	};
	struct io_uring_probe *p;

	in->io_uring_disabled = sysinfo_io_uring_disabled();
	in->uring_group = read_i64("/proc/sys/kernel/io_uring_group", -1);
	in->uring_group_member = in_group(in->uring_group);
	p = io_uring_get_probe();
	if (!p)
		return;
	in->uring_probed = true;
	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (io_uring_opcode_supported(p, ops[i].op))
			continue;
		if (ops[i].required)
			append(in->uring_missing, sizeof(in->uring_missing), ops[i].name);
		else
			append(in->uring_optional, sizeof(in->uring_optional), ops[i].name);
	}
	io_uring_free_probe(p);
}

/*
 * What a ring is charged, measured on a ring of holdconn's own size (its
 * params tell where the kernel's regions end); two pages when none can be
 * made (memlock or io_uring_disabled may forbid even that one).
 */
static uint64_t ring_charge(uint64_t page)
{
	struct io_uring_params p = { .flags = IORING_SETUP_CQSIZE, .cq_entries = HC_RING_CQ_ENTRIES };
	struct io_uring u;

	if (io_uring_queue_init_params(HC_RING_SQ_ENTRIES, &u, &p))
		return 2 * page;
	io_uring_queue_exit(&u);
	return hc_ring_charge(&p, page);
}

static void probe_memlock(struct limits_input *in)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

	getrlimit(RLIMIT_MEMLOCK, &rl);
	in->memlock_soft = rl.rlim_cur == RLIM_INFINITY ? LIMITS_NONE : rl.rlim_cur;
	in->memlock_hard = rl.rlim_max == RLIM_INFINITY ? LIMITS_NONE : rl.rlim_max;
	in->memlock_charged = in->memlock_soft != LIMITS_NONE && !sysinfo_has_cap(CAP_IPC_LOCK);
	in->ring_charge = ring_charge(in->page_size);
	in->accept_margin = 2 * WINDOW; /* bench.c: twice the client's window */
	in->uid = getuid();
}

static bool all_loopback(const struct limits_query *q)
{
	for (int i = 0; i < q->ntarget; i++)
		if (!addr_is_loopback(q->target[i].v6, q->target[i].addr))
			return false;
	return q->ntarget > 0;
}

static void probe_tuples(const struct limits_query *q, struct limits_input *in)
{
	struct port_range r = { NETNS_PORT_FIRST, NETNS_PORT_LAST };

	in->sport_default = !q->has_sport;
	in->bind_source = in->bench || q->has_source || in->loopback;
	/* As side.c plans them: outside the ephemeral range when bound explicitly. */
	if (q->has_sport)
		r = q->sport;
	else if (in->bind_source && !in->bench)
		sysinfo_source_ports(&r);
	else if (!in->bench)
		sysinfo_local_port_range(&r);
	in->sport_first = r.first;
	in->sport_last = r.last;
	in->saddr_first = BENCH_SOURCE_FIRST;
	in->nsaddr = BENCH_SOURCE_COUNT;
	if (q->has_source) {
		addr128 n = addr_range_count(&q->source);

		in->saddr_first = q->source.first;
		in->saddr_v6 = q->source.v6;
		/* 0 is all 2^128: as with any block past 2^32, more than a run can use. */
		in->nsaddr = n == 0 || n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	} else if (!in->bench && q->ntarget && q->target[0].v6) {
		/* As side.c: [::1] targets are reached from ::1 alone. */
		in->saddr_first = 1;
		in->saddr_v6 = true;
		in->nsaddr = 1;
	}
	in->ndst = in->bench ? q->ports : 0;
	for (int i = 0; i < q->ntarget; i++)
		in->ndst += port_range_count(&q->target[i].ports);
}

static void probe_files(struct limits_input *in)
{
	struct rlimit rl;
	uint64_t nr[3];

	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		in->nofile_soft = rl.rlim_cur;
		in->nofile_hard = rl.rlim_max;
	}
	in->nr_open = read_u64("/proc/sys/fs/nr_open", 1048576);
	in->cap_sys_resource = sysinfo_has_cap(CAP_SYS_RESOURCE);
	in->cap_sys_admin = sysinfo_has_cap(CAP_SYS_ADMIN);
	in->uid_root = getuid() == 0;
	in->fds_open = count_fds();
	in->file_max = read_u64("/proc/sys/fs/file-max", 0);
	if (sysinfo_read_u64s("/proc/sys/fs/file-nr", nr, 3) == 3)
		in->file_nr = nr[0];
}

/* The bucket count netns.c gives bench's namespace: a power of two for the sockets. */
static uint64_t bench_ehash(const struct limits_query *q, const struct limits_input *in)
{
	uint64_t sockets = q->conns ? 2 * q->conns : in->mem_available / BENCH_SOCKET_GUESS;
	uint64_t room = in->memcg_limit > in->memcg_usage ? in->memcg_limit - in->memcg_usage : 0;

	/* bench_run.c: a memory cgroup pays for the table, so it is sized for what fits there. */
	if (in->memcg_limit && sockets > room / MEMCG_BYTES_PER_SOCKET)
		sockets = room / MEMCG_BYTES_PER_SOCKET;
	uint64_t b = EHASH_MIN;

	while (b < sockets && b < EHASH_MAX)
		b <<= 1;
	return b;
}

int limits_probe_memory(const struct limits_query *q, struct limits_input *in)
{
	struct meter_sample *s = malloc(sizeof(*s));
	int ret;

	if (!s)
		return -ENOMEM;
	ret = meter_sample(s);
	if (!ret) {
		in->mem_available = s->mem_available;
		in->reserve = q->has_reserve ? q->reserve : meter_default_reserve(s->mem_total);
		in->reserve_default = !q->has_reserve;
		in->memcg_reserve_default = !q->has_reserve;
		in->reclaimable_now = s->reclaimable;
		in->tcp_mem_used = s->tcp_mem_pages;
	}
	free(s);
	zoneinfo(in->page_size, &in->wmark_low, &in->pcp_free);
	probe_cgroups(in);
	/* The sides keep --reserve below the cgroup's limit too (hold/holder.c). */
	in->memcg_reserve = q->has_reserve ? q->reserve : memcg_default_reserve(in->memcg_limit);
	return ret;
}

static void probe_threads(struct limits_input *in)
{
	struct rlimit rl;
	long min = sysconf(_SC_THREAD_STACK_MIN);
	uint64_t stack = min > THREAD_STACK_FLOOR ? (uint64_t)min : THREAD_STACK_FLOOR;

	in->threads_max = read_u64("/proc/sys/kernel/threads-max", 0);
	in->pid_max = read_u64("/proc/sys/kernel/pid_max", 32768);
	in->threads_now = tasks_now();
	if (!getrlimit(RLIMIT_NPROC, &rl))
		in->nproc_soft = rl.rlim_cur;
	in->max_map_count = read_u64("/proc/sys/vm/max_map_count", 65530);
	in->maps_now = count_lines("/proc/self/maps");
	in->stack_size = (stack + in->page_size - 1) / in->page_size * in->page_size;
}

static void probe_net(const struct limits_query *q, struct limits_input *in)
{
	uint64_t ehash;

	sysinfo_read_u64s("/proc/sys/net/ipv4/tcp_mem", in->tcp_mem, 3);
	in->tw_buckets = read_u64("/proc/sys/net/ipv4/tcp_max_tw_buckets", 0);
	in->somaxconn = read_u64("/proc/sys/net/core/somaxconn", 4096);
	in->syn_backlog = read_u64("/proc/sys/net/ipv4/tcp_max_syn_backlog", 0);
	in->backlog = q->backlog;
	in->window = WINDOW;
	/* A namespace that shares the host's hash shows its size negated. */
	ehash = llabs(read_i64("/proc/sys/net/ipv4/tcp_ehash_entries", 0));
	in->ehash_host = ehash;
	in->ehash_per_run = in->bench && in->uid_root;
	in->ehash = in->ehash_per_run ? bench_ehash(q, in) : ehash;
}

/* The documented objects, at this kernel's slab page share where /sys/kernel/slab says. */
static void probe_shares(struct slab_shares *s)
{
	const struct { const char *cache; double *share; } caches[] = {
		{ "TCP", &s->tcp },
		{ "sock_inode_cache", &s->sock_inode },
		{ "filp", &s->filp },
		{ "dentry", &s->dentry },
		{ "io_kiocb", &s->uring_poll },
		{ "eventpoll_epi", &s->epoll_item },
	};
	bool rec;

	limits_documented_shares(s);
	for (unsigned i = 0; i < sizeof(caches) / sizeof(caches[0]); i++)
		limits_slab_cache(caches[i].cache, caches[i].share, &rec);
}

int limits_probe(const struct limits_query *q, struct limits_input *in)
{
	int ret;

	memset(in, 0, sizeof(*in));
	in->mode = q->mode;
	in->conns = q->conns;
	in->bench = q->ntarget == 0;
	in->loopback = all_loopback(q);
	in->listeners = in->bench ? q->ports : 0;
	in->page_size = sysconf(_SC_PAGESIZE);
	probe_tuples(q, in);
	probe_files(in);
	ret = limits_probe_memory(q, in);
	probe_threads(in);
	probe_net(q, in);
	probe_uring(in);
	probe_memlock(in);
	probe_shares(&in->share);
	for (int m = 0; m < LIMITS_MODES; m++)
		limits_default_cost(in, m, &in->cost[m]);
	return ret;
}

int limits_slab_cache(const char *name, double *page_share, bool *reclaimable)
{
	char path[128];
	uint64_t order, objs, rec;

	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/order", name);
	order = read_u64(path, UINT64_MAX);
	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/objs_per_slab", name);
	objs = read_u64(path, 0);
	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/reclaim_account", name);
	rec = read_u64(path, 0);
	if (order > 10 || !objs)
		return -ENOENT;
	*page_share = (double)((uint64_t)sysconf(_SC_PAGESIZE) << order) / objs;
	*reclaimable = rec != 0;
	return 0;
}

int limits_predict_bench(const struct limits_query *q, uint64_t mem_available, uint64_t reserve,
			 struct limits_prediction *p)
{
	static struct limits_input in;
	static struct limits_table t;
	int ret = limits_probe(q, &in);

	if (ret)
		return ret;
	in.conns = 0;
	in.mem_available = mem_available;
	in.reserve = reserve;
	limits_compute(&in, &t);
	if (t.predicted[q->mode] == LIMITS_NONE)
		return -ERANGE;
	p->max = t.predicted[q->mode];
	p->binding = t.binding_by_mode[q->mode];
	p->stop = t.stop_by_mode[q->mode];
	snprintf(p->lift, sizeof(p->lift), "%s", t.rows[t.binding].lift);
	return 0;
}
