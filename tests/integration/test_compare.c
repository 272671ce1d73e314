/*
 * test_compare.c - `holdconn compare` against the real binary: every mode
 * holds the target, epoll stops at RLIMIT_NOFILE and the modes are then
 * compared where all of them got to, the table for people, the plots.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "proc.h"

TestSuite(compare, .fini = proc_cleanup);

#define CONNS 3000
#define EVERY 300   /* compare's default interval for 3000: a tenth */
#define NOFILE 8192 /* room for CONNS descriptors per side in epoll and threads modes */

static struct proc P;

static long nofile_for_conns(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_max < NOFILE)
		cr_skip_test("RLIMIT_NOFILE hard limit is below %d: raise it with ulimit -Hn",
			     NOFILE);
	return NOFILE;
}

/* The summary line of mode's run, copied into buf; NULL if there is none. */
static const char *summary_of(struct proc *p, const char *mode, char *buf, size_t len)
{
	char needle[64];
	const char *s, *e;

	snprintf(needle, sizeof(needle),
		 "{\"event\":\"summary\",\"command\":\"bench\",\"mode\":\"%s\"", mode);
	s = strstr(p->out, needle);
	if (!s)
		return NULL;
	e = strchr(s, '\n');
	if (!e || (size_t)(e - s) >= len)
		return NULL;
	memcpy(buf, s, e - s);
	buf[e - s] = '\0';
	return buf;
}

static bool gnuplot_present(void)
{
	return system("command -v gnuplot >/dev/null 2>&1") == 0;
}

/* A scratch directory for plots, removed with what is in it by remove_dir(). */
static char dir[64];

