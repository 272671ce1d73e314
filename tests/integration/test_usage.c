/* test_usage.c - bad usage exits 2 with one line naming the argument; --help exits 0. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>
#include "proc.h"

TestSuite(usage, .fini = proc_cleanup);

/* Arrays, not pointers: Criterion hands parameters to a fresh worker process. */
struct bad_case {
	char args[8][48];
	char names[32]; /* the message must mention this */
};

static struct proc P;

ParameterizedTestParameters(usage, bad_arguments_exit_2)
{
	static struct bad_case cases[] = {
		{ { "bench", "--conns", "abc" }, "--conns" },
		{ { "bench", "--conns", "-5" }, "--conns" },
		{ { "bench", "--rcvbuf", "12Q" }, "--rcvbuf" },
		{ { "bench", "--mode", "kqueue" }, "--mode" },
		{ { "bench", "--frob" }, "--frob" },
		{ { "bench", "--clients", "0" }, "--clients" },
		{ { "bench", "--path", "vet" }, "--path" },
		{ { "bench", "--path", "veth", "--no-netns" }, "--no-netns" },
		{ { "bench", "--path", "veth", "--ipv6" }, "--ipv6" },
		{ { "bench", "--clients", "4", "--conns", "3" }, "--clients" },
		{ { "bench", "--pin", "--server", "redis-server --port {port}" }, "--pin" },
		{ { "serve", "--listen", "127.0.0.1:5000", "--metrics", "127.0.0.1" }, "--metrics" },
		{ { "connect", "--target", "127.0.0.1:5000", "--conns", "10", "--shard", "4/4" }, "--shard" },
		{ { "serve" }, "--listen" },
		{ { "serve", "--listen", "127.0.0.1:0" }, "--listen" },
		{ { "serve", "--listen", "127.0.0.1:65536" }, "--listen" },
		{ { "serve", "--listen", "localhost:80" }, "--listen" },
		{ { "connect", "--target", "127.0.0.1:5000" }, "--conns" },
		{ { "connect", "--conns", "10" }, "--target" },
		{ { "connect", "--target", "127.0.0.1:5000", "--conns", "10", "--source", "1.2.3" },
		  "--source" },
		{ { "frobnicate" }, "frobnicate" },
		{ { "bench", "--report-every", "0" }, "--report-every" },
		/* Echoed values with a newline or escape still make one line. */
		{ { "serve", "--listen", "127.0.0.1:5000\nrm -rf x" }, "--listen" },
		{ { "bench", "--conns", "1\r\033[2J" }, "--conns" },
		{ { "connect", "--target", "127.0.0.1:5000", "--conns", "10", "--source",
		    "0.0.0.0-255.255.255.255" }, "--source" },
		{ { "serve", "--listen", "127.0.0.1:5000", "--listen", "127.0.0.1:5000" }, "--listen" },
		{ { "serve", "--listen", "127.0.0.1:5010-5000" }, "--listen" },
		{ { "connect", "--target", "127.0.0.1:1-65535", "--conns", "1" }, "--target" },
		{ { "connect", "--target", "127.0.0.1:5000", "--conns", "max" }, "--conns" },
		{ { "bench", "--conns", "99999999999999999999" }, "--conns" },
		{ { "bench", "--conns", "" }, "--conns" },
		{ { "bench", "--conns" }, "--conns" },
		{ { "bench", "--json=1" }, "--json" },
		{ { "bench", "--rcvbuf", "4G" }, "--rcvbuf" },
		{ { "bench", "--ports", "1025" }, "--ports" },
		{ { "serve", "--listen", "127.0.0.1:5000", "--backlog", "70000" }, "--backlog" },
		{ { "connect", "--target", "127.0.0.1:5000", "--conns", "1", "--sport", "70000" },
		  "--sport" },
		{ { "bench", "--listen", "127.0.0.1:5000" }, "--listen" },
		{ { "bench", "extra" }, "extra" },
	};
	return cr_make_param_array(struct bad_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct bad_case *c, usage, bad_arguments_exit_2, .timeout = 10)
{
	const char *args[9] = { 0 };

	for (int i = 0; i < 8 && c->args[i][0]; i++)
		args[i] = c->args[i];
	cr_assert_eq(run_holdconn(&P, args, 0, 5), 2, "args %s %s: %s", c->args[0], c->args[1], P.err);
	cr_assert_not_null(strstr(P.err, c->names), "message does not name %s: %s", c->names, P.err);
	cr_assert_eq(strchr(P.err, '\n'), P.err + strlen(P.err) - 1, "not one line: %s", P.err);
}

Test(usage, help_exits_0_for_every_command)
{
	const char *cmds[] = { "serve", "connect", "bench" };

	for (int i = 0; i < 3; i++) {
		const char *args[] = { cmds[i], "--help", NULL };

		cr_assert_eq(run_holdconn(&P, args, 0, 5), 0);
		cr_assert_not_null(strstr(P.out, "usage: holdconn"), "%s --help: %s", cmds[i], P.out);
	}
}
