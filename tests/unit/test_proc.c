/* test_proc.c - reading a server's cost from /proc/PID texts. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <unistd.h>
#include "measure/proc.h"

static const char rollup[] =
	"556be4d44000-7ffdf2b38000 ---p 00000000 00:00 0                          [rollup]\n"
	"Rss:                1756 kB\n"
	"Pss:                 187 kB\n"
	"Pss_Dirty:           108 kB\n"
	"Pss_Anon:            108 kB\n"
	"Pss_File:             79 kB\n"
	"Pss_Shmem:             0 kB\n"
	"Shared_Clean:       1608 kB\n"
	"Anonymous:           108 kB\n";

static const char limits[] =
	"Limit                     Soft Limit           Hard Limit           Units     \n"
	"Max cpu time              unlimited            unlimited            seconds   \n"
	"Max processes             95937                95937                processes \n"
	"Max open files            20000                524288               files     \n"
	"Max locked memory         8388608              8388608              bytes     \n";

Test(proc, smaps_rollup_gives_pss_anon_and_file_apart_in_bytes)
{
	struct proc_usage u = { 0 };

	cr_assert_eq(proc_parse_smaps_rollup(rollup, &u), 0);
	cr_assert_eq(u.rss, 1756 * 1024);
	cr_assert_eq(u.pss, 187 * 1024);
	cr_assert_eq(u.pss_anon, 108 * 1024);
	cr_assert_eq(u.pss_file, 79 * 1024);
	cr_assert_eq(u.anon, 108 * 1024);
}

Test(proc, pss_is_not_read_from_pss_dirty)
{
	struct proc_usage u = { 0 };

	cr_assert_eq(proc_parse_smaps_rollup("Rss: 10 kB\nPss_Dirty: 7 kB\nPss: 5 kB\n", &u), 0);
	cr_assert_eq(u.pss, 5 * 1024);
}

Test(proc, smaps_rollup_before_5_7_derives_the_file_part)
{
	struct proc_usage u = { 0 };

	cr_assert_eq(proc_parse_smaps_rollup("Rss: 100 kB\nPss: 80 kB\nAnonymous: 30 kB\n", &u), 0);
	cr_assert_eq(u.pss_anon, 30 * 1024);
	cr_assert_eq(u.pss_file, 50 * 1024);
}

Test(proc, smaps_rollup_without_pss_is_rejected)
{
	struct proc_usage u = { 0 };

	cr_assert_eq(proc_parse_smaps_rollup("Rss: 100 kB\n", &u), -EINVAL);
}

Test(proc, limits_gives_the_open_files_row)
{
	uint64_t soft, hard;

	cr_assert_eq(proc_parse_nofile(limits, &soft, &hard), 0);
	cr_assert_eq(soft, 20000);
	cr_assert_eq(hard, 524288);
}

Test(proc, an_unlimited_limit_is_the_largest_value)
{
	uint64_t soft, hard;

	cr_assert_eq(proc_parse_nofile("Max open files  1024  unlimited  files\n", &soft, &hard), 0);
	cr_assert_eq(soft, 1024);
	cr_assert_eq(hard, UINT64_MAX);
}

Test(proc, limits_without_open_files_is_rejected)
{
	uint64_t soft, hard;

	cr_assert_eq(proc_parse_nofile("Max processes 10 10 processes\n", &soft, &hard), -EINVAL);
}

Test(proc, status_gives_threads)
{
	uint64_t n;

	cr_assert_eq(proc_parse_threads("Name:\tnginx\nThreads:\t4\nSigQ:\t0/95937\n", &n), 0);
	cr_assert_eq(n, 4);
}

Test(proc, a_pid_or_a_cgroup_path_names_the_set)
{
	struct proc_set set = { 0 };

	cr_assert_eq(proc_set_add(&set, "1234"), 0);
	cr_assert_eq(proc_set_add(&set, "/sys/fs/cgroup/system.slice/nginx.service"), 0);
	cr_assert_eq(set.npids, 1);
	cr_assert_eq(set.pids[0], 1234);
	cr_assert_str_eq(set.cgroup, "/sys/fs/cgroup/system.slice/nginx.service");
	cr_assert_eq(proc_set_add(&set, "12ab"), -EINVAL);
	cr_assert_eq(proc_set_add(&set, "0"), -EINVAL);
	cr_assert_eq(proc_set_add(&set, ""), -EINVAL);
}

Test(proc, reads_this_process)
{
	struct proc_set set = { 0 };
	struct proc_usage u;
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	cr_assert_eq(proc_set_add(&set, pid), 0);
	cr_assert_eq(proc_set_read(&set, &u), 0);
	cr_assert_eq(u.nprocs, 1);
	cr_assert_geq(u.fds, 3);
	cr_assert_geq(u.threads, 1);
	cr_assert_gt(u.pss, 0);
	cr_assert_gt(u.nofile_soft, 0);
}

Test(proc, a_process_that_is_gone_says_so)
{
	struct proc_usage u;

	cr_assert_eq(proc_read((1 << 22) + 7, &u), -ESRCH);
}

Test(proc, stat_gives_the_process_group_after_a_name_with_spaces_and_parens)
{
	pid_t g = 0;

	cr_assert_eq(proc_parse_stat_pgrp("4242 (nginx: worker (x)) S 4240 4239 4239 0 -1", &g), 0);
	cr_assert_eq(g, 4239);
	cr_assert_eq(proc_parse_stat_pgrp("4242 nginx S", &g), -EINVAL);
}

Test(epoll, registrations_are_counted_from_the_epoll_fdinfo)
{
	int ep = epoll_create1(EPOLL_CLOEXEC), fds[2 * 300];
	uint64_t n = 0;

	cr_assert_geq(ep, 0);
	/* 600 registrations: their fdinfo outruns one read's buffer, keys split across reads too. */
	for (int i = 0; i < 300; i++) {
		cr_assert_eq(pipe(&fds[2 * i]), 0);
		for (int k = 0; k < 2; k++) {
			struct epoll_event ev = { .events = EPOLLIN };

			cr_assert_eq(epoll_ctl(ep, EPOLL_CTL_ADD, fds[2 * i + k], &ev), 0);
		}
	}
	cr_assert_eq(proc_epoll_items(getpid(), ep, &n), 0);
	cr_assert_eq(n, 600);
	for (int i = 0; i < 600; i++)
		close(fds[i]);
	close(ep);
}

Test(epoll, a_resolved_set_finds_its_processes_epoll_descriptors)
{
	struct proc_set set = { 0 };
	struct proc_usage u0, u;
	int ep = epoll_create1(EPOLL_CLOEXEC), p[2];
	struct epoll_event ev = { .events = EPOLLIN };
	char pid[16];

	cr_assert_geq(ep, 0);
	cr_assert_eq(pipe(p), 0);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	cr_assert_eq(proc_set_add(&set, pid), 0);
	cr_assert_eq(proc_set_resolve(&set), 0);
	/* The test runner may have epoll instances of its own: count what ours adds. */
	cr_assert_eq(proc_set_read(&set, &u0), 0);
	cr_assert_eq(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), 0);
	cr_assert_eq(proc_set_read(&set, &u), 0);
	cr_assert_eq(u.epoll_items - u0.epoll_items, 1);
	cr_assert_gt(u.page_tables, 0);
	close(p[0]);
	close(p[1]);
	close(ep);
}
