/*
 * test_compare.c - compare's pure parts: the --modes list, its defaults,
 * the report interval, the count every mode reached, what a point costs,
 * and the plot's file formats.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#define PARSE(...) parse_argv((char *[]){ "holdconn", "compare", __VA_ARGS__, NULL })
#include "cmdline.h"
#include "run/compare.h"
#include "run/plot.h"

/* --- --modes --- */

Test(compare_modes, a_list_keeps_its_order)
{
	enum mode m[MAX_MODES];
	char why[128];
	int n = 0;

	cr_assert_eq(compare_parse_modes("threads,uring", m, &n, why, sizeof(why)), 0);
	cr_expect_eq(n, 2);
	cr_expect_eq(m[0], MODE_THREADS);
	cr_expect_eq(m[1], MODE_URING);
}

Test(compare_modes, one_mode_is_a_list)
{
	enum mode m[MAX_MODES];
	char why[128];
	int n = 0;

	cr_assert_eq(compare_parse_modes("epoll", m, &n, why, sizeof(why)), 0);
	cr_expect_eq(n, 1);
	cr_expect_eq(m[0], MODE_EPOLL);
}

Test(compare_modes, a_failed_parse_leaves_the_list_alone)
{
	enum mode m[MAX_MODES] = { MODE_EPOLL };
	char why[128];
	int n = 1;

	cr_assert_eq(compare_parse_modes("uring,frob", m, &n, why, sizeof(why)), -EINVAL);
	cr_expect_eq(n, 1);
	cr_expect_eq(m[0], MODE_EPOLL);
}

Test(compare_modes, unknown_mode_is_named)
{
	EXPECT_ERROR("--modes: 'uring,kqueue' names 'kqueue', not a mode (uring, epoll or threads)",
		     "--modes", "uring,kqueue");
}

Test(compare_modes, a_long_unknown_mode_is_named_whole)
{
	EXPECT_ERROR("--modes: 'uring_with_sqpoll_x' names 'uring_with_sqpoll_x', not a mode "
		     "(uring, epoll or threads)",
		     "--modes", "uring_with_sqpoll_x");
}

Test(compare_modes, a_mode_given_twice_is_refused)
{
	EXPECT_ERROR("--modes: 'epoll,uring,epoll' names epoll twice (list each mode once)",
		     "--modes", "epoll,uring,epoll");
}

Test(compare_modes, an_empty_list_is_refused)
{
	EXPECT_ERROR("--modes: '' names no mode (e.g. uring,epoll,threads)", "--modes", "");
}

Test(compare_modes, empty_items_are_refused)
{
	EXPECT_ERROR("--modes: 'uring,,epoll' has an empty item (e.g. uring,epoll,threads)",
		     "--modes", "uring,,epoll");
	EXPECT_ERROR("--modes: ',uring' has an empty item (e.g. uring,epoll,threads)", "--modes",
		     ",uring");
	EXPECT_ERROR("--modes: 'uring,' has an empty item (e.g. uring,epoll,threads)", "--modes",
		     "uring,");
}

/* --- the command line --- */

Test(compare_args, defaults_compare_every_mode_at_100k)
{
	cr_assert_eq(PARSE("--json"), 0);
	cr_expect_eq(cl.cmd, &cmd_compare);
	cr_expect_eq(bo.conns, 100000);
	cr_expect_eq(copts.nmodes, 3);
	cr_expect_eq(copts.modes[0], MODE_URING);
	cr_expect_eq(copts.modes[1], MODE_EPOLL);
	cr_expect_eq(copts.modes[2], MODE_THREADS);
	cr_expect_eq(bo.report_every, 0, "0: compare picks the interval from --conns");
	cr_expect_null(copts.plot);
}

Test(compare_args, options_are_taken)
{
	cr_assert_eq(PARSE("--conns", "15k", "--modes", "epoll,uring", "--report-every", "500",
			   "--rcvbuf", "4Ki", "--plot", "out.SVG", "--watch", "diag"),
		     0, "%s", err);
	cr_expect_eq(bo.holder.watch, WATCH_DIAG);
	cr_expect_eq(bo.conns, 15000);
	cr_expect_eq(copts.nmodes, 2);
	cr_expect_eq(copts.modes[0], MODE_EPOLL);
	cr_expect_eq(bo.report_every, 500);
	cr_expect_eq(bo.holder.rcvbuf, 4096);
	cr_expect_str_eq(copts.plot, "out.SVG");
}

Test(compare_args, plot_needs_png_or_svg)
{
	EXPECT_ERROR("--plot: 'out.jpg' must end in .png or .svg", "--plot", "out.jpg");
	EXPECT_ERROR("--plot: '.png' must end in .png or .svg", "--plot", ".png");
}

Test(compare_args, conns_max_is_only_for_bench)
{
	EXPECT_ERROR("--conns: 'max' is only for bench (give a count, e.g. 1M)", "--conns", "max");
}

Test(compare_args, the_client_mode_is_always_uring)
{
	EXPECT_ERROR("--client-mode is only for bench", "--client-mode", "epoll");
}

Test(compare_args, help_names_the_command)
{
	cr_assert_eq(PARSE("--help"), 0);
	cr_expect(cl.help);
	cr_expect(strstr(commands_help("compare"), "usage: holdconn compare") != NULL);
	cr_expect(strstr(commands_help(NULL), "compare") != NULL);
}

