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
		return opts_fail(p, "--%s: '%s' is not a count: write 1000000, 1M, 2.5M or 100k "
				 "(k, M, G = 10^3, 10^6, 10^9; m is minutes, only in durations)", name,
				 arg);
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
		return opts_fail(p, "--%s: '%s' is not a size: write 4096, 64k or 64kB (64,000), "
				 "64Ki or 64KiB (65,536), 1M, 1Mi, 1G or 1Gi", name, arg);
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

/* The options of this command whose long name begins with the n bytes of word, into buf. */
static int options_starting(const struct opt_parser *p, const char *word, int n, char *buf,
			    size_t len)
{
	size_t used = 0;
	int count = 0;

	buf[0] = '\0';
	for (const struct opt *o = p->opts; o->name && used < len; o++) {
		if (strncmp(o->name, word, n) != 0)
			continue;
		used += snprintf(buf + used, len - used, "%s--%s", count ? ", " : "", o->name);
		count++;
	}
	return count;
}

/*
 * A long option given by a prefix of its name: getopt_long takes "--con"
 * for --conns, so a typo or a future option could silently mean another.
 * Refused, naming what it could have meant (or whose option it is).
 */
static int abbreviated(struct opt_parser *p, const char *word, int n)
{
	char others[64], could[256];

	snprintf(others, sizeof(others), "%.*s", n, word);
	commands_with(p, others, could, sizeof(could));
	if (could[0])
		return opts_fail(p, "--%.*s is only for %s", n, word, could);
	options_starting(p, word, n, could, sizeof(could));
	return opts_fail(p, "--%.*s is not an option of '%s' (abbreviations are not taken): did you "
			 "mean %s?", n, word, p->cmd, could);
}

/*
 * getopt_long answered '?': an option this command lacks, an abbreviation
 * of several, or a value given to a flag ("--json=1"). An option another
 * command has is named as such.
 */
static int unknown_option(struct opt_parser *p, const char *word)
{
	const char *cmd = p->cmd;
	char name[64], others[64], could[256];
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
	/* optopt is "help"'s 'h' for "--he=lp": only an option of the table indexes it. */
	if (optopt >= OPT_VAL_BASE && !strncmp(p->opts[optopt - OPT_VAL_BASE].name, word, n) &&
	    p->opts[optopt - OPT_VAL_BASE].name[n] == '\0')
		return opts_fail(p, "--%.*s takes no value; see holdconn %s --help", n, word, cmd);
	snprintf(name, sizeof(name), "%.*s", n, word);
	commands_with(p, name, others, sizeof(others));
	if (others[0] && strcmp(name, "help") != 0)
		return opts_fail(p, "--%.*s is only for %s", n, word, others);
	if (n && options_starting(p, word, n, could, sizeof(could)) > 0)
		return opts_fail(p, "--%.*s is not an option of '%s' (abbreviations are not taken): "
				 "did you mean %s?", n, word, cmd, could);
	return opts_fail(p, "unknown option '--%.*s' for '%s'; see holdconn %s --help", n, word,
			 cmd, cmd);
}

/* The option whose short name is c, or NULL. */
static const struct opt *by_short(const struct opt *opts, int c)
{
	for (; opts->name; opts++)
		if (c && opts->short_name == c)
			return opts;
	return NULL;
}

/* getopt's optstring: "+:h" and each short option, with ':' when it takes a value. */
static void short_options(const struct opt *opts, char *s, size_t len)
{
	size_t n = 0;

	n += snprintf(s, len, "+:h");
	for (; opts->name && n + 3 < len; opts++) {
		if (!opts->short_name)
			continue;
		s[n++] = opts->short_name;
		if (opts->kind != OPT_KIND_FLAG)
			s[n++] = ':';
		s[n] = '\0';
	}
}

