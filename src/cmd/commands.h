/* commands.h - the command table and the top of the command line (see commands.c). */
#ifndef HOLDCONN_COMMANDS_H
#define HOLDCONN_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct command;

/* What the command line asks for. */
struct cmdline {
	const struct command *cmd; /* NULL: the top level (help or version) */
	bool help;                 /* print cmd's help, or the top-level usage */
	bool version;
	bool markdown;             /* `holdconn help --markdown`: every command's synopsis */
};

/*
 * Parses argv: the command, then its options into the command's own
 * struct (command->parsed). 0, or -EINVAL with one line in err naming the
 * bad argument and its value, e.g. "--conns: 'abc' is not a count (try
 * 1000000 or 1M)".
 */
int commands_parse(int argc, char **argv, struct cmdline *cl, char *err, size_t errlen);
/* The command called name, or NULL. */
const struct command *commands_find(const char *name);
/* A command's --help text; NULL or an unknown name: the top-level usage. */
const char *commands_help(const char *name);
/* Every command's synopsis, generated from its option table (docs/commands.md holds the same). */
void commands_synopses(FILE *out);
/* holdconn itself: parse, then run the command. Returns the exit code (0, 1, 2). */
int commands_main(int argc, char **argv);

#endif