/* --- the report interval --- */

Test(compare_every, a_tenth_of_small_targets)
{
	cr_expect_eq(compare_report_every(3000), 300);
	cr_expect_eq(compare_report_every(10000), 1000);
}

Test(compare_every, at_most_1000_while_the_points_fit)
{
	cr_expect_eq(compare_report_every(15000), 1000);
	cr_expect_eq(compare_report_every(100000), 1000);
	cr_expect_eq(compare_report_every(511000), 1000);
}

Test(compare_every, coarser_in_round_thousands_past_the_points)
{
	cr_expect_eq(compare_report_every(1000000), 2000);
	cr_expect_leq(1000000 / compare_report_every(1000000), BENCH_MAX_POINTS - 1);
	cr_expect_eq(compare_report_every(10000000), 20000);
}

Test(compare_every, never_zero)
{
	cr_expect_eq(compare_report_every(1), 1);
	cr_expect_eq(compare_report_every(9), 1);
}

/* --- the count every mode reached --- */

static struct compare_run runs[3];

/* Points at every `every` up to `last`, and at `last` itself. */
static void ramp(struct compare_run *r, uint64_t every, uint64_t last)
{
	memset(r, 0, sizeof(*r));
	for (uint64_t n = every; n < last; n += every)
		r->res.points[r->res.npoints++].conns = n;
	r->res.points[r->res.npoints++].conns = last;
}

Test(compare_common, every_mode_at_the_target_compares_there)
{
	int at[3];

	ramp(&runs[0], 300, 3000);
	ramp(&runs[1], 300, 3000);
	ramp(&runs[2], 300, 3000);
	cr_expect_eq(compare_common_n(runs, 3, at), 3000);
	cr_expect_eq(at[0], 9);
	cr_expect_eq(at[1], 9);
	cr_expect_eq(at[2], 9);
}

Test(compare_common, an_early_stop_compares_at_the_last_shared_point)
{
	int at[3];

	ramp(&runs[0], 300, 3000);
	ramp(&runs[1], 300, 1002); /* epoll at RLIMIT_NOFILE 1024 */
	ramp(&runs[2], 300, 3000);
	cr_expect_eq(compare_common_n(runs, 3, at), 900);
	cr_expect_eq(runs[0].res.points[at[0]].conns, 900);
	cr_expect_eq(runs[1].res.points[at[1]].conns, 900);
	cr_expect_eq(at[1], 2);
}

Test(compare_common, a_stop_on_a_point_of_the_others_is_used)
{
	int at[2];

	ramp(&runs[0], 100, 1000);
	ramp(&runs[1], 100, 700);
	cr_expect_eq(compare_common_n(runs, 2, at), 700);
	cr_expect_eq(at[0], 6);
	cr_expect_eq(at[1], 6);
}

Test(compare_common, a_failed_run_is_left_out)
{
	int at[3];

	ramp(&runs[0], 300, 3000);
	ramp(&runs[1], 300, 600);
	runs[1].code = 1;
	ramp(&runs[2], 300, 2400);
	cr_expect_eq(compare_common_n(runs, 3, at), 2400);
	cr_expect_eq(at[1], -1);
}

Test(compare_common, no_shared_point_gives_zero)
{
	int at[2];

	ramp(&runs[0], 300, 3000);
	ramp(&runs[1], 250, 250);
	runs[1].res.points[0].conns = 250;
	cr_expect_eq(compare_common_n(runs, 2, at), 0);
	cr_expect_eq(at[0], -1);
	cr_expect_eq(at[1], -1);
}

Test(compare_common, every_run_failed_gives_zero)
{
	int at[1];

	ramp(&runs[0], 300, 3000);
	runs[0].code = 2;
	cr_expect_eq(compare_common_n(runs, 1, at), 0);
}

/* --- what a point costs --- */

Test(compare_cost, user_is_the_arena_when_rss_did_not_grow)
{
	struct bench_point p = { .kernel_bytes_per_socket = 3800, .buffer_bytes_per_conn = 10,
				 .user_bytes_per_conn = 55, .rss_bytes_per_socket = 0 };
	struct point_cost c = bench_point_cost(&p);

	cr_expect_float_eq(c.user, 55, 1e-9);
	cr_expect_float_eq(c.total, 3865, 1e-9);
}

Test(compare_cost, user_is_rss_when_thread_stacks_grew_it)
{
	struct bench_point p = { .kernel_bytes_per_socket = 15000, .buffer_bytes_per_conn = 0,
				 .user_bytes_per_conn = 55, .rss_bytes_per_socket = 4282 };
	struct point_cost c = bench_point_cost(&p);

	cr_expect_float_eq(c.user, 4282, 1e-9);
	cr_expect_float_eq(c.kernel, 15000, 1e-9);
	cr_expect_float_eq(c.total, 19282, 1e-9);
}

/* --- the plot's formats --- */

Test(plot, format_follows_the_suffix_in_any_case)
{
	cr_expect_eq(plot_format("a.png"), PLOT_PNG);
	cr_expect_eq(plot_format("dir/b.PNG"), PLOT_PNG);
	cr_expect_eq(plot_format("c.svg"), PLOT_SVG);
	cr_expect_eq(plot_format("c.png.txt"), -EINVAL);
	cr_expect_eq(plot_format("png"), -EINVAL);
	cr_expect_eq(plot_format(".svg"), -EINVAL);
}