static void make_dir(void)
{
	strcpy(dir, "/tmp/holdconn-plot-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(const char *file)
{
	unlink(file);
	rmdir(dir);
}

/* The first n bytes of a file; -1 when it cannot be read. */
static long head_of(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	ssize_t got;

	if (fd < 0)
		return -1;
	got = read(fd, buf, n);
	fstat(fd, &st);
	close(fd);
	return got < 0 ? -1 : (long)st.st_size;
}

Test(compare, every_mode_holds_3000, .timeout = 60)
{
	const char *args[] = { "compare", "--conns", "3000", "--json", NULL };
	const char *modes[] = { "uring", "epoll", "threads" };
	long nofile = nofile_for_conns();
	char line[65536], reason[64];
	double held, common;

	cr_assert_eq(run_holdconn(&P, args, nofile, 55), 0, "stderr: %s", P.err);
	for (int i = 0; i < 3; i++) {
		cr_assert_not_null(summary_of(&P, modes[i], line, sizeof(line)),
				   "no %s summary: %s", modes[i], P.out);
		cr_assert(json_num(line, "held", &held));
		cr_expect_eq(held, CONNS, "%s held %.0f: %s", modes[i], held, line);
		cr_assert(json_str(line, "stop_reason", reason, sizeof(reason)));
		cr_expect_str_eq(reason, "target", "%s: %s", modes[i], line);
		cr_expect_not_null(strstr(line, "\"client_mode\":\"uring\""), "%s", line);
	}
	cr_assert_not_null(proc_line(&P, "\"event\":\"comparison\"", line, sizeof(line)), "%s",
			   P.out);
	cr_assert(json_num(line, "common_connections", &common), "%s", line);
	cr_expect_eq(common, CONNS, "%s", line);
	cr_expect_not_null(strstr(line, "\"mode\":\"threads\",\"ok\":true"), "%s", line);
}

Test(compare, epoll_stops_at_emfile_and_the_modes_meet_below_it, .timeout = 60)
{
	const char *args[] = { "compare", "--conns", "3000", "--modes", "uring,epoll", "--json",
			       NULL };
	char line[65536], reason[64];
	double held, uring_held, common, every;

	/* epoll stopped short of --conns: the comparison exits 3. */
	cr_assert_eq(run_holdconn(&P, args, 1024, 55), 3, "stderr: %s", P.err);
	cr_assert_not_null(summary_of(&P, "epoll", line, sizeof(line)), "%s", P.out);
	cr_assert(json_str(line, "stop_reason", reason, sizeof(reason)));
	cr_assert_str_eq(reason, "EMFILE", "%s", line);
	cr_assert(json_num(line, "held", &held));
	cr_assert_lt(held, 1024, "%s", line);
	cr_assert_not_null(summary_of(&P, "uring", line, sizeof(line)), "%s", P.out);
	cr_assert(json_num(line, "held", &uring_held));
	cr_assert_eq(uring_held, CONNS, "direct descriptors are not bound by RLIMIT_NOFILE: %s",
		     line);

	cr_assert_not_null(proc_line(&P, "\"event\":\"comparison\"", line, sizeof(line)), "%s",
			   P.out);
	cr_assert(json_num(line, "report_every", &every));
	cr_assert_eq(every, EVERY, "%s", line);
	cr_assert(json_num(line, "common_connections", &common), "%s", line);
	/* The last multiple of the interval epoll reached, or its stop if uring has it too. */
	cr_expect_leq(common, held, "%s", line);
	cr_expect_gt(common, held - EVERY, "%s", line);
	cr_expect_eq((long)common % EVERY, 0, "%s", line);
	cr_expect_not_null(strstr(line, "RLIMIT_NOFILE is 1024; epoll cannot hold more: "
					"use --mode uring or raise ulimit -n"), "%s", line);
}

Test(compare, the_table_has_a_column_per_mode, .timeout = 60)
{
	const char *args[] = { "compare", "--conns", "1000", "--modes", "epoll,uring", NULL };
	long nofile = nofile_for_conns();
	char line[4096];

	cr_assert_eq(run_holdconn(&P, args, nofile, 55), 0, "stderr: %s", P.err);
	cr_assert_not_null(proc_line(&P, "held (conns)", line, sizeof(line)), "%s", P.out);
	cr_expect_not_null(strstr(line, "1000"), "%s", line);
	cr_assert_not_null(proc_line(&P, "       epoll       uring", line, sizeof(line)),
			   "modes in the order given: %s", P.out);
	cr_assert_not_null(proc_line(&P, "stop  ", line, sizeof(line)), "%s", P.out);
	cr_expect_not_null(strstr(line, "target      target"), "%s", line);
	cr_expect_null(strstr(P.out, "\"event\""), "JSON in the table: %s", P.out);
}

Test(compare, the_table_breaks_kernel_bytes_down_by_slab_cache, .timeout = 60)
{
	const char *args[] = { "compare", "--conns", "1000", "--modes", "epoll,uring", NULL };
	long nofile = nofile_for_conns();

	if (access("/proc/slabinfo", R_OK))
		cr_skip_test("/proc/slabinfo is readable only by root: per-cache rows need it");
	cr_assert_eq(run_holdconn(&P, args, nofile, 55), 0, "stderr: %s", P.err);
	cr_expect_not_null(strstr(P.out, "    TCP "), "no per-cache row: %s", P.out);
}

Test(compare, plot_writes_a_png, .timeout = 60)
{
	char path[128], sig[8];
	long size, nofile = nofile_for_conns();
	int code;

	if (!gnuplot_present())
		cr_skip_test("gnuplot is not installed (tools/deps.sh installs gnuplot-nox)");
	make_dir();
	snprintf(path, sizeof(path), "%s/compare.png", dir);
	const char *args[] = { "compare", "--conns", "1000", "--modes", "uring,epoll", "--plot",
			       path, NULL };

	code = run_holdconn(&P, args, nofile, 55);
	size = head_of(path, sig, sizeof(sig));
	remove_dir(path);
	cr_assert_eq(code, 0, "stderr: %s", P.err);
	cr_assert_gt(size, 1000, "no PNG written (%ld bytes)", size);
	cr_assert_eq(memcmp(sig, "\x89PNG\r\n\x1a\n", 8), 0, "not a PNG signature");
}

Test(compare, plot_writes_an_svg, .timeout = 60)
{
	char path[128], head[256];
	long size;
	int code;

	if (!gnuplot_present())
		cr_skip_test("gnuplot is not installed (tools/deps.sh installs gnuplot-nox)");
	make_dir();
	snprintf(path, sizeof(path), "%s/compare.svg", dir);
	const char *args[] = { "compare", "--conns", "1000", "--modes", "uring", "--plot", path,
			       NULL };

	code = run_holdconn(&P, args, 0, 55);
	memset(head, 0, sizeof(head));
	size = head_of(path, head, sizeof(head) - 1);
	remove_dir(path);
	cr_assert_eq(code, 0, "stderr: %s", P.err);
	cr_assert_gt(size, 1000, "no SVG written (%ld bytes)", size);
	cr_assert_not_null(strstr(head, "<svg"), "not an SVG: %s", head);
}

Test(compare, plot_without_gnuplot_fails_before_any_run, .timeout = 20)
{
	const char *args[] = { "compare", "--conns", "1000", "--plot", "/tmp/never.png", NULL };
	char *path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;

	setenv("PATH", "/nonexistent", 1);
	proc_start(&P, args, 0);
	if (path)
		setenv("PATH", path, 1);
	free(path);
	cr_assert_eq(proc_finish(&P, 15), 1, "stderr: %s", P.err);
	cr_expect_not_null(strstr(P.err, "--plot needs gnuplot"), "%s", P.err);
	cr_expect_eq(P.len, 0, "ran before failing: %s", P.out);
}

Test(compare, a_mode_listed_twice_is_bad_usage, .timeout = 10)
{
	const char *args[] = { "compare", "--modes", "uring,epoll,uring", NULL };

	cr_assert_eq(run_holdconn(&P, args, 0, 5), 2);
	cr_expect_str_eq(P.err, "holdconn: --modes: 'uring,epoll,uring' names uring twice "
				"(list each mode once)\n");
}
