/* test_meter.c - parsing of /proc texts and the arithmetic of samples. */
#include <criterion/criterion.h>
#include <sys/mman.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "measure/meter.h"

#define KIB 1024ULL
#define GIB (1024ULL * 1024 * 1024)

/* Taken from a 24 GiB x86-64 box running 6.x, trimmed to a dozen caches. */
static const char slabinfo_text[] =
	"slabinfo - version: 2.1\n"
	"# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>"
	" : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs>"
	" <num_slabs> <sharedavail>\n"
	"TCPv6                 13     13   2496   13    8 : tunables    0    0    0 : slabdata      1      1      0\n"
	"UDP                   24     24   1344   12    4 : tunables    0    0    0 : slabdata      2      2      0\n"
	"tw_sock_TCP           32     32    256   16    1 : tunables    0    0    0 : slabdata      2      2      0\n"
	"request_sock_TCP      24     24    320   12    1 : tunables    0    0    0 : slabdata      2      2      0\n"
	"TCP                   26     26   2368   13    8 : tunables    0    0    0 : slabdata      2      2      0\n"
	"eventpoll_epi        192    192    128   32    1 : tunables    0    0    0 : slabdata      6      6      0\n"
	"sock_inode_cache      95     95    832   19    4 : tunables    0    0    0 : slabdata      5      5      0\n"
	"skbuff_head_cache    352    352    256   16    1 : tunables    0    0    0 : slabdata     22     22      0\n"
	"filp                 521    525    192   21    1 : tunables    0    0    0 : slabdata     25     25      0\n"
	"dentry             44016  44016    192   21    1 : tunables    0    0    0 : slabdata   2096   2096      0\n"
	"kmalloc-2k           288    288   2048   16    8 : tunables    0    0    0 : slabdata     18     18      0\n"
	"kmalloc-64          2464   2496     64   64    1 : tunables    0    0    0 : slabdata     39     39      0\n";

static const char meminfo_text[] =
	"MemTotal:       24684084 kB\n"
	"MemFree:        24501296 kB\n"
	"MemAvailable:   24429172 kB\n"
	"Buffers:             744 kB\n"
	"Cached:            46212 kB\n"
	"SwapCached:            0 kB\n"
	"Active:            22528 kB\n"
	"Inactive:          20996 kB\n"
	"KReclaimable:      60656 kB\n"
	"Slab:              82456 kB\n"
	"SReclaimable:      60656 kB\n"
	"SUnreclaim:        21800 kB\n"
	"KernelStack:        1316 kB\n"
	"HugePages_Total:       0\n"
	"Hugepagesize:       2048 kB\n";

static const char sockstat_text[] =
	"sockets: used 2000011\n"
	"TCP: inuse 2000003 orphan 1 tw 7 alloc 2000010 mem 4321\n"
	"UDP: inuse 0 mem 0\n"
	"UDPLITE: inuse 0\n"
	"RAW: inuse 0\n"
	"FRAG: inuse 0 memory 0\n";

/* ~31 KiB each: kept off the stack. Criterion runs every test in its own process. */
static struct meter_sample base, now;
static struct meter_delta delta;

static const struct slab_cache *find(const struct meter_sample *s, const char *name)
{
	for (int i = 0; i < s->ncaches; i++) {
		if (!strcmp(s->caches[i].name, name))
			return &s->caches[i];
	}
	return NULL;
}

static void add_cache(struct meter_sample *s, const char *name, uint64_t objs, uint64_t size)
{
	struct slab_cache *c = &s->caches[s->ncaches++];

	snprintf(c->name, sizeof(c->name), "%s", name);
	c->active_objs = objs;
	c->objsize = size;
	s->have_slabinfo = true;
}

/* A ramp of one million connections: TCP and inodes grow, dentries shrink. */
static void million_ramp(void)
{
	add_cache(&base, "TCP", 26, 2368);
	add_cache(&base, "sock_inode_cache", 95, 832);
	add_cache(&base, "dentry", 44016, 192);
	add_cache(&base, "filp", 521, 192);
	add_cache(&now, "TCP", 1000026, 2368);
	add_cache(&now, "sock_inode_cache", 1000095, 832);
	add_cache(&now, "dentry", 43016, 192);
	add_cache(&now, "filp", 521, 192);
	add_cache(&now, "eventpoll_epi", 1000000, 128);
}

