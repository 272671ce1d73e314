/*
 * opts.h - the option parser every command shares, after git's
 * parse-options: a command declares an array of struct opt, each naming a
 * long option, the kind of value it takes and where the value goes
 * (OPT_COUNT, OPT_SIZE, OPT_UINT, OPT_FLAG, OPT_CALLBACK, ..., OPT_END()),
 * and calls opts_parse(). Every message is one line that names the option,
 * the value and what would be right; an option of another command is named
 * as such ("--plot is only for compare").
 */
#ifndef HOLDCONN_OPTS_H
#define HOLDCONN_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

struct opt {
	const char *name; /* the long name, without "--" */
	enum opt_kind kind;
	void *value;
	uint64_t min, max;
	opt_cb cb;
};

#define OPT_FLAG(n, v) { (n), OPT_KIND_FLAG, (v), 0, 0, NULL }
#define OPT_COUNT(n, v, lo) { (n), OPT_KIND_COUNT, (v), (lo), UINT64_MAX, NULL }
#define OPT_SIZE(n, v, hi) { (n), OPT_KIND_SIZE, (v), 0, (hi), NULL }
#define OPT_UINT(n, v, lo, hi) { (n), OPT_KIND_UINT, (v), (lo), (hi), NULL }
#define OPT_CALLBACK(n, v, f) { (n), OPT_KIND_CALLBACK, (v), 0, 0, (f) }
#define OPT_END() { NULL, OPT_KIND_END, NULL, 0, 0, NULL }

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

/* Value parsers for callbacks, with the same messages as the kinds above. */
int opts_count(struct opt_parser *p, const char *name, const char *arg, uint64_t min,
	       uint64_t *out);
int opts_size(struct opt_parser *p, const char *name, const char *arg, uint64_t max,
	      uint64_t *out);

#endif
