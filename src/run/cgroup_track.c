/*
 * cgroup_track.c - a run under a memory cgroup's limit, as serve, connect
 * and bench report it.
 */
#include <string.h>
#include "run/cgroup_track.h"

void cgroup_track_start(struct cgroup_track *t, uint64_t reserve)
{
	struct memcg_usage u;

	memset(t, 0, sizeof(*t));
	if (memcg_open(0, &t->cg) || memcg_read(&t->cg, &u)) {
		t->cg.version = 0;
		return;
	}
	t->last = u;
	t->base = u.usage;
	t->oom0 = u.oom_kills;
	t->headroom_min = u.headroom;
	t->reserve = reserve ? reserve : memcg_default_reserve(u.limit);
}

bool cgroup_track_limited(const struct cgroup_track *t)
{
	return t->cg.version && t->cg.nlevels;
}

uint64_t cgroup_track_poll(struct cgroup_track *t)
{
	uint64_t room = MEMCG_NONE;

	if (cgroup_track_limited(t) && !memcg_headroom(&t->cg, &room) && room < t->headroom_min)
		t->headroom_min = room;
	return room;
}

void cgroup_track_point(struct cgroup_track *t, uint64_t conns)
{
	if (!t->cg.version || memcg_read(&t->cg, &t->last))
		return;
	if (t->last.headroom < t->headroom_min)
		t->headroom_min = t->last.headroom;
	if (!t->conns[0]) {
		t->conns[0] = conns;
		t->usage[0] = t->last.usage;
	}
	t->conns[1] = conns;
	t->usage[1] = t->last.usage;
}

void cgroup_track_summary(const struct cgroup_track *t, struct cgroup_report *c)
{
	const struct memcg_usage *u = &t->last;
	double slope;

	memset(c, 0, sizeof(*c));
	c->version = memcg_version_name(&t->cg);
	snprintf(c->file, sizeof(c->file), "%s", u->file);
	c->limit = u->limit;
	c->reserve = t->reserve;
	c->usage = u->usage;
	c->headroom_min = t->headroom_min;
	c->kernel = u->kernel;
	c->oom_kills = u->oom_kills - t->oom0;
	/* Two points: a slope, the processes' own start-up cost left out. One: from the baseline. */
	if (t->conns[1] > t->conns[0])
		slope = ((double)t->usage[1] - t->usage[0]) / (t->conns[1] - t->conns[0]);
	else
		slope = t->conns[1] ? ((double)t->usage[1] - t->base) / t->conns[1] : 0;
	c->charged_bytes_per_connection = slope;
	c->fixed_bytes = t->conns[0] ? (double)t->usage[0] - t->base - slope * t->conns[0] : 0;
	if (c->fixed_bytes < 0)
		c->fixed_bytes = 0;
}

void cgroup_track_tightest(const struct cgroup_track *t, struct memcg_usage *u)
{
	*u = t->last;
	if (u->limit && t->headroom_min < u->headroom) {
		u->headroom = t->headroom_min;
		u->usage = u->limit - t->headroom_min;
	}
}

bool cgroup_track_oom_kills(const struct cgroup_track *t, uint64_t *kills)
{
	struct memcg_usage u;

	if (!t->cg.version || memcg_read(&t->cg, &u))
		return false;
	*kills = u.oom_kills - t->oom0;
	return true;
}
