/* test_keepalive.c - bench --slo's objective as written on the command line. */
#include <criterion/criterion.h>
#include <errno.h>
#include "run/bench.h"

Test(slo, p99_takes_any_duration)
{
	struct bench_slo s = { 0 };

	cr_assert_eq(bench_parse_slo("p99=10ms", &s), 0);
	cr_expect_eq(s.p99_us, 10000);
	cr_assert_eq(bench_parse_slo("p99=1us", &s), 0);
	cr_expect_eq(s.p99_us, 1);
	cr_assert_eq(bench_parse_slo("p99=1.5s", &s), 0);
	cr_expect_eq(s.p99_us, 1500000);
}

Test(slo, anything_else_is_refused)
{
	struct bench_slo s = { 0 };

	cr_expect_eq(bench_parse_slo("p99", &s), -EINVAL);
	cr_expect_eq(bench_parse_slo("p99=", &s), -EINVAL);
	cr_expect_eq(bench_parse_slo("p99=0", &s), -EINVAL, "an objective nothing meets");
	cr_expect_eq(bench_parse_slo("p50=10ms", &s), -EINVAL);
	cr_expect_eq(bench_parse_slo("p99=ten", &s), -EINVAL);
	cr_expect_eq(bench_parse_slo(NULL, &s), -EINVAL);
}
