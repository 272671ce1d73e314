/*
 * limits_cmd.c - `holdconn limits`: probe the machine, measure what a
 * connection costs, print which limit binds first; and the same
 * prediction, uncalibrated, for bench --conns max.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "run/calibrate.h"
#include "hold/holder.h"
#include "measure/limits.h"

/* Calibrate below the descriptor limit: an EMFILE there measures nothing new. */
static uint64_t calibration_pairs(const struct limits_input *in)
{
	uint64_t pairs = in->mode == MODE_THREADS ? CALIBRATE_PAIRS_THREADS : CALIBRATE_PAIRS;
	uint64_t fixed = in->fds_open + in->listeners + 1;
	uint64_t room = in->nofile_soft > fixed ? in->nofile_soft - fixed : 0;

	if (in->mode != MODE_URING && room * 9 / 10 < pairs)
		pairs = room * 9 / 10;
	return pairs;
}

int limits_main(const struct options *o)
{
	static struct limits_input in;
	static struct limits_table t;
	static struct calibration cal;
	int ret;

	ret = limits_probe(o, &in);
	if (ret) {
		fprintf(stderr, "holdconn limits: cannot read /proc/meminfo: %s\n", strerror(-ret));
		return 1;
	}
	holder_signals(false);
	if (o->no_calibrate) {
		snprintf(cal.why, sizeof(cal.why), "--no-calibrate");
	} else if (calibrate(o, calibration_pairs(&in), &in.cost[in.mode], &cal)) {
		if (holder_signalled)
			return 1;
		fprintf(stderr, "holdconn limits: %s; using the documented costs\n", cal.why);
	}
	calibrate_apply(&cal, &in);
	/* The calibration's teardown refilled the per-CPU free lists: look again. */
	if (!o->no_calibrate)
		limits_probe_memory(o, &in);
	limits_compute(&in, &t);
	if (o->json)
		limits_print_json(stdout, &in, &t, &cal);
	else
		limits_print(stdout, &in, &t, &cal);
	return 0;
}

int limits_predict_bench(const struct options *o, uint64_t mem_available, uint64_t reserve,
			 struct limits_prediction *p)
{
	static struct limits_input in;
	static struct limits_table t;
	int ret = limits_probe(o, &in);

	if (ret)
		return ret;
	in.conns = 0;
	in.mem_available = mem_available;
	in.reserve = reserve;
	limits_compute(&in, &t);
	if (t.predicted[o->mode] == LIMITS_NONE)
		return -ERANGE;
	p->max = t.predicted[o->mode];
	p->binding = t.binding_by_mode[o->mode];
	p->stop = t.stop_by_mode[o->mode];
	snprintf(p->lift, sizeof(p->lift), "%s", t.rows[t.binding].lift);
	return 0;
}
