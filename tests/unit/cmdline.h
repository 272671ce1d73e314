/*
 * cmdline.h - the unit tests' view of a parsed command line: which command
 * (cl), and its options copied out of the command's own struct: so, co
 * and bo for serve's, connect's and bench's (bo also for the bench compare
 * and sweep run), copts and sopts for what only compare and sweep take;
 * limits' own struct is its file's.
 */
#ifndef HOLDCONN_TEST_CMDLINE_H
#define HOLDCONN_TEST_CMDLINE_H

#include <stddef.h>
#include "cmd/commands.h"
#include "cmd/common.h"
#include "run/compare.h"
#include "run/side.h"
#include "run/sweep.h"

#define UNUSED __attribute__((unused))

static UNUSED struct cmdline cl;
static UNUSED struct serve_opts so;
static UNUSED struct connect_opts co;
static UNUSED struct bench_opts bo;
static UNUSED struct compare_opts copts;
static UNUSED struct sweep_opts sopts;
static UNUSED char err[256];

static UNUSED int parse_args(int argc, char **argv, char *e, size_t elen)
{
	int ret = commands_parse(argc, argv, &cl, e, elen);

	if (cl.cmd == &cmd_compare) {
		copts = *(const struct compare_opts *)cl.cmd->parsed;
		bo = copts.bench;
	} else if (cl.cmd == &cmd_sweep) {
		sopts = *(const struct sweep_opts *)cl.cmd->parsed;
		bo = sopts.bench;
	} else if (cl.cmd == &cmd_bench) {
		bo = *(const struct bench_opts *)cl.cmd->parsed;
	} else if (cl.cmd == &cmd_serve) {
		so = *(const struct serve_opts *)cl.cmd->parsed;
	} else if (cl.cmd == &cmd_connect) {
		co = *(const struct connect_opts *)cl.cmd->parsed;
	}
	return ret;
}

/* argv is NULL-terminated, argv[0] the program. */
static UNUSED int parse_argv(char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return parse_args(argc, argv, err, sizeof(err));
}

/*
 * PARSE("bench", "--conns", "5") parses `holdconn bench --conns 5`; a file
 * about one command may define its own PARSE, with the command, first.
 */
#ifndef PARSE
#define PARSE(...) parse_argv((char *[]){ "holdconn", __VA_ARGS__, NULL })
#endif

/* The parse fails with -EINVAL and exactly this message. */
#define EXPECT_ERROR(msg, ...)                             \
	do {                                               \
		cr_expect_eq(PARSE(__VA_ARGS__), -EINVAL); \
		cr_expect_str_eq(err, msg);                \
	} while (0)

#endif
