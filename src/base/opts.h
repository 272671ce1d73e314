/*
 * opts.h - the option parser every command shares, after git's
 * parse-options: a command declares an array of struct opt, each naming a
 * long option, an optional short one, the kind of value it takes, where the
 * value goes, and its help (OPT_COUNT, OPT_SIZE, OPT_UINT, OPT_FLAG,
 * OPT_CALLBACK, ..., OPT_END()), and calls opts_parse(). The options part
 * of --help and the synopses in docs/commands.md are written from the same
 * entries (opts_help, opts_synopsis), so a help line exists once.
 * Every message is one line that names the option, the value and what would
 * be right; an option of another command is named as such ("--plot is only
 * for compare"); an abbreviation is refused with the options it could mean.
 */
#ifndef HOLDCONN_OPTS_H
#define HOLDCONN_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct opt;
struct opt_parser;

/* Takes arg for o (o->value is where it goes); 0, or opts_fail()'s -EINVAL. */
typedef int (*opt_cb)(struct opt_parser *p, const struct opt *o, const char *arg);

enum opt_kind {
	OPT_KIND_END = 0,
	OPT_KIND_FLAG,     /* bool *: set when present, takes no value */
	OPT_KIND_COUNT,    /* uint64_t *: a count (1M, 100k), at least min */
	OPT_KIND_SIZE,     /* uint64_t *: a size (64k, 1G), at most max */
	OPT_KIND_UINT,     /* uint32_t *: a count from min to max */
	OPT_KIND_CALLBACK, /* cb decides */
};

/* For the synopsis: an option the command cannot run without, one that may be given again. */
#define OPT_REQUIRED 0x1
#define OPT_REPEAT 0x2

struct opt {
	const char *name; /* the long name, without "--" */
	enum opt_kind kind;
	void *value;
	uint64_t min, max;
	opt_cb cb;
	char short_name;  /* -c; 0: none ('h' is --help's) */
	const char *argh; /* the value's name in help ("N", "BYTES"); NULL for a flag */
	const char *help; /* one sentence or two, with the default; wrapped by opts_help */
	unsigned flags;   /* OPT_REQUIRED, OPT_REPEAT */
};

/* s: the short option character or 0; n: the long name; a: the value's name; h: the help. */
#define OPT_FLAG(s, n, v, h) { (n), OPT_KIND_FLAG, (v), 0, 0, NULL, (s), NULL, (h), 0 }
#define OPT_COUNT(s, n, v, lo, a, h) \
	{ (n), OPT_KIND_COUNT, (v), (lo), UINT64_MAX, NULL, (s), (a), (h), 0 }
#define OPT_SIZE(s, n, v, hi, a, h) { (n), OPT_KIND_SIZE, (v), 0, (hi), NULL, (s), (a), (h), 0 }
#define OPT_UINT(s, n, v, lo, hi, a, h) \
	{ (n), OPT_KIND_UINT, (v), (lo), (hi), NULL, (s), (a), (h), 0 }
#define OPT_CALLBACK(s, n, v, f, a, h) { (n), OPT_KIND_CALLBACK, (v), 0, 0, (f), (s), (a), (h), 0 }
/* The same with OPT_REQUIRED and/or OPT_REPEAT. */
#define OPT_CALLBACK_F(s, n, v, f, a, h, fl) \
	{ (n), OPT_KIND_CALLBACK, (v), 0, 0, (f), (s), (a), (h), (fl) }
#define OPT_END() { NULL, OPT_KIND_END, NULL, 0, 0, NULL, 0, NULL, NULL, 0 }

/* A command's name and options: the parser names the owners of a stray option. */
struct opt_command {
	const char *name;
	const struct opt *opts;
};

struct opt_parser {
	const char *cmd;                 /* the command, for messages */
	const struct opt *opts;          /* its options; -h and --help are always taken */
	const struct opt_command *all;   /* every command, to say whose an option is */
	int nall;
	bool help;                       /* -h or --help was given */
	char *err;                       /* the message of a failed parse; may be NULL */
	size_t errlen;
};

/* Parses argv (argv[0] is the command's name) into the options' values: 0 or -EINVAL. */
int opts_parse(struct opt_parser *p, int argc, char **argv);
/* Writes one line into p->err (control characters of echoed values made '?'); -EINVAL. */
int opts_fail(struct opt_parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The option called name in opts, or NULL. */
const struct opt *opts_find(const struct opt *opts, const char *name);

/*
 * The "options:" block of a command's --help: one entry per option
 * ("  -c, --conns N|max  help..."), help wrapped to 79 columns, then -h.
 */
void opts_help(FILE *out, const struct opt *opts);
/*
 * One command's synopsis, "holdconn bench [--conns N|max] [--mode MODE] ...",
 * wrapped to width columns under the first option; required options stand
 * without brackets, repeatable ones are followed by "...".
 */
void opts_synopsis(FILE *out, const char *cmd, int cmd_width, const struct opt *opts, int width);

/* Value parsers for callbacks, with the same messages as the kinds above. */
int opts_count(struct opt_parser *p, const char *name, const char *arg, uint64_t min,
	       uint64_t *out);
int opts_size(struct opt_parser *p, const char *name, const char *arg, uint64_t max,
	      uint64_t *out);

#endif
