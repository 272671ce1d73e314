/*
 * test_conventions.c - what a script or a CI gate relies on: connect
 * --duration ends the run by itself with its summary, and the exit code
 * says whether the target was held (0) or not (3).
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "proc.h"

TestSuite(conventions, .fini = proc_cleanup);

static struct proc P, Q;

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* serve --json on 127.0.0.1:port, up. */
static void start_serve(char *ep, size_t len)
{
	int port = free_port_base(1);

	cr_assert_gt(port, 0);
	snprintf(ep, len, "127.0.0.1:%d", port);
	const char *sargs[] = { "serve", "--listen", ep, "--json", NULL };

	proc_start(&P, sargs, 0);
	cr_assert(proc_wait_for(&P, "\"event\":\"start\"", 10), "serve did not start: %s", P.err);
}

static void stop_serve(void)
{
	proc_signal(&P, SIGTERM);
	cr_assert_eq(proc_finish(&P, 20), 0, "serve: %s", P.err);
}

Test(conventions, connect_duration_exits_by_itself_with_its_summary, .timeout = 40)
{
	char ep[64], line[65536];
	double held, t0, took;

	start_serve(ep, sizeof(ep));
	const char *cargs[] = { "connect", "--target", ep, "--conns", "1000", "--duration", "2s",
				"--json", NULL };

	t0 = mono_s();
	cr_assert_eq(run_holdconn(&Q, cargs, 0, 20), 0, "connect: %s", Q.err);
	took = mono_s() - t0;
	cr_assert_geq(took, 2.0, "exited after %.2f s, before --duration 2s", took);
	cr_assert_lt(took, 6.0, "took %.2f s for --duration 2s", took);
	cr_assert_not_null(proc_line(&Q, "\"event\":\"summary\"", line, sizeof(line)), "%s", Q.out);
	cr_assert(json_num(line, "held", &held));
	cr_assert_eq(held, 1000, "%s", line);
	stop_serve();
}

Test(conventions, connect_short_of_its_target_exits_3, .timeout = 40)
{
	char ep[64], line[65536], reason[64];
	double held;

	start_serve(ep, sizeof(ep));
	/* One source address and 10 source ports: 10 4-tuples for --conns 20. */
	const char *cargs[] = { "connect", "--target", ep, "--conns", "20", "--source", "127.3.0.1",
				"--sport", "41000-41009", "--duration", "0s", "--json", NULL };

	cr_assert_eq(run_holdconn(&Q, cargs, 0, 20), 3, "connect: %s", Q.err);
	cr_assert_not_null(proc_line(&Q, "\"event\":\"summary\"", line, sizeof(line)), "%s", Q.out);
	cr_assert(json_num(line, "held", &held));
	cr_assert_eq(held, 10, "%s", line);
	cr_assert(json_str(line, "stop_reason", reason, sizeof(reason)));
	cr_assert_str_eq(reason, "EADDRNOTAVAIL", "%s", line);
	stop_serve();
}

Test(conventions, connect_to_nothing_listening_exits_3, .timeout = 20)
{
	int port = free_port_base(1);
	char ep[64];

	cr_assert_gt(port, 0);
	snprintf(ep, sizeof(ep), "127.0.0.1:%d", port);
	const char *cargs[] = { "connect", "--target", ep, "--conns", "5", "--json", NULL };

	cr_assert_eq(run_holdconn(&Q, cargs, 0, 10), 3, "connect: %s", Q.err);
	cr_assert_not_null(strstr(Q.out, "\"stop_reason\":\"refused\""), "%s", Q.out);
}

Test(conventions, connect_resolves_a_target_host_name, .timeout = 40)
{
	char ep[64], named[64], line[65536];
	double held;

	start_serve(ep, sizeof(ep));
	snprintf(named, sizeof(named), "localhost%s", strchr(ep, ':'));
	const char *cargs[] = { "connect", "--target", named, "--conns", "100", "--duration", "0s",
				"--json", NULL };

	cr_assert_eq(run_holdconn(&Q, cargs, 0, 20), 0, "connect: %s", Q.err);
	cr_assert_not_null(proc_line(&Q, "\"event\":\"summary\"", line, sizeof(line)), "%s", Q.out);
	cr_assert(json_num(line, "held", &held));
	cr_assert_eq(held, 100, "%s", line);
	stop_serve();
}

Test(conventions, a_name_that_never_resolves_exits_1_naming_it, .timeout = 20)
{
	const char *cargs[] = { "connect", "--target", "no-such-name.invalid:5000", "--conns", "1",
				"--resolve-timeout", "1s", NULL };

	cr_assert_eq(run_holdconn(&Q, cargs, 0, 10), 1, "connect: %s", Q.err);
	cr_assert_not_null(strstr(Q.err, "--target no-such-name.invalid: the name did not resolve"),
			   "%s", Q.err);
}

