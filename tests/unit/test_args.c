/* test_args.c - subcommands, options, defaults and the one-line error messages. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cmdline.h"
#include "hold/bufring.h"
#include "run/configure.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

/* The parse fails with -EINVAL and a message that mentions `part`. */
#define EXPECT_ERROR_HAS(part, ...)                                             \
	do {                                                                    \
		cr_expect_eq(PARSE(__VA_ARGS__), -EINVAL);                      \
		cr_expect(strstr(err, part) != NULL, "'%s' lacks '%s'", err, part); \
	} while (0)

/* --- top level --- */

Test(args, no_command_is_an_error_pointing_at_help)
{
	cr_expect_eq(parse_argv((char *[]){ "holdconn", NULL }), -EINVAL);
	cr_expect_str_eq(err, "missing command (serve, connect, bench, limits, compare, sweep); "
			      "see holdconn --help");
}

Test(args, help_words_give_cmd_help)
{
	cr_expect_eq(PARSE("--help"), 0);
	cr_expect(cl.help && !cl.cmd);
	cr_expect_eq(PARSE("-h"), 0);
	cr_expect(cl.help && !cl.cmd);
	cr_expect_eq(PARSE("help"), 0);
	cr_expect(cl.help && !cl.cmd);
}

Test(args, help_with_a_command_asks_for_that_commands_help)
{
	cr_assert_eq(PARSE("help", "bench"), 0);
	cr_expect_eq(cl.cmd, &cmd_bench);
	cr_expect(cl.help);
}

Test(args, help_with_an_unknown_command_names_it)
{
	EXPECT_ERROR("help: unknown command 'frob' (serve, connect, bench, limits, compare, sweep)", "help",
		     "frob");
}

Test(args, version_gives_cmd_version)
{
	cr_expect_eq(PARSE("--version"), 0);
	cr_expect(cl.version);
}

Test(args, unknown_command_is_named)
{
	EXPECT_ERROR("unknown command 'frob' (serve, connect, bench, limits, compare, sweep); "
		     "see holdconn --help", "frob");
}

Test(args, null_error_buffer_is_allowed)
{
	char *argv[] = { "holdconn", "frob", NULL };

	cr_expect_eq(parse_args(2, argv, NULL, 0), -EINVAL);
}

/* --- defaults --- */

Test(args, bench_defaults)
{
	cr_assert_eq(PARSE("bench"), 0);
	cr_expect_eq(cl.cmd, &cmd_bench);
	cr_expect_not(cl.help);
	cr_expect_eq(bo.mode, MODE_URING);
	cr_expect_eq(bo.client_mode, MODE_URING);
	cr_expect_eq(bo.conns, 1000000);
	cr_expect_not(bo.conns_max);
	cr_expect_eq(bo.rate, 0);
	cr_expect_eq(bo.report_every, 100000);
	cr_expect_eq(bo.holder.rcvbuf, 0);
	cr_expect_eq(bo.holder.sndbuf, 0);
	cr_expect_eq(bo.holder.reserve.bytes, 0);
	cr_expect_not(bo.holder.reserve.given);
	cr_expect_eq(bo.ports, 16);
	cr_expect_not(bo.json);
	cr_expect_eq(bo.clients, 1);
}

/* serve takes no --conns: it holds what it accepts, without a target. */
Test(args, serve_defaults)
{
	cr_assert_eq(PARSE("serve", "--listen", "127.0.0.1:5000"), 0);
	cr_expect_eq(cl.cmd, &cmd_serve);
	cr_expect_eq(so.backlog, 4096);
	cr_expect_eq(so.report_every, 100000);
	cr_expect_eq(so.mode, MODE_URING);
}

Test(args, a_second_parse_starts_from_defaults)
{
	cr_assert_eq(PARSE("bench", "--conns", "5", "--json", "--mode", "epoll"), 0);
	cr_assert_eq(PARSE("bench", "--ports", "3"), 0);
	cr_expect_eq(bo.conns, 1000000);
	cr_expect_not(bo.json);
	cr_expect_eq(bo.mode, MODE_URING);
	cr_expect_eq(bo.ports, 3);
}

Test(args, a_parse_after_a_failed_one_succeeds)
{
	cr_assert_eq(PARSE("bench", "--frob"), -EINVAL);
	cr_assert_eq(PARSE("bench", "--conns", "7"), 0);
	cr_expect_eq(bo.conns, 7);
	cr_expect_str_eq(err, "");
}

/* --- serve --- */

Test(args, serve_needs_listen)
{
	EXPECT_ERROR("serve needs --listen ADDR:PORT[-PORT] (e.g. --listen 127.0.0.1:5000-5015)",
		     "serve");
}

Test(args, listen_takes_an_endpoint_range)
{
	cr_assert_eq(PARSE("serve", "--listen", "127.0.0.1:5000-5015"), 0);
	cr_assert_eq(so.listen.n, 1);
	cr_expect_eq(so.listen.range[0].addr, IP(127, 0, 0, 1));
	cr_expect_eq(so.listen.range[0].ports.first, 5000);
	cr_expect_eq(so.listen.range[0].ports.last, 5015);
}