Test(slabinfo, reads_every_cache_line)
{
	cr_assert_eq(meter_parse_slabinfo(slabinfo_text, &now), 0);
	cr_assert(now.have_slabinfo);
	cr_assert_eq(now.ncaches, 12);
}

Test(slabinfo, reads_active_objs_and_objsize)
{
	meter_parse_slabinfo(slabinfo_text, &now);
	cr_assert_eq(find(&now, "TCP")->active_objs, 26);
	cr_assert_eq(find(&now, "TCP")->objsize, 2368);
	cr_assert_eq(find(&now, "sock_inode_cache")->active_objs, 95);
	cr_assert_eq(find(&now, "sock_inode_cache")->objsize, 832);
	cr_assert_eq(find(&now, "dentry")->active_objs, 44016);
	cr_assert_eq(find(&now, "dentry")->objsize, 192);
}

Test(slabinfo, counts_active_objs_not_num_objs)
{
	meter_parse_slabinfo(slabinfo_text, &now);
	cr_assert_eq(find(&now, "filp")->active_objs, 521);
	cr_assert_eq(find(&now, "filp")->objsize, 192);
}

Test(slabinfo, keeps_caches_in_file_order)
{
	meter_parse_slabinfo(slabinfo_text, &now);
	cr_assert_str_eq(now.caches[0].name, "TCPv6");
	cr_assert_str_eq(now.caches[11].name, "kmalloc-64");
}

Test(slabinfo, header_alone_is_no_caches)
{
	cr_assert_eq(meter_parse_slabinfo("slabinfo - version: 2.1\n# name <active_objs>\n", &now), 0);
	cr_assert(now.have_slabinfo);
	cr_assert_eq(now.ncaches, 0);
}

Test(slabinfo, rejects_text_without_version_header)
{
	cr_assert_eq(meter_parse_slabinfo("TCP 26 26 2368 13 8\n", &now), -EINVAL);
	cr_assert_not(now.have_slabinfo);
}

Test(slabinfo, rejects_version_1)
{
	cr_assert_eq(meter_parse_slabinfo("slabinfo - version: 1.1\nTCP 26 26 2368\n", &now),
		     -EINVAL);
}

Test(slabinfo, rejects_line_without_objsize)
{
	cr_assert_eq(meter_parse_slabinfo("slabinfo - version: 2.1\nTCP 26 26\nfilp 1 1 192\n",
					  &now), -EINVAL);
}

Test(slabinfo, cuts_names_longer_than_the_field)
{
	const char *text = "slabinfo - version: 2.1\n"
			   "a_cache_name_much_longer_than_thirty_one 5 5 64 64 1\n";

	cr_assert_eq(meter_parse_slabinfo(text, &now), 0);
	cr_assert_str_eq(now.caches[0].name, "a_cache_name_much_longer_than_t");
	cr_assert_eq(now.caches[0].active_objs, 5);
	cr_assert_eq(now.caches[0].objsize, 64);
}

Test(slabinfo, stops_at_table_capacity)
{
	char *text, *p;
	size_t len = 64 + 40 * (METER_MAX_CACHES + 10);

	p = text = malloc(len);
	p += sprintf(p, "slabinfo - version: 2.1\n");
	for (int i = 0; i < METER_MAX_CACHES + 10; i++)
		p += sprintf(p, "cache-%d %d %d 64 64 1\n", i, i, i);
	cr_assert_eq(meter_parse_slabinfo(text, &now), 0);
	cr_assert_eq(now.ncaches, METER_MAX_CACHES);
	cr_assert_str_eq(now.caches[METER_MAX_CACHES - 1].name, "cache-639");
	free(text);
}

Test(meminfo, converts_kb_to_bytes)
{
	cr_assert_eq(meter_parse_meminfo(meminfo_text, &now), 0);
	cr_assert_eq(now.mem_total, 24684084 * KIB);
	cr_assert_eq(now.mem_available, 24429172 * KIB);
	cr_assert_eq(now.slab_bytes, 82456 * KIB);
}

Test(meminfo, rejects_text_without_memavailable)
{
	cr_assert_eq(meter_parse_meminfo("MemTotal: 100 kB\nSlab: 10 kB\n", &now), -EINVAL);
}

Test(meminfo, rejects_text_without_slab)
{
	cr_assert_eq(meter_parse_meminfo("MemTotal: 100 kB\nMemAvailable: 50 kB\n", &now),
		     -EINVAL);
}

