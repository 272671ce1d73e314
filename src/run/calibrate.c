/* calibrate.c - the measured cost of one connection (see calibrate.h). */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "run/bench.h"
#include "run/calibrate.h"
#include "hold/holder.h"
#include "hold/ringset.h"

#define MIN_PAIRS 100   /* fewer held: the figures are noise */
#define TRIES 3
#define SHRINK_SLACK 64 /* B per pair a cache may shrink by before it is someone else's */
#define COST_SLACK 1.3  /* measured vs documented, at most this factor apart */

static struct bench_opts bench_options(const struct limits_query *q, uint64_t pairs)
{
	struct bench_opts b;

	bench_opts_defaults(&b);
	b.mode = q->mode;
	b.client_mode = BENCH_CLIENT_MODE;
	b.conns = pairs;
	/* Two points: the cgroup's charge per pair is the slope between them. */
	b.report_every = pairs / 2;
	b.ports = q->ports;
	b.holder.reserve.bytes = q->reserve;
	b.holder.reserve.given = q->has_reserve;
	return b;
}

/* bench in a child: its namespace and signal handling stay there. */
static int run_child(const struct bench_opts *bo, struct bench_result *res)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		FILE *null = fopen("/dev/null", "w");
		struct reporter rep;

		if (!null)
			_exit(1);
		reporter_init(&rep, null, false);
		holder_signals(false);
		_exit(bench_run(bo, &rep, res));
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status))
		return -EINTR;
	return WEXITSTATUS(status) ? -EIO : 0;
}

/* Without /sys/kernel/slab: the inode and dentry caches are the reclaimable ones. */
static bool reclaimable_by_name(const char *name)
{
	size_t n = strlen(name);

	return !strcmp(name, "dentry") || (n > 11 && !strcmp(name + n - 11, "inode_cache") &&
					   strcmp(name, "lsm_inode_cache"));
}

static void add_caches(struct calibration *c, const struct meter_delta *d)
{
	int64_t listed = 0;

	for (int i = 0; i < d->ncaches; i++) {
		const struct cache_delta *cd = &d->caches[i];
		struct calibration_cache *cc = &c->caches[c->ncaches++];
		double share;
		bool rec;

		snprintf(cc->name, sizeof(cc->name), "%s", cd->name);
		cc->bytes_per_pair = (double)cd->bytes / c->pairs;
		cc->pages_per_pair = cc->bytes_per_pair;
		cc->reclaimable = false;
		/* KernelStack and PageTables come as bytes with no objects. */
		if (cd->objs && !limits_slab_cache(cd->name, &share, &rec)) {
			cc->pages_per_pair = share * cd->objs / c->pairs;
			cc->reclaimable = rec;
		} else if (cd->objs) {
			cc->reclaimable = reclaimable_by_name(cd->name);
		}
		listed += cd->bytes;
		if (cc->reclaimable)
			c->pair.reclaimable += cc->pages_per_pair;
		else
			c->pair.unreclaimable += cc->pages_per_pair;
	}
	/* The small caches past the top few, as they are. */
	c->pair.unreclaimable += (double)(d->kernel_bytes - listed) / c->pairs;
}

static void take(struct calibration *c, const struct bench_result *res)
{
	const struct report_summary *s = &res->summary;
	uint32_t rings = s->rings_server + s->rings_client;
	int uring_sides = (c->mode == MODE_URING) + (BENCH_CLIENT_MODE == MODE_URING);

	c->pairs = s->held;
	c->sockets = s->sockets;
	c->stop = s->stop_reason;
	c->kernel_bytes_per_socket = s->kernel_bytes_per_socket;
	c->user_bytes_per_pair = s->user_bytes_per_conn * s->sockets / s->held;
	c->rate = s->avg_rate;
	if (s->cgroup) {
		c->memcg_charge = s->cgroup->charged_bytes_per_connection;
		c->memcg_fixed = s->cgroup->fixed_bytes;
	}
	if (rings)
		c->ring_bytes_per_pair = (double)s->ring_bytes / rings / ringset_slots_allowed() *
					 uring_sides;
	add_caches(c, &res->delta);
	c->pair.unreclaimable += c->user_bytes_per_pair + c->ring_bytes_per_pair;
	if (c->mode == MODE_THREADS)
		c->pair.unreclaimable += COST_THREAD_USER; /* stack pages: anonymous, not slab */
	if (s->buffer_bytes_per_conn > 0)
		c->pair.buffers = s->buffer_bytes_per_conn * s->sockets / s->held;
}

