/* test_addr.c - address ranges, port ranges, endpoints and their formatting. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include "base/addr.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

/* An IPv6 address as the parsers number it: its 16 bytes, most significant first. */
static addr128 ip6(const char *text)
{
	unsigned char b[16];
	addr128 a = 0;

	cr_assert_eq(inet_pton(AF_INET6, text, b), 1, "bad test address %s", text);
	for (int i = 0; i < 16; i++)
		a = a << 8 | b[i];
	return a;
}

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
		"1.2.3.4 ", " 1.2.3.4", "0x7f.0.0.1", "1.2.3.4:80", "[1.2.3.4]",
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
		"127.0.0.1:5007-5000", "127.0.0.1-127.0.0.2:5000", "bad:0",
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

/* ---- IPv6 ---------------------------------------------------------------- */

Test(addr6, single_address_is_ipv6_in_host_order)
{
	struct addr_range r;

	cr_assert_eq(parse_addr_range("fd00:1::2", &r), 0);
	cr_expect(r.v6);
	cr_expect(r.first == ((addr128)0xfd000001 << 96 | 2));
	cr_expect(r.last == r.first);
	cr_expect(addr_range_count(&r) == 1);
}

Test(addr6, bracketed_address_is_the_same_address)
{
	struct addr_range r;

	cr_assert_eq(parse_addr_range("[::1]", &r), 0);
	cr_expect(r.v6);
	cr_expect(r.first == 1 && r.last == 1);
}

Test(addr6, dash_range_counts_across_a_group_boundary)
{
	struct addr_range r;

	cr_assert_eq(parse_addr_range("fd00::ffff-fd00::1:1", &r), 0);
	cr_expect(r.v6);
	cr_expect(r.first == ip6("fd00::ffff"));
	cr_expect(r.last == ip6("fd00::1:1"));
	cr_expect(addr_range_count(&r) == 3);
}

Test(addr6, slash_64_is_every_address_of_the_block)
{
	struct addr_range r;

	cr_assert_eq(parse_addr_range("fd00:1::/64", &r), 0);
	cr_expect(r.v6);
	cr_expect(r.first == ip6("fd00:1::"));
	cr_expect(r.last == ip6("fd00:1::ffff:ffff:ffff:ffff"));
	cr_expect(addr_range_count(&r) == (addr128)1 << 64);
}

Test(addr6, block_ignores_host_bits)
{
	struct addr_range r;

	cr_assert_eq(parse_addr_range("fd00:1::1234/112", &r), 0);
	cr_expect(r.first == ip6("fd00:1::"));
	cr_expect(r.last == ip6("fd00:1::ffff"));
}

Test(addr6, slash_128_is_one_and_slash_0_is_all)
{
	struct addr_range r;

	cr_assert_eq(parse_addr_range("::1/128", &r), 0);
	cr_expect(r.first == 1 && r.last == 1);
	cr_assert_eq(parse_addr_range("::/0", &r), 0);
	cr_expect(r.first == 0 && r.last == ~(addr128)0);
	cr_expect(addr_range_count(&r) == 0, "2^128 addresses wrap to 0");
}

Test(addr6, ipv4_block_covers_the_prefix)
{
	struct addr_range r;

	cr_assert_eq(parse_addr_range("10.1.2.3/16", &r), 0);
	cr_expect_not(r.v6);
	cr_expect(r.first == IP(10, 1, 0, 0));
	cr_expect(r.last == IP(10, 1, 255, 255));
	cr_assert_eq(parse_addr_range("10.1.2.3/32", &r), 0);
	cr_expect(r.first == IP(10, 1, 2, 3) && r.last == IP(10, 1, 2, 3));
}

Test(addr6, prefix_past_the_family_is_erange)
{
	struct addr_range r;

	cr_expect_eq(parse_addr_range("10.0.0.0/33", &r), -ERANGE);
	cr_expect_eq(parse_addr_range("fd00::/129", &r), -ERANGE);
	cr_expect_eq(parse_addr_range("fd00::/999", &r), -ERANGE);
}

