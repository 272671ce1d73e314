/*
 * test_dashboard.c - deploy/grafana/holdconn.json against a real run: a
 * holder and a generator with --metrics, in a memory cgroup of their own,
 * scraped by a real Prometheus; every PromQL expression of every panel
 * must answer with data and no error (tests/integration/dashboard.sh).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "proc.h"

Test(dashboard, every_panel_query_answers_from_a_real_run, .timeout = 90)
{
	char dir[] = "/tmp/holdconn-dash-XXXXXX", cmd[512], out[8192] = "";
	FILE *f;
	size_t n;
	int status;

	if (geteuid())
		cr_skip_test("a network namespace and a memory cgroup need root");
	if (access("/usr/bin/prometheus", X_OK))
		cr_skip_test("prometheus is not installed (tools/deps.sh installs it)");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd),
		 "timeout 80 unshare -n sh tests/integration/dashboard.sh '%s' %s deploy/grafana/holdconn.json 2>&1",
		 holdconn_path(), dir);
	f = popen(cmd, "r");
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = 0;
	status = pclose(f);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_expect_eq(system(cmd), 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		cr_skip_test("%s", out);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", out);
	cr_expect(strstr(out, "expressions, every one answered"), "%s", out);
}