Test(meminfo, matches_whole_key_only)
{
	const char *text = "MemTotalish: 1 kB\nMemTotal: 100 kB\nMemAvailable: 50 kB\n"
			   "SlabX: 7 kB\nSlab: 10 kB\n";

	cr_assert_eq(meter_parse_meminfo(text, &now), 0);
	cr_assert_eq(now.mem_total, 100 * KIB);
	cr_assert_eq(now.slab_bytes, 10 * KIB);
}

Test(sockstat, reads_tcp_line)
{
	cr_assert_eq(meter_parse_sockstat(sockstat_text, &now), 0);
	cr_assert_eq(now.tcp_inuse, 2000003);
	cr_assert_eq(now.tcp_orphan, 1);
	cr_assert_eq(now.tcp_tw, 7);
	cr_assert_eq(now.tcp_alloc, 2000010);
	cr_assert_eq(now.tcp_mem_pages, 4321);
}

Test(sockstat, reads_tcp6_line)
{
	static const char text[] = "TCP6: inuse 200004\nUDP6: inuse 0\nUDPLITE6: inuse 0\n"
				   "RAW6: inuse 0\nFRAG6: inuse 0 memory 0\n";

	cr_assert_eq(meter_parse_sockstat6(text, &now), 0);
	cr_expect_eq(now.tcp6_inuse, 200004);
}

Test(sockstat, rejects_sockstat6_without_tcp6_line)
{
	cr_expect_eq(meter_parse_sockstat6("UDP6: inuse 0\n", &now), -EINVAL);
	cr_expect_eq(meter_parse_sockstat6("TCP6: inuse x\n", &now), -EINVAL);
}

Test(sockstat, rejects_text_without_tcp_line)
{
	cr_assert_eq(meter_parse_sockstat("sockets: used 3\nUDP: inuse 0 mem 0\n", &now), -EINVAL);
}

Test(sockstat, rejects_truncated_tcp_line)
{
	cr_assert_eq(meter_parse_sockstat("TCP: inuse 1 orphan 0\nUDP: inuse 0 mem 0\n", &now),
		     -EINVAL);
}

Test(diff, kernel_bytes_sums_all_caches)
{
	million_ramp();
	meter_diff(&base, &now, &delta);
	cr_assert(delta.from_slabinfo);
	/* TCP + sock_inode_cache + eventpoll_epi - dentry */
	cr_assert_eq(delta.kernel_bytes, 2368000000LL + 832000000LL + 128000000LL - 192000LL);
}

Test(diff, ranks_caches_by_size_of_change)
{
	million_ramp();
	meter_diff(&base, &now, &delta);
	cr_assert_eq(delta.ncaches, 4);
	cr_assert_str_eq(delta.caches[0].name, "TCP");
	cr_assert_str_eq(delta.caches[1].name, "sock_inode_cache");
	cr_assert_str_eq(delta.caches[2].name, "eventpoll_epi");
	cr_assert_str_eq(delta.caches[3].name, "dentry");
}

Test(diff, growing_cache_counts_objs_and_bytes)
{
	million_ramp();
	meter_diff(&base, &now, &delta);
	cr_assert_eq(delta.caches[0].objs, 1000000);
	cr_assert_eq(delta.caches[0].bytes, 2368000000LL);
}

Test(diff, shrinking_cache_counts_negative)
{
	million_ramp();
	meter_diff(&base, &now, &delta);
	cr_assert_eq(delta.caches[3].objs, -1000);
	cr_assert_eq(delta.caches[3].bytes, -192000);
}

Test(diff, cache_only_in_now_counts_from_zero)
{
	million_ramp();
	meter_diff(&base, &now, &delta);
	cr_assert_eq(delta.caches[2].objs, 1000000);
	cr_assert_eq(delta.caches[2].bytes, 128000000);
}

Test(diff, cache_only_in_base_counts_as_freed)
{
	add_cache(&base, "TCP", 10, 2368);
	add_cache(&base, "gone", 100, 64);
	add_cache(&now, "TCP", 10, 2368);
	meter_diff(&base, &now, &delta);
	cr_assert_eq(delta.kernel_bytes, -6400);
	cr_assert_eq(delta.ncaches, 1);
	cr_assert_str_eq(delta.caches[0].name, "gone");
	cr_assert_eq(delta.caches[0].objs, -100);
}

