# diag3.py: applied to src/hold/holder.c of fbc864b (pace) it builds holdconn.diag3 (not for landing):
# a line on stderr for every turn of a beating loop over 2.5 ms past its timeout (at most 400).
p='src/hold/holder.c'; s=open(p).read()
s=s.replace('''volatile sig_atomic_t holder_signalled;''','''volatile sig_atomic_t holder_signalled;

/* DIAG (not for landing): every slow turn of a beating loop, logged. */
#include <stdio.h>
#include <sys/resource.h>
static uint64_t dg_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}
static int dg_logged;''')
old='''		int beat_wait = beat(h);

		cfg->backend->wait(h, wait_us(h, quick, beat_wait));
		check_target(h);'''
new='''		uint64_t t0 = now_ns(), c0 = dg_cpu();
		uint64_t m0 = atomic_load(&cfg->stats->traffic.msgs_started), r0 = atomic_load(&cfg->stats->traffic.msgs_recv);
		struct rusage ru0, ru1;
		getrusage(RUSAGE_THREAD, &ru0);
		int beat_wait = beat(h);
		uint64_t t1 = now_ns(), m1 = atomic_load(&cfg->stats->traffic.msgs_started);
		int wus = wait_us(h, quick, beat_wait);

		cfg->backend->wait(h, wus);
		uint64_t t2 = now_ns();
		check_target(h);'''
assert old in s; s=s.replace(old,new)
old='''		if (cfg->tick && (now - last_tick) * 1000 >= cfg->tick_ms) {
			cfg->tick(cfg->tick_arg, h);
			last_tick = now;
		}
	}'''
new='''		if (cfg->tick && (now - last_tick) * 1000 >= cfg->tick_ms) {
			cfg->tick(cfg->tick_arg, h);
			last_tick = now;
		}
		if ((h->beat_window || (cfg->role == ROLE_SERVE && holder_beating(h))) && dg_logged < 400) {
			uint64_t t3 = now_ns(), c3 = dg_cpu();
			double wt = (t2 - t1) / 1e6 - wus / 1e3;

			if ((t3 - t0) / 1e6 - wus / 1e3 > 2.5) {
				getrusage(RUSAGE_THREAD, &ru1);
				dg_logged++;
				fprintf(stderr, "DIAG %s t=%.3f beat=%.2f wait=%.2f(timeout %.2f) rest=%.2f cpu=%.2f handed=%llu recv=%llu nvcsw=%ld nivcsw=%ld minflt=%ld\\n",
					cfg->role == ROLE_CONNECT ? "gen" : "srv", t0 / 1e9, (t1 - t0) / 1e6, wt, wus / 1e3,
					(t3 - t2) / 1e6, (c3 - c0) / 1e6, (unsigned long long)(m1 - m0),
					(unsigned long long)(atomic_load(&cfg->stats->traffic.msgs_recv) - r0),
					ru1.ru_nvcsw - ru0.ru_nvcsw, ru1.ru_nivcsw - ru0.ru_nivcsw, ru1.ru_minflt - ru0.ru_minflt);
			}
		}
	}'''
assert old in s; s=s.replace(old,new)
open(p,'w').write(s)
