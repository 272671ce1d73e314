/*
 * plot.c - bytes per socket against connections held, drawn by gnuplot.
 * The program and its data go down one pipe (the data as a datablock),
 * so nothing is left in /tmp. tools/plot.sh draws the same chart from
 * saved --json lines: keep the two in step.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "run/plot.h"

#define GNUPLOT "gnuplot"
#define POINTS_SHOWN 20 /* markers per line at most; the line joins every point */

extern char **environ;

/* One colour per mode, the same in every chart; tools/plot.sh uses these too. */
static const struct {
	const char *mode, *color;
} mode_colors[] = {
	{ "uring", "#1f77b4" },
	{ "epoll", "#d62728" },
	{ "threads", "#2ca02c" },
};

static const char *const spare_colors[] = { "#9467bd", "#ff7f0e", "#8c564b" };

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && !strcasecmp(s + n - k, suffix);
}

int plot_format(const char *path)
{
	if (ends_with(path, ".png"))
		return PLOT_PNG;
	if (ends_with(path, ".svg"))
		return PLOT_SVG;
	return -EINVAL;
}

static bool on_path(const char *name)
{
	const char *path = getenv("PATH"), *p, *colon;
	char file[4096];

	for (p = path ? path : "/usr/bin:/bin"; *p; p = *colon ? colon + 1 : colon) {
		colon = strchrnul(p, ':');
		snprintf(file, sizeof(file), "%.*s/%s", (int)(colon - p), p, name);
		if (colon > p && !access(file, X_OK))
			return true;
	}
	return false;
}

int plot_check(char *err, size_t errlen)
{
	if (on_path(GNUPLOT))
		return 0;
	snprintf(err, errlen, "--plot needs gnuplot, which is not on PATH: "
		 "install it (apt-get install gnuplot-nox) or leave out --plot");
	return -ENOENT;
}

static const char *color_for(const char *title, int i)
{
	for (size_t k = 0; k < sizeof(mode_colors) / sizeof(mode_colors[0]); k++) {
		if (!strcmp(title, mode_colors[k].mode))
			return mode_colors[k].color;
	}
	return spare_colors[i % (sizeof(spare_colors) / sizeof(spare_colors[0]))];
}

/* A gnuplot double-quoted string: only \ and " need escaping. */
static void gp_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void write_terminal(FILE *f, const char *path)
{
	if (plot_format(path) == PLOT_SVG) {
		fputs("set terminal svg size 1400,620 dynamic font \"Sans,13\" noenhanced\n", f);
	} else {
		/* pngcairo draws smoother text; plain png (libgd) is the fallback. */
		fputs("if (strstrt(GPVAL_TERMINALS, \" pngcairo \") > 0) {\n"
		      "  set terminal pngcairo size 1400,620 font \"DejaVu Sans,11\" noenhanced\n"
		      "} else {\n"
		      "  set terminal png size 1400,620 noenhanced\n"
		      "}\n", f);
	}
	/* Single quotes take everything literally but a doubled quote. */
	fputs("set output '", f);
	for (; *path; path++) {
		if (*path == '\'')
			fputc('\'', f);
		fputc(*path, f);
	}
	fputs("'\n", f);
}

/* conns, total, kernel, user bytes per socket; a blank pair of lines ends a series. */
static void write_data(FILE *f, const struct plot_series *s, int n)
{
	fputs("$d << EOD\n", f);
	for (int i = 0; i < n; i++) {
		for (int k = 0; k < s[i].npoints; k++) {
			struct point_cost c = bench_point_cost(&s[i].points[k]);

			fprintf(f, "%" PRIu64 " %.1f %.1f %.1f\n", s[i].points[k].conns, c.total,
				c.kernel, c.user);
		}
		fputs("\n\n", f);
	}
	fputs("EOD\n", f);
}

static void write_series_style(FILE *f, const struct plot_series *s, int n)
{
	fprintf(f, "array T[%d]\narray C[%d]\narray P[%d]\n", n, n, n);
	for (int i = 0; i < n; i++) {
		int every = (s[i].npoints + POINTS_SHOWN - 1) / POINTS_SHOWN;

		fprintf(f, "T[%d] = ", i + 1);
		gp_string(f, s[i].title);
		fprintf(f, "; C[%d] = \"%s\"; P[%d] = %d\n", i + 1, color_for(s[i].title, i), i + 1,
			every > 0 ? every : 1);
	}
}