Test(diff, leaves_unchanged_caches_out_of_top)
{
	million_ramp();
	meter_diff(&base, &now, &delta);
	for (int i = 0; i < delta.ncaches; i++)
		cr_assert_str_neq(delta.caches[i].name, "filp");
}

Test(diff, matches_caches_listed_in_another_order)
{
	add_cache(&base, "TCP", 10, 2368);
	add_cache(&base, "filp", 10, 192);
	add_cache(&now, "filp", 20, 192);
	add_cache(&now, "TCP", 10, 2368);
	meter_diff(&base, &now, &delta);
	cr_assert_eq(delta.kernel_bytes, 1920);
	cr_assert_eq(delta.ncaches, 1);
	cr_assert_str_eq(delta.caches[0].name, "filp");
}

Test(diff, keeps_only_the_largest_caches)
{
	char name[16];

	for (int i = 1; i <= METER_TOP_CACHES + 8; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		add_cache(&base, name, 0, 64);
		add_cache(&now, name, (uint64_t)i, 64);
	}
	meter_diff(&base, &now, &delta);
	cr_assert_eq(delta.ncaches, METER_TOP_CACHES);
	cr_assert_str_eq(delta.caches[0].name, "c20");
	cr_assert_str_eq(delta.caches[METER_TOP_CACHES - 1].name, "c9");
	/* The caches left out of the top still count in the total. */
	cr_assert_eq(delta.kernel_bytes, 64 * (20 * 21 / 2));
}

Test(diff, buffer_bytes_are_tcp_mem_pages)
{
	base.tcp_mem_pages = 1;
	now.tcp_mem_pages = 2049;
	meter_diff(&base, &now, &delta);
	cr_assert_eq(delta.buffer_bytes, 2048 * sysconf(_SC_PAGESIZE));
}

Test(diff, buffer_bytes_can_fall)
{
	base.tcp_mem_pages = 10;
	now.tcp_mem_pages = 4;
	meter_diff(&base, &now, &delta);
	cr_assert_eq(delta.buffer_bytes, -6 * sysconf(_SC_PAGESIZE));
}

Test(diff, falls_back_to_meminfo_slab_without_slabinfo)
{
	million_ramp();
	base.have_slabinfo = false;
	base.slab_bytes = 80 * KIB;
	now.slab_bytes = 3000080 * KIB;
	meter_diff(&base, &now, &delta);
	cr_assert_not(delta.from_slabinfo);
	cr_assert_eq(delta.kernel_bytes, 3000000 * KIB);
	cr_assert_eq(delta.ncaches, 0);
}

Test(per_unit, of_zero_units_is_zero)
{
	cr_assert_float_eq(per_unit(4096, 0), 0.0, 1e-12);
}

Test(per_unit, divides_bytes_by_units)
{
	cr_assert_float_eq(per_unit(2368000000LL, 1000000), 2368.0, 1e-9);
	cr_assert_float_eq(per_unit(-192000, 1000000), -0.192, 1e-12);
}

Test(reserve, is_1gib_on_8gib_box)
{
	cr_assert_eq(meter_default_reserve(8 * GIB), 1 * GIB);
}

Test(reserve, is_5_percent_on_24gib_box)
{
	cr_assert_eq(meter_default_reserve(24 * GIB), 1288490188ULL);
}

Test(reserve, is_1gib_when_memtotal_unknown)
{
	cr_assert_eq(meter_default_reserve(0), 1 * GIB);
}

Test(live, meminfo_reads_total_and_available)
{
	uint64_t total = 0, avail = 0;

	if (access("/proc/meminfo", R_OK))
		cr_skip_test("/proc/meminfo is not readable here");
	cr_assert_eq(meter_meminfo(&total, &avail), 0);
	cr_assert_gt(total, 0);
	cr_assert_gt(avail, 0);
	cr_assert_leq(avail, total);
}

Test(live, sample_reads_proc)
{
	const struct slab_cache *tcp;

	if (access("/proc/net/sockstat", R_OK))
		cr_skip_test("/proc/net/sockstat is not readable here");
	cr_assert_eq(meter_sample(&now), 0);
	cr_assert_gt(now.t, 0.0);
	cr_assert_gt(now.mem_total, 0);
	cr_assert_gt(now.slab_bytes, 0);
	cr_assert_eq(now.have_slabinfo, access("/proc/slabinfo", R_OK) == 0);
	if (!now.have_slabinfo)
		return;
	tcp = find(&now, "TCP");
	cr_assert_not_null(tcp);
	cr_assert_gt(tcp->objsize, 0);
}

