/* test_extserver.c - bench --server's command: {port} substitution and its short name. */
#include <criterion/criterion.h>
#include <errno.h>
#include "run/extserver.h"

Test(extserver, port_and_ports_are_substituted_everywhere)
{
	char out[128];

	cr_assert_eq(extserver_expand("redis-server --port {port} # {port}", 17000, 17015, out,
				      sizeof(out)), 0);
	cr_assert_str_eq(out, "redis-server --port 17000 # 17000");
	cr_assert_eq(extserver_expand("srv --ports {ports}", 17000, 17003, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "srv --ports 17000-17003");
}

Test(extserver, a_command_too_long_for_the_buffer_is_refused)
{
	char out[16];

	cr_assert_eq(extserver_expand("memcached -p {port} -c 100000", 17000, 17000, out,
				      sizeof(out)), -ENAMETOOLONG);
}

Test(extserver, the_name_skips_launchers_directories_and_sh)
{
	char name[64];

	extserver_name("redis-server --port 17000", name, sizeof(name));
	cr_assert_str_eq(name, "redis-server");
	extserver_name("sh bench/servers/nginx.sh 17000", name, sizeof(name));
	cr_assert_str_eq(name, "nginx");
	extserver_name("env FOO=1 taskset -c 1 /usr/bin/memcached -p 17000", name, sizeof(name));
	cr_assert_str_eq(name, "memcached");
	extserver_name("prlimit --nofile=600 redis-server --port 17000", name, sizeof(name));
	cr_assert_str_eq(name, "redis-server");
}
