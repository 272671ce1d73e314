/*
 * test_limits.c - the limits arithmetic on fabricated machines: how many
 * connections each limit allows, which binds first in each mode, and what
 * the documented cost of a connection adds up to.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "measure/limits.h"
#include "measure/sysinfo.h"

#define MB 1000000ull
#define GB 1000000000ull

static struct limits_input in;
static struct limits_table t;

/* A roomy box where nothing binds until a test tightens one limit. */
static void roomy(void)
{
	memset(&in, 0, sizeof(in));
	in.mode = MODE_URING;
	in.bench = true;
	in.sport_first = 32768;
	in.sport_last = 60999;
	in.sport_default = true;
	in.bind_source = true;
	in.saddr_first = 0x7f010001;
	in.nsaddr = 65534;
	in.ndst = 16;
	in.nofile_soft = in.nofile_hard = 1048576;
	in.nr_open = 1048576;
	in.cap_sys_admin = true;
	in.uid_root = true;
	in.fds_open = 5;
	in.listeners = 16;
	in.file_max = 100 * MB;
	in.mem_available = 1000 * GB;
	in.reserve = 1 * GB;
	in.page_size = 4096;
	in.tcp_mem[0] = 1000, in.tcp_mem[1] = 2000, in.tcp_mem[2] = 3000;
	in.tw_buckets = 131072;
	in.somaxconn = in.backlog = 4096;
	in.window = 1024;
	in.ehash = 262144;
	in.threads_max = in.pid_max = 4 * MB;
	in.nproc_soft = 4 * MB;
	in.max_map_count = 100 * MB;
	in.uring_probed = true;
	limits_documented_shares(&in.share);
	for (int m = 0; m < LIMITS_MODES; m++)
		in.cost[m] = (struct limits_cost){ .unreclaimable = 6000, .reclaimable = 2000 };
}

static const struct limits_row *find(const char *resource)
{
	for (int i = 0; i < t.nrows; i++)
		if (!strcmp(t.rows[i].resource, resource))
			return &t.rows[i];
	cr_assert_fail("no row %s", resource);
	return NULL;
}

static const char *binding(void)
{
	return t.binding >= 0 ? t.rows[t.binding].resource : "none";
}

TestSuite(limits, .init = roomy);

Test(limits, reclaimable_slab_counts_half_below_twice_the_low_watermark)
{
	struct limits_cost c = { .unreclaimable = 6000, .reclaimable = 2000 };

	in.mem_available = 1300 * MB;
	in.reserve = 1000 * MB;
	in.wmark_low = 100 * MB; /* half counted for the first 200 MB of reclaimable growth */
	/* 300 MB at 6000 + 2000 pinned + 2000/2 that MemAvailable also loses, B each */
	cr_expect_eq(limits_memory_allows(&in, &c), 33333);
}

Test(limits, reclaimable_slab_stops_counting_past_twice_the_low_watermark)
{
	struct limits_cost c = { .unreclaimable = 6000, .reclaimable = 2000 };

	in.mem_available = 2000 * MB;
	in.reserve = 1000 * MB;
	in.wmark_low = 100 * MB;
	/* 100000 conns spend 900 MB reaching 200 MB reclaimable, then 100 MB / 8000 B */
	cr_expect_eq(limits_memory_allows(&in, &c), 112500);
}

Test(limits, reclaimable_past_the_watermark_still_counts_as_pinned)
{
	struct limits_cost c = { .unreclaimable = 6000, .reclaimable = 2000 };

	in.mem_available = 2000 * MB;
	in.reserve = 1000 * MB;
	in.wmark_low = 100 * MB;
	in.reclaimable_now = 300 * MB;
	/* 1000 MB at 6000 + 2000 B: the reserve check counts pinned slab as spent */
	cr_expect_eq(limits_memory_allows(&in, &c), 125000);
}

Test(limits, reserve_above_memavailable_allows_none)
{
	struct limits_cost c = { .unreclaimable = 6000 };

	in.mem_available = 900 * MB;
	in.reserve = 1000 * MB;
	cr_expect_eq(limits_memory_allows(&in, &c), 0);
}

Test(limits, one_source_one_destination_gives_the_port_range)
{
	in.bench = false;
	in.conns = 50000;
	in.saddr_first = 0x7f000002; /* 127.0.0.2 */
	in.nsaddr = 1;
	in.ndst = 1;
	limits_compute(&in, &t);
	cr_expect_eq(limits_tuples(&in), 28232);
	cr_expect_str_eq(binding(), "4-tuples");
	cr_expect_eq(find("4-tuples")->allows, 28232);
	cr_expect_str_eq(find("4-tuples")->stop, "EADDRNOTAVAIL");
	cr_expect_str_eq(find("4-tuples")->lift,
			 "--source 127.0.0.2-127.0.0.3 (2 addresses x 28232 tuples each)");
}

