/* main.c - holdconn: how many idle TCP connections can this box hold? */
#include <errno.h>
#include <stdio.h>
#include "cmd/args.h"
#include "run/bench.h"
#include "run/compare.h"
#include "measure/limits.h"
#include "run/side.h"
#include "run/sweep.h"
#include "measure/sysinfo.h"

#define HOLDCONN_VERSION "0.1.0"

int main(int argc, char **argv)
{
	static struct options o;
	char err[256];

	if (args_parse(argc, argv, &o, err, sizeof(err))) {
		fprintf(stderr, "holdconn: %s\n", err);
		return 2;
	}
	if (o.help || o.cmd == CMD_HELP) {
		fputs(args_help(o.cmd == CMD_HELP ? CMD_NONE : o.cmd), stdout);
		return 0;
	}
	/* Every command sizes ring tables by it, and limits predicts with it. */
	sysinfo_raise_nofile();
	switch (o.cmd) {
	case CMD_VERSION:
		puts("holdconn " HOLDCONN_VERSION);
		return 0;
	case CMD_SERVE:
		return side_main(&o, ROLE_SERVE);
	case CMD_CONNECT:
		return side_main(&o, ROLE_CONNECT);
	case CMD_BENCH:
		return bench_main(&o);
	case CMD_LIMITS:
		return limits_main(&o);
	case CMD_COMPARE:
		return compare_main(&o);
	case CMD_SWEEP:
		return sweep_main(&o);
	default:
		fputs(args_help(CMD_NONE), stderr);
		return 2;
	}
}
