/*
 * test_conventions.c - the options issue 22 adds: connect --duration, host
 * names in --target, --resolve-timeout; and the exit-code helpers.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include "base/addr.h"
#include "base/exit_codes.h"
#include "cmdline.h"

Test(conventions, connect_duration_is_held_after_the_ramp)
{
	cr_assert_eq(PARSE("connect", "--target", "127.0.0.1:5000", "--conns", "1000",
			   "--duration", "5s"), 0, "%s", err);
	cr_expect(co.hold.given);
	cr_expect_eq(co.hold.us, 5000000);
}

Test(conventions, bench_duration_and_hold_are_one_option)
{
	cr_assert_eq(PARSE("bench", "--duration", "2m"), 0, "%s", err);
	cr_expect_eq(bo.hold.us, 120000000);
	cr_assert_eq(PARSE("bench", "--hold", "3s"), 0, "%s", err);
	cr_expect_eq(bo.hold.us, 3000000);
}

Test(conventions, a_target_may_be_a_host_name)
{
	cr_assert_eq(PARSE("connect", "--target", "holdconn-holder-0.holdconn-holder:5000-5015",
			   "--conns", "10"), 0, "%s", err);
	cr_assert_eq(co.targets.n, 1);
	cr_expect_str_eq(co.targets.host[0], "holdconn-holder-0.holdconn-holder");
	cr_expect_eq(co.targets.range[0].ports.first, 5000);
	cr_expect_eq(co.targets.range[0].ports.last, 5015);
	cr_expect_eq(co.targets.resolve_timeout_us, 60000000, "60 s by default");
	cr_assert_eq(PARSE("connect", "--target", "127.0.0.1:5000", "--target", "localhost:6000",
			   "--conns", "10", "--resolve-timeout", "2m"), 0, "%s", err);
	cr_expect_str_eq(co.targets.host[0], "");
	cr_expect_str_eq(co.targets.host[1], "localhost");
	cr_expect_eq(co.targets.resolve_timeout_us, 120000000);
}

Test(conventions, a_bad_port_after_a_name_is_named)
{
	cr_expect_eq(PARSE("connect", "--target", "holder:0", "--conns", "1"), -EINVAL);
	cr_expect(strstr(err, "--target: 'holder:0'"), "%s", err);
	cr_expect_eq(PARSE("connect", "--target", "holder:http", "--conns", "1"), -EINVAL);
	cr_expect(strstr(err, "NAME:PORT"), "%s", err);
}

Test(conventions, serve_listens_on_addresses_only)
{
	cr_expect_eq(PARSE("serve", "--listen", "localhost:5000"), -EINVAL);
	cr_expect(strstr(err, "is not ADDR:PORT"), "%s", err);
}

Test(conventions, host_names_have_a_letter_and_only_name_characters)
{
	cr_expect(is_host_name("localhost", 9));
	cr_expect(is_host_name("a-b.c-d.svc", 11));
	cr_expect(is_host_name("x1", 2));
	cr_expect_not(is_host_name("1.2.3", 5), "a mistyped address is not a name");
	cr_expect_not(is_host_name("-a", 2));
	cr_expect_not(is_host_name("a_b", 3));
	cr_expect_not(is_host_name("a b", 3));
	cr_expect_not(is_host_name("", 0));
}

Test(conventions, localhost_resolves)
{
	addr128 a = 0;
	bool v6 = true;

	cr_assert_eq(resolve_host("localhost", &a, &v6), 0);
	cr_expect(addr_is_loopback(v6, a));
	cr_expect_eq(resolve_host("no-such-name.invalid", &a, &v6), -EAGAIN);
}

Test(conventions, a_failure_outranks_a_short_run)
{
	cr_expect_eq(exit_code_worse(EXIT_HELD, EXIT_SHORT), EXIT_SHORT);
	cr_expect_eq(exit_code_worse(EXIT_SHORT, EXIT_HELD), EXIT_SHORT);
	cr_expect_eq(exit_code_worse(EXIT_SHORT, EXIT_RUNTIME), EXIT_RUNTIME);
	cr_expect_eq(exit_code_worse(EXIT_NO_URING, EXIT_SHORT), EXIT_NO_URING);
	cr_expect_eq(exit_code_worse(EXIT_HELD, EXIT_HELD), EXIT_HELD);
}

Test(conventions, tcp_keepalive_takes_idle_interval_and_count)
{
	cr_assert_eq(PARSE("connect", "--target", "127.0.0.1:5000", "--conns", "1",
			   "--tcp-keepalive", "2m,10s,5", "--user-timeout", "30s"), 0, "%s", err);
	cr_expect_eq(co.holder.keepalive.on, 1);
	cr_expect_eq(co.holder.keepalive.idle_s, 120);
	cr_expect_eq(co.holder.keepalive.intvl_s, 10);
	cr_expect_eq(co.holder.keepalive.cnt, 5);
	cr_expect_eq(co.holder.user_timeout_ms, 30000);
	cr_assert_eq(PARSE("serve", "--listen", "127.0.0.1:5000", "--tcp-keepalive", "60,10,3"), 0,
		     "%s", err);
	cr_expect_eq(so.holder.keepalive.idle_s, 60);
}

Test(conventions, tcp_keepalive_names_its_form_when_wrong)
{
	static char *const bad[] = { "60", "60,10", "60,10,0", "60,10,128", "500ms,10,5",
				     "60,10,5,1", "0,10,5", "10h,10,5" };

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(PARSE("connect", "--target", "127.0.0.1:5000", "--conns", "1",
				   "--tcp-keepalive", bad[i]), -EINVAL, "%s", bad[i]);
		cr_expect(strstr(err, "is not IDLE,INTVL,CNT (e.g. 60s,10s,5"), "%s: %s", bad[i], err);
	}
	cr_expect_eq(PARSE("connect", "--target", "127.0.0.1:5000", "--conns", "1",
			   "--user-timeout", "0"), -EINVAL);
}