/* The keepalive timer `ss -o` shows on the established sockets of port, both ends: how many. */
static int keepalive_timers(const char *port)
{
	char cmd[160], buf[512];
	int n = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ss -tnoH state established '( sport = :%s or dport = :%s )'",
		 port, port);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	while (fgets(buf, sizeof(buf), f))
		n += strstr(buf, "timer:(keepalive") != NULL;
	pclose(f);
	return n;
}

Test(conventions, tcp_keepalive_arms_the_timer_on_both_ends, .timeout = 40)
{
	static const char *const modes[] = { "uring", "epoll" };

	if (system("command -v ss >/dev/null 2>&1"))
		cr_skip_test("no ss (iproute2) to read the sockets' timers");
	for (unsigned i = 0; i < 2; i++) {
		int port = free_port_base(1);
		char ep[64], pstr[16];

		cr_assert_gt(port, 0);
		snprintf(ep, sizeof(ep), "127.0.0.1:%d", port);
		snprintf(pstr, sizeof(pstr), "%d", port);
		const char *sargs[] = { "serve", "--listen", ep, "--json", "--mode", modes[i],
					"--tcp-keepalive", "60s,10s,5", "--user-timeout", "30s", NULL };
		const char *cargs[] = { "connect", "--target", ep, "--conns", "20", "--json", "--mode",
					modes[i], "--tcp-keepalive", "60,10,5", "--user-timeout", "30s",
					NULL };

		proc_start(&P, sargs, 0);
		cr_assert(proc_wait_for(&P, "\"event\":\"start\"", 10), "serve: %s", P.err);
		proc_start(&Q, cargs, 0);
		cr_assert(proc_wait_for(&Q, "\"connections\":20,", 10), "connect: %s %s", Q.out, Q.err);
		cr_expect_eq(keepalive_timers(pstr), 40, "%s: 20 pairs, a timer on each end",
			     modes[i]);
		proc_signal(&Q, SIGTERM);
		cr_assert_eq(proc_finish(&Q, 20), 0, "connect: %s", Q.err);
		stop_serve();
	}
}

/* ---- every --json event follows docs/holdconn.schema.json ---------------- */

/* dir/rel beside the binary under test (the checkout), or false when it is not there. */
static bool beside_binary(const char *rel, char *out, size_t len)
{
	const char *bin = holdconn_path();
	const char *slash = strrchr(bin, '/');

	snprintf(out, len, "%.*s%s", slash ? (int)(slash - bin + 1) : 0, bin, rel);
	return access(out, R_OK) == 0;
}

/* Writes p's stdout to a file and validates every line of it with tools/check_json.py. */
static void validate(struct proc *p, const char *what)
{
	char schema[512], checker[512], file[64], cmd[1400], out[4096] = "";
	size_t n;
	FILE *f;
	int fd;

	if (!beside_binary("docs/holdconn.schema.json", schema, sizeof(schema)) ||
	    !beside_binary("tools/check_json.py", checker, sizeof(checker)))
		cr_skip_test("no docs/holdconn.schema.json beside %s (not a checkout)", holdconn_path());
	if (access("/usr/bin/python3", X_OK) || system("/usr/bin/python3 -c 'import jsonschema'"))
		cr_skip_test("no python3-jsonschema (tools/deps.sh installs it)");
	snprintf(file, sizeof(file), "/tmp/holdconn-json-XXXXXX");
	fd = mkstemp(file);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, p->out, p->len), (ssize_t)p->len);
	close(fd);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s %s %s 2>&1", checker, schema, file);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	cr_expect_eq(pclose(f), 0, "%s: events that do not follow the schema:\n%s", what, out);
	unlink(file);
}

Test(conventions, every_event_of_every_command_follows_the_schema, .timeout = 120)
{
	char ep[64];
	const char *bench[] = { "bench", "--conns", "400", "--report-every", "200", "--json", "--send",
				"64", "--every", "200ms", "--duration", "1s", "--slo", "p99=1s", NULL };
	const char *compare[] = { "compare", "--conns", "200", "--modes", "uring,epoll", "--json",
				  NULL };
	const char *sweep[] = { "sweep", "--rcvbuf", "4Ki,default", "--conns", "200", "--send", "64",
				"--every", "200ms", "--duration", "1s", "--json", NULL };
	const char *limits[] = { "limits", "--json", "--no-calibrate", NULL };

	int code = run_holdconn(&Q, bench, 0, 40);

	/* 3 when a busy box misses the SLO: its events follow the schema all the same. */
	cr_assert(code == 0 || code == 3, "bench exited %d: %s", code, Q.err);
	validate(&Q, "bench");
	cr_assert_eq(run_holdconn(&Q, compare, 0, 40), 0, "compare: %s", Q.err);
	validate(&Q, "compare");
	cr_assert_eq(run_holdconn(&Q, sweep, 0, 60), 0, "sweep: %s", Q.err);
	validate(&Q, "sweep");
	cr_assert_eq(run_holdconn(&Q, limits, 0, 20), 0, "limits: %s", Q.err);
	validate(&Q, "limits");

	start_serve(ep, sizeof(ep));
	const char *connect[] = { "connect", "--target", ep, "--conns", "300", "--report-every", "100",
				  "--duration", "1s", "--json", NULL };

	cr_assert_eq(run_holdconn(&Q, connect, 0, 20), 0, "connect: %s", Q.err);
	validate(&Q, "connect");
	stop_serve();
	validate(&P, "serve");
}