Test(args, listen_repeats_in_order)
{
	cr_assert_eq(PARSE("serve", "--listen", "127.0.0.1:5000", "--listen", "127.0.0.2:6000"), 0);
	cr_assert_eq(so.listen.n, 2);
	cr_expect_eq(so.listen.range[0].addr, IP(127, 0, 0, 1));
	cr_expect_eq(so.listen.range[1].addr, IP(127, 0, 0, 2));
	cr_expect_eq(so.listen.range[1].ports.first, 6000);
}

Test(args, listen_accepts_max_endpoints_and_no_more)
{
	static char eps[MAX_ENDPOINTS][32];
	char *argv[3 + 2 * (MAX_ENDPOINTS + 1)];
	int i, argc = 0;

	argv[argc++] = "holdconn";
	argv[argc++] = "serve";
	for (i = 0; i < MAX_ENDPOINTS; i++) {
		snprintf(eps[i], sizeof(eps[i]), "127.0.0.1:%d", 5000 + i);
		argv[argc++] = "--listen";
		argv[argc++] = eps[i];
	}
	argv[argc] = NULL;
	cr_expect_eq(parse_args(argc, argv, err, sizeof(err)), 0);
	cr_expect_eq(so.listen.n, MAX_ENDPOINTS);

	argv[argc++] = "--listen";
	argv[argc++] = "127.0.0.1:6000";
	argv[argc] = NULL;
	cr_expect_eq(parse_args(argc, argv, err, sizeof(err)), -EINVAL);
	cr_expect_str_eq(err, "--listen: '127.0.0.1:6000' is one too many (at most 64 endpoints)");
}

Test(args, listen_overlapping_an_earlier_listen_is_an_error)
{
	EXPECT_ERROR("--listen: '127.0.0.1:5003-5009' overlaps an earlier --listen "
		     "(give each port once)",
		     "serve", "--listen", "127.0.0.1:5000-5003", "--listen", "127.0.0.1:5003-5009");
}

Test(args, same_ports_on_other_addresses_do_not_overlap)
{
	cr_expect_eq(PARSE("serve", "--listen", "127.0.0.1:5000-5003", "--listen",
			   "127.0.0.2:5000-5003"),
		     0, "%s", err);
	cr_expect_eq(so.listen.n, 2);
}

Test(args, listen_port_0_is_named)
{
	EXPECT_ERROR("--listen: '127.0.0.1:0' has port 0 (ports are 1-65535)",
		     "serve", "--listen", "127.0.0.1:0");
}

Test(args, listen_port_65536_is_named)
{
	EXPECT_ERROR("--listen: '127.0.0.1:5000-65536' has port 65536 (ports are 1-65535)",
		     "serve", "--listen", "127.0.0.1:5000-65536");
}

Test(args, listen_reversed_ports_say_how_to_write_them)
{
	EXPECT_ERROR("--listen: '127.0.0.1:5007-5000' has its ports reversed (write LO-HI: 5000-5007)",
		     "serve", "--listen", "127.0.0.1:5007-5000");
}

Test(args, listen_junk_shows_the_expected_form)
{
	EXPECT_ERROR("--listen: 'localhost:5000' is not ADDR:PORT or ADDR:PORT-PORT "
		     "(e.g. 127.0.0.1:5000-5015, [::1]:5000)",
		     "serve", "--listen", "localhost:5000");
}

Test(args, listen_with_a_bad_address_is_junk_even_with_port_0)
{
	EXPECT_ERROR_HAS("is not ADDR:PORT", "serve", "--listen", "1.2.3:0");
}

Test(args, backlog_takes_1_to_65535)
{
	cr_expect_eq(PARSE("serve", "--listen", "127.0.0.1:1", "--backlog", "1"), 0);
	cr_expect_eq(so.backlog, 1);
	cr_expect_eq(PARSE("serve", "--listen", "127.0.0.1:1", "--backlog", "65535"), 0);
	cr_expect_eq(so.backlog, 65535);
}

Test(args, backlog_out_of_range_is_an_error)
{
	EXPECT_ERROR("--backlog: '0' is out of range (1-65535)",
		     "serve", "--listen", "127.0.0.1:1", "--backlog", "0");
	EXPECT_ERROR("--backlog: '65536' is out of range (1-65535)",
		     "serve", "--listen", "127.0.0.1:1", "--backlog", "65536");
}

Test(args, backlog_junk_is_an_error)
{
	EXPECT_ERROR("--backlog: 'lots' is not a number (1-65535)",
		     "serve", "--listen", "127.0.0.1:1", "--backlog", "lots");
}

/* --- connect --- */

Test(args, connect_takes_all_its_options)
{
	cr_assert_eq(PARSE("connect", "--target", "127.0.0.1:5000-5015", "--conns", "1M",
			   "--rate", "10k", "--source", "127.0.0.2-127.0.0.40", "--sport",
			   "10000-60999", "--mode", "epoll", "--json"),
		     0, "%s", err);
	cr_expect_eq(cl.cmd, &cmd_connect);
	cr_expect_eq(co.targets.n, 1);
	cr_expect_eq(co.targets.range[0].ports.last, 5015);
	cr_expect_eq(co.conns, 1000000);
	cr_expect_eq(co.rate, 10000);
	cr_expect(co.sources.has_source);
	cr_expect_eq(co.sources.source.first, IP(127, 0, 0, 2));
	cr_expect_eq(co.sources.source.last, IP(127, 0, 0, 40));
	cr_expect(co.sources.has_sport);
	cr_expect_eq(co.sources.sport.first, 10000);
	cr_expect_eq(co.sources.sport.last, 60999);
	cr_expect_eq(co.mode, MODE_EPOLL);
	cr_expect(co.json);
}

