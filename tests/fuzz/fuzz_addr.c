/*
 * fuzz_addr.c - parse_addr_range, parse_port_range and parse_endpoint_range
 * on any text, IPv4 and IPv6. Besides not crashing: results are 0, -EINVAL
 * or -ERANGE; an accepted range is in order, an IPv4 one within 32 bits,
 * with ports 1-65535; each end of an accepted range and an accepted
 * endpoint format back to text that parses to the same thing.
 */
#include <errno.h>
#include <stdio.h>
#include "base/addr.h"
#include "fuzz.h"

static void check_ret(int ret)
{
	FUZZ_CHECK(ret == 0 || ret == -EINVAL || ret == -ERANGE);
}

/* One address formats to text that parses back to that address alone. */
static void check_addr_text(bool v6, addr128 a)
{
	struct addr_range back;
	char text[64];

	format_addr(v6, a, text, sizeof(text));
	FUZZ_CHECK(parse_addr_range(text, &back) == 0);
	FUZZ_CHECK(back.v6 == v6 && back.first == a && back.last == a);
}

static void check_addr_range(const char *s)
{
	struct addr_range r = { 1, 0 };
	int ret = parse_addr_range(s, &r);

	check_ret(ret);
	if (ret) {
		FUZZ_CHECK(r.first == 1 && r.last == 0);
		return;
	}
	FUZZ_CHECK(r.first <= r.last);
	FUZZ_CHECK(r.v6 || r.last <= UINT32_MAX);
	FUZZ_CHECK(addr_range_count(&r) >= 1 || (r.v6 && r.first == 0 && r.last == ~(addr128)0));
	check_addr_text(r.v6, r.first);
	check_addr_text(r.v6, r.last);
}

static void check_port_range(const char *s)
{
	struct port_range r = { 7, 3 };
	int ret = parse_port_range(s, &r);

	check_ret(ret);
	if (ret) {
		FUZZ_CHECK(r.first == 7 && r.last == 3);
		return;
	}
	FUZZ_CHECK(r.first >= 1 && r.first <= r.last);
	FUZZ_CHECK(port_range_count(&r) >= 1 && port_range_count(&r) <= 65535);
}

static void check_endpoint(const char *s)
{
	struct endpoint_range e, back;
	char text[64];
	int ret = parse_endpoint_range(s, &e);

	check_ret(ret);
	if (ret)
		return;
	FUZZ_CHECK(e.ports.first >= 1 && e.ports.first <= e.ports.last);
	/* The first port formats and parses back to the same endpoint. */
	format_endpoint(e.v6, e.addr, e.ports.first, text, sizeof(text));
	FUZZ_CHECK(parse_endpoint_range(text, &back) == 0);
	FUZZ_CHECK(back.v6 == e.v6 && back.addr == e.addr && back.ports.first == e.ports.first &&
		   back.ports.last == e.ports.first);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);

	check_addr_range(s);
	check_port_range(s);
	check_endpoint(s);
	free(s);
	return 0;
}
