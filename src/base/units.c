/* units.c - strict parsing of the counts, sizes and durations users type. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "base/units.h"

/*
 * Significant fraction digits kept: 10^19 is the largest power of ten that
 * fits in 64 bits. No multiplier here can turn a longer fraction into a
 * whole number anyway.
 */
#define FRAC_DIGITS_MAX 19

#define MSEC_US 1000ULL
#define SEC_US (1000 * MSEC_US)
#define MIN_US (60 * SEC_US)
#define HOUR_US (60 * MIN_US)

struct unit {
	const char *suffix;
	uint64_t mult;
};

/* A number split as typed, "1_000.25k": whole "1_000", fraction "25", suffix "k". */
struct number_text {
	const char *whole, *whole_end;
	const char *frac, *frac_end; /* frac == frac_end: no fraction */
	const char *suffix;
};

/*
 * One scheme for every option: SI prefixes are powers of ten (k, M, G), IEC
 * ones powers of two (Ki, Mi, Gi), and m is only ever minutes, in a
 * duration. A count takes K for k (no count is binary); a size does not:
 * "4K" says neither 4,000 nor 4,096.
 */
static const struct unit count_units[] = {
	{ "", 1 },
	{ "k", 1000 },		{ "K", 1000 },
	{ "M", 1000000 },
	{ "G", 1000000000 },
	{ NULL, 0 },
};

static const struct unit size_units[] = {
	{ "", 1 },		{ "B", 1 },
	{ "k", 1000 },		{ "kB", 1000 },
	{ "M", 1000000 },	{ "MB", 1000000 },
	{ "G", 1000000000 },	{ "GB", 1000000000 },
	{ "Ki", 1ULL << 10 },	{ "KiB", 1ULL << 10 },
	{ "Mi", 1ULL << 20 },	{ "MiB", 1ULL << 20 },
	{ "Gi", 1ULL << 30 },	{ "GiB", 1ULL << 30 },
	{ NULL, 0 },
};

static const struct unit duration_units[] = {
	{ "", SEC_US }, /* a bare number is seconds */
	{ "us", 1 },
	{ "ms", MSEC_US },
	{ "s", SEC_US },
	{ "m", MIN_US },
	{ "h", HOUR_US },
	{ NULL, 0 },
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* End of a run of digits with single underscores between them; s if no digit. */
static const char *scan_digits(const char *s)
{
	while (is_digit(*s) || (*s == '_' && is_digit(s[1])))
		s++;
	return s;
}

/* Syntax only: "<digits>[.<digits>]<suffix>", no sign, no leading underscore. */
static int split_number(const char *s, struct number_text *t)
{
	if (!s || !is_digit(*s))
		return -EINVAL;
	t->whole = s;
	t->whole_end = scan_digits(s);
	t->frac = t->frac_end = t->whole_end;
	if (*t->whole_end == '.') {
		t->frac = t->whole_end + 1;
		if (!is_digit(*t->frac))
			return -EINVAL;
		t->frac_end = scan_digits(t->frac);
	}
	t->suffix = t->frac_end;
	return 0;
}

static int find_unit(const struct unit *units, const char *suffix, uint64_t *mult)
{
	for (; units->suffix; units++) {
		if (strcmp(units->suffix, suffix) == 0) {
			*mult = units->mult;
			return 0;
		}
	}
	return -EINVAL;
}

static int count_unit(const char *suffix, uint64_t *mult)
{
	return find_unit(count_units, suffix, mult);
}

static int duration_unit(const char *suffix, uint64_t *mult)
{
	return find_unit(duration_units, suffix, mult);
}

static int size_unit(const char *suffix, uint64_t *mult)
{
	return find_unit(size_units, suffix, mult);
}

static int digits_value(const char *s, const char *end, uint64_t *out)
{
	uint64_t v = 0;

	for (; s < end; s++) {
		if (*s == '_')
			continue;
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *s - '0', &v))
			return -ERANGE;
	}
	*out = v;
	return 0;
}

uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t r = a % b;

		a = b;
		b = r;
	}
	return a;
}

/*
 * frac / 10^ndigits * mult, which must come out whole ("2.5M" yes, "2.5"
 * no). Reduced by the gcd first so nothing overflows: the result is < mult.
 */
static int fraction_value(const char *s, const char *end, uint64_t mult, uint64_t *out)
{
	uint64_t frac = 0, scale = 1, g;
	int ndigits = 0;
	const char *p;

	while (end > s && (end[-1] == '0' || end[-1] == '_'))
		end--;
	for (p = s; p < end; p++)
		ndigits += is_digit(*p);
	if (ndigits > FRAC_DIGITS_MAX)
		return -EINVAL;
	while (ndigits--)
		scale *= 10;
	digits_value(s, end, &frac); /* cannot overflow: fewer than 20 digits */
	g = gcd(mult, scale);
	if (frac % (scale / g))
		return -EINVAL;
	*out = frac / (scale / g) * (mult / g);
	return 0;
}

static int number_value(const struct number_text *t, uint64_t mult, uint64_t *out)
{
	uint64_t whole, part;
	int ret;

	ret = digits_value(t->whole, t->whole_end, &whole);
	if (ret)
		return ret;
	ret = fraction_value(t->frac, t->frac_end, mult, &part);
	if (ret)
		return ret;
	if (__builtin_mul_overflow(whole, mult, &whole) ||
	    __builtin_add_overflow(whole, part, &whole))
		return -ERANGE;
	*out = whole;
	return 0;
}

static int parse_with(const char *s, int (*unit)(const char *, uint64_t *), uint64_t *out)
{
	struct number_text t;
	uint64_t mult;
	int ret;

	ret = split_number(s, &t);
	if (ret)
		return ret;
	ret = unit(t.suffix, &mult);
	if (ret)
		return ret;
	return number_value(&t, mult, out);
}

int parse_count(const char *s, uint64_t *out)
{
	return parse_with(s, count_unit, out);
}

int parse_size(const char *s, uint64_t *out)
{
	return parse_with(s, size_unit, out);
}

int parse_duration_us(const char *s, uint64_t *out)
{
	return parse_with(s, duration_unit, out);
}

const char *format_size(uint64_t bytes, char *buf, int len)
{
	static const char *const names[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	const int last = sizeof(names) / sizeof(names[0]) - 1;
	double v;
	int i = 0;

	if (!buf || len <= 0)
		return buf;
	if (bytes < 1024) {
		snprintf(buf, len, "%" PRIu64 " B", bytes);
		return buf;
	}
	/* Go up a unit also when "%.2f" would round up to "1024.00". */
	for (v = bytes / 1024.0; v >= 1023.995 && i < last; i++)
		v /= 1024;
	snprintf(buf, len, "%.2f %s", v, names[i]);
	return buf;
}