Test(args, target_overlapping_an_earlier_target_is_an_error)
{
	EXPECT_ERROR("--target: '127.0.0.1:5000' overlaps an earlier --target (give each port once)",
		     "connect", "--conns", "1", "--target", "127.0.0.1:4000-6000", "--target",
		     "127.0.0.1:5000");
}

Test(args, targets_may_expand_to_plan_max_dst_ports)
{
	cr_expect_eq(PARSE("connect", "--conns", "1", "--target", "127.0.0.1:1-4000", "--target",
			   "127.0.0.2:1-96"),
		     0, "%s", err);
}

Test(args, targets_expanding_past_plan_max_dst_ports_is_an_error)
{
	EXPECT_ERROR("--target: 4097 destination ports in all (at most 4096)",
		     "connect", "--conns", "1", "--target", "127.0.0.1:1-4000", "--target",
		     "127.0.0.2:1-97");
}

Test(args, connect_needs_target)
{
	EXPECT_ERROR("connect needs --target ADDR:PORT[-PORT] (e.g. --target 127.0.0.1:5000-5015)",
		     "connect", "--conns", "5");
}

Test(args, connect_needs_conns)
{
	EXPECT_ERROR("connect needs --conns N (e.g. --conns 1M)",
		     "connect", "--target", "127.0.0.1:5000");
}

Test(args, connect_rejects_conns_max)
{
	EXPECT_ERROR("--conns: 'max' is only for bench (give a count, e.g. 1M)",
		     "connect", "--target", "127.0.0.1:5000", "--conns", "max");
}

Test(args, conns_0_is_too_small)
{
	EXPECT_ERROR("--conns: '0' is too small (at least 1)",
		     "connect", "--target", "127.0.0.1:5000", "--conns", "0");
}

Test(args, target_port_0_is_named)
{
	EXPECT_ERROR("--target: '127.0.0.1:0' has port 0 (ports are 1-65535)",
		     "connect", "--conns", "1", "--target", "127.0.0.1:0");
}

Test(args, source_reversed_is_an_error)
{
	EXPECT_ERROR("--source: '127.0.0.9-127.0.0.2' is reversed (write LOW-HIGH, "
		     "e.g. 127.0.0.2-127.0.0.40)",
		     "connect", "--target", "127.0.0.1:1", "--conns", "1", "--source",
		     "127.0.0.9-127.0.0.2");
}

Test(args, source_junk_is_an_error)
{
	EXPECT_ERROR("--source: '127.0.0.0/x' is not ADDR, ADDR-ADDR or ADDR/LEN "
		     "(e.g. 127.0.0.2-127.0.0.40, fd00:1::/64)",
		     "connect", "--target", "127.0.0.1:1", "--conns", "1", "--source",
		     "127.0.0.0/x");
}

Test(args, sport_port_0_is_named)
{
	EXPECT_ERROR("--sport: '0-100' has port 0 (ports are 1-65535)",
		     "connect", "--target", "127.0.0.1:1", "--conns", "1", "--sport", "0-100");
}

Test(args, sport_junk_is_an_error)
{
	EXPECT_ERROR("--sport: 'all' is not PORT or LO-HI (e.g. 10000-60999)",
		     "connect", "--target", "127.0.0.1:1", "--conns", "1", "--sport", "all");
}

Test(args, rate_junk_is_an_error)
{
	EXPECT_ERROR("--rate: 'fast' is not a count: write 1000000, 1M, 2.5M or 100k (k, M, G = 10^3, 10^6, 10^9; m is minutes, only in durations)",
		     "connect", "--target", "127.0.0.1:1", "--conns", "1", "--rate", "fast");
}

Test(args, connect_help_needs_nothing_else)
{
	cr_expect_eq(PARSE("connect", "-h"), 0);
	cr_expect_eq(cl.cmd, &cmd_connect);
	cr_expect(cl.help);
}

/* --- bench --- */

Test(args, bench_conns_max)
{
	cr_assert_eq(PARSE("bench", "--conns", "max"), 0);
	cr_expect(bo.conns_max);
	cr_expect_eq(bo.conns, 0);
}

Test(args, bench_conns_takes_a_count)
{
	cr_assert_eq(PARSE("bench", "--conns", "2.5M"), 0);
	cr_expect_not(bo.conns_max);
	cr_expect_eq(bo.conns, 2500000);
}

Test(args, the_last_conns_wins)
{
	cr_assert_eq(PARSE("bench", "--conns", "max", "--conns", "5"), 0);
	cr_expect_not(bo.conns_max);
	cr_expect_eq(bo.conns, 5);
}

Test(args, option_value_may_follow_an_equals_sign)
{
	cr_assert_eq(PARSE("bench", "--conns=300k"), 0);
	cr_expect_eq(bo.conns, 300000);
}

Test(args, conns_junk_is_an_error)
{
	EXPECT_ERROR("--conns: 'abc' is not a count: write 1000000, 1M, 2.5M or 100k (k, M, G = 10^3, 10^6, 10^9; m is minutes, only in durations)", "bench", "--conns", "abc");
}

