/* test_addr.c - address ranges, port ranges, endpoints and their formatting. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include "base/addr.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

Test(addr, single_address_is_a_range_of_one_in_host_order)
{
	struct addr_range r;

	cr_assert_eq(parse_addr_range("10.1.2.3", &r), 0);
	cr_expect_eq(r.first, 0x0a010203);
	cr_expect_eq(r.last, 0x0a010203);
	cr_expect_eq(addr_range_count(&r), 1);
}

Test(addr, address_range_keeps_both_ends)
{
	struct addr_range r;

	cr_assert_eq(parse_addr_range("127.0.0.2-127.0.0.40", &r), 0);
	cr_expect_eq(r.first, IP(127, 0, 0, 2));
	cr_expect_eq(r.last, IP(127, 0, 0, 40));
	cr_expect_eq(addr_range_count(&r), 39);
}

Test(addr, address_range_may_span_octets)
{
	struct addr_range r;

	cr_assert_eq(parse_addr_range("10.0.0.255-10.0.1.0", &r), 0);
	cr_expect_eq(addr_range_count(&r), 2);
}

Test(addr, address_range_of_equal_ends_is_one)
{
	struct addr_range r;

	cr_assert_eq(parse_addr_range("1.1.1.1-1.1.1.1", &r), 0);
	cr_expect_eq(addr_range_count(&r), 1);
}

Test(addr, reversed_address_range_is_einval)
{
	struct addr_range r = { 7, 7 };

	cr_expect_eq(parse_addr_range("127.0.0.9-127.0.0.1", &r), -EINVAL);
	cr_expect_eq(r.first, 7, "output written on error");
}

Test(addr, address_rejects_anything_but_a_dotted_quad)
{
	static const char *const in[] = {
		"", "localhost", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.4-", "-1.2.3.4",
		"1.2.3.4 ", " 1.2.3.4", "0x7f.0.0.1", "::1", "1.2.3.4/8", "1.2.3.4:80",
		"1.2.3.4-1.2.3.5-1.2.3.6", "127.0.0.1-localhost", "1.2.3.4.5.6.7.8.9.10",
	};
	size_t i;

	for (i = 0; i < N(in); i++) {
		struct addr_range r;

		cr_expect_eq(parse_addr_range(in[i], &r), -EINVAL, "'%s' accepted", in[i]);
	}
}

Test(addr, single_port_is_a_range_of_one)
{
	struct port_range r;

	cr_assert_eq(parse_port_range("5000", &r), 0);
	cr_expect_eq(r.first, 5000);
	cr_expect_eq(r.last, 5000);
	cr_expect_eq(port_range_count(&r), 1);
}

Test(addr, port_range_keeps_both_ends)
{
	struct port_range r;

	cr_assert_eq(parse_port_range("5000-5007", &r), 0);
	cr_expect_eq(r.first, 5000);
	cr_expect_eq(r.last, 5007);
	cr_expect_eq(port_range_count(&r), 8);
}

Test(addr, port_range_may_cover_1_to_65535)
{
	struct port_range r;

	cr_assert_eq(parse_port_range("1-65535", &r), 0);
	cr_expect_eq(port_range_count(&r), 65535);
}

Test(addr, port_0_is_erange)
{
	struct port_range r;

	cr_expect_eq(parse_port_range("0", &r), -ERANGE);
	cr_expect_eq(parse_port_range("0-10", &r), -ERANGE);
}

Test(addr, port_65536_and_above_is_erange)
{
	struct port_range r;

	cr_expect_eq(parse_port_range("65536", &r), -ERANGE);
	cr_expect_eq(parse_port_range("10-70000", &r), -ERANGE);
	cr_expect_eq(parse_port_range("99999999999999999999", &r), -ERANGE);
}

Test(addr, reversed_port_range_is_einval)
{
	struct port_range r = { 7, 7 };

	cr_expect_eq(parse_port_range("5007-5000", &r), -EINVAL);
	cr_expect_eq(r.first, 7, "output written on error");
}

Test(addr, port_junk_is_einval_even_next_to_a_bad_number)
{
	static const char *const in[] = {
		"", "abc", "-5", "5-", "+5", "5 ", " 5", "5-6-7", "0x10", "5000-abc", "0-abc", "5k",
	};
	size_t i;

	for (i = 0; i < N(in); i++) {
		struct port_range r;

		cr_expect_eq(parse_port_range(in[i], &r), -EINVAL, "'%s'", in[i]);
	}
}

Test(addr, endpoint_with_one_port)
{
	struct endpoint_range e;

	cr_assert_eq(parse_endpoint_range("127.0.0.1:5000", &e), 0);
	cr_expect_eq(e.addr, IP(127, 0, 0, 1));
	cr_expect_eq(e.ports.first, 5000);
	cr_expect_eq(e.ports.last, 5000);
}

Test(addr, endpoint_with_a_port_range)
{
	struct endpoint_range e;

	cr_assert_eq(parse_endpoint_range("10.0.0.1:5000-5007", &e), 0);
	cr_expect_eq(e.addr, IP(10, 0, 0, 1));
	cr_expect_eq(e.ports.first, 5000);
	cr_expect_eq(e.ports.last, 5007);
}

Test(addr, endpoint_port_out_of_range_is_erange)
{
	struct endpoint_range e;

	cr_expect_eq(parse_endpoint_range("127.0.0.1:0", &e), -ERANGE);
	cr_expect_eq(parse_endpoint_range("127.0.0.1:65536", &e), -ERANGE);
	cr_expect_eq(parse_endpoint_range("127.0.0.1:1-65536", &e), -ERANGE);
}

Test(addr, endpoint_rejects_malformed_text_with_einval)
{
	static const char *const in[] = {
		"", "127.0.0.1", "127.0.0.1:", ":5000", "localhost:5000", "127.0.0.1:5000:1",
		"127.0.0.1:5007-5000", "[::1]:5000", "127.0.0.1-127.0.0.2:5000", "bad:0",
		"127.0.0.1 :5000",
	};
	size_t i;

	for (i = 0; i < N(in); i++) {
		struct endpoint_range e;

		cr_expect_eq(parse_endpoint_range(in[i], &e), -EINVAL, "'%s'", in[i]);
	}
}

Test(addr, parsers_reject_null_with_einval)
{
	struct addr_range a;
	struct port_range p;
	struct endpoint_range e;

	cr_expect_eq(parse_addr_range(NULL, &a), -EINVAL);
	cr_expect_eq(parse_port_range(NULL, &p), -EINVAL);
	cr_expect_eq(parse_endpoint_range(NULL, &e), -EINVAL);
}

Test(addr, sockaddr_from_converts_to_network_order)
{
	union sockaddr_inet sa;

	memset(&sa, 0xff, sizeof(sa));
	sockaddr_from(&sa, false, IP(127, 0, 0, 1), 5000);
	cr_expect_eq(sa.v4.sin_family, AF_INET);
	cr_expect_eq(sa.v4.sin_port, htons(5000));
	cr_expect_eq(sa.v4.sin_addr.s_addr, htonl(IP(127, 0, 0, 1)));
	cr_expect_eq(memcmp(sa.v4.sin_zero, "\0\0\0\0\0\0\0\0", sizeof(sa.v4.sin_zero)), 0);
	cr_expect_eq(sockaddr_len(&sa), sizeof(struct sockaddr_in));
	cr_expect_eq(sockaddr_port(&sa), 5000);
}

Test(addr, format_endpoint_prints_addr_colon_port)
{
	char buf[32];

	cr_expect_str_eq(format_endpoint(false, IP(127, 0, 0, 1), 5000, buf, sizeof(buf)),
			 "127.0.0.1:5000");
	cr_expect_str_eq(format_endpoint(false, IP(255, 255, 255, 255), 65535, buf, sizeof(buf)),
			 "255.255.255.255:65535");
	cr_expect_str_eq(format_endpoint(false, 0, 0, buf, sizeof(buf)), "0.0.0.0:0");
}

Test(addr, format_endpoint_truncates_to_len)
{
	char buf[6];

	cr_expect_eq(format_endpoint(false, IP(127, 0, 0, 1), 5000, buf, sizeof(buf)), buf);
	cr_expect_str_eq(buf, "127.0");
}

Test(addr, loopback_is_127_slash_8)
{
	cr_expect(addr_is_loopback(false, IP(127, 0, 0, 1)));
	cr_expect(addr_is_loopback(false, IP(127, 255, 255, 254)));
	cr_expect_not(addr_is_loopback(false, IP(128, 0, 0, 1)));
	cr_expect_not(addr_is_loopback(false, IP(10, 0, 0, 1)));
}
