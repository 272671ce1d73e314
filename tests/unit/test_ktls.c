/* test_ktls.c - the kernel TLS probe agrees with the kernel's own list of ULPs. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "measure/ktls.h"

Test(ktls, the_probe_agrees_with_tcp_available_ulp)
{
	char ulps[256] = "", why[256] = "";
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_available_ulp", "r");
	bool listed, probed;

	cr_assert(f, "no /proc/sys/net/ipv4/tcp_available_ulp");
	cr_assert(fgets(ulps, sizeof(ulps), f));
	fclose(f);
	listed = strstr(ulps, "tls") != NULL;
	probed = ktls_probe(why, sizeof(why));
	/* A module may load on demand: the probe may find what the list does not yet show. */
	if (listed)
		cr_expect(probed, "listed (%s) but: %s", ulps, why);
	if (!probed)
		cr_expect(strncmp(why, "kernel TLS unavailable: ", 24) == 0, "%s", why);
	cr_log_info("kernel TLS: %s", probed ? "available" : why);
}
