/* opts.c - the option parser every command shares (see opts.h). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "base/opts.h"
#include "base/units.h"

#define OPTS_MAX 64      /* options one command may have */
#define OPT_VAL_BASE 256 /* getopt_long values: past any short option character */

int opts_fail(struct opt_parser *p, const char *fmt, ...)
{
	va_list ap;

	if (p->err && p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err, p->errlen, fmt, ap);
		va_end(ap);
		/* Arguments are echoed: a newline or escape in one must not break the one line. */
		for (char *c = p->err; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
	}
	return -EINVAL;
}

const struct opt *opts_find(const struct opt *opts, const char *name)
{
	for (; opts->name; opts++) {
		if (strcmp(opts->name, name) == 0)
			return opts;
	}
	return NULL;
}

int opts_count(struct opt_parser *p, const char *name, const char *arg, uint64_t min,
	       uint64_t *out)
{
	uint64_t v;
	int ret = parse_count(arg, &v);

	if (ret == -ERANGE)
		return opts_fail(p, "--%s: '%s' is too large (at most %" PRIu64 ")", name, arg,
				 UINT64_MAX);
	if (ret)
		return opts_fail(p, "--%s: '%s' is not a count (try 1000000 or 1M)", name, arg);
	if (v < min)
		return opts_fail(p, "--%s: '%s' is too small (at least %" PRIu64 ")", name, arg,
				 min);
	*out = v;
	return 0;
}

int opts_size(struct opt_parser *p, const char *name, const char *arg, uint64_t max,
	      uint64_t *out)
{
	uint64_t v;
	int ret = parse_size(arg, &v);

	if (ret == -ERANGE || (!ret && v > max))
		return opts_fail(p, "--%s: '%s' is too large (at most %" PRIu64 " bytes)", name,
				 arg, max);
	if (ret)
		return opts_fail(p, "--%s: '%s' is not a size (try 4096, 64k or 1G)", name, arg);
	*out = v;
	return 0;
}

static int opts_uint(struct opt_parser *p, const struct opt *o, const char *arg)
{
	uint64_t v;
	int ret = parse_count(arg, &v);

	if (ret == -EINVAL)
		return opts_fail(p, "--%s: '%s' is not a number (%" PRIu64 "-%" PRIu64 ")", o->name,
				 arg, o->min, o->max);
	if (ret || v < o->min || v > o->max)
		return opts_fail(p, "--%s: '%s' is out of range (%" PRIu64 "-%" PRIu64 ")", o->name,
				 arg, o->min, o->max);
	*(uint32_t *)o->value = (uint32_t)v;
	return 0;
}

static int apply(struct opt_parser *p, const struct opt *o, const char *arg)
{
	switch (o->kind) {
	case OPT_KIND_FLAG:
		*(bool *)o->value = true;
		return 0;
	case OPT_KIND_COUNT:
		return opts_count(p, o->name, arg, o->min, o->value);
	case OPT_KIND_SIZE:
		return opts_size(p, o->name, arg, o->max, o->value);
	case OPT_KIND_UINT:
		return opts_uint(p, o, arg);
	case OPT_KIND_CALLBACK:
		return o->cb(p, o, arg);
	case OPT_KIND_END:
		break;
	}
	return opts_fail(p, "--%s: not handled (a bug in holdconn)", o->name);
}

/* "serve", "connect and bench", "serve, connect and bench": the commands that take name. */
static void commands_with(const struct opt_parser *p, const char *name, char *buf, size_t len)
{
	const char *with[OPTS_MAX];
	size_t used = 0, n = 0;

	buf[0] = '\0';
	for (int i = 0; i < p->nall && n < OPTS_MAX; i++)
		if (opts_find(p->all[i].opts, name))
			with[n++] = p->all[i].name;
	for (size_t i = 0; i < n && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s",
				 i == 0 ? "" : i + 1 == n ? " and " : ", ", with[i]);
}

/*
 * getopt_long answered '?': an option this command lacks, or a value given
 * to a flag ("--json=1"). An option another command has is named as such.
 */
static int unknown_option(struct opt_parser *p, const char *word)
{
	const char *cmd = p->cmd;
	char name[64], others[64];
	int n;

	/* A short option's character; 0 or an option's value for a long one. */
	if (optopt && optopt != 'h' && optopt < OPT_VAL_BASE)
		return opts_fail(p, "unknown option '-%c' for '%s'; see holdconn %s --help", optopt,
				 cmd, cmd);
	if (strncmp(word, "--", 2) != 0)
		return opts_fail(p, "unknown option in '%s' for '%s'; see holdconn %s --help", word,
				 cmd, cmd);
	word += 2; /* getopt_long has stepped past it: argv[optind - 1] */
	n = strcspn(word, "=");
	if (optopt)
		return opts_fail(p, "--%.*s takes no value; see holdconn %s --help", n, word, cmd);
	snprintf(name, sizeof(name), "%.*s", n, word);
	commands_with(p, name, others, sizeof(others));
	if (others[0] && strcmp(name, "help") != 0)
		return opts_fail(p, "--%.*s is only for %s", n, word, others);
	return opts_fail(p, "unknown option '--%.*s' for '%s'; see holdconn %s --help", n, word,
			 cmd, cmd);
}

int opts_parse(struct opt_parser *p, int argc, char **argv)
{
	struct option longs[OPTS_MAX + 2];
	int n = 0, id, ret;

	if (p->err && p->errlen)
		p->err[0] = '\0';
	p->help = false;
	for (const struct opt *o = p->opts; o->name; o++) {
		if (n == OPTS_MAX)
			return opts_fail(p, "'%s' has more than %d options (a bug in holdconn)", p->cmd,
					 OPTS_MAX);
		longs[n] = (struct option){ o->name, o->kind == OPT_KIND_FLAG ? no_argument
									      : required_argument,
					    NULL, OPT_VAL_BASE + n };
		n++;
	}
	longs[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	longs[n] = (struct option){ NULL, 0, NULL, 0 };

	optind = 0; /* glibc: 0 re-initialises getopt, so a second parse starts clean */
	opterr = 0; /* every message is ours, and one line */
	/* '+': stop at the first non-option; ':': tell a missing value from an unknown option. */
	while ((id = getopt_long(argc, argv, "+:h", longs, NULL)) != -1) {
		if (id == '?')
			return unknown_option(p, argv[optind - 1]);
		if (id == ':')
			return opts_fail(p, "--%s needs a value; see holdconn %s --help",
					 p->opts[optopt - OPT_VAL_BASE].name, p->cmd);
		if (id == 'h') {
			p->help = true;
			continue;
		}
		ret = apply(p, &p->opts[id - OPT_VAL_BASE], optarg);
		if (ret)
			return ret;
	}
	if (optind < argc)
		return opts_fail(p, "unexpected argument '%s' for '%s'; see holdconn %s --help",
				 argv[optind], p->cmd, p->cmd);
	return 0;
}