Test(live, rss_anon_grows_with_touched_memory)
{
	size_t len = 8 << 20;
	uint64_t before, after;
	volatile char *p;

	cr_assert_eq(meter_rss_anon(getpid(), &before), 0);
	/* mmap and volatile stores: a compiler may drop malloc+memset+free, ASan may not map. */
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq((void *)p, MAP_FAILED);
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	cr_assert_eq(meter_rss_anon(getpid(), &after), 0);
	munmap((void *)p, len);
	cr_expect_geq(after, before + len / 2, "RssAnon %lu -> %lu after touching 8 MiB",
		      (unsigned long)before, (unsigned long)after);
}

Test(live, rss_anon_of_no_process_is_enoent)
{
	uint64_t bytes;

	/* pid_max is at most 2^22: this pid cannot exist. */
	cr_expect_eq(meter_rss_anon(1 << 23, &bytes), -ENOENT);
}

/* --- /proc/net/netstat TCPMemoryPressures, net.ipv4.tcp_mem --- */

/* A 6.x netstat, trimmed: the real header has ~120 TcpExt columns. */
static const char netstat_text[] =
	"TcpExt: SyncookiesSent TCPMemoryPressuresChrono TCPMemoryPressures TCPAbortOnMemory\n"
	"TcpExt: 0 812 3 1\n"
	"IpExt: InNoRoutes TCPMemoryPressures\n"
	"IpExt: 0 99\n";

Test(netstat, reads_tcp_memory_pressures_by_column_name)
{
	uint64_t n = 0;

	cr_assert_eq(meter_parse_netstat_pressures(netstat_text, &n), 0);
	cr_assert_eq(n, 3, "not the Chrono column before it, nor IpExt's");
}

Test(netstat, finds_tcpext_after_other_tables)
{
	uint64_t n = 0;

	cr_assert_eq(meter_parse_netstat_pressures("IpExt: A B\nIpExt: 1 2\n"
						   "TcpExt: TCPMemoryPressures\nTcpExt: 17\n", &n), 0);
	cr_assert_eq(n, 17);
}

Test(netstat, a_kernel_without_the_counter_is_einval)
{
	uint64_t n = 5;

	cr_assert_eq(meter_parse_netstat_pressures("TcpExt: SyncookiesSent TCPMemoryPressuresChrono\n"
						   "TcpExt: 0 1\n", &n), -EINVAL);
	cr_assert_eq(n, 5);
}

Test(netstat, a_header_without_values_is_einval)
{
	uint64_t n;

	cr_assert_eq(meter_parse_netstat_pressures("TcpExt: TCPMemoryPressures\n", &n), -EINVAL);
	cr_assert_eq(meter_parse_netstat_pressures("TcpExt: A TCPMemoryPressures\nTcpExt: 0\n", &n),
		     -EINVAL, "a value line shorter than its header");
	cr_assert_eq(meter_parse_netstat_pressures("", &n), -EINVAL);
}

Test(tcp_mem, reads_three_thresholds_in_pages)
{
	uint64_t lim[3] = { 0 };

	cr_assert_eq(meter_parse_tcp_mem("287898\t383867\t575796\n", lim), 0);
	cr_assert_eq(lim[0], 287898);
	cr_assert_eq(lim[1], 383867);
	cr_assert_eq(lim[2], 575796);
}

Test(tcp_mem, fewer_than_three_is_einval)
{
	uint64_t lim[3];

	cr_assert_eq(meter_parse_tcp_mem("287898\t383867\n", lim), -EINVAL);
	cr_assert_eq(meter_parse_tcp_mem("", lim), -EINVAL);
}

Test(live, tcp_pressures_and_tcp_mem_read_proc)
{
	uint64_t n, lim[3];

	cr_assert_eq(meter_tcp_pressures(&n), 0);
	cr_assert_eq(meter_tcp_mem(lim), 0);
	cr_assert(lim[0] <= lim[1] && lim[1] <= lim[2] && lim[2] > 0);
}

/* ---- diag_ports: the sweep's port filter ---- */
#include "hold/diag.h"