int opts_parse(struct opt_parser *p, int argc, char **argv)
{
	struct option longs[OPTS_MAX + 2];
	char shorts[2 * OPTS_MAX + 4];
	int n = 0, id, ret, li;

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
	short_options(p->opts, shorts, sizeof(shorts));

	optind = 0; /* glibc: 0 re-initialises getopt, so a second parse starts clean */
	opterr = 0; /* every message is ours, and one line */
	/* '+': stop at the first non-option; ':': tell a missing value from an unknown option. */
	for (;;) {
		/* The word getopt is about to read: a long option's name is checked whole in it. */
		const char *word = argv[optind ? optind : 1];
		const struct opt *o;

		li = -1;
		id = getopt_long(argc, argv, shorts, longs, &li);
		if (id == -1)
			break;
		if (id == '?')
			return unknown_option(p, argv[optind - 1]);
		if (id == ':') {
			o = optopt < OPT_VAL_BASE ? by_short(p->opts, optopt)
						  : &p->opts[optopt - OPT_VAL_BASE];
			if (optopt < OPT_VAL_BASE && o)
				return opts_fail(p, "-%c (--%s) needs a value; see holdconn %s --help",
						 optopt, o->name, p->cmd);
			return opts_fail(p, "--%s needs a value; see holdconn %s --help",
					 o ? o->name : "?", p->cmd);
		}
		if (li >= 0 && word && !strncmp(word, "--", 2)) {
			int len = strcspn(word + 2, "=");

			if ((size_t)len != strlen(longs[li].name))
				return abbreviated(p, word + 2, len);
		}
		if (id == 'h') {
			p->help = true;
			continue;
		}
		o = id < OPT_VAL_BASE ? by_short(p->opts, id) : &p->opts[id - OPT_VAL_BASE];
		ret = apply(p, o, optarg);
		if (ret)
			return ret;
	}
	if (optind < argc)
		return opts_fail(p, "unexpected argument '%s' for '%s'; see holdconn %s --help",
				 argv[optind], p->cmd, p->cmd);
	return 0;
}

/* ---- help and synopsis, written from the same table ---- */

#define HELP_WIDTH 79
#define HELP_COLUMN_MAX 24 /* an entry wider than this puts its help on the next line */

/* "-c, --conns N|max", or "    --conns N|max" when some option of the table has a short one. */
static int entry_text(const struct opt *o, bool slot, char *buf, size_t len)
{
	char s[8] = "";

	if (o->short_name)
		snprintf(s, sizeof(s), "-%c, ", o->short_name);
	else if (slot)
		snprintf(s, sizeof(s), "    ");
	return snprintf(buf, len, "%s--%s%s%s", s, o->name, o->argh ? " " : "",
			o->argh ? o->argh : "");
}

/* Writes text from column col on, wrapped at HELP_WIDTH, continuation lines at column col. */
static void wrap(FILE *out, const char *text, int col, int at)
{
	const char *w = text;

	while (*w) {
		int len = strcspn(w, " ");

		if (at > col && at + 1 + len > HELP_WIDTH) {
			fprintf(out, "\n%*s", col, "");
			at = col;
		} else if (at > col) {
			fputc(' ', out);
			at++;
		}
		fprintf(out, "%.*s", len, w);
		at += len;
		w += len;
		while (*w == ' ')
			w++;
	}
	fputc('\n', out);
}

void opts_help(FILE *out, const struct opt *opts)
{
	static const struct opt help = { "help", OPT_KIND_FLAG, NULL, 0, 0, NULL, 'h', NULL,
					 "print this help", 0 };
	bool slot = true; /* short options line up in a column of their own: -h is always there */
	int col = 0;
	char e[128];

	for (const struct opt *o = opts; o->name; o++) {
		int w = entry_text(o, slot, e, sizeof(e));

		if (w <= HELP_COLUMN_MAX && w > col)
			col = w;
	}
	col += 4; /* two before the entry, two after */
	fputs("options:\n", out);
	for (const struct opt *o = opts;; o++) {
		const struct opt *x = o->name ? o : &help;
		int w = entry_text(x, slot, e, sizeof(e));

		fprintf(out, "  %s", e);
		if (w + 4 > col)
			fprintf(out, "\n%*s", col, "");
		else
			fprintf(out, "%*s", col - 2 - w, "");
		wrap(out, x->help ? x->help : "", col, col);
		if (!o->name)
			break;
	}
}

void opts_synopsis(FILE *out, const char *cmd, int cmd_width, const struct opt *opts, int width)
{
	int col = (int)strlen("holdconn ") + cmd_width + 1, at;
	char e[160];

	at = fprintf(out, "holdconn %-*s", cmd_width, cmd);
	for (const struct opt *o = opts; o->name; o++) {
		bool req = o->flags & OPT_REQUIRED;
		int len = snprintf(e, sizeof(e), "%s--%s%s%s%s%s", req ? "" : "[", o->name,
				   o->argh ? " " : "", o->argh ? o->argh : "", req ? "" : "]",
				   (o->flags & OPT_REPEAT) ? " ..." : "");

		if (at + 1 + len > width && at > col) {
			fprintf(out, "\n%*s", col, "");
			at = col;
		} else {
			fputc(' ', out);
			at++;
		}
		fputs(e, out);
		at += len;
	}
	fputc('\n', out);
}
