/*
 * commands.c - the table of commands and the top of the command line:
 * `holdconn <command> [options]`, `holdconn help [command]`, `--version`.
 * Adding a command is one file in cmd/ and one line in commands[].
 */
#include <stdio.h>
#include <string.h>
#include "base/version.h"
#include "cmd/commands.h"
#include "cmd/common.h"
#include "measure/sysinfo.h"
#include "run/runinfo.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define COMMAND_LIST "serve, connect, bench, limits, compare, sweep"
#define HELP_MAX 16384          /* one command's --help, generated */
#define SYNOPSIS_CMD_WIDTH 7    /* "connect": the synopses' options line up after it */
#define SYNOPSIS_WIDTH 90 /* indented 4 in docs/commands.md */

static const char top_help[] =
	"usage: holdconn <command> [options]\n"
	"\n"
	"Measures how many idle TCP connections this machine can hold, and what\n"
	"each one costs in memory.\n"
	"\n"
	"commands:\n"
	"  serve     accept connections on --listen endpoints and hold them\n"
	"  connect   open --conns connections to --target endpoints and hold them\n"
	"  bench     run serve and connect on loopback and report how many were held\n"
	"  limits    list every limit on holding connections and which one binds first\n"
	"  compare   bench each event model in turn and show them side by side\n"
	"  sweep     bench buffer sizes under traffic and recommend the smallest\n"
	"\n"
	"  holdconn <command> --help   the options of one command\n"
	"  holdconn help --markdown    every command's synopsis (docs/commands.md)\n"
	"  holdconn --version          print the version\n"
	"\n"
	"example:\n"
	"  holdconn bench --conns 1M\n"
	"\n"
	EXIT_CODES_TEXT;

static const struct command *const commands[] = {
	&cmd_serve, &cmd_connect, &cmd_bench, &cmd_limits, &cmd_compare, &cmd_sweep,
};

/* usage, what it does, the options from its table, then its notes. */
static void command_help(FILE *out, const struct command *c)
{
	fprintf(out, "%s\n%s\n", c->usage, c->about);
	opts_help(out, c->options);
	fprintf(out, "\n%s", c->notes);
}

const char *commands_help(const char *name)
{
	static char text[HELP_MAX];
	const struct command *c = name ? commands_find(name) : NULL;
	FILE *out;

	if (!c)
		return top_help;
	out = fmemopen(text, sizeof(text), "w");
	if (!out)
		return top_help;
	command_help(out, c);
	fclose(out);
	return text;
}

void commands_synopses(FILE *out)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(commands); i++)
		opts_synopsis(out, commands[i]->name, SYNOPSIS_CMD_WIDTH, commands[i]->options,
			      SYNOPSIS_WIDTH);
}

const struct command *commands_find(const char *name)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	}
	return NULL;
}

static bool is_help_word(const char *s)
{
	return !strcmp(s, "help") || !strcmp(s, "--help") || !strcmp(s, "-h");
}

/* `holdconn help` alone, or `holdconn help bench` for one command's help. */
static int parse_help(struct opt_parser *p, int argc, char **argv, struct cmdline *cl)
{
	cl->help = true;
	if (argc == 2)
		return 0;
	if (argc == 3 && !strcmp(argv[2], "--markdown")) {
		cl->markdown = true;
		return 0;
	}
	cl->cmd = commands_find(argv[2]);
	if (argc > 3 || !cl->cmd)
		return opts_fail(p, "help: unknown command '%s' (" COMMAND_LIST ")", argv[2]);
	return 0;
}

int commands_parse(int argc, char **argv, struct cmdline *cl, char *err, size_t errlen)
{
	struct opt_command all[ARRAY_SIZE(commands)];
	struct opt_parser p = { .err = err, .errlen = errlen, .all = all,
				.nall = ARRAY_SIZE(commands) };
	int ret;

	*cl = (struct cmdline){ 0 };
	if (err && errlen)
		err[0] = '\0';
	if (argc < 2 || !argv[1])
		return opts_fail(&p, "missing command (" COMMAND_LIST "); see holdconn --help");
	if (is_help_word(argv[1]))
		return parse_help(&p, argc, argv, cl);
	if (!strcmp(argv[1], "--version")) {
		if (argc > 2)
			return opts_fail(&p, "unexpected argument '%s' after --version", argv[2]);
		cl->version = true;
		return 0;
	}
	cl->cmd = commands_find(argv[1]);
	if (!cl->cmd)
		return opts_fail(&p, "unknown command '%s' (" COMMAND_LIST "); see holdconn --help",
				 argv[1]);
	for (unsigned int i = 0; i < ARRAY_SIZE(commands); i++)
		all[i] = (struct opt_command){ commands[i]->name, commands[i]->options };
	p.cmd = cl->cmd->name;
	p.opts = cl->cmd->options;
	cl->cmd->defaults();
	/* argv from the command on: getopt takes argv[0] as the program's name. */
	ret = opts_parse(&p, argc - 1, argv + 1);
	cl->help = p.help;
	if (ret || cl->help)
		return ret;
	return cl->cmd->check(&p);
}

int commands_main(int argc, char **argv)
{
	struct cmdline cl;
	char err[256];

	if (commands_parse(argc, argv, &cl, err, sizeof(err))) {
		fprintf(stderr, "holdconn: %s\n", err);
		return EXIT_USAGE;
	}
	if (cl.version) {
		puts("holdconn " HOLDCONN_VERSION);
		return 0;
	}
	if (cl.markdown) {
		commands_synopses(stdout);
		return 0;
	}
	if (cl.help) {
		fputs(commands_help(cl.cmd ? cl.cmd->name : NULL), stdout);
		return 0;
	}
	/* Every command sizes ring tables by it, and limits predicts with it. */
	sysinfo_raise_nofile();
	if (cl.cmd->json && *cl.cmd->json)
		runinfo_json(stdout, cl.cmd->name, argc, argv);
	return cl.cmd->run();
}
