/* crosscheck.c - the kernel's count of sockets against ours, and each figure's resolution. */
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "measure/crosscheck.h"

#define PCPU_RSV_PATH "/proc/sys/net/core/mem_pcpu_rsv"
/* Before the sysctl (6.9) the reserve was fixed at 1 MiB per CPU (SK_MEMORY_PCPU_RESERVE, 6.0). */
#define PCPU_RSV_BYTES (1 << 20)
/* A CPU's vmstat differential is folded in at this many pages at most (mm/vmstat.c). */
#define VMSTAT_DRIFT_PAGES 125
/* The RSS counters' per-CPU batch (percpu_counter_batch: max(32, 2 x CPUs)), in pages. */
#define RSS_BATCH_MIN 32

static uint64_t read_u64(const char *path, uint64_t fallback)
{
	char buf[32];
	uint64_t v;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return fallback;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return fallback;
	buf[n] = '\0';
	return sscanf(buf, "%" SCNu64, &v) == 1 ? v : fallback;
}

void crosscheck_env(struct crosscheck_env *env)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN), page = sysconf(_SC_PAGESIZE);

	memset(env, 0, sizeof(*env));
	env->ncpus = cpus > 0 ? (int)cpus : 1;
	env->page_size = page > 0 ? (uint64_t)page : 4096;
	env->tcp_pcpu_pages = read_u64(PCPU_RSV_PATH, PCPU_RSV_BYTES / env->page_size);
}

/*
 * SLUB sizes a CPU's partial list from the object size (set_cpu_partial in
 * mm/slub.c): twice this many objects, in whole slabs.
 */
static uint64_t cpu_partial_objects(uint64_t size, uint64_t page_size)
{
	if (size >= page_size)
		return 6;
	if (size >= 1024)
		return 24;
	if (size >= 256)
		return 52;
	return 120;
}

uint64_t slab_cache_slack(const struct slab_cache *c, const struct crosscheck_env *env)
{
	uint64_t per = c->objperslab, partial_slabs;

	if (!per)
		return 0;
	partial_slabs = (2 * cpu_partial_objects(c->objsize, env->page_size) + per - 1) / per;
	return (uint64_t)env->ncpus * per * (1 + partial_slabs);
}

static uint64_t tcp_slack(const struct meter_sample *s, const struct crosscheck_env *env)
{
	uint64_t n = 0;

	for (int i = 0; i < s->ncaches; i++)
		if (!strcmp(s->caches[i].name, "TCP") || !strcmp(s->caches[i].name, "TCPv6"))
			n += slab_cache_slack(&s->caches[i], env);
	return n;
}

void crosscheck_sockets(const struct meter_sample *base, const struct meter_sample *now,
			const struct crosscheck_env *env, uint64_t expected, struct sock_check *c)
{
	double off;

	memset(c, 0, sizeof(*c));
	c->expected = expected;
	c->known = true;
	if (base->have_slabinfo && now->have_slabinfo) {
		c->source = "slabinfo";
		c->seen = (int64_t)(meter_tcp_objects(now) - meter_tcp_objects(base));
		/* Either sample may count a CPU's free objects: the difference is off by one's. */
		c->resolution = tcp_slack(now, env) + env->residue.tcp_objs;
	} else if (now->tcp_alloc || base->tcp_alloc) {
		c->source = "sockstat";
		c->seen = (int64_t)(now->tcp_alloc - base->tcp_alloc);
		c->resolution = 0; /* an exact sum over CPUs */
	} else {
		c->known = false;
		return;
	}
	off = fabs((double)c->seen - (double)expected);
	c->disturbed = off > CROSSCHECK_TOLERANCE * (double)expected + (double)c->resolution;
}

static const struct slab_cache *cache_named(const struct meter_sample *s, const char *name)
{
	for (int i = 0; i < s->ncaches; i++)
		if (!strcmp(s->caches[i].name, name))
			return &s->caches[i];
	return NULL;
}

/* Every cache whose count moved, as the later sample sizes it. */
static double slab_slack_bytes(const struct meter_sample *base, const struct meter_sample *now,
			       const struct crosscheck_env *env)
{
	double bytes = 0;

	for (int i = 0; i < now->ncaches; i++) {
		const struct slab_cache *n = &now->caches[i], *b = cache_named(base, n->name);

		if (b && b->active_objs == n->active_objs)
			continue;
		bytes += (double)slab_cache_slack(n, env) * (double)n->objsize;
	}
	return bytes;
}

double crosscheck_kernel_res(const struct meter_sample *base, const struct meter_sample *now,
			     const struct meter_delta *d, const struct crosscheck_env *env)
{
	double drift = 2.0 * env->ncpus * VMSTAT_DRIFT_PAGES * (double)env->page_size;
	double bytes = (double)env->residue.slab_bytes;

	if (d->from_slabinfo)
		bytes += slab_slack_bytes(base, now, env);
	else
		bytes += 2 * drift; /* Slab: is two vmstat counters, reclaimable and not */
	if (now->kernel_stack != base->kernel_stack)
		bytes += drift;
	if (now->page_tables != base->page_tables)
		bytes += drift;
	return bytes;
}

double crosscheck_buffer_res(const struct crosscheck_env *env)
{
	/* A CPU holds from -rsv to +rsv pages uncharged; two samples. */
	return 2.0 * env->ncpus * (double)env->tcp_pcpu_pages * (double)env->page_size;
}

double crosscheck_rss_res(const struct crosscheck_env *env, int nprocs)
{
	double batch = 2 * env->ncpus > RSS_BATCH_MIN ? 2 * env->ncpus : RSS_BATCH_MIN;

	return 2.0 * nprocs * env->ncpus * batch * (double)env->page_size;
}

static double per(double bytes, double n)
{
	return n > 0 ? bytes / n : NAN;
}

void crosscheck_point(const struct meter_sample *base, const struct meter_sample *now,
		      const struct meter_delta *d, const struct crosscheck_env *env, uint64_t held,
		      uint64_t expected, struct crosscheck *c)
{
	double own_extra = expected > held ? (double)(expected - held) : 0;

	memset(c, 0, sizeof(*c));
	crosscheck_sockets(base, now, env, expected, &c->sockets);
	c->divisor = (double)held;
	/*
	 * The extra sockets are taken to be of our kind: divide by everything
	 * the kernel counted. Far fewer than ours means others were freed as
	 * ours were opened, whose memory goes in stages (inodes after RCU):
	 * no per-socket figure can be had then.
	 */
	if (c->sockets.disturbed) {
		c->divisor = (double)c->sockets.seen - own_extra;
		if (c->divisor < CROSSCHECK_MIN_SHARE * (double)held)
			c->divisor = NAN;
	}
	c->kernel_raw = held ? (double)d->kernel_bytes / (double)held : 0;
	c->buffer_raw = held ? (double)d->buffer_bytes / (double)held : 0;
	c->kernel = per((double)d->kernel_bytes, c->divisor);
	c->buffer = per((double)d->buffer_bytes, c->divisor);
	c->kernel_res = per(crosscheck_kernel_res(base, now, d, env), c->divisor);
	c->buffer_res = per(crosscheck_buffer_res(env), c->divisor);
	if (!held) {
		c->kernel = c->buffer = 0;
		c->kernel_res = c->buffer_res = 0;
	}
}

bool figure_is_zero(double value, double resolution)
{
	return isfinite(value) && fabs(value) <= resolution;
}

bool figure_is_negative(double value, double resolution)
{
	return isfinite(value) && value < -resolution;
}

bool crosscheck_disturbed(const struct crosscheck *c)
{
	return c->sockets.disturbed || c->unexplained.found;
}
