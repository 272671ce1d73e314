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

Test(k8s, the_manifests_parse_and_carry_what_server_and_fleet_need)
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
			  "sed -i 's|- $(JOB_COMPLETION_INDEX)/4|- $(JOB_COMPLETION_INDEX)/3|' $d/generators.yaml && "
			  "python3 tools/check_k8s.py $d 2>&1; s=$?; rm -rf $d; exit $s",
			  out, sizeof(out)),
		      0);
	cr_expect(strstr(out, "want $(JOB_COMPLETION_INDEX)/4"), "%s", out);
}

/*
 * The manifests altered by sed_script (applied to FILE in a copy of
 * deploy/ with docs/ and the .dockerignore beside it) must be rejected with want.
 */
static void expect_rejected(const char *file, const char *sed_script, const char *want)
{
	char cmd[1024], out[8192];

	need_yaml();
	snprintf(cmd, sizeof(cmd),
		 "d=$(mktemp -d) && cp -r deploy docs $d/ && cp .dockerignore $d/ && "
		 "sed -i '%s' $d/deploy/%s && python3 tools/check_k8s.py $d/deploy/k8s 2>&1; "
		 "s=$?; rm -rf $d; exit $s", sed_script, file);
	cr_expect_neq(run(cmd, out, sizeof(out)), 0, "accepted: %s", sed_script);
	cr_expect(strstr(out, want), "%s: %s", sed_script, out);
}

Test(k8s, an_unconfined_seccomp_profile_fails_the_baseline_level)
{
	expect_rejected("k8s/server.yaml", "s|type: Localhost|type: Unconfined|",
			"seccompProfile Unconfined: the baseline Pod Security level rejects it");
}

Test(k8s, a_seccomp_profile_without_io_uring_is_rejected)
{
	expect_rejected("seccomp/holdconn.json", "/\"io_uring_setup\",/d", "does not allow ['io_uring_setup']");
}

Test(k8s, a_container_running_as_root_or_with_capabilities_is_rejected)
{
	expect_rejected("k8s/server.yaml", "s|runAsUser: 65532|runAsUser: 0|", "does not run as a non-root user");
	expect_rejected("k8s/generators.yaml", "s|drop: \\[ALL\\]|drop: [NET_RAW]|",
			"capabilities are not dropped");
	expect_rejected("k8s/server.yaml", "s|readOnlyRootFilesystem: true|readOnlyRootFilesystem: false|",
			"the root filesystem is not read-only");
}

Test(k8s, requests_below_limits_are_not_guaranteed_qos)
{
	expect_rejected("k8s/generators.yaml", "0,/memory: 2Gi/s//memory: 1Gi/",
			"memory request 1Gi differs from its limit 2Gi");
}

Test(k8s, a_server_without_a_reserve_under_its_limit_is_rejected)
{
	expect_rejected("k8s/server.yaml", "/- --reserve/,+1d", "server has no --reserve");
}

Test(k8s, generators_allowed_on_the_servers_node_are_rejected)
{
	expect_rejected("k8s/generators.yaml", "s|component: server|component: nothing|",
			"no required podAntiAffinity");
}

Test(k8s, a_generator_that_resolves_the_server_through_a_shell_or_never_ends_is_rejected)
{
	expect_rejected("k8s/generators.yaml", "s|- holdconn-server-0.holdconn-server:|- 10.0.0.1:|",
			"--target is not the server's stable name");
	expect_rejected("k8s/generators.yaml", "/- --duration/,+1d", "no --duration");
}

Test(k8s, the_kubelets_current_safe_sysctls_pass_and_others_do_not)
{
	char out[4096];

	need_yaml();
	cr_expect_eq(run("d=$(mktemp -d) && cp -r deploy $d/ && cp .dockerignore $d/ && "
			 "sed -i 's|net.ipv4.tcp_syncookies|net.ipv4.tcp_rmem|; s|value: \"1\"|value: \"4096 16384 65536\"|' "
			 "$d/deploy/k8s/server.yaml && python3 tools/check_k8s.py $d/deploy/k8s 2>&1; s=$?; rm -rf $d; exit $s",
			 out, sizeof(out)),
		     0, "%s", out);
	expect_rejected("k8s/server.yaml", "s|net.ipv4.tcp_syncookies|net.core.somaxconn|",
			"sysctl net.core.somaxconn is not a safe sysctl");
}

Test(k8s, a_podmonitor_and_a_non_root_image_come_with_the_manifests)
{
	expect_rejected("k8s/podmonitor.yaml", "s|port: metrics|port: web|", "no podMetricsEndpoints port: metrics");
	expect_rejected("Dockerfile", "/^USER/d", "no numeric non-root USER");
}

Test(k8s, prometheus_loads_the_recording_rules_of_the_docs)
{
	expect_rejected("k8s/prometheus.yaml", "/rule_files:/,+1d",
			"loads no rule_files: the ratio rules of docs/prometheus-rules.yml are missing");
	expect_rejected("k8s/prometheus.yaml", "s|\\[1m\\]|[5m]|",
			"holdconn-rules.yml differs from docs/prometheus-rules.yml");
}
