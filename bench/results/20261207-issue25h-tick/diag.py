# diag.py: applied to src/hold/holder.c with tick.diff it builds holdconn.diag (not for landing): per beating loop, the gaps between batches (wall and thread CPU) by size, printed at exit.
p='src/hold/holder.c'; s=open(p).read()
s=s.replace('''volatile sig_atomic_t holder_signalled;''','''volatile sig_atomic_t holder_signalled;

/* DIAG (not for landing): the gaps between handouts, wall and this thread's CPU. */
#include <stdio.h>
static uint64_t dg_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}
static const double dg_edge[] = { 1.2, 1.5, 2, 3, 5, 10, 1e9 };
#define DG_N 7
static struct {
	uint64_t last_wall, last_cpu, n[DG_N];
	double cpu[DG_N], wall[DG_N], max;
	uint64_t turns, turns_slow, beat_slow;
	double beat_max, wait_max, rest_max;
} dg;
static void dg_handout(void)
{
	uint64_t w = now_ns(), c = dg_cpu();

	if (dg.last_wall) {
		double gw = (w - dg.last_wall) / 1e6, gc = (c - dg.last_cpu) / 1e6;
		int i = 0;

		while (gw > dg_edge[i])
			i++;
		dg.n[i]++;
		dg.cpu[i] += gc;
		dg.wall[i] += gw;
		if (gw > dg.max)
			dg.max = gw;
	}
	dg.last_wall = w;
	dg.last_cpu = c;
}
static void dg_print(const struct holder *h)
{
	fprintf(stderr, "DIAG role=%s turns=%llu slow_turns(>2ms)=%llu beat_max=%.2fms wait_max=%.2fms rest_max=%.2fms gap_max=%.2fms\\n",
		h->cfg->role == ROLE_CONNECT ? "connect" : "serve", (unsigned long long)dg.turns,
		(unsigned long long)dg.turns_slow, dg.beat_max, dg.wait_max, dg.rest_max, dg.max);
	for (int i = 0; i < DG_N; i++)
		if (dg.n[i])
			fprintf(stderr, "DIAG gap<=%gms n=%llu avg_wall=%.3fms avg_cpu=%.3fms\\n", dg_edge[i],
				(unsigned long long)dg.n[i], dg.wall[i] / dg.n[i], dg.cpu[i] / dg.n[i]);
}''')
s=s.replace('''	h->beat_at_us = wall;
''','''	h->beat_at_us = wall;
	if (h->beat_window)
		dg_handout();
''')
s=s.replace('''		beat(h);
		cfg->backend->wait(h, wait_ms(h, quick));
		check_target(h);''','''		uint64_t t0 = now_ns();
		beat(h);
		uint64_t t1 = now_ns();
		int wms = wait_ms(h, quick);
		cfg->backend->wait(h, wms);
		uint64_t t2 = now_ns();
		check_target(h);''')
s=s.replace('''		if (cfg->tick && (now - last_tick) * 1000 >= cfg->tick_ms) {
			cfg->tick(cfg->tick_arg, h);
			last_tick = now;
		}
	}''','''		if (cfg->tick && (now - last_tick) * 1000 >= cfg->tick_ms) {
			cfg->tick(cfg->tick_arg, h);
			last_tick = now;
		}
		if (h->beat_window || (cfg->role == ROLE_SERVE && holder_beating(h))) {
			uint64_t t3 = now_ns();
			double b = (t1 - t0) / 1e6, wt = (t2 - t1) / 1e6 - wms, r = (t3 - t2) / 1e6;

			dg.turns++;
			dg.turns_slow += (t3 - t0) / 1e6 - wms > 2;
			if (b > dg.beat_max) dg.beat_max = b;
			if (wt > dg.wait_max) dg.wait_max = wt;
			if (r > dg.rest_max) dg.rest_max = r;
		}
	}
	dg_print(h);''')
open(p,'w').write(s)
