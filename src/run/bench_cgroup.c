/*
 * bench_cgroup.c - bench under a memory cgroup's limit: the room left
 * under it through the ramp, what the cgroup was charged per pair (a slope
 * between the first and the last point), and its OOM kills when a side dies.
 * The sides stop themselves before the limit (hold/holder.c, reason
 * `cgroup`); this is what bench reports of it.
 */
#include "run/bench_internal.h"

/* Before the sides start: bench's cgroup is theirs, unless moved. */
void bench_cgroup_start(struct bench *b)
{
	struct memcg_usage u;

	if (memcg_open(0, &b->cg) || memcg_read(&b->cg, &u)) {
		b->cg.version = 0;
		return;
	}
	b->cg_base = u.usage;
	b->cg_oom0 = u.oom_kills;
	b->cg_headroom_min = u.headroom;
	b->cg_reserve = b->ccfg[0].cgroup_reserve ? b->ccfg[0].cgroup_reserve
						   : memcg_default_reserve(u.limit);
}

bool bench_cgroup_limited(const struct bench *b)
{
	return b->cg.version && b->cg.nlevels;
}

/* Cheap, every turn of the ramp: the room left, the least of it kept. */
uint64_t bench_cgroup_poll(struct bench *b)
{
	uint64_t room = MEMCG_NONE;

	if (bench_cgroup_limited(b) && !memcg_headroom(&b->cg, &room) && room < b->cg_headroom_min)
		b->cg_headroom_min = room;
	return room;
}

void bench_cgroup_point(struct bench *b, uint64_t conns)
{
	if (!b->cg.version || memcg_read(&b->cg, &b->cg_last))
		return;
	if (!b->cg_conns[0]) {
		b->cg_conns[0] = conns;
		b->cg_usage[0] = b->cg_last.usage;
	}
	b->cg_conns[1] = conns;
	b->cg_usage[1] = b->cg_last.usage;
}

void bench_cgroup_summary(struct bench *b, struct cgroup_report *c)
{
	const struct memcg_usage *u = &b->cg_last;
	double slope;

	memset(c, 0, sizeof(*c));
	c->version = memcg_version_name(&b->cg);
	snprintf(c->file, sizeof(c->file), "%s", u->file);
	c->limit = u->limit;
	c->reserve = b->cg_reserve;
	c->usage = u->usage;
	c->headroom_min = b->cg_headroom_min;
	c->kernel = u->kernel;
	c->oom_kills = u->oom_kills - b->cg_oom0;
	/* Two points: a slope, the processes' own start-up cost left out. One: from the baseline. */
	if (b->cg_conns[1] > b->cg_conns[0])
		slope = ((double)b->cg_usage[1] - b->cg_usage[0]) / (b->cg_conns[1] - b->cg_conns[0]);
	else
		slope = b->cg_conns[1] ? ((double)b->cg_usage[1] - b->cg_base) / b->cg_conns[1] : 0;
	c->charged_bytes_per_connection = slope;
	c->fixed_bytes = b->cg_conns[0] ? (double)b->cg_usage[0] - b->cg_base - slope * b->cg_conns[0]
					: 0;
	if (c->fixed_bytes < 0)
		c->fixed_bytes = 0;
}

/* A side died: the OOM kills its cgroup counted since the run began. */
void bench_cgroup_death(struct bench *b)
{
	struct memcg_usage u;

	if (!b->cg.version || memcg_read(&b->cg, &u))
		return;
	b->death.has_cgroup = true;
	b->death.oom_kills = u.oom_kills - b->cg_oom0;
}
