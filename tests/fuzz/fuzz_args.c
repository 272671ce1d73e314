/*
 * fuzz_args.c - commands_parse on any command line. The input is split on NUL
 * and newline into words, parsed once as typed and once after each
 * subcommand. Besides not crashing or leaking: an error is -EINVAL with a
 * message of one nonempty line free of control characters; a success
 * leaves no message, and serve's, connect's and bench's options (each
 * its own struct) within the limits the rest of holdconn relies on.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include "cmd/commands.h"
#include "cmd/common.h"
#include "fuzz.h"
#include "hold/plan.h"
#include "run/bench.h"
#include "run/side.h"

#define MAX_WORDS 48

static const char *const subcommands[] = { "serve", "connect", "bench", "limits", "compare",
					   "sweep" };

/* Splits s in place; returns the number of words put after argv[0] (and cmd). */
static int split_words(char *s, size_t size, char **argv, const char *cmd)
{
	int argc = 0;
	size_t i, start = 0;

	argv[argc++] = "holdconn";
	if (cmd)
		argv[argc++] = (char *)cmd;
	for (i = 0; i <= size && argc < MAX_WORDS; i++) {
		if (i < size && s[i] != '\0' && s[i] != '\n')
			continue;
		if (i < size)
			s[i] = '\0';
		argv[argc++] = s + start;
		start = i + 1;
	}
	argv[argc] = NULL;
	return argc;
}

static void check_ranges(const struct endpoint_range *e, int n)
{
	FUZZ_CHECK(n >= 0 && n <= MAX_ENDPOINTS);
	for (int i = 0; i < n; i++)
		FUZZ_CHECK(e[i].ports.first >= 1 && e[i].ports.first <= e[i].ports.last);
}

static void check_holder(const struct holder_opts *h)
{
	FUZZ_CHECK(h->rcvbuf <= INT_MAX && h->sndbuf <= INT_MAX);
}

static void check_sources(const struct source_opts *s)
{
	if (s->has_source)
		FUZZ_CHECK(s->source.first <= s->source.last &&
			   !(s->source.first == 0 && s->source.last == UINT32_MAX));
	if (s->has_sport)
		FUZZ_CHECK(s->sport.first >= 1 && s->sport.first <= s->sport.last);
}

/* What serve, connect and the planner count on once parsing said yes. */
static void check_serve(bool help, const struct serve_opts *o)
{
	FUZZ_CHECK(o->mode <= MODE_THREADS);
	FUZZ_CHECK(o->report_every >= 1);
	FUZZ_CHECK(o->backlog >= 1 && o->backlog <= 65535);
	check_holder(&o->holder);
	check_ranges(o->listen.range, o->listen.n);
	if (!help)
		FUZZ_CHECK(o->listen.n >= 1);
}

static void check_connect(bool help, const struct connect_opts *o)
{
	uint64_t dst = 0;

	FUZZ_CHECK(o->mode <= MODE_THREADS);
	FUZZ_CHECK(o->report_every >= 1);
	check_holder(&o->holder);
	check_ranges(o->targets.range, o->targets.n);
	check_sources(&o->sources);
	if (help)
		return;
	FUZZ_CHECK(o->targets.n >= 1 && o->conns >= 1);
	for (int i = 0; i < o->targets.n; i++)
		dst += port_range_count(&o->targets.range[i].ports);
	FUZZ_CHECK(dst <= PLAN_MAX_DST);
}

static void check_bench(bool help, const struct bench_opts *o)
{
	FUZZ_CHECK(o->mode <= MODE_THREADS && o->client_mode <= MODE_THREADS);
	FUZZ_CHECK(o->report_every >= 1);
	FUZZ_CHECK(o->ports >= 1 && o->ports <= 1024);
	check_holder(&o->holder);
	if (!help)
		FUZZ_CHECK(o->conns_max ? o->conns == 0 : o->conns >= 1);
}

static void parse_one(const uint8_t *data, size_t size, const char *cmd)
{
	struct cmdline cl;
	char *argv[MAX_WORDS + 1];
	char err[256];
	char *s = fuzz_cstr(data, size);
	int argc = split_words(s, size, argv, cmd);
	int ret;

	memset(err, 'x', sizeof(err));
	ret = commands_parse(argc, argv, &cl, err, sizeof(err));
	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	if (ret) {
		FUZZ_CHECK(err[0] != '\0');
		/* One line, even when a word holds control characters. */
		for (const char *c = err; *c; c++)
			FUZZ_CHECK((unsigned char)*c >= 0x20 && *c != 0x7f);
	} else {
		FUZZ_CHECK(err[0] == '\0');
		FUZZ_CHECK(cl.cmd || cl.help || cl.version);
		/* The limits below are those of the three holding commands. */
		if (cl.cmd == &cmd_serve)
			check_serve(cl.help, cl.cmd->parsed);
		if (cl.cmd == &cmd_connect)
			check_connect(cl.help, cl.cmd->parsed);
		if (cl.cmd == &cmd_bench)
			check_bench(cl.help, cl.cmd->parsed);
		FUZZ_CHECK(commands_help(cl.cmd ? cl.cmd->name : NULL)[0] != '\0');
	}
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse_one(data, size, NULL);
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		parse_one(data, size, subcommands[i]);
	return 0;
}