static void write_program(FILE *f, const char *path, const struct plot_series *s, int n,
			  const char *title)
{
	write_terminal(f, path);
	write_data(f, s, n);
	write_series_style(f, s, n);
	fprintf(f, "N = %d\n", n);
	fputs("set multiplot layout 1,2 title ", f);
	gp_string(f, title);
	fputs(" font \",14\"\n"
	      "set grid lc rgb \"#d0d0d0\"\n"
	      "set key below horizontal\n"
	      "set xlabel \"connections held (pairs: one socket on each side)\"\n"
	      "set ylabel \"bytes per socket\"\n"
	      "set format x \"%.0f\"\n"
	      "set xrange [0:*]\n"
	      "set autoscale xfixmax\n"
	      "set yrange [0:*]\n"
	      "set offsets 0, 0, graph 0.05, 0\n"
	      "set title \"total: kernel + socket buffers + user\"\n"
	      "plot for [i=1:N] $d index (i-1) using 1:2 with linespoints pi P[i] pt 7 ps 0.8 "
	      "lw 2 lc rgb C[i] title T[i]\n"
	      "set title \"kernel (solid: slab, kernel stacks, page tables) and user (dashed)\"\n"
	      "set logscale y\n"
	      "set yrange [1:*]\n"
	      "set autoscale yfixmax\n"
	      "set offsets 0, 0, graph 0.15, 0\n"
	      "set ylabel \"bytes per socket (log scale)\"\n"
	      "plot for [i=1:N] $d index (i-1) using 1:3 with linespoints pi P[i] pt 7 ps 0.8 "
	      "lw 2 lc rgb C[i] title T[i].\" kernel\", \\\n"
	      "     for [i=1:N] $d index (i-1) using 1:4 with linespoints pi P[i] pt 6 ps 0.8 "
	      "lw 2 dt 2 lc rgb C[i] title T[i].\" user\"\n"
	      "unset multiplot\n", f);
}

static int wait_gnuplot(pid_t pid, const char *path, char *err, size_t errlen)
{
	struct stat st;
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(err, errlen, "gnuplot failed drawing %s (see its message above)", path);
		return -EIO;
	}
	if (stat(path, &st) || !st.st_size) {
		snprintf(err, errlen, "gnuplot wrote nothing to %s: does its directory exist?",
			 path);
		return -EIO;
	}
	return 0;
}

static int start_gnuplot(pid_t *pid, FILE **in, char *err, size_t errlen)
{
	char *argv[] = { GNUPLOT, NULL };
	posix_spawn_file_actions_t fa;
	int fds[2], ret;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[0], STDIN_FILENO);
	ret = posix_spawnp(pid, GNUPLOT, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[0]);
	if (ret) {
		close(fds[1]);
		snprintf(err, errlen, "cannot run gnuplot (%s): install it (apt-get install "
			 "gnuplot-nox) or leave out --plot", strerror(ret));
		return -ret;
	}
	*in = fdopen(fds[1], "w");
	if (!*in) {
		close(fds[1]);
		return -errno;
	}
	return 0;
}

int plot_draw(const char *path, const struct plot_series *series, int n, const char *title,
	      char *err, size_t errlen)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	FILE *in;
	pid_t pid;
	int ret;

	err[0] = '\0';
	if (n <= 0) {
		snprintf(err, errlen, "no run has points to plot into %s", path);
		return -ENODATA;
	}
	ret = start_gnuplot(&pid, &in, err, errlen);
	if (ret) {
		if (!err[0])
			snprintf(err, errlen, "cannot run gnuplot: %s", strerror(-ret));
		return ret;
	}
	/* A gnuplot that dies early must not take us with it on the next write. */
	sigaction(SIGPIPE, &ign, &old);
	write_program(in, path, series, n, title);
	fclose(in);
	sigaction(SIGPIPE, &old, NULL);
	return wait_gnuplot(pid, path, err, errlen);
}
