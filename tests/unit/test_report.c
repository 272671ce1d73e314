/* test_report.c - what the reporter writes, byte for byte where it matters. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "run/report.h"
#include "run/report_session.h"
#include "hold/stats.h"

#define GIB (1024ULL * 1024 * 1024)
#define CLEAR "\r\033[K"

/* The reporter writes into memory; text() closes the stream and returns it. */
static char *buf;
static size_t len;
static FILE *out;
static struct reporter r;

/* A new stream; the last one's text is freed (each test may write several). */
static void open_mem(void)
{
	free(buf);
	buf = NULL;
	out = open_memstream(&buf, &len);
	cr_assert_not_null(out);
}

static void open_reporter(bool json)
{
	open_mem();
	reporter_init(&r, out, json);
}

static const char *text(void)
{
	fclose(out);
	return buf;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static const char *json_of(const char *s)
{
	open_mem();
	json_string(out, s);
	return text();
}

/* Two caches from a million pairs: two million sockets. */
static const struct meter_delta million_delta = {
	.from_slabinfo = true,
	.kernel_bytes = 6400000000LL,
	.ncaches = 2,
	.caches = {
		{ "TCP", 2000000, 4736000000LL },
		{ "sock_inode_cache", 2000000, 1664000000LL },
	},
};

static struct report_point point(uint64_t conns)
{
	return (struct report_point){
		.conns = conns,
		.sockets = 2 * conns,
		.elapsed_s = 12.5,
		.rate = 80000,
		.user_bytes_per_conn = 8,
		.kernel_bytes_per_socket = 3200,
		.buffer_bytes_per_conn = 0,
		.mem_available = 20 * GIB,
	};
}

static struct report_summary summary(void)
{
	return (struct report_summary){
		.command = "bench",
		.mode = "uring",
		.client_mode = "epoll",
		.target = 1000000,
		.held = 1000000,
		.sockets = 2000000,
		.stop_reason = "target",
		.stop_detail = NULL,
		.ramp_s = 12.5,
		.teardown_s = 1.5,
		.avg_rate = 80000,
		.peak_rate = 95000,
		.user_bytes_per_conn = 8,
		.kernel_bytes_per_socket = 3200,
		.buffer_bytes_per_conn = 0,
		.rcvbuf_server = 131072,
		.sndbuf_server = 16384,
		.rcvbuf_client = 131072,
		.sndbuf_client = 16384,
		.failed = 3,
		.lost = 2,
		.closed_early = 1,
		.rings_server = 16,
		.rings_client = 16,
		.ring_bytes = 2 * 1024 * 1024,
		.reserve = GIB,
		.mem_available_min = 18 * GIB,
		.delta = &million_delta,
	};
}

Test(json_string, escapes_quote_and_backslash)
{
	cr_assert_str_eq(json_of("a\"b\\c"), "\"a\\\"b\\\\c\"");
}

Test(json_string, escapes_newline_tab_and_return)
{
	cr_assert_str_eq(json_of("a\nb\tc\r"), "\"a\\nb\\tc\\r\"");
}

Test(json_string, escapes_other_control_chars_as_unicode)
{
	cr_assert_str_eq(json_of("\x01x\x1f"), "\"\\u0001x\\u001f\"");
}

Test(json_string, passes_utf8_through)
{
	cr_assert_str_eq(json_of("10 \xc2\xb5s"), "\"10 \xc2\xb5s\"");
}

Test(json_string, writes_null_pointer_as_null)
{
	cr_assert_str_eq(json_of(NULL), "null");
}

Test(stop_reason, names_are_stable)
{
	static const char *const want[STOP__COUNT] = {
		"none", "target", "reserve", "EMFILE", "ENFILE", "EADDRNOTAVAIL", "ENOMEM",
		"backlog", "signal", "peer", "refused", "threads", "error", "slo", "RLIMIT_MEMLOCK", "reset", "timeout",
		"cgroup", "killed", "session",
	};

	for (int i = 0; i < STOP__COUNT; i++)
		cr_assert_str_eq(stop_reason_name((enum stop_reason)i), want[i]);
}

Test(stop_reason, name_out_of_range_is_unknown)
{
	cr_assert_str_eq(stop_reason_name(STOP__COUNT), "unknown");
	cr_assert_str_eq(stop_reason_name((enum stop_reason)-1), "unknown");
}

Test(stop_reason, errno_maps_to_its_reason)
{
	static const struct {
		int err;
		enum stop_reason want;
	} table[] = {
		{ EMFILE, STOP_EMFILE },        { ENFILE, STOP_ENFILE },
		{ EADDRNOTAVAIL, STOP_EADDRNOTAVAIL }, { EADDRINUSE, STOP_EADDRNOTAVAIL },
		{ ENOMEM, STOP_ENOMEM },        { ENOBUFS, STOP_ENOMEM },
		{ ETIMEDOUT, STOP_BACKLOG },    { ECONNREFUSED, STOP_REFUSED },
		{ ENETUNREACH, STOP_REFUSED },  { EHOSTUNREACH, STOP_REFUSED },
		{ EAGAIN, STOP_THREADS },       { EPERM, STOP_ERROR },
		{ EINVAL, STOP_ERROR },
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		cr_assert_eq(stop_reason_from_errno(table[i].err), table[i].want,
			     "errno %d", table[i].err);
}

Test(stop_reason, negative_errno_maps_like_positive)
{
	cr_assert_eq(stop_reason_from_errno(-EMFILE), STOP_EMFILE);
	cr_assert_eq(stop_reason_from_errno(-ETIMEDOUT), STOP_BACKLOG);
}

Test(stop_reason, errno_zero_is_none)
{
	cr_assert_eq(stop_reason_from_errno(0), STOP_NONE);
}

Test(reporter, init_on_a_stream_that_is_not_a_tty)
{
	open_reporter(false);
	cr_assert_eq(r.out, out);
	cr_assert_not(r.json);
	cr_assert_not(r.tty);
	cr_assert_not(r.progress_shown);
	cr_assert_eq(r.rows, 0);
	text();
}

Test(reporter, start_json_is_one_object)
{
	open_reporter(true);
	report_start(&r, "bench", "uring", 1000000, GIB, 20 * GIB);
	cr_assert_str_eq(text(), "{\"event\":\"start\",\"command\":\"bench\",\"mode\":\"uring\","
				 "\"target_connections\":1000000,\"reserve_bytes\":1073741824,"
				 "\"mem_available_bytes\":21474836480}\n");
}

Test(reporter, start_human_says_max_for_zero_target)
{
	open_reporter(false);
	report_start(&r, "bench", "uring", 0, GIB, 20 * GIB);
	cr_assert_str_eq(text(), "holdconn bench: uring server, target max conns, "
				 "reserve 1.00 GiB, MemAvailable 20.00 GiB\n");
}

Test(reporter, point_json_is_one_exact_line)
{
	struct report_point p = point(1000000);

	open_reporter(true);
	report_point(&r, &p);
	cr_assert_str_eq(text(), "{\"event\":\"report\",\"connections\":1000000,\"sockets\":2000000,"
				 "\"elapsed_seconds\":12.5,\"connections_per_second\":80000.0,"
				 "\"user_bytes_per_socket\":8.0,\"kernel_bytes_per_socket\":3200.0,"
				 "\"buffer_bytes_per_socket\":0.0,\"rss_bytes_per_socket\":0.0,"
				 "\"mem_available_bytes\":21474836480}\n");
}

Test(reporter, point_json_gives_slab_per_socket)
{
	struct report_point p = point(1000000);

	p.delta = &million_delta;
	open_reporter(true);
	report_point(&r, &p);
	cr_assert(strstr(text(), ",\"slab\":{\"TCP\":{\"objects\":2000000,\"bytes_per_socket\":2368.0},"
				 "\"sock_inode_cache\":{\"objects\":2000000,"
				 "\"bytes_per_socket\":832.0}}}\n"), "%s", buf);
}

Test(reporter, point_json_writes_non_finite_as_null)
{
	struct report_point p = point(1000);

	p.rate = NAN;
	p.user_bytes_per_conn = INFINITY;
	open_reporter(true);
	report_point(&r, &p);
	cr_assert(strstr(text(), "\"connections_per_second\":null,\"user_bytes_per_socket\":null,"), "%s", buf);
}

Test(reporter, point_table_starts_with_header)
{
	struct report_point p = point(100000);

	open_reporter(false);
	report_point(&r, &p);
	cr_assert_str_eq(text(), "       conns   elapsed     rate/s  user B/conn  kernel B/sock"
				 "  buffer B/conn MemAvail GiB  connect p50/p99\n"
				 "      100000     12.5s      80000          8.0         3200.0"
				 "             ~0        20.00                -\n");
}

Test(reporter, point_shows_the_connect_latency_of_its_interval)
{
	struct report_point p = point(100000);

	p.connect_lat = (struct lat_report){ 100000, 45.2, 120.7, 300, 1500 };
	open_reporter(false);
	report_point(&r, &p);
	cr_assert(strstr(text(), "20.00        45/121 us\n"), "%s", text());
	open_reporter(true);
	report_point(&r, &p);
	cr_assert(strstr(text(), ",\"connect_latency_seconds\":{\"count\":100000,"
			  "\"p50\":4.52e-05,\"p99\":0.0001207,\"p999\":0.0003,\"max\":0.0015}"), "%s",
		  text());
}

Test(reporter, point_table_repeats_header_every_20_rows)
{
	struct report_point p = point(100000);

	open_reporter(false);
	for (int i = 0; i < 21; i++)
		report_point(&r, &p);
	cr_assert_eq(count(text(), "kernel B/sock"), 2);
	cr_assert_eq(r.rows, 21);
}

Test(reporter, point_table_breaks_slab_down_at_each_million)
{
	struct report_point p = point(1000000);

	p.delta = &million_delta;
	open_reporter(false);
	report_point(&r, &p);
	cr_assert(strstr(text(), "\n  slab: TCP 2368, sock_inode_cache 832\n"), "%s", buf);
}

Test(reporter, point_table_has_no_breakdown_between_millions)
{
	struct report_point p = point(1100000);

	p.delta = &million_delta;
	open_reporter(false);
	report_point(&r, &p);
	cr_assert_null(strstr(text(), "slab:"));
}

Test(reporter, progress_is_silent_off_a_tty)
{
	open_reporter(false);
	report_progress(&r, 1000, 1.0, 1000, 20 * GIB, UINT64_MAX);
	cr_assert_str_eq(text(), "");
	cr_assert_not(r.progress_shown);
}

Test(reporter, progress_is_silent_in_json)
{
	open_reporter(true);
	report_progress(&r, 1000, 1.0, 1000, 20 * GIB, UINT64_MAX);
	cr_assert_str_eq(text(), "");
}

Test(reporter, progress_on_a_tty_rewrites_one_line)
{
	open_reporter(false);
	r.tty = true;
	report_progress(&r, 1000, 1.5, 2000, 20 * GIB, UINT64_MAX);
	cr_assert_str_eq(text(), CLEAR "1000 conns  1.5 s  2000/s  MemAvailable 20.00 GiB");
	cr_assert(r.progress_shown);
}

Test(reporter, row_after_progress_clears_the_line_first)
{
	struct report_point p = point(100000);

	open_reporter(false);
	r.tty = true;
	report_progress(&r, 1000, 1.5, 2000, 20 * GIB, UINT64_MAX);
	report_point(&r, &p);
	cr_assert(strstr(text(), "GiB" CLEAR "       conns"), "%s", buf);
	cr_assert_not(r.progress_shown);
}

Test(reporter, summary_json_has_every_key)
{
	struct report_summary s = summary();
	static const char *const want[] = {
		"{\"event\":\"summary\",\"command\":\"bench\",\"mode\":\"uring\"",
		"\"client_mode\":\"epoll\"", "\"target_connections\":1000000", "\"held\":1000000",
		"\"sockets\":2000000", "\"stop_reason\":\"target\"", "\"stop_detail\":null",
		"\"ramp_seconds\":12.5", "\"teardown_seconds\":1.5", "\"avg_connections_per_second\":80000.0",
		"\"peak_connections_per_second\":95000.0", "\"user_bytes_per_socket\":8.0",
		"\"kernel_bytes_per_socket\":3200.0", "\"buffer_bytes_per_socket\":0.0",
		"\"rcvbuf_bytes\":{\"server\":131072,\"client\":131072}",
		"\"sndbuf_bytes\":{\"server\":16384,\"client\":16384}", "\"failed\":3", "\"lost\":2",
		"\"closed_early\":1", "\"rings\":{\"server\":16,\"client\":16}",
		"\"ring_bytes\":2097152", "\"reserve_bytes\":1073741824",
		"\"mem_available_min_bytes\":19327352832", "\"kernel_source\":\"slabinfo\"",
		"\"slab\":{\"TCP\":{\"objects\":2000000,\"bytes_per_socket\":2368.0}",
	};

	open_reporter(true);
	report_summary(&r, &s);
	text();
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_assert(strstr(buf, want[i]), "missing %s in %s", want[i], buf);
	cr_assert_eq(count(buf, "\n"), 1);
}

Test(reporter, summary_json_writes_unknown_buffer_size_as_null)
{
	struct report_summary s = summary();

	s.rcvbuf_server = -1;
	open_reporter(true);
	report_summary(&r, &s);
	cr_assert(strstr(text(), "\"rcvbuf_bytes\":{\"server\":null,\"client\":131072}"), "%s", buf);
}

Test(reporter, summary_json_writes_missing_client_mode_as_null)
{
	struct report_summary s = summary();

	s.command = "serve";
	s.client_mode = NULL;
	open_reporter(true);
	report_summary(&r, &s);
	cr_assert(strstr(text(), "\"client_mode\":null"), "%s", buf);
}

Test(reporter, summary_json_escapes_stop_detail)
{
	struct report_summary s = summary();

	s.stop_reason = "EMFILE";
	s.stop_detail = "RLIMIT_NOFILE is 1024: raise it with \"ulimit -n\"";
	open_reporter(true);
	report_summary(&r, &s);
	cr_assert(strstr(text(), "\"stop_detail\":\"RLIMIT_NOFILE is 1024: raise it with "
				 "\\\"ulimit -n\\\"\""), "%s", buf);
}

Test(reporter, summary_human_has_key_lines)
{
	struct report_summary s = summary();
	static const char *const want[] = {
		"\nholdconn bench summary\n",
		"  mode:          uring (client epoll)\n",
		"  held:          1000000 / 1000000 conns, 2000000 sockets\n",
		"  stop:          target\n",
		"  ramp:          12.5 s, avg 80000/s, peak 95000/s\n",
		"  user:          8.0 B/conn\n",
		"  kernel:        3200.0 B/socket\n",
		"  slab:          TCP 2368, sock_inode_cache 832\n",
		"  buffers:       ~0 B/conn\n",
		"  rcvbuf:        server 131072, client 131072\n",
		"  sndbuf:        server 16384, client 16384\n",
		"  rings:         server 16, client 16, 2.0 MiB\n",
		"  failures:      3 failed, 2 lost, 1 closed early\n",
		"  MemAvailable:  min 18.00 GiB, reserve 1.00 GiB\n",
		"  teardown:      1.5 s\n",
	};

	open_reporter(false);
	report_summary(&r, &s);
	text();
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_assert(strstr(buf, want[i]), "missing '%s' in\n%s", want[i], buf);
	cr_assert_leq(count(buf, "\n"), 24, "summary must fit one screen");
}

Test(reporter, summary_human_says_max_and_detail)
{
	struct report_summary s = summary();

	s.target = 0;
	s.stop_reason = "EMFILE";
	s.stop_detail = "RLIMIT_NOFILE is 1024";
	s.rcvbuf_client = -1;
	open_reporter(false);
	report_summary(&r, &s);
	text();
	cr_assert(strstr(buf, "1000000 / max conns"), "%s", buf);
	cr_assert(strstr(buf, "  stop:          EMFILE: RLIMIT_NOFILE is 1024\n"), "%s", buf);
	cr_assert(strstr(buf, "  rcvbuf:        server 131072, client ?\n"), "%s", buf);
}

Test(reporter, summary_human_notes_meminfo_fallback)
{
	static const struct meter_delta fallback = { .from_slabinfo = false };
	struct report_summary s = summary();

	s.delta = &fallback;
	open_reporter(false);
	report_summary(&r, &s);
	text();
	cr_assert(strstr(buf, "3200.0 B/socket (meminfo Slab:"), "%s", buf);
	cr_assert_null(strstr(buf, "slab:"));
}

Test(reporter, notice_json_escapes_text)
{
	open_reporter(true);
	report_notice(&r, "warning: %s", "a \"b\"");
	cr_assert_str_eq(text(), "{\"event\":\"notice\",\"text\":\"warning: a \\\"b\\\"\"}\n");
}

Test(reporter, notice_human_is_one_line)
{
	open_reporter(false);
	report_notice(&r, "warning: %d rings\n", 4);
	cr_assert_str_eq(text(), "warning: 4 rings\n");
}

Test(report_escape, a_banner_is_one_printable_line)
{
	char esc[128];

	cr_assert_str_eq(report_escape("-ERR max number of clients reached\r\n", 36, esc, sizeof(esc)),
			 "-ERR max number of clients reached\\r\\n");
}

Test(report_escape, other_bytes_are_hex_and_backslash_is_doubled)
{
	char esc[128];

	cr_assert_str_eq(report_escape("a\\\x00\xff\t", 5, esc, sizeof(esc)), "a\\\\\\x00\\xff\\t");
}

Test(report_escape, a_long_reply_is_cut_with_dots_within_the_room)
{
	char in[200], esc[40];

	memset(in, 'x', sizeof(in));
	report_escape(in, sizeof(in), esc, sizeof(esc));
	cr_assert_lt(strlen(esc), sizeof(esc));
	cr_assert_str_eq(esc + strlen(esc) - 3, "...");
}

Test(report_escape, an_escape_is_never_cut_in_half)
{
	char esc[8];

	report_escape("ab\r\n\r\n", 6, esc, sizeof(esc));
	cr_assert_str_eq(esc, "ab\\r...");
}

/* A point whose check the kernel agrees with: 3200 B/socket (res. 8), buffers -5.2 (res. 10.5). */
static const struct crosscheck agreed = {
	.sockets = { .known = true, .source = "slabinfo", .expected = 2000000, .seen = 2000100,
		     .resolution = 260 },
	.divisor = 2000000,
	.kernel = 3200, .kernel_raw = 3200, .kernel_res = 8,
	.buffer = -5.2, .buffer_raw = -5.2, .buffer_res = 10.5,
};

/* Another run held as many sockets as ours. */
static const struct crosscheck doubled = {
	.sockets = { .known = true, .source = "slabinfo", .expected = 2000000, .seen = 4000000,
		     .resolution = 260, .disturbed = true },
	.divisor = 4000000,
	.kernel = 3200, .kernel_raw = 6400, .kernel_res = 4,
	.buffer = 20, .buffer_raw = 40, .buffer_res = 1,
};

static struct report_point checked(const struct crosscheck *c)
{
	struct report_point p = point(1000000);

	p.kernel_bytes_per_socket = c->kernel;
	p.buffer_bytes_per_conn = c->buffer;
	p.check = c;
	return p;
}

Test(reporter, point_json_writes_a_cost_within_its_resolution_as_zero)
{
	struct report_point p = checked(&agreed);

	open_reporter(true);
	report_point(&r, &p);
	cr_assert(strstr(text(), "\"kernel_bytes_per_socket\":3200.0,"
				 "\"buffer_bytes_per_socket\":0.0,"),
		  "%s", buf);
	cr_assert(strstr(buf, ",\"resolution\":{\"kernel_bytes_per_socket\":8.0,"
			      "\"buffer_bytes_per_socket\":10.5},"
			      "\"within_resolution\":{\"buffer_bytes_per_socket\":-5.2},"
			      "\"seen_sockets\":2000100}\n"), "%s", buf);
	cr_assert_null(strstr(buf, "disturbed"), "%s", buf);
}

Test(reporter, point_json_says_disturbed_with_both_counts_and_raw_figures)
{
	struct report_point p = checked(&doubled);

	open_reporter(true);
	report_point(&r, &p);
	cr_assert(strstr(text(), "\"kernel_bytes_per_socket\":3200.0,"
				 "\"buffer_bytes_per_socket\":20.0,"),
		  "%s", buf);
	cr_assert(strstr(buf, ",\"disturbed\":{\"expected_sockets\":2000000,"
			      "\"seen_sockets\":4000000,"
			      "\"seen_sockets_resolution\":260,\"source\":\"slabinfo\","
			      "\"raw_kernel_bytes_per_socket\":6400.0,"
			      "\"raw_buffer_bytes_per_socket\":40.0}}\n"), "%s", buf);
}

Test(reporter, point_json_gives_slab_per_socket_the_kernel_counted)
{
	struct report_point p = checked(&doubled);

	p.delta = &million_delta;
	open_reporter(true);
	report_point(&r, &p);
	cr_assert(strstr(text(), "\"TCP\":{\"objects\":2000000,\"bytes_per_socket\":1184.0}"), "%s",
		  buf);
}

Test(reporter, point_table_prints_a_cost_within_resolution_as_tilde_zero)
{
	struct report_point p = checked(&agreed);

	open_reporter(false);
	report_point(&r, &p);
	cr_assert(strstr(text(), "         3200.0             ~0        20.00                -\n"),
		  "%s", buf);
}

Test(reporter, point_table_says_disturbed_in_one_line)
{
	struct report_point p = checked(&doubled);

	open_reporter(false);
	report_point(&r, &p);
	cr_assert(strstr(text(), "\n  disturbed: the kernel counted 4000000 new TCP sockets "
				 "(+-260) "
				 "where this run opened 2000000; kernel and buffer figures are per "
				 "socket counted (per socket of this run: 6400.0 kernel B)\n"),
		  "%s", buf);
}

Test(reporter, summary_human_never_prints_a_negative_cost)
{
	struct report_summary s = summary();

	s.buffer_bytes_per_conn = agreed.buffer;
	s.check = &agreed;
	open_reporter(false);
	report_summary(&r, &s);
	cr_assert(strstr(text(), "  buffers:       ~0 B/conn (resolution 10.5)\n"), "%s", buf);
	cr_assert(strstr(buf, "  kernel:        3200.0 B/socket (resolution 8.0)\n"), "%s", buf);
}

Test(reporter, a_negative_beyond_its_resolution_is_flagged_with_its_measured_value)
{
	struct report_summary s = summary();
	struct crosscheck freed = agreed;

	freed.buffer = freed.buffer_raw = -500;
	s.buffer_bytes_per_conn = freed.buffer;
	s.check = &freed;
	open_reporter(false);
	report_summary(&r, &s);
	cr_assert(strstr(text(), "  buffers:       <0! B/conn (NEGATIVE: measured -500.0, beyond its "
				 "resolution 10.5"), "%s", buf);
	open_reporter(true);
	report_summary(&r, &s);
	cr_assert(strstr(text(), "\"buffer_bytes_per_socket\":null"), "%s", buf);
	cr_assert(strstr(buf, "\"negative\":{\"buffer_bytes_per_socket\":-500.0}"), "%s", buf);
}

Test(reporter, a_cache_that_grew_unexplained_is_named_in_disturbed)
{
	struct report_summary s = summary();
	struct crosscheck c = agreed;

	c.unexplained = (struct unexplained){ true, "proc_inode_cache", 15000, 10680000,
					      "a process reading /proc" };
	s.check = &c;
	open_reporter(true);
	report_summary(&r, &s);
	cr_assert(strstr(text(), "\"unexplained_cache\":{\"name\":\"proc_inode_cache\","
				 "\"objects\":15000,\"bytes\":10680000"), "%s", buf);
}

Test(reporter, summary_json_carries_the_check)
{
	struct report_summary s = summary();

	s.check = &doubled;
	s.buffer_bytes_per_conn = 20;
	open_reporter(true);
	report_summary(&r, &s);
	cr_assert(strstr(text(), ",\"disturbed\":{\"expected_sockets\":2000000,"
				 "\"seen_sockets\":4000000,"),
		  "%s", buf);
}

Test(reporter, an_http_servers_idle_closes_read_as_its_keep_alive_timeout)
{
	struct side_stats st = { 0 };
	struct session_report sr;
	double idle[3];

	/* 3 closes, all at ~2 s: the median is the histogram's bucket, kept within min and max. */
	for (uint64_t ms = 2001; ms <= 2003; ms++)
		lat_hist_add(&st.sessions.idle, ms * 1000);
	session_idle_seconds(3, 2001, 2003, &st.sessions.idle, idle);
	cr_expect_float_eq(idle[0], 2.001, 1e-9);
	cr_expect_float_eq(idle[1], 2.003, 1e-9);
	cr_expect_float_eq(idle[2], 2.003, 1e-9);
	session_idle_seconds(0, 0, 0, &st.sessions.idle, idle);
	cr_expect_eq(idle[1], 0);

	atomic_store(&st.sessions.idle_closed, 3);
	atomic_store(&st.sessions.idle_min_ms, 2001);
	atomic_store(&st.sessions.idle_max_ms, 2003);
	session_report_fill(&sr, "http", false, &st);
	open_mem();
	session_report_json(out, &sr);
	cr_assert(strstr(text(), "\"idle_closed\":3,\"idle_close_seconds\":{\"min\":2.001,"
				 "\"median\":2.003,\"max\":2.003}"), "%s", buf);
	open_mem();
	session_report_human(out, &sr);
	cr_assert(strstr(text(), "idle close:    3 idle sessions closed by the server after 2.0 s "
				 "(min 2.0, max 2.0)"), "%s", buf);
}

Test(reporter, only_http_reports_idle_closes)
{
	struct side_stats st = { 0 };
	struct session_report sr;

	session_report_fill(&sr, "mqtt", false, &st);
	open_mem();
	session_report_json(out, &sr);
	cr_assert(!strstr(text(), "idle_close"), "%s", buf);
	session_report_fill(&sr, "http", false, &st);
	open_mem();
	session_report_json(out, &sr);
	cr_assert(strstr(text(), "\"idle_closed\":0,\"idle_close_seconds\":null"), "%s", buf);
}
