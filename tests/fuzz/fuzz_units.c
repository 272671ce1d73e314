/*
 * fuzz_units.c - parse_count, parse_size and parse_duration_us on any text.
 * Besides not crashing: results are 0, -EINVAL or -ERANGE; an error leaves
 * the output alone; a plain run of digits means the same to all three.
 */
#include <errno.h>
#include <stdio.h>
#include "fuzz.h"
#include "base/units.h"

#define UNTOUCHED 0xdeadbeefcafef00dULL
#define SEC_US 1000000ULL

static int parse_checked(int (*parse)(const char *, uint64_t *), const char *s, uint64_t *v)
{
	int ret;

	*v = UNTOUCHED;
	ret = parse(s, v);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL || ret == -ERANGE);
	if (ret)
		FUZZ_CHECK(*v == UNTOUCHED);
	return ret;
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* Plain digits: a count, a size in bytes and a duration in seconds agree. */
static void check_plain_number(const char *s, int rc, uint64_t count, int rs, uint64_t size,
			       int rd, uint64_t us)
{
	uint64_t want;
	char *end;

	if (!all_digits(s))
		return;
	errno = 0;
	want = strtoull(s, &end, 10);
	if (errno == ERANGE) {
		FUZZ_CHECK(rc == -ERANGE && rs == -ERANGE && rd == -ERANGE);
		return;
	}
	FUZZ_CHECK(rc == 0 && count == want);
	FUZZ_CHECK(rs == 0 && size == want);
	if (want > UINT64_MAX / SEC_US)
		FUZZ_CHECK(rd == -ERANGE);
	else
		FUZZ_CHECK(rd == 0 && us == want * SEC_US);
}

/* format_size never writes past len and always terminates. */
static void check_format(const uint8_t *data, size_t size)
{
	char buf[32];
	uint64_t bytes = 0;
	int len;

	if (size < 9)
		return;
	memcpy(&bytes, data, sizeof(bytes));
	len = data[8] % (int)sizeof(buf);
	memset(buf, 'x', sizeof(buf));
	format_size(bytes, buf, len);
	if (len > 0)
		FUZZ_CHECK(memchr(buf, '\0', len) != NULL);
	for (int i = len; i < (int)sizeof(buf); i++)
		FUZZ_CHECK(buf[i] == 'x');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	uint64_t count, bytes, us;
	int rc = parse_checked(parse_count, s, &count);
	int rs = parse_checked(parse_size, s, &bytes);
	int rd = parse_checked(parse_duration_us, s, &us);

	check_plain_number(s, rc, count, rs, bytes, rd, us);
	check_format(data, size);
	free(s);
	return 0;
}