Test(conventions, a_live_exposition_passes_promtool_and_has_build_info, .timeout = 40)
{
	char ep[64], metrics[64], cmd[256], out[8192] = "";
	int port = free_port_base(2);
	size_t n;
	FILE *f;

	if (access("/usr/bin/promtool", X_OK) || system("command -v curl >/dev/null 2>&1"))
		cr_skip_test("needs promtool (Debian package prometheus) and curl");
	cr_assert_gt(port, 0);
	snprintf(ep, sizeof(ep), "127.0.0.1:%d", port);
	snprintf(metrics, sizeof(metrics), "127.0.0.1:%d", port + 1);
	const char *sargs[] = { "serve", "--listen", ep, "--json", "--metrics", metrics, NULL };
	const char *cargs[] = { "connect", "--target", ep, "--conns", "200", "--duration", "0s",
				"--json", NULL };

	proc_start(&P, sargs, 0);
	cr_assert(proc_wait_for(&P, "\"event\":\"start\"", 10), "serve: %s", P.err);
	cr_assert_eq(run_holdconn(&Q, cargs, 0, 20), 0, "connect: %s", Q.err);
	snprintf(cmd, sizeof(cmd), "curl -sf http://%s/metrics > /tmp/holdconn-expo-%d.txt", metrics,
		 port);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	snprintf(cmd, sizeof(cmd),
		 "f=/tmp/holdconn-expo-%d.txt; promtool check metrics < $f 2>&1 && "
		 "grep -c '^holdconn_build_info{version=' $f && ! grep -n '_per_' $f; rm -f $f", port);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	cr_expect_eq(pclose(f), 0, "promtool, build_info or a _per_ name: %s", out);
	stop_serve();
}

/* ---- the man page and make install ---------------------------------------- */

/* Runs sh -c cmd in the checkout; its exit status, its output in out. */
static int in_checkout(const char *cmd, char *out, size_t len)
{
	char dir[512], full[2048];
	size_t n;
	FILE *f;

	if (!beside_binary("Makefile", dir, sizeof(dir)) ||
	    !beside_binary("tools/manpage.py", full, sizeof(full)))
		cr_skip_test("%s is not in a checkout", holdconn_path());
	dir[strlen(dir) - strlen("Makefile")] = '\0';
	snprintf(full, sizeof(full), "cd '%s' && { %s; } 2>&1", dir[0] ? dir : ".", cmd);
	f = popen(full, "r");
	cr_assert_not_null(f);
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	return pclose(f);
}

Test(conventions, the_man_page_renders_and_lists_every_option_of_every_command, .timeout = 60)
{
	static char out[65536];

	if (system("command -v man >/dev/null 2>&1") || access("/usr/bin/python3", X_OK))
		cr_skip_test("needs man and python3");
	cr_assert_eq(in_checkout("python3 tools/manpage.py ./holdconn > /tmp/holdconn-test.1 && "
				 "MANWIDTH=100 man -l /tmp/holdconn-test.1 > /tmp/holdconn-test.txt", out,
				 sizeof(out)), 0, "%s", out);
	/* Every --option each command's table declares (its --help) is on the page. */
	cr_expect_eq(in_checkout("for c in serve connect bench limits compare sweep; do "
				 "./holdconn $c --help | grep -oE '^ +(-[a-zA-Z], )?--[a-z0-9-]+' | "
				 "grep -oE -- '--[a-z0-9-]+' | while read o; do "
				 "grep -qF -- \"$o\" /tmp/holdconn-test.txt || echo \"$c $o missing\"; "
				 "done; done | grep . && exit 1; "
				 "grep -q 'EXIT STATUS' /tmp/holdconn-test.txt && "
				 "rm -f /tmp/holdconn-test.1 /tmp/holdconn-test.txt", out, sizeof(out)), 0,
		     "%s", out);
}

Test(conventions, make_install_puts_binary_man_page_and_completion_under_destdir, .timeout = 60)
{
	static char out[16384];

	if (access("/usr/bin/python3", X_OK) || system("command -v make >/dev/null 2>&1"))
		cr_skip_test("needs make and python3");
	cr_expect_eq(in_checkout("d=$(mktemp -d /tmp/holdconn-install.XXXXXX) && "
				 "make -s install DESTDIR=$d PREFIX=/usr >/dev/null && "
				 "test -x $d/usr/bin/holdconn && "
				 "test -s $d/usr/share/man/man1/holdconn.1 && "
				 "test -s $d/usr/share/bash-completion/completions/holdconn && "
				 "bash -n $d/usr/share/bash-completion/completions/holdconn; r=$?; "
				 "rm -rf $d; exit $r", out, sizeof(out)), 0, "%s", out);
}
