/* test_k8s.c - deploy/k8s, checked offline by tools/check_k8s.py (python3-yaml). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs cmd through the shell; its exit status, its output in out. */
static int run(const char *cmd, char *out, size_t len)
{
	FILE *f = popen(cmd, "r");
	size_t n;

	cr_assert(f, "popen %s", cmd);
	n = fread(out, 1, len - 1, f);
	out[n] = 0;
	return pclose(f);
}

static void need_yaml(void)
{
	char out[256];

	if (run("python3 -c 'import yaml' 2>&1", out, sizeof(out)))
		cr_skip_test("python3 with the yaml module is missing (Debian package python3-yaml)");
}

Test(k8s, the_manifests_parse_and_carry_what_holder_and_fleet_need)
{
	char out[4096];

	need_yaml();
	cr_expect_eq(run("python3 tools/check_k8s.py deploy/k8s 2>&1", out, sizeof(out)), 0, "%s", out);
	cr_expect(strstr(out, "documents ok"), "%s", out);
}

/* The checker catches what it is for: the same manifests with the Job no longer Indexed. */
Test(k8s, a_fleet_that_is_not_an_indexed_job_is_rejected)
{
	char out[4096];

	need_yaml();
	cr_expect_neq(run("d=$(mktemp -d) && cp deploy/k8s/*.yaml $d/ && "
			  "sed -i 's/completionMode: Indexed/completionMode: NonIndexed/' $d/generators.yaml && "
			  "python3 tools/check_k8s.py $d 2>&1; s=$?; rm -rf $d; exit $s",
			  out, sizeof(out)),
		      0);
	cr_expect(strstr(out, "completionMode is not Indexed"), "%s", out);
}

Test(k8s, a_shard_count_other_than_the_jobs_completions_is_rejected)
{
	char out[4096];

	need_yaml();
	cr_expect_neq(run("d=$(mktemp -d) && cp deploy/k8s/*.yaml $d/ && "
			  "sed -i 's|--shard $(JOB_COMPLETION_INDEX)/4|--shard $(JOB_COMPLETION_INDEX)/3|' $d/generators.yaml && "
			  "python3 tools/check_k8s.py $d 2>&1; s=$?; rm -rf $d; exit $s",
			  out, sizeof(out)),
		      0);
	cr_expect(strstr(out, "want $(JOB_COMPLETION_INDEX)/4"), "%s", out);
}