/*
 * The slab is global: another process's sockets or threads coming and
 * going during the ramp land in the deltas too. bench's own check (the
 * kernel's count of TCP sockets against the pairs') says when sockets
 * did; ours also shrink nothing, and cost about what is documented.
 */
static bool disturbed(const struct calibration *c, const struct bench_result *res, double expect,
		      char *why, size_t len)
{
	const struct sock_check *sc = &res->check.sockets;
	double total = c->pair.unreclaimable + c->pair.reclaimable;

	if (sc->disturbed) {
		snprintf(why, len, "the kernel counted %lld new TCP sockets, %llu of them ours",
			 (long long)sc->seen, (unsigned long long)sc->expected);
		return true;
	}
	for (int i = 0; i < c->ncaches; i++) {
		if (c->caches[i].pages_per_pair < -SHRINK_SLACK) {
			snprintf(why, len, "%s shrank by %.0f B per pair", c->caches[i].name,
				 -c->caches[i].pages_per_pair);
			return true;
		}
	}
	if (total > expect * COST_SLACK || total < expect / COST_SLACK) {
		snprintf(why, len, "%.0f B per pair, %.0f expected", total, expect);
		return true;
	}
	return false;
}

static int measure(const struct bench_opts *bo, struct bench_result *res, struct calibration *c)
{
	int ret = run_child(bo, res);

	if (ret)
		snprintf(c->why, sizeof(c->why), "calibration bench failed (%s)", strerror(-ret));
	else if (res->summary.held < MIN_PAIRS)
		snprintf(c->why, sizeof(c->why), "calibration held only %llu pairs (stop: %s%s%.100s)",
			 (unsigned long long)res->summary.held, res->summary.stop_reason,
			 res->detail[0] ? ", " : "", res->detail);
	else if (!res->delta.from_slabinfo)
		snprintf(c->why, sizeof(c->why), "/proc/slabinfo is unreadable (needs root)");
	return c->why[0] ? (ret ? ret : -EIO) : 0;
}

int calibrate(const struct limits_query *q, uint64_t pairs, const struct limits_cost *expect,
	      struct calibration *c)
{
	struct bench_opts bo = bench_options(q, pairs);
	double want = expect->unreclaimable + expect->reclaimable;
	struct bench_result *res;
	char why[120] = "";
	int ret = 0;

	res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED) {
		memset(c, 0, sizeof(*c));
		snprintf(c->why, sizeof(c->why), "calibration: %s", strerror(errno));
		return -ENOMEM;
	}
	for (int i = 0; i < TRIES && !ret; i++) {
		memset(c, 0, sizeof(*c));
		c->mode = q->mode;
		ret = measure(&bo, res, c);
		if (ret || holder_signalled)
			break;
		take(c, res);
		if (!disturbed(c, res, want, why, sizeof(why))) {
			c->measured = true;
			break;
		}
	}
	munmap(res, sizeof(*res));
	if (!ret && !c->measured) {
		snprintf(c->why, sizeof(c->why), "calibration disturbed %d times by other activity "
			 "on the box (last: %s)", TRIES, why);
		ret = -EAGAIN;
	}
	return ret;
}

/*
 * The measured mode gets what was measured (for connect: one side of it,
 * plus a loopback server's); the other modes keep the documented costs, at
 * this kernel's slab page sizes, rather than inherit this run's noise.
 */
void calibrate_apply(const struct calibration *c, struct limits_input *in)
{
	const struct slab_shares *s = &in->share;
	/* One socket, no event model: half a pair, less what each side adds. */
	double sock = (c->pair.unreclaimable - limits_side_extra(s, c->mode) - BENCH_CLIENT_EXTRA) / 2;
	struct limits_cost *k = &in->cost[c->mode];
	int n = in->bench || in->loopback ? 2 : 1;

	if (!c->measured)
		return;
	k->unreclaimable = sock + limits_side_extra(s, c->mode);
	if (in->bench)
		k->unreclaimable += sock + BENCH_CLIENT_EXTRA;
	else if (in->loopback)
		k->unreclaimable += sock + limits_side_extra(s, MODE_URING);
	k->reclaimable = c->pair.reclaimable / 2 * n;
	k->buffers = c->pair.buffers / 2 * n;
	in->cost_measured = true;
	in->rate = c->rate;
	/* bench pairs only: a connect's charge is not half a pair's (one cgroup may hold both ends). */
	if (in->bench) {
		in->memcg_charge = c->memcg_charge;
		in->memcg_fixed = c->memcg_fixed;
	}
}