Test(diag_ports, consecutive_ports_merge_into_one_range)
{
	struct diag_ports p = { 0 };

	for (uint16_t port = 17000; port < 17016; port++)
		cr_assert(diag_ports_add(&p, port));
	cr_assert(diag_ports_add(&p, 16999), "extends a range downwards");
	cr_assert(diag_ports_add(&p, 17005), "already in");
	cr_expect_eq(p.n, 1);
	cr_expect_eq(p.lo[0], 16999);
	cr_expect_eq(p.hi[0], 17015);
}

Test(diag_ports, a_full_set_says_so)
{
	struct diag_ports p = { 0 };

	for (int i = 0; i < DIAG_MAX_RANGES; i++)
		cr_assert(diag_ports_add(&p, (uint16_t)(1000 + 2 * i)));
	cr_expect_eq(p.n, DIAG_MAX_RANGES);
	cr_expect(!diag_ports_add(&p, 5000), "no room for a 33rd range");
	cr_expect(diag_ports_add(&p, 1001), "but a port extending one still fits");
}

/* Taken from this 2-CPU box: user nice system idle iowait irq softirq steal guest guest_nice. */
static const char stat_text[] =
	"cpu  23022 7 19126 125449 445 0 2412 3 0 0\n"
	"cpu0 10431 0 9360 64022 28 0 1410 0 0 0\n"
	"cpu1 12590 7 9766 61427 417 0 1002 3 0 0\n"
	"intr 612543 0 0 0\n"
	"ctxt 1084105\n"
	"btime 1764549000\n"
	"processes 4242\n";

Test(meter, stat_gives_the_box_softirq_user_and_system_time)
{
	struct cpu_times c;

	cr_assert_eq(meter_parse_stat(stat_text, 100, &c), 0);
	cr_expect_eq(c.ncpus, 2);
	cr_expect_eq(c.user_us, 230290000ULL, "user + nice");
	cr_expect_eq(c.system_us, 191260000ULL);
	cr_expect_eq(c.softirq_us, 24120000ULL);
	cr_expect_eq(c.total_us, (23022ULL + 7 + 19126 + 125449 + 445 + 0 + 2412 + 3) * 10000);
}

Test(meter, stat_ticks_follow_user_hz)
{
	struct cpu_times c;

	cr_assert_eq(meter_parse_stat(stat_text, 250, &c), 0);
	cr_expect_eq(c.softirq_us, 2412ULL * 4000);
}

Test(meter, stat_without_its_cpu_line_or_softirq_is_rejected)
{
	struct cpu_times c;

	cr_expect_eq(meter_parse_stat("intr 1 2 3\n", 100, &c), -EINVAL);
	cr_expect_eq(meter_parse_stat("cpu  1 2 3 4 5 6\ncpu0 1 2 3 4 5 6\n", 100, &c), -EINVAL,
		     "six fields: no softirq column");
	cr_expect_eq(meter_parse_stat("cpu  1 2 3 4 5 6 7\n", 100, &c), -EINVAL, "no cpuN line");
	cr_expect_eq(meter_parse_stat(stat_text, 0, &c), -EINVAL);
}

Test(meter, the_live_stat_reads)
{
	struct cpu_times c;

	cr_assert_eq(meter_cpu_times(&c), 0);
	cr_expect_eq(c.ncpus, sysconf(_SC_NPROCESSORS_ONLN));
	cr_expect_gt(c.total_us, 0);
}

Test(meter, a_tcp_row_gives_its_port_state_and_receive_queue)
{
	unsigned port, st;
	unsigned long rx;

	cr_expect_eq(meter_parse_tcp_row("  sl  local_address rem_address   st tx_queue rx_queue tr "
					 "tm->when retrnsmt   uid  timeout inode\n",
					 &port, &st, &rx),
		     -EINVAL, "the header is no row");
	cr_assert_eq(meter_parse_tcp_row("   0: 0100007F:4268 00000000:0000 0A 00000000:00000014 "
					 "00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n",
					 &port, &st, &rx),
		     0);
	cr_expect_eq(port, 17000);
	cr_expect_eq(st, 0x0A);
	cr_expect_eq(rx, 20, "a listener's rx_queue: its accept queue");
	cr_assert_eq(meter_parse_tcp_row("   1: 00000000000000000000000001000000:4269 "
					 "00000000000000000000000000000000:0000 03 00000000:00000000 "
					 "00:00000000 00000000     0        0 2 1 0\n",
					 &port, &st, &rx),
		     0, "tcp6's addresses are longer");
	cr_expect_eq(port, 17001);
	cr_expect_eq(st, 0x03);
	cr_expect_eq(rx, 0);
}