Test(addr6, range_rejects_malformed_or_mixed_text)
{
	static const char *const in[] = {
		":::1", "fd00::1::2", "fd00::g", "fe80::1%lo", "[fd00::1", "fd00::1]", "[]",
		"fd00::2-fd00::1", "127.0.0.1-fd00::1", "fd00::1-127.0.0.1", "fd00::/", "fd00::/-1",
		"fd00::/6a", "fd00::/1234", "fd00::1-fd00::2/64", "fd00::/64/64", "::1 ",
		"1:2:3:4:5:6:7:8:9",
	};

	for (size_t i = 0; i < N(in); i++) {
		struct addr_range r = { 5, 5 };

		cr_expect_eq(parse_addr_range(in[i], &r), -EINVAL, "'%s' accepted", in[i]);
		cr_expect(r.first == 5 && r.last == 5, "'%s' wrote its result", in[i]);
	}
}

Test(addr6, endpoint_takes_bracketed_address_and_port_range)
{
	struct endpoint_range e;

	cr_assert_eq(parse_endpoint_range("[::1]:5000-5007", &e), 0);
	cr_expect(e.v6);
	cr_expect(e.addr == 1);
	cr_expect_eq(e.ports.first, 5000);
	cr_expect_eq(e.ports.last, 5007);
	cr_assert_eq(parse_endpoint_range("[fd00:1::2]:80", &e), 0);
	cr_expect(e.addr == ip6("fd00:1::2"));
	cr_expect_eq(e.ports.first, 80);
	cr_expect_eq(e.ports.last, 80);
}

Test(addr6, endpoint_port_out_of_range_is_erange)
{
	struct endpoint_range e;

	cr_expect_eq(parse_endpoint_range("[::1]:0", &e), -ERANGE);
	cr_expect_eq(parse_endpoint_range("[::1]:65536", &e), -ERANGE);
}

Test(addr6, endpoint_rejects_unbracketed_or_malformed_ipv6)
{
	static const char *const in[] = {
		"::1:5000", "::1", "[::1]", "[::1]:", "[::1]5000", "[::1]:5000:1", "[::1]:50-40",
		"[1.2.3.4]:80", "[fd00::g]:80", "[]:80", "[::1:80", "fd00::1]:80", "[[::1]]:80",
		"[::1]-[::2]:80", "[fd00::/64]:80",
	};

	for (size_t i = 0; i < N(in); i++) {
		struct endpoint_range e;

		cr_expect_eq(parse_endpoint_range(in[i], &e), -EINVAL, "'%s'", in[i]);
	}
}

Test(addr6, sockaddr_from_builds_sockaddr_in6_in_network_order)
{
	union sockaddr_inet sa;

	memset(&sa, 0xff, sizeof(sa));
	sockaddr_from(&sa, true, ip6("fd00:1::1:2"), 5000);
	cr_expect_eq(sa.v6.sin6_family, AF_INET6);
	cr_expect_eq(sa.v6.sin6_port, htons(5000));
	cr_expect_eq(sa.v6.sin6_flowinfo, 0);
	cr_expect_eq(sa.v6.sin6_scope_id, 0);
	cr_expect_eq(sa.v6.sin6_addr.s6_addr[0], 0xfd);
	cr_expect_eq(sa.v6.sin6_addr.s6_addr[3], 0x01);
	cr_expect_eq(sa.v6.sin6_addr.s6_addr[13], 0x01);
	cr_expect_eq(sa.v6.sin6_addr.s6_addr[15], 0x02);
	cr_expect_eq(sockaddr_len(&sa), sizeof(struct sockaddr_in6));
	cr_expect_eq(sockaddr_port(&sa), 5000);
}

Test(addr6, format_endpoint_brackets_ipv6)
{
	char buf[64];
	union sockaddr_inet sa;

	cr_expect_str_eq(format_endpoint(true, 1, 5000, buf, sizeof(buf)), "[::1]:5000");
	cr_expect_str_eq(format_endpoint(true, ip6("fd00:1::ffff:ffff:ffff:ffff"), 65535, buf,
					 sizeof(buf)),
			 "[fd00:1::ffff:ffff:ffff:ffff]:65535");
	cr_expect_str_eq(format_addr(true, ip6("fd00:1::"), buf, sizeof(buf)), "fd00:1::");
	sockaddr_from(&sa, true, ip6("fd00::7"), 17000);
	cr_expect_str_eq(format_sockaddr(&sa, buf, sizeof(buf)), "[fd00::7]:17000");
}

Test(addr6, loopback_is_only_colon_colon_1)
{
	cr_expect(addr_is_loopback(true, 1));
	cr_expect_not(addr_is_loopback(true, 0));
	cr_expect_not(addr_is_loopback(true, IP(127, 0, 0, 1)), "::127.0.0.1 is not ::1");
	cr_expect_not(addr_is_loopback(true, ip6("fd00::1")));
}