Test(limits, kernel_chosen_source_counts_ports_per_destination)
{
	in.bench = false;
	in.bind_source = false;
	in.sport_first = 10000;
	in.sport_last = 10999;
	in.ndst = 3;
	cr_expect_eq(limits_tuples(&in), 3000);
}

Test(limits, epoll_is_bound_by_nofile_less_listeners_and_open_fds)
{
	in.mode = MODE_EPOLL;
	in.nofile_soft = in.nofile_hard = 1024;
	limits_compute(&in, &t);
	/* 1024 - 5 open - 16 listeners - the epoll fd */
	cr_expect_eq(find("RLIMIT_NOFILE")->allows, 1002);
	cr_expect_str_eq(binding(), "RLIMIT_NOFILE");
	cr_expect_eq(t.predicted[MODE_EPOLL], 1002);
	cr_expect_eq(t.predicted[MODE_THREADS], 1002);
	cr_expect_str_eq(t.stop_by_mode[MODE_EPOLL], "EMFILE");
}

Test(limits, uring_ignores_nofile_but_spends_an_fd_per_ring)
{
	in.nofile_soft = in.nofile_hard = 1024;
	limits_compute(&in, &t);
	cr_expect_eq(find("RLIMIT_NOFILE")->allows, LIMITS_NONE);
	/* 1002 rings of 1024 slots */
	cr_expect_eq(find("registered tables")->value, 1024);
	cr_expect_eq(find("registered tables")->allows, 1026048);
}

Test(limits, nofile_lift_says_why_it_cannot_be_raised)
{
	in.mode = MODE_EPOLL;
	in.nofile_soft = in.nofile_hard = 20000;
	limits_compute(&in, &t);
	cr_expect(strstr(find("RLIMIT_NOFILE")->lift, "no CAP_SYS_RESOURCE"), "%s",
		  find("RLIMIT_NOFILE")->lift);
	in.nofile_soft = 1024;
	limits_compute(&in, &t);
	cr_expect_str_eq(find("RLIMIT_NOFILE")->lift,
			 "ulimit -n 20000 (the hard limit; no privilege needed)");
}

Test(limits, file_max_counts_both_sockets_of_a_pair_and_a_reserve_unless_cap_sys_admin)
{
	in.cap_sys_admin = false;
	in.file_max = 100000;
	in.file_nr = 20000;
	limits_compute(&in, &t);
	cr_expect_eq(find("fs.file-max")->allows, (100000 - 20000 - SYSINFO_FILE_RESERVE) / 2);
	cr_expect_str_eq(binding(), "fs.file-max");
	in.cap_sys_admin = true;
	limits_compute(&in, &t);
	cr_expect_eq(find("fs.file-max")->allows, LIMITS_NONE);
}

Test(limits, memlock_counts_the_rings_both_bench_sides_make)
{
	/* 8 rings of 8 KiB; 1024-slot tables, the server's moving on at 512. */
	in.memlock_soft = in.memlock_hard = 64 << 10;
	in.memlock_charged = true;
	in.ring_charge = 8192;
	in.nofile_soft = 1024;
	in.accept_margin = 2048;
	limits_compute(&in, &t);
	/* 2559 pairs: 3 client rings + 2559 / 512 + 1 = 5 server rings; 2560 would need a 6th. */
	cr_expect_eq(find("RLIMIT_MEMLOCK")->allows, 2559);
	cr_expect_str_eq(binding(), "RLIMIT_MEMLOCK");
	in.memlock_charged = false;
	limits_compute(&in, &t);
	cr_expect_eq(find("RLIMIT_MEMLOCK")->allows, LIMITS_NONE, "CAP_IPC_LOCK: nothing charged");
}

Test(limits, reserve_counts_pinned_slab_and_binds_before_ram)
{
	in.mem_available = 8 * GB;
	in.reserve = 1 * GB;
	limits_compute(&in, &t);
	cr_expect_eq(find("memory (RAM)")->allows, 1000000);
	cr_expect_eq(find("memory reserve")->allows, 875000, "%llu",
		     (unsigned long long)find("memory reserve")->allows);
	cr_expect_str_eq(binding(), "memory reserve");
	cr_expect_str_eq(t.stop_by_mode[MODE_URING], "reserve");
}

Test(limits, memcg_limit_binds_on_its_headroom)
{
	in.memcg_limit = 2 * GB;
	in.memcg_usage = 1 * GB;
	snprintf(in.memcg_file, sizeof(in.memcg_file), "/sys/fs/cgroup/memory/x/memory.limit_in_bytes");
	limits_compute(&in, &t);
	cr_expect_eq(find("memory cgroup")->allows, 125000);
	cr_expect_str_eq(binding(), "memory cgroup");
}

