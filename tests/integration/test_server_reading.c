/*
 * test_server_reading.c - bench --server's figures for a server against a
 * reading the test makes itself, the way anyone could check them by hand:
 * the server's private PSS (Pss_Anon + Pss_Shmem of its processes) and
 * /proc/slabinfo, sampled every 20 ms; "before" is the last sample before
 * its descriptors grew, "after" the first once bench reports the target.
 * The test's own reads of /proc allocate proc inodes and dentries while
 * bench measures: they must land in bench's `other`, not in the server's
 * figure.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "proc.h"

#define CONNS 10000
#define TOLERANCE 0.05      /* the figures and the reading agree within 5% */
#define MAX_CACHES 400

static struct proc P;

static void stop(void)
{
	proc_cleanup();
}

TestSuite(server_reading, .fini = stop);

struct cache {
	char name[64];
	long objs, size;
};

struct sample {
	long private_pss, fds;
	int ncaches;
	struct cache caches[MAX_CACHES];
};

static void read_slab(struct sample *s)
{
	FILE *f = fopen("/proc/slabinfo", "r");
	char line[512];

	cr_assert_not_null(f, "/proc/slabinfo: %s", strerror(errno));
	s->ncaches = 0;
	while (fgets(line, sizeof(line), f) && s->ncaches < MAX_CACHES) {
		struct cache *c = &s->caches[s->ncaches];

		if (sscanf(line, "%63s %ld %*d %ld", c->name, &c->objs, &c->size) == 3 && c->name[0] != '#')
			s->ncaches++;
	}
	fclose(f);
}

static const struct cache *cache(const struct sample *s, const char *name)
{
	for (int i = 0; i < s->ncaches; i++)
		if (!strcmp(s->caches[i].name, name))
			return &s->caches[i];
	return NULL;
}

/* The slabinfo line that counts a cache SLUB may have merged into another. */
static const struct cache *line_of(const struct sample *s, const char *name)
{
	char path[128], want[64] = "", got[64];
	ssize_t n;

	if (cache(s, name))
		return cache(s, name);
	snprintf(path, sizeof(path), "/sys/kernel/slab/%s", name);
	if ((n = readlink(path, want, sizeof(want) - 1)) <= 0)
		return NULL;
	want[n] = '\0';
	for (int i = 0; i < s->ncaches; i++) {
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s", s->caches[i].name);
		n = readlink(path, got, sizeof(got) - 1);
		if (n > 0 && (got[n] = '\0', !strcmp(got, want)))
			return &s->caches[i];
	}
	return NULL;
}

static long grown(const struct sample *b, const struct sample *a, const char *name)
{
	const struct cache *x = cache(b, name), *y = cache(a, name);

	return (y ? y->objs : 0) - (x ? x->objs : 0);
}

static long private_pss(pid_t pid)
{
	char path[64], line[256];
	long total = 0, kb;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Pss_Anon: %ld", &kb) == 1 || sscanf(line, "Pss_Shmem: %ld", &kb) == 1)
			total += kb * 1024;
	fclose(f);
	return total;
}

/* bench's child that is not holdconn: the server (redis-server exec'd by sh). */
static pid_t server_of(pid_t bench)
{
	char path[64], exe[PATH_MAX], mine[PATH_MAX];
	FILE *f;
	int pid;
	pid_t found = 0;

	cr_assert_not_null(realpath(holdconn_path(), mine));
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)bench, (int)bench);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (!found && fscanf(f, "%d", &pid) == 1) {
		snprintf(path, sizeof(path), "/proc/%d/exe", pid);
		if (realpath(path, exe) && strcmp(exe, mine))
			found = pid;
	}
	fclose(f);
	return found;
}

static void take(pid_t server, struct sample *s)
{
	char path[64];
	struct stat st;

	s->private_pss = private_pss(server);
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)server);
	/* Since 6.2 its size is the count: no readdir, no proc inode per descriptor. */
	s->fds = stat(path, &st) ? -1 : (long)st.st_size;
	read_slab(s);
}

/*
 * Kernel bytes per server socket: one TCP socket, inode, file and LSM file
 * blob per socket at either end (their growth over 2N), kmalloc growth the
 * same way (kmalloc-32 is the generator's io_uring polls'); a dentry and an
 * LSM inode blob each (others' /proc walks grow those too); and per epoll
 * registration (ep_head objects grown) an epitem, a wait entry and the head.
 */