Test(args, conns_overflow_is_an_error)
{
	EXPECT_ERROR("--conns: '20000000000G' is too large (at most 18446744073709551615)",
		     "bench", "--conns", "20000000000G");
}

Test(args, modes_are_set_separately)
{
	cr_assert_eq(PARSE("bench", "--mode", "threads", "--client-mode", "epoll"), 0);
	cr_expect_eq(bo.mode, MODE_THREADS);
	cr_expect_eq(bo.client_mode, MODE_EPOLL);
}

Test(args, mode_junk_lists_the_modes)
{
	EXPECT_ERROR("--mode: 'kqueue' is not a mode (uring, epoll or threads)",
		     "bench", "--mode", "kqueue");
	EXPECT_ERROR("--client-mode: 'io_uring' is not a mode (uring, epoll or threads)",
		     "bench", "--client-mode", "io_uring");
}

Test(args, client_mode_is_only_for_bench)
{
	EXPECT_ERROR("--client-mode is only for bench",
		     "serve", "--listen", "127.0.0.1:1", "--client-mode", "epoll");
	EXPECT_ERROR("--client-mode is only for bench",
		     "connect", "--client-mode=epoll");
}

Test(args, options_of_other_commands_name_those_commands)
{
	EXPECT_ERROR("--conns is only for connect, bench, limits, compare and sweep",
		     "serve", "--conns", "5");
	EXPECT_ERROR("--listen is only for serve", "bench", "--listen", "127.0.0.1:1");
	EXPECT_ERROR("--ports is only for bench and limits", "connect", "--ports", "4");
}

Test(args, ports_takes_1_to_1024)
{
	cr_expect_eq(PARSE("bench", "--ports", "1"), 0);
	cr_expect_eq(bo.ports, 1);
	cr_expect_eq(PARSE("bench", "--ports", "1024"), 0);
	cr_expect_eq(bo.ports, 1024);
	EXPECT_ERROR("--ports: '0' is out of range (1-1024)", "bench", "--ports", "0");
	EXPECT_ERROR("--ports: '1025' is out of range (1-1024)", "bench", "--ports", "1025");
}

Test(args, buffer_sizes_take_sizes)
{
	cr_assert_eq(PARSE("bench", "--rcvbuf", "4Ki", "--sndbuf", "1Mi"), 0);
	cr_expect_eq(bo.holder.rcvbuf, 4096);
	cr_expect_eq(bo.holder.sndbuf, 1048576);
}

Test(args, buffer_size_0_means_the_kernel_default)
{
	cr_assert_eq(PARSE("bench", "--rcvbuf", "0"), 0);
	cr_expect_eq(bo.holder.rcvbuf, 0);
}

Test(args, buffer_size_must_fit_an_int)
{
	EXPECT_ERROR("--rcvbuf: '2Gi' is too large (at most 2147483647 bytes)", "bench", "--rcvbuf",
		     "2Gi");
	cr_expect_eq(PARSE("bench", "--sndbuf", "2147483647"), 0);
}

Test(args, buffer_size_junk_is_an_error)
{
	EXPECT_ERROR("--sndbuf: '4kb' is not a size: write 4096, 64k or 64kB (64,000), 64Ki or 64KiB (65,536), 1M, 1Mi, 1G or 1Gi", "bench", "--sndbuf",
		     "4kb");
}

Test(args, reserve_takes_a_size)
{
	cr_assert_eq(PARSE("bench", "--reserve", "2GiB"), 0);
	cr_expect(bo.holder.reserve.given);
	cr_expect_eq(bo.holder.reserve.bytes, 2147483648ULL);
}

Test(args, reserve_junk_is_an_error)
{
	EXPECT_ERROR_HAS("--reserve: 'half'", "bench", "--reserve", "half");
}

Test(args, report_every_takes_a_count)
{
	cr_assert_eq(PARSE("bench", "--report-every", "10k"), 0);
	cr_expect_eq(bo.report_every, 10000);
}

Test(args, report_every_0_is_an_error)
{
	EXPECT_ERROR("--report-every: '0' is too small (at least 1)", "bench", "--report-every", "0");
}

Test(args, json_sets_json)
{
	cr_assert_eq(PARSE("bench", "--json"), 0);
	cr_expect(bo.json);
}

Test(args, command_help_flag_sets_help)
{
	cr_assert_eq(PARSE("bench", "--help"), 0);
	cr_expect_eq(cl.cmd, &cmd_bench);
	cr_expect(cl.help);
}

/* --- getopt's own errors, reworded --- */

Test(args, unknown_long_option_is_named_with_the_command)
{
	EXPECT_ERROR("unknown option '--frob' for 'bench'; see holdconn bench --help",
		     "bench", "--frob");
	EXPECT_ERROR("unknown option '--frob' for 'bench'; see holdconn bench --help",
		     "bench", "--frob=1");
}

Test(args, unknown_short_option_is_named_with_the_command)
{
	EXPECT_ERROR("unknown option '-x' for 'serve'; see holdconn serve --help", "serve", "-x");
	EXPECT_ERROR("unknown option '-x' for 'bench'; see holdconn bench --help",
		     "bench", "--json", "-hx");
}

Test(args, missing_value_is_named)
{
	EXPECT_ERROR("--conns needs a value; see holdconn bench --help", "bench", "--conns");
}