/* Under a cgroup the ramp stops at its reserve, at the measured charge, after the processes' own. */
Test(limits, memcg_allows_what_fits_above_its_reserve_at_the_measured_charge)
{
	in.memcg_limit = 2 * GB;
	in.memcg_usage = 0;
	in.memcg_reserve = 100 * MB;
	in.memcg_charge = 5000;
	in.memcg_fixed = 2 * MB;
	snprintf(in.memcg_file, sizeof(in.memcg_file), "/sys/fs/cgroup/hc/memory.max");
	limits_compute(&in, &t);
	cr_expect_eq(find("memory cgroup")->allows, (2 * GB - 102 * MB) / 5000);
	cr_expect_str_eq(find("memory cgroup")->stop, "cgroup");
	cr_expect_str_eq(binding(), "memory cgroup");
	cr_expect_str_eq(t.stop_by_mode[MODE_URING], "cgroup");
}

Test(limits, idle_connections_leave_tcp_mem_unbound)
{
	limits_compute(&in, &t);
	cr_expect_eq(find("tcp_mem")->allows, LIMITS_NONE);
	in.cost[MODE_URING].buffers = 4096;
	limits_compute(&in, &t);
	cr_expect_eq(find("tcp_mem")->allows, 3000);
}

Test(limits, threads_mode_is_bound_by_the_tightest_task_limit)
{
	in.mode = MODE_THREADS;
	in.threads_max = 30000;
	in.pid_max = 32768;
	in.threads_now = 200;
	in.max_map_count = 65530;
	in.maps_now = 54;
	limits_compute(&in, &t);
	cr_expect_eq(find("kernel.threads-max")->allows, 29800);
	cr_expect_eq(find("kernel.pid_max")->allows, 32568);
	cr_expect_eq(find("vm.max_map_count")->allows, 32738);
	cr_expect_eq(find("RLIMIT_NPROC")->allows, LIMITS_NONE, "root is exempt");
	cr_expect_str_eq(binding(), "kernel.threads-max");
	/* The other modes start no threads. */
	cr_expect_eq(t.predicted[MODE_URING] > 29800, true);
}

Test(limits, nproc_binds_an_unprivileged_user)
{
	in.mode = MODE_THREADS;
	in.uid_root = in.cap_sys_admin = false;
	in.nproc_soft = 4096;
	in.threads_now = 96;
	limits_compute(&in, &t);
	cr_expect_eq(find("RLIMIT_NPROC")->allows, 4000);
}

Test(limits, disabled_io_uring_allows_nothing_in_uring_mode)
{
	in.io_uring_disabled = 2;
	limits_compute(&in, &t);
	cr_expect_eq(find("io_uring")->allows, 0);
	cr_expect_eq(t.predicted[MODE_URING], 0);
	cr_expect_str_eq(find("io_uring")->lift, "sysctl -w kernel.io_uring_disabled=0");
}

Test(limits, each_mode_gets_its_own_binding_limit)
{
	in.nofile_soft = in.nofile_hard = 20000;
	in.threads_max = 15000;
	in.mem_available = 4 * GB;
	in.reserve = 500 * MB;
	limits_compute(&in, &t);
	cr_expect_eq(t.predicted[MODE_URING], 437500, "%llu", (unsigned long long)t.predicted[MODE_URING]);
	cr_expect_str_eq(t.binding_by_mode[MODE_URING], "memory reserve");
	cr_expect_eq(t.predicted[MODE_EPOLL], 19978);
	cr_expect_str_eq(t.binding_by_mode[MODE_EPOLL], "RLIMIT_NOFILE");
	cr_expect_eq(t.predicted[MODE_THREADS], 15000);
	cr_expect_str_eq(t.binding_by_mode[MODE_THREADS], "kernel.threads-max");
}

Test(limits, documented_pair_is_two_sockets_a_poll_and_the_client_slot)
{
	struct limits_cost c;

	limits_default_cost(&in, MODE_URING, &c);
	/* 2 x (TCP 2368 + filp 192 + LSM 56 + memcg 47) + poll 256 + 2 slots 16 + 2 records 8 */
	cr_expect_eq(c.unreclaimable, 5630);
	/* 2 x (sock_inode 832 + dentry 192) */
	cr_expect_eq(c.reclaimable, 2048);
	limits_default_cost(&in, MODE_EPOLL, &c);
	cr_expect_eq(c.unreclaimable, 5630 - 256 - 16 + 128);
}

Test(limits, a_remote_connection_is_one_socket)
{
	struct limits_cost c;

	in.bench = false;
	limits_default_cost(&in, MODE_URING, &c);
	cr_expect_eq(c.unreclaimable, 2663 + 280);
	cr_expect_eq(c.reclaimable, 1024);
}

Test(limits, ehash_chain_length_at_the_asked_count)
{
	in.conns = 1000000;
	limits_compute(&in, &t);
	cr_expect_eq(find("TCP ehash")->allows, LIMITS_NONE);
	cr_expect(strstr(find("TCP ehash")->unit, "7.63 per chain at 1000000"), "%s",
		  find("TCP ehash")->unit);
}