static double kernel_reading(const struct sample *b, const struct sample *a, long n)
{
	static const char *const per_socket[] = { "TCP", "sock_inode_cache", "filp", "lsm_file_cache" };
	static const char *const per_reg[] = { "eventpoll_epi", "eventpoll_pwq", "ep_head" };
	double bytes = 0, regs = (double)grown(b, a, "ep_head");

	for (size_t i = 0; i < 4; i++)
		bytes += grown(b, a, per_socket[i]) * (double)cache(a, per_socket[i])->size / (2.0 * n);
	for (int i = 0; i < a->ncaches; i++)
		if (!strncmp(a->caches[i].name, "kmalloc-", 8) && strcmp(a->caches[i].name, "kmalloc-32"))
			bytes += grown(b, a, a->caches[i].name) * (double)a->caches[i].size / (2.0 * n);
	bytes += cache(a, "dentry")->size + cache(a, "lsm_inode_cache")->size;
	for (size_t i = 0; i < 3; i++) {
		const struct cache *c = line_of(a, per_reg[i]);

		cr_assert_not_null(c, "no slabinfo line counts %s", per_reg[i]);
		bytes += regs / n * (double)c->size;
	}
	return bytes;
}

static void expect_near(const char *what, double figure, double reading)
{
	cr_expect(reading > 0 && figure >= reading * (1 - TOLERANCE) && figure <= reading * (1 + TOLERANCE),
		  "%s: holdconn %.1f, the test's reading %.1f (%+.1f%%)", what, figure, reading,
		  reading > 0 ? 100 * (figure / reading - 1) : 0);
}

Test(server_reading, bench_server_redis_figures_match_the_tests_own_reading, .timeout = 90)
{
	static struct sample before, after, s;
	char want[64], line[65536], conns[16];
	const char *srv;
	pid_t server = 0;
	long f0 = -1;
	bool have_before = false;
	double v;

	if (access("/usr/bin/redis-server", X_OK))
		cr_skip_test("/usr/bin/redis-server is not installed (tools/deps.sh installs it)");
	if (access("/proc/slabinfo", R_OK))
		cr_skip_test("/proc/slabinfo is not readable (needs root): no reading to compare with");
	snprintf(conns, sizeof(conns), "%d", CONNS);
	const char *args[] = { "bench", "--conns", conns, "--report-every", conns, "--hold", "3s",
			       "--json", "--server",
			       "redis-server --port {port} --save '' --appendonly no --protected-mode no "
			       "--maxclients 100000",
			       NULL };

	snprintf(want, sizeof(want), "\"event\":\"report\",\"connections\":%d,", CONNS);
	proc_start(&P, args, 0);
	for (int i = 0; !server && i < 500; i++) {
		usleep(10000);
		server = server_of(P.pid);
	}
	cr_assert_gt(server, 0, "no server under bench: %s", P.err);
	usleep(300000); /* it listens: its descriptors from here on are connections */
	while (!proc_wait_for(&P, want, 0.02)) {
		take(server, &s);
		if (f0 < 0)
			f0 = s.fds;
		if (s.fds >= 0 && s.fds <= f0) {
			before = s;
			have_before = true;
		}
		cr_assert_eq(P.status, -1, "bench ended early: %s %s", P.out, P.err);
	}
	take(server, &after);
	cr_assert_eq(proc_finish(&P, 60), 0, "%s", P.err);
	cr_assert(have_before, "no reading before the connections");
	cr_assert_geq(after.fds - before.fds, CONNS, "%ld -> %ld descriptors", before.fds, after.fds);
	cr_assert_not_null(proc_line(&P, "\"event\":\"summary\"", line, sizeof(line)), "%s", P.out);
	srv = strstr(line, "\"server\":{\"command\"");
	cr_assert_not_null(srv, "%s", line);
	cr_assert(json_num(srv, "user_bytes_per_connection", &v), "%s", srv);
	expect_near("user bytes per connection", v, (double)(after.private_pss - before.private_pss) / CONNS);
	cr_assert(json_num(srv, "kernel_bytes_per_socket", &v), "%s", srv);
	expect_near("kernel bytes per server socket", v, kernel_reading(&before, &after, CONNS));
	cr_assert(json_num(srv, "startup_bytes", &v), "%s", srv);
	cr_expect_gt(v, 1e6, "redis's start-up is megabytes: %s", srv);
}