Test(args, value_given_to_a_flag_is_an_error)
{
	EXPECT_ERROR("--json takes no value; see holdconn bench --help", "bench", "--json=1");
}

Test(args, positional_argument_is_an_error)
{
	EXPECT_ERROR("unexpected argument 'extra' for 'bench'; see holdconn bench --help",
		     "bench", "extra");
	EXPECT_ERROR("unexpected argument 'extra' for 'bench'; see holdconn bench --help",
		     "bench", "--json", "--", "extra");
}

Test(args, every_error_is_one_line)
{
	static const char *const cases[][4] = {
		{ "bench", "--conns", "abc", NULL },
		{ "bench", "--frob", NULL, NULL },
		{ "serve", "--listen", "x", NULL },
		{ "serve", NULL, NULL, NULL },
		{ "connect", "--target", "127.0.0.1:1", NULL },
		{ "frob", NULL, NULL, NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[6] = { "holdconn" };
		int argc = 1;

		while (argc < 5 && cases[i][argc - 1]) {
			argv[argc] = (char *)cases[i][argc - 1];
			argc++;
		}
		cr_expect_eq(parse_args(argc, argv, err, sizeof(err)), -EINVAL);
		cr_expect_neq(err[0], '\0', "case %zu: empty message", i);
		cr_expect_null(strchr(err, '\n'), "case %zu: '%s' spans lines", i, err);
	}
}

/* --- modes and help texts --- */

Test(args, mode_names_round_trip)
{
	static const enum mode modes[] = { MODE_URING, MODE_EPOLL, MODE_THREADS };
	size_t i;

	for (i = 0; i < 3; i++) {
		enum mode m = MODE_URING;

		cr_expect_eq(parse_mode(mode_name(modes[i]), &m), 0);
		cr_expect_eq(m, modes[i]);
	}
	cr_expect_str_eq(mode_name(MODE_EPOLL), "epoll");
}

Test(args, parse_mode_is_exact)
{
	enum mode m;

	cr_expect_eq(parse_mode("URING", &m), -EINVAL);
	cr_expect_eq(parse_mode("", &m), -EINVAL);
	cr_expect_eq(parse_mode("epol", &m), -EINVAL);
}

Test(args, mode_name_of_an_unknown_mode)
{
	cr_expect_str_eq(mode_name((enum mode)42), "unknown");
}

static void expect_help_has(const char *cmd, const char *const *words)
{
	const char *h = commands_help(cmd);

	for (; *words; words++)
		cr_expect(strstr(h, *words) != NULL, "help of %s lacks '%s'", cmd ? cmd : "holdconn",
			  *words);
}

Test(args, top_help_lists_the_commands_and_exit_codes)
{
	static const char *const words[] = {
		"usage: holdconn", "serve", "connect", "bench", "--version",
		"3 stopped short of --conns or SLO missed", NULL,
	};

	expect_help_has(NULL, words);
	cr_expect_eq(commands_help("help"), commands_help(NULL));
}

Test(args, serve_help_lists_every_serve_option)
{
	static const char *const words[] = {
		"usage: holdconn serve", "--listen", "--mode", "--rcvbuf", "--sndbuf", "--backlog",
		"--reserve", "--report-every", "--json", "--help", "default: 4096", "example",
		"3 stopped short of --conns or SLO missed", NULL,
	};

	expect_help_has("serve", words);
}

Test(args, connect_help_lists_every_connect_option)
{
	static const char *const words[] = {
		"usage: holdconn connect", "--target", "--conns", "--rate", "--source", "--sport",
		"--mode", "--rcvbuf", "--sndbuf", "--reserve", "--report-every", "--json", "--help",
		"example", "3 stopped short of --conns or SLO missed", NULL,
	};

	expect_help_has("connect", words);
}

Test(args, bench_help_lists_every_bench_option_and_its_two_processes)
{
	static const char *const words[] = {
		"usage: holdconn bench", "--conns N|max", "--mode", "--client-mode", "--ports",
		"--rcvbuf", "--sndbuf", "--reserve", "--report-every", "--json", "--help",
		"default: 1000000", "default: 16", "two", "processes", "loopback", "example",
		"3 stopped short of --conns or SLO missed", NULL,
	};

	expect_help_has("bench", words);
}

/* ---- IPv6 (issue 11) ---- */

Test(args, bench_ipv6_is_off_unless_asked)
{
	cr_assert_eq(PARSE("bench"), 0, "%s", err);
	cr_expect_not(bo.ipv6);
	cr_assert_eq(PARSE("bench", "--ipv6"), 0, "%s", err);
	cr_expect(bo.ipv6);
}

Test(args, listen_takes_ipv6_in_brackets)
{
	cr_assert_eq(PARSE("serve", "--listen", "[::1]:5000-5015"), 0, "%s", err);
	cr_assert_eq(so.listen.n, 1);
	cr_expect(so.listen.range[0].v6);
	cr_expect(so.listen.range[0].addr == 1);
	cr_expect_eq(so.listen.range[0].ports.first, 5000);
	cr_expect_eq(so.listen.range[0].ports.last, 5015);
}

Test(args, same_port_on_ipv4_and_ipv6_loopback_does_not_overlap)
{
	/* ::1 and 0.0.0.1 are both the number 1: the family tells them apart. */
	cr_expect_eq(PARSE("serve", "--listen", "[::1]:5000", "--listen", "0.0.0.1:5000"), 0, "%s",
		     err);
	EXPECT_ERROR("--listen: '[::1]:5000-5001' overlaps an earlier --listen (give each port once)",
		     "serve", "--listen", "[::1]:5001", "--listen", "[::1]:5000-5001");
}

Test(args, ipv6_endpoint_port_problems_are_named)
{
	EXPECT_ERROR("--listen: '[::1]:0' has port 0 (ports are 1-65535)", "serve", "--listen",
		     "[::1]:0");
	EXPECT_ERROR("--target: '[::1]:5007-5000' has its ports reversed (write LO-HI: 5000-5007)",
		     "connect", "--conns", "1", "--target", "[::1]:5007-5000");
}

Test(args, unbracketed_ipv6_endpoint_shows_the_expected_form)
{
	EXPECT_ERROR("--listen: '::1:5000' is not ADDR:PORT or ADDR:PORT-PORT "
		     "(e.g. 127.0.0.1:5000-5015, [::1]:5000)",
		     "serve", "--listen", "::1:5000");
}

Test(args, source_takes_an_ipv6_block)
{
	cr_assert_eq(PARSE("connect", "--conns", "1", "--target", "[::1]:5000", "--source",
			   "fd00:1::/64"), 0, "%s", err);
	cr_expect(co.sources.has_source);
	cr_expect(co.sources.source.v6);
	cr_expect(co.sources.source.first == (addr128)0xfd000001 << 96);
	cr_expect(co.sources.source.last == ((addr128)0xfd000001 << 96 | UINT64_MAX));
}

Test(args, source_every_ipv6_address_is_an_error)
{
	EXPECT_ERROR("--source: '::/0' is every IPv6 address (give this host's, e.g. fd00:1::/64)",
		     "connect", "--target", "[::1]:1", "--conns", "1", "--source", "::/0");
}

Test(args, source_ipv6_reversed_is_an_error)
{
	EXPECT_ERROR("--source: 'fd00::9-fd00::2' is reversed (write LOW-HIGH, "
		     "e.g. 127.0.0.2-127.0.0.40)",
		     "connect", "--target", "[::1]:1", "--conns", "1", "--source", "fd00::9-fd00::2");
}

/* ---- traffic patterns (issue 4) ---- */

Test(args, traffic_is_off_unless_asked)
{
	cr_assert_eq(PARSE("bench"), 0, "%s", err);
	cr_expect_eq(bo.holder.traffic.send, 0);
	cr_expect_eq(bo.holder.traffic.once, 0);
	cr_expect_eq(bo.holder.traffic.on_data, ON_DATA_DRAIN);
	cr_expect_eq(bo.holder.traffic.every_us, 10000000, "--every defaults to 10 s");
	cr_expect(!bo.holder.traffic.late_buffers);
}

Test(args, a_heartbeat_takes_size_and_period)
{
	cr_assert_eq(PARSE("connect", "--target", "127.0.0.1:5000", "--conns", "10", "--send", "64",
			   "--every", "250ms", "--send-once", "16Ki"), 0, "%s", err);
	cr_expect_eq(co.holder.traffic.send, 64);
	cr_expect_eq(co.holder.traffic.every_us, 250000);
	cr_expect_eq(co.holder.traffic.once, 16384);
}

Test(args, a_message_too_short_for_its_stamp_is_refused)
{
	EXPECT_ERROR("--send: '4' is too small (at least 8 bytes: a message ends with its send time)", "bench", "--send", "4");
}

Test(args, every_without_send_is_refused)
{
	EXPECT_ERROR("--every needs --send BYTES (the heartbeat it paces) or --proto NAME (its keepalive)",
		     "bench", "--every", "1s");
}

Test(args, slo_takes_a_p99_for_bench_compare_and_sweep)
{
	cr_assert_eq(PARSE("bench", "--send", "64", "--slo", "p99=10ms"), 0, "%s", err);
	cr_expect_eq(bo.slo_p99_us, 10000);
	cr_assert_eq(PARSE("compare", "--send", "64", "--slo", "p99=1ms"), 0, "%s", err);
	cr_assert_eq(PARSE("sweep", "--rcvbuf", "4Ki", "--send", "64", "--slo", "p99=2ms"), 0, "%s", err);
	cr_assert_eq(PARSE("bench"), 0, "%s", err);
	cr_expect_eq(bo.slo_p99_us, 0, "no objective unless asked");
}

Test(args, slo_needs_a_heartbeat_and_a_p99)
{
	EXPECT_ERROR("--slo needs --send BYTES: the objective is the heartbeats'", "bench", "--slo",
		     "p99=10ms");
	EXPECT_ERROR("--slo: 'p50=1ms' is not p99=DURATION (e.g. p99=10ms)", "bench", "--send", "64",
		     "--slo", "p50=1ms");
	EXPECT_ERROR_HAS("--slo", "connect", "--target", "127.0.0.1:5000", "--conns", "10", "--send",
			 "64", "--slo", "p99=1ms");
}

Test(args, on_data_takes_drain_echo_or_keep)
{
	cr_assert_eq(PARSE("serve", "--listen", "127.0.0.1:5000", "--on-data", "echo"), 0, "%s", err);
	cr_expect_eq(so.holder.traffic.on_data, ON_DATA_ECHO);
	EXPECT_ERROR("--on-data: 'mirror' is not drain, echo or keep", "serve", "--listen", "127.0.0.1:5000", "--on-data", "mirror");
}

Test(args, a_watch_that_never_reads_keeps_and_cannot_echo)
{
	cr_assert_eq(PARSE("bench", "--watch", "none"), 0, "%s", err);
	cr_expect_eq(bo.holder.traffic.on_data, ON_DATA_KEEP);
	EXPECT_ERROR("--on-data echo: --watch none never reads; use --watch poll, recv or diag, "
		     "or --on-data keep", "bench", "--watch", "none", "--on-data", "echo");
}

Test(args, recv_watch_only_drains)
{
	EXPECT_ERROR("--on-data keep: --watch recv reads everything it is sent; use --watch poll "
		     "or diag", "bench", "--watch", "recv", "--on-data", "keep");
}

/* The server's watch for this bench parse, as a run configures it (the default is auto). */
static enum watch server_watch(void)
{
	struct holder_config cfg;

	configure_holder(&cfg, &bo.holder, ROLE_SERVE, bo.mode, bo.holder.watch);
	return cfg.watch;
}

Test(args, the_default_watch_reads_heartbeats_with_a_multishot_recv_where_buffers_go_by_the_byte)
{
	struct holder_config cfg;

	cr_assert_eq(PARSE("bench", "--send", "64", "--every", "10s"), 0, "%s", err);
	cr_expect_eq(bo.holder.watch, WATCH_AUTO);
	cr_expect_eq(server_watch(), bufring_incremental() ? WATCH_RECV : WATCH_POLL);
	configure_holder(&cfg, &bo.holder, ROLE_CONNECT, bo.client_mode, bo.holder.watch);
	cr_expect_eq(cfg.watch, WATCH_POLL, "the generator's side polls");
}

Test(args, the_default_watch_polls_without_heartbeats_to_drain)
{
	cr_assert_eq(PARSE("bench"), 0, "%s", err);
	cr_expect_eq(server_watch(), WATCH_POLL);
	cr_assert_eq(PARSE("bench", "--send", "64", "--every", "10s", "--on-data", "echo"), 0, "%s", err);
	cr_expect_eq(server_watch(), WATCH_POLL);
	cr_assert_eq(PARSE("bench", "--send", "64", "--every", "10s", "--mode", "epoll"), 0, "%s", err);
	cr_expect_eq(server_watch(), WATCH_POLL);
	cr_assert_eq(PARSE("bench", "--send", "64", "--every", "10s", "--watch", "poll"), 0, "%s", err);
	cr_expect_eq(server_watch(), WATCH_POLL, "a watch asked for is kept");
}

Test(args, set_buffers_is_before_or_after)
{
	cr_assert_eq(PARSE("bench", "--set-buffers", "after"), 0, "%s", err);
	cr_expect(bo.holder.traffic.late_buffers);
	EXPECT_ERROR("--set-buffers: 'later' is not before or after", "bench", "--set-buffers", "later");
}

Test(args, scan_interval_keeps_its_old_name_sweep_interval)
{
	cr_assert_eq(PARSE("serve", "--listen", "127.0.0.1:5000", "--watch", "diag", "--scan-interval",
			   "500ms"), 0, "%s", err);
	cr_expect_eq(so.holder.scan_interval_us, 500000);
	cr_assert_eq(PARSE("bench", "--watch", "diag", "--sweep-interval", "5s"), 0, "%s", err);
	cr_expect_eq(bo.holder.scan_interval_us, 5000000);
}

Test(args, hold_takes_a_duration_and_zero)
{
	cr_assert_eq(PARSE("bench", "--hold", "0"), 0, "%s", err);
	cr_expect(bo.hold.given);
	cr_expect_eq(bo.hold.us, 0);
	cr_assert_eq(PARSE("compare", "--hold", "30s"), 0, "%s", err);
	cr_expect_eq(bo.hold.us, 30000000);
}

Test(args, sweep_takes_lists_and_defaults_a_heartbeat)
{
	cr_assert_eq(PARSE("sweep", "--rcvbuf", "4Ki,16Ki,default", "--sndbuf", "8Ki"), 0, "%s", err);
	cr_expect_eq(sopts.nrcvbuf, 3);
	cr_expect_eq(sopts.rcvbuf[0], 4096);
	cr_expect_eq(sopts.rcvbuf[1], 16384);
	cr_expect_eq(sopts.rcvbuf[2], 0, "default: the kernel's");
	cr_expect_eq(sopts.nsndbuf, 1);
	cr_expect_eq(sopts.sndbuf[0], 8192);
	cr_expect_eq(bo.conns, 10000);
	cr_expect_eq(bo.holder.traffic.send, 64, "no pattern given: a 64-byte heartbeat");
	cr_expect_eq(sopts.when, SWEEP_BEFORE | SWEEP_AFTER);
}

Test(args, sweep_needs_a_list_and_checks_each_size)
{
	EXPECT_ERROR("sweep needs --rcvbuf LIST and/or --sndbuf LIST "
				     "(e.g. --rcvbuf 4Ki,16Ki,64Ki,default)", "sweep");
	EXPECT_ERROR("--rcvbuf: '4k,,8k' is not a list of sizes (try 4Ki,16Ki,default)", "sweep", "--rcvbuf", "4k,,8k");
	EXPECT_ERROR("--rcvbuf: 'lots' is not a size: write 4096, 64k or 64kB (64,000), 64Ki or 64KiB (65,536), 1M, 1Mi, 1G or 1Gi", "sweep", "--rcvbuf", "4k,lots");
	cr_assert_eq(PARSE("sweep", "--rcvbuf", "4Ki", "--set-buffers", "after"), 0, "%s", err);
	cr_expect_eq(sopts.when, SWEEP_AFTER);
}

/* ---- options carry their help; short options; no abbreviations (issue 24) ---- */

static const char *const all_commands[] = { "serve", "connect", "bench", "limits", "compare",
					    "sweep", NULL };

Test(args, help_of_every_command_is_written_from_its_option_table)
{
	for (const char *const *name = all_commands; *name; name++) {
		const struct command *c = commands_find(*name);
		const char *h = commands_help(*name);
		char want[64];

		cr_assert_not_null(c);
		for (const struct opt *op = c->options; op->name; op++) {
			cr_expect(op->help && op->help[0], "%s --%s has no help", *name, op->name);
			snprintf(want, sizeof(want), "--%s%s%s", op->name, op->argh ? " " : "",
				 op->argh ? op->argh : "");
			cr_expect(strstr(h, want) != NULL, "help of %s lacks '%s'", *name, want);
		}
		cr_expect(strstr(h, "-h, --help") != NULL, "help of %s lacks -h", *name);
	}
}

Test(args, short_options_are_unique_within_a_command_and_never_h)
{
	for (const char *const *name = all_commands; *name; name++) {
		const struct command *c = commands_find(*name);

		for (const struct opt *a = c->options; a->name; a++) {
			cr_expect_neq(a->short_name, 'h', "%s --%s takes -h", *name, a->name);
			for (const struct opt *b = a + 1; a->short_name && b->name; b++)
				cr_expect_neq(a->short_name, b->short_name, "%s: -%c twice", *name,
					      a->short_name);
		}
	}
}

Test(args, dash_c_is_conns)
{
	cr_assert_eq(PARSE("connect", "--target", "127.0.0.1:5000", "-c", "1000"), 0, "%s", err);
	cr_expect_eq(co.conns, 1000);
	cr_assert_eq(PARSE("bench", "-c", "2k"), 0, "%s", err);
	cr_expect_eq(bo.conns, 2000);
	cr_assert_eq(PARSE("bench", "-c5"), 0, "%s", err);
	cr_expect_eq(bo.conns, 5);
	EXPECT_ERROR("-c (--conns) needs a value; see holdconn bench --help", "bench", "-c");
	EXPECT_ERROR("unknown option '-c' for 'serve'; see holdconn serve --help", "serve", "-c", "5");
}

Test(args, an_abbreviated_long_option_is_refused_naming_what_it_could_mean)
{
	EXPECT_ERROR("--con is not an option of 'bench' (abbreviations are not taken): did you mean "
		     "--conns, --connect-rate?", "bench", "--con", "5");
	EXPECT_ERROR("--con is not an option of 'bench' (abbreviations are not taken): did you mean "
		     "--conns, --connect-rate?", "bench", "--con=5");
	EXPECT_ERROR("--client is not an option of 'bench' (abbreviations are not taken): did you "
		     "mean --client-mode, --client-watch, --clients?", "bench", "--client", "2");
	EXPECT_ERROR("--jso is not an option of 'bench' (abbreviations are not taken): did you mean "
		     "--json?", "bench", "--jso");
	/* A prefix of this command's option that is another command's whole option. */
	EXPECT_ERROR("--server is only for bench and compare", "connect", "--target",
		     "127.0.0.1:5000", "--conns", "5", "--server", "1");
	/* An abbreviation of --help given a value (getopt's optopt is 'h', no table entry): fuzz_args. */
	EXPECT_ERROR_HAS("--he", "bench", "--he=lp");
	/* The whole name is taken as before, even where it is a prefix of another (send, send-once). */
	cr_expect_eq(PARSE("bench", "--send", "64"), 0, "%s", err);
}

/* The synopses in docs/commands.md are `holdconn help --markdown`, indented: sh tools/synopsis.sh. */
Test(args, docs_synopses_match_the_option_tables)
{
	static char want[8192], got[8192];
	static const char begin[] = "<!-- synopses: generated by";
	FILE *doc = fopen("docs/commands.md", "r"), *out = fmemopen(want, sizeof(want), "w");
	char line[512];
	size_t n = 0;
	bool in = false;

	cr_assert_not_null(doc, "run from the checkout: docs/commands.md");
	commands_synopses(out);
	fclose(out);
	while (fgets(line, sizeof(line), doc)) {
		if (!strncmp(line, begin, strlen(begin)))
			in = true;
		else if (!strncmp(line, "<!-- end of synopses", 20))
			in = false;
		else if (in && !strncmp(line, "    ", 4))
			n += snprintf(got + n, sizeof(got) - n, "%s", line + 4);
	}
	fclose(doc);
	cr_expect_str_eq(got, want, "docs/commands.md's synopses differ from the option tables: "
			 "run sh tools/synopsis.sh");
}
