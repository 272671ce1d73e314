/*
 * plot.h - draws bytes per socket against connections held, one line per
 * mode, by piping a gnuplot program (data inline) into gnuplot.
 * tools/plot.sh draws the same chart from saved --json output.
 */
#ifndef HOLDCONN_PLOT_H
#define HOLDCONN_PLOT_H

#include <stddef.h>
#include "run/bench.h"

enum plot_format {
	PLOT_PNG,
	PLOT_SVG,
};

struct plot_series {
	const char *title;               /* the legend: a mode's name */
	const struct bench_point *points; /* ascending conns */
	int npoints;
};

/* The format a file name asks for (.png or .svg, any case), or -EINVAL. */
int plot_format(const char *path);
/* 0 when gnuplot is on PATH; -ENOENT with a message naming the fix. */
int plot_check(char *err, size_t errlen);
/* Draws the series into path. 0, or -errno with a one-line message in err. */
int plot_draw(const char *path, const struct plot_series *series, int n, const char *title,
	      char *err, size_t errlen);

#endif
