/*
 * fuzz_meter.c - the /proc parsers on any text, and meter_diff on what they
 * make of it (and the TcpExt, tcp_mem and /proc/stat parsers on the same text). The input is split at its first form feed into a baseline
 * and a later sample (no form feed: the baseline is empty). Besides not
 * crashing or overflowing: results are 0 or -EINVAL, cache names are
 * terminated and nonempty, the top caches come largest first.
 */
#include <errno.h>
#include <stdio.h>
#include "fuzz.h"
#include "measure/meter.h"

static void check_sample(const struct meter_sample *s, int ret)
{
	FUZZ_CHECK(s->have_slabinfo == (ret == 0));
	FUZZ_CHECK(s->ncaches >= 0 && s->ncaches <= METER_MAX_CACHES);
	for (int i = 0; i < s->ncaches; i++) {
		const char *name = s->caches[i].name;

		FUZZ_CHECK(memchr(name, '\0', METER_NAME_LEN) != NULL);
		FUZZ_CHECK(name[0] != '\0');
	}
}

/* Every parser on one text; the sample keeps what each understood. */
static void parse_all(const char *text, struct meter_sample *s)
{
	int ret;

	memset(s, 0, sizeof(*s));
	ret = meter_parse_meminfo(text, s);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	ret = meter_parse_sockstat(text, s);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	ret = meter_parse_sockstat6(text, s);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	ret = meter_parse_slabinfo(text, s);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	check_sample(s, ret);
	{
		uint64_t pressures = 0, lim[3] = { 0 };
		int r = meter_parse_netstat_pressures(text, &pressures);

		FUZZ_CHECK(r == 0 || r == -EINVAL);
		r = meter_parse_tcp_mem(text, lim);
		FUZZ_CHECK(r == 0 || r == -EINVAL);
	}
	{
		struct cpu_times c;
		int r = meter_parse_stat(text, 100, &c);

		FUZZ_CHECK(r == 0 || r == -EINVAL);
		FUZZ_CHECK(r || c.ncpus > 0);
	}
}

static uint64_t magnitude(int64_t v)
{
	return v < 0 ? -(uint64_t)v : (uint64_t)v;
}

static void check_delta(const struct meter_delta *d)
{
	FUZZ_CHECK(d->ncaches >= 0 && d->ncaches <= METER_TOP_CACHES);
	for (int i = 0; i < d->ncaches; i++) {
		FUZZ_CHECK(d->caches[i].bytes != 0);
		FUZZ_CHECK(memchr(d->caches[i].name, '\0', METER_NAME_LEN) != NULL);
		if (i)
			FUZZ_CHECK(magnitude(d->caches[i - 1].bytes) >= magnitude(d->caches[i].bytes));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct meter_sample base, now;
	static struct meter_delta d;
	char *text = fuzz_cstr(data, size);
	char *later = strchr(text, '\f');

	if (later) {
		*later++ = '\0';
		parse_all(text, &base);
	} else {
		later = text;
		memset(&base, 0, sizeof(base));
	}
	parse_all(later, &now);
	meter_diff(&base, &now, &d);
	check_delta(&d);
	free(text);
	return 0;
}
