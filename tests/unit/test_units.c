/* test_units.c - parse_count, parse_size, parse_duration_us, format_size. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include "base/units.h"

struct valid_case {
	const char *in;
	uint64_t want;
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void expect_valid(int (*parse)(const char *, uint64_t *), const struct valid_case *c,
			 size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t v = 0xdead;
		int ret = parse(c[i].in, &v);

		cr_expect_eq(ret, 0, "'%s': returned %d, want 0", c[i].in, ret);
		cr_expect_eq(v, c[i].want, "'%s': got %lu, want %lu", c[i].in, (unsigned long)v,
			     (unsigned long)c[i].want);
	}
}

/* Every input fails with `want` and leaves the output alone. */
static void expect_error(int (*parse)(const char *, uint64_t *), const char *const *in, size_t n,
			 int want)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t v = 0xdead;
		int ret = parse(in[i], &v);

		cr_expect_eq(ret, want, "'%s': returned %d, want %d", in[i], ret, want);
		cr_expect_eq(v, 0xdead, "'%s': output written on error", in[i]);
	}
}

Test(units, count_accepts_plain_suffixed_fractional_and_grouped)
{
	static const struct valid_case c[] = {
		{ "0", 0 },
		{ "1", 1 },
		{ "007", 7 },
		{ "1000000", 1000000 },
		{ "100k", 100000 },
		{ "100K", 100000 },
		{ "1M", 1000000 },
		{ "2.5M", 2500000 },
		{ "0.5k", 500 },
		{ "1.0", 1 },
		{ "1.000k", 1000 },
		{ "1.000001M", 1000001 },
		{ "3G", 3000000000 },
		{ "1_000_000", 1000000 },
		{ "1_0.5k", 10500 },
		{ "18446744073709551615", UINT64_MAX },
		{ "18446744073709.551615M", UINT64_MAX },
	};

	expect_valid(parse_count, c, N(c));
}

Test(units, count_rejects_malformed_text_with_einval)
{
	static const char *const in[] = {
		"", "abc", "-1", "+1", " 1", "1 ", "1x", "1KB", "1KiB", "1k1", "1MM", "1T",
		"1m", "1g", "2.5m", /* m is minutes, only in durations */
		"1.", ".5", "1.5.5", "1e6", "0x10", "k",
		"_1", "1_", "1__000", "1_.5k", "1._5k", "1,000",
	};

	expect_error(parse_count, in, N(in), -EINVAL);
}

Test(units, count_rejects_fraction_that_is_not_whole_with_einval)
{
	static const char *const in[] = { "2.5", "1.0001k", "0.0000000001G", "1.00000000000000000001" };

	expect_error(parse_count, in, N(in), -EINVAL);
}

Test(units, count_rejects_overflow_with_erange)
{
	static const char *const in[] = {
		"18446744073709551616",
		"99999999999999999999999",
		"18446744073709552k",
		"18446744073709551.616k",
		"18446744074G",
	};

	expect_error(parse_count, in, N(in), -ERANGE);
}

Test(units, count_rejects_null_with_einval)
{
	uint64_t v;

	cr_assert_eq(parse_count(NULL, &v), -EINVAL);
}

Test(units, size_si_and_iec_are_spelled_apart)
{
	static const struct valid_case c[] = {
		{ "0", 0 },
		{ "4096", 4096 },
		{ "100B", 100 },
		{ "64k", 64000 },
		{ "64kB", 64000 },
		{ "64Ki", 65536 },
		{ "64KiB", 65536 },
		{ "1M", 1000000 },
		{ "1MB", 1000000 },
		{ "1Mi", 1048576 },
		{ "1MiB", 1048576 },
		{ "1G", 1000000000 },
		{ "1GB", 1000000000 },
		{ "1Gi", 1073741824 },
		{ "1GiB", 1073741824 },
		{ "1.5Gi", 1610612736 },
		{ "0.5Ki", 512 },
		{ "2.5k", 2500 },
		{ "16_384", 16384 },
		{ "17179869183Gi", UINT64_MAX - 1073741823 },
	};

	expect_valid(parse_size, c, N(c));
}

Test(units, size_rejects_malformed_and_ambiguous_text_with_einval)
{
	static const char *const in[] = {
		"", "k", "B", "-4k", "+4k", "4 k", "4b", "4kb", "4KiBB", "4iB", "4T",
		"4x", "1.3Ki", "0.5", "4_", "4k ",
		"4K", "4KB", "1m", "1mb", "1g", "1gb", "1MIB", "1ki", /* neither SI nor IEC */
	};

	expect_error(parse_size, in, N(in), -EINVAL);
}

Test(units, size_rejects_overflow_with_erange)
{
	static const char *const in[] = { "18446744073709551616", "17179869184Gi", "17179869184.5Gi",
					  "18446744074G" };

	expect_error(parse_size, in, N(in), -ERANGE);
}

Test(units, duration_units_give_microseconds_and_bare_is_seconds)
{
	static const struct valid_case c[] = {
		{ "0", 0 },
		{ "1500us", 1500 },
		{ "250ms", 250000 },
		{ "0.5ms", 500 },
		{ "10s", 10000000 },
		{ "10", 10000000 },
		{ "1.5s", 1500000 },
		{ "1.5", 1500000 },
		{ "2m", 120000000 },
		{ "1h", 3600000000 },
		{ "5124095576h", 18446744073600000000ULL },
	};

	expect_valid(parse_duration_us, c, N(c));
}

Test(units, duration_rejects_malformed_text_with_einval)
{
	static const char *const in[] = {
		"", "s", "ms", "-1s", "1 s", "10x", "10sec", "1S", "1.5us", "1.0000001s", "1d",
		"1M", /* a minute is m, never M */
	};

	expect_error(parse_duration_us, in, N(in), -EINVAL);
}

Test(units, duration_rejects_overflow_with_erange)
{
	static const char *const in[] = { "5124095577h", "18446744073710s" };

	expect_error(parse_duration_us, in, N(in), -ERANGE);
}

Test(units, format_size_prints_bytes_below_one_kib)
{
	char buf[32];

	cr_expect_str_eq(format_size(0, buf, sizeof(buf)), "0 B");
	cr_expect_str_eq(format_size(1023, buf, sizeof(buf)), "1023 B");
}

Test(units, format_size_picks_the_largest_unit_with_two_decimals)
{
	char buf[32];

	cr_expect_str_eq(format_size(1024, buf, sizeof(buf)), "1.00 KiB");
	cr_expect_str_eq(format_size(1536, buf, sizeof(buf)), "1.50 KiB");
	cr_expect_str_eq(format_size(1610612736, buf, sizeof(buf)), "1.50 GiB");
	cr_expect_str_eq(format_size(5ULL << 40, buf, sizeof(buf)), "5.00 TiB");
	cr_expect_str_eq(format_size(UINT64_MAX, buf, sizeof(buf)), "16.00 EiB");
}

Test(units, format_size_never_prints_1024_of_a_unit)
{
	char buf[32];

	cr_expect_str_eq(format_size(1048575, buf, sizeof(buf)), "1.00 MiB");
	cr_expect_str_eq(format_size(1073741823, buf, sizeof(buf)), "1.00 GiB");
}

Test(units, format_size_returns_buf_and_truncates)
{
	char buf[5];

	cr_expect_eq(format_size(1610612736, buf, sizeof(buf)), buf);
	cr_expect_str_eq(buf, "1.50");
}
