/*
 * test_memcg.c - finding a process's memory cgroup and reading its limit,
 * usage, kernel memory and OOM kills, on fixture texts and fixture
 * directory trees laid out as the v1 and v2 hierarchies are.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "measure/memcg.h"

#define GIB (1024ull * 1024 * 1024)
#define MIB (1024ull * 1024)

/* /proc/self/cgroup on this box (v1 controllers, an empty v2 hierarchy). */
static const char v1_cgroups[] =
	"9:name=systemd:/\n"
	"8:pids:/\n"
	"4:memory:/process_api/08f1\n"
	"2:cpuacct:/\n"
	"1:cpu:/\n"
	"0::/\n";

/* A pure v2 host (systemd, Kubernetes on a current distribution). */
static const char v2_cgroups[] = "0::/kubepods.slice/kubepods-pod1.slice/cri-abc.scope\n";

static const char v1_mounts[] =
	"30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	"40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

static const char v2_mounts[] =
	"22 1 259:1 / / rw,relatime shared:1 - ext4 /dev/root rw\n"
	"26 22 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
	"rw,nsdelegate,memory_recursiveprot\n";

Test(memcg, a_limit_file_reads_bytes_and_no_limit_as_zero)
{
	uint64_t v = 1;

	cr_expect_eq(memcg_parse_limit("2147483648\n", &v), 0);
	cr_expect_eq(v, 2 * GIB);
	cr_expect_eq(memcg_parse_limit("max\n", &v), 0);
	cr_expect_eq(v, 0, "v2's max is no limit");
	cr_expect_eq(memcg_parse_limit("9223372036854771712\n", &v), 0);
	cr_expect_eq(v, 0, "v1's PAGE_COUNTER_MAX is no limit");
	cr_expect_eq(memcg_parse_limit("maximum\n", &v), -EINVAL);
	cr_expect_eq(memcg_parse_limit("", &v), -EINVAL);
}

Test(memcg, oom_kills_are_read_from_v1_oom_control_and_v2_memory_events)
{
	uint64_t v = 0;

	cr_expect_eq(memcg_parse_key("oom_kill_disable 0\nunder_oom 0\noom_kill 1\n", "oom_kill", &v), 0);
	cr_expect_eq(v, 1, "oom_kill_disable must not be taken for oom_kill");
	cr_expect_eq(memcg_parse_key("low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 0\n",
				     "oom_kill", &v), 0);
	cr_expect_eq(v, 2);
	cr_expect_eq(memcg_parse_key("anon 4096\nfile 0\nkernel 123456\n", "kernel", &v), 0);
	cr_expect_eq(v, 123456);
	cr_expect_eq(memcg_parse_key("anon 4096\n", "kernel", &v), -ENOENT);
}

Test(memcg, proc_cgroup_gives_the_v1_memory_path_or_the_v2_path)
{
	char path[128];

	cr_expect_eq(memcg_parse_proc_cgroup(v1_cgroups, 1, path, sizeof(path)), 0);
	cr_expect_str_eq(path, "/process_api/08f1");
	cr_expect_eq(memcg_parse_proc_cgroup(v2_cgroups, 2, path, sizeof(path)), 0);
	cr_expect_str_eq(path, "/kubepods.slice/kubepods-pod1.slice/cri-abc.scope");
	cr_expect_eq(memcg_parse_proc_cgroup(v2_cgroups, 1, path, sizeof(path)), -ENOENT);
	/* "memory" must be a whole controller name, not a prefix. */
	cr_expect_eq(memcg_parse_proc_cgroup("3:memoryx:/a\n", 1, path, sizeof(path)), -ENOENT);
	cr_expect_eq(memcg_parse_proc_cgroup("3:cpu,memory:/a\n", 1, path, sizeof(path)), 0);
	cr_expect_str_eq(path, "/a");
}

Test(memcg, mountinfo_gives_where_each_hierarchy_is_mounted)
{
	char mnt[128], root[128];

	cr_expect_eq(memcg_parse_mountinfo(v1_mounts, 1, mnt, sizeof(mnt), root, sizeof(root)), 0);
	cr_expect_str_eq(mnt, "/sys/fs/cgroup/memory");
	cr_expect_str_eq(root, "/");
	cr_expect_eq(memcg_parse_mountinfo(v1_mounts, 2, mnt, sizeof(mnt), root, sizeof(root)), 0);
	cr_expect_str_eq(mnt, "/sys/fs/cgroup/unified");
	cr_expect_eq(memcg_parse_mountinfo(v2_mounts, 2, mnt, sizeof(mnt), root, sizeof(root)), 0);
	cr_expect_str_eq(mnt, "/sys/fs/cgroup");
	cr_expect_eq(memcg_parse_mountinfo(v2_mounts, 1, mnt, sizeof(mnt), root, sizeof(root)), -ENOENT);
}

/* A fixture hierarchy under a temporary directory: dir/rel/file = text. */
static void put(const char *dir, const char *rel, const char *file, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "mkdir -p '%s%s'", dir, rel);
	cr_assert_eq(system(path), 0);
	snprintf(path, sizeof(path), "%s%s/%s", dir, rel, file);
	f = fopen(path, "w");
	cr_assert(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

static char tree[64];

static void make_tree(void)
{
	snprintf(tree, sizeof(tree), "/tmp/holdconn-memcg-XXXXXX");
	cr_assert(mkdtemp(tree));
}

static void remove_tree(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree);
	cr_expect_eq(system(cmd), 0);
}

/*
 * v2 as a Kubernetes node has it: the pod's slice sets memory.max, the
 * container's scope below it does not ("max"). The pod's limit binds, and
 * the events and kernel memory are the container's own.
 */
Test(memcg, v2_the_pods_limit_binds_a_container_below_it, .fini = remove_tree)
{
	const char *pod = "/kubepods.slice/kubepods-pod1.slice", *ctr =
		"/kubepods.slice/kubepods-pod1.slice/cri-abc.scope";
	char mounts[512], file[256];
	struct memcg cg;
	struct memcg_usage u;

	make_tree();
	put(tree, "/kubepods.slice", "memory.max", "max\n");
	put(tree, "/kubepods.slice", "memory.current", "3221225472\n");
	put(tree, pod, "memory.max", "2147483648\n");
	put(tree, pod, "memory.current", "1610612736\n");
	put(tree, ctr, "memory.max", "max\n");
	put(tree, ctr, "memory.current", "1577058304\n");
	put(tree, ctr, "memory.stat", "anon 1048576\nfile 0\nkernel 1500000000\nkernel_stack 32768\n");
	put(tree, ctr, "memory.events", "low 0\nhigh 0\nmax 40\noom 1\noom_kill 1\noom_group_kill 0\n");
	snprintf(mounts, sizeof(mounts), "26 22 0:23 / %s rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n",
		 tree);

	cr_assert_eq(memcg_open_from(v2_cgroups, mounts, &cg), 0);
	cr_expect_eq(cg.version, 2);
	cr_expect_str_eq(memcg_version_name(&cg), "v2");
	cr_expect_eq(cg.nlevels, 1, "only the pod's slice sets a limit");
	cr_assert_eq(memcg_read(&cg, &u), 0);
	cr_expect_eq(u.limit, 2 * GIB);
	cr_expect_eq(u.usage, 1536 * MIB, "the usage of the level that sets the limit");
	cr_expect_eq(u.headroom, 512 * MIB);
	cr_expect_eq(u.kernel, 1500000000);
	cr_expect_eq(u.oom_kills, 1);
	snprintf(file, sizeof(file), "%s%s/memory.max", tree, pod);
	cr_expect_str_eq(u.file, file);
}

/* v2 with the memory controller not enabled for the cgroup: no memory.current, no memcg. */
Test(memcg, v2_without_the_memory_controller_is_none, .fini = remove_tree)
{
	char mounts[512];
	struct memcg cg;
	uint64_t room = 0;

	make_tree();
	put(tree, "/kubepods.slice/kubepods-pod1.slice/cri-abc.scope", "cgroup.procs", "1\n");
	snprintf(mounts, sizeof(mounts), "26 22 0:23 / %s rw - cgroup2 cgroup2 rw\n", tree);
	cr_expect_eq(memcg_open_from(v2_cgroups, mounts, &cg), -ENOENT);
	cr_expect_eq(cg.version, 0);
	cr_expect_eq(memcg_headroom(&cg, &room), -ENOENT);
}

/*
 * v1, nested: the inner cgroup's limit is looser than its parent's room, so
 * the parent binds; usage_in_bytes and the kmem counter are v1's.
 */
Test(memcg, v1_the_level_with_the_least_room_binds, .fini = remove_tree)
{
	char mounts[512], file[256];
	struct memcg cg;
	struct memcg_usage u;
	uint64_t room;

	make_tree();
	put(tree, "/process_api", "memory.limit_in_bytes", "4294967296\n");
	put(tree, "/process_api", "memory.usage_in_bytes", "3758096384\n"); /* 512 MiB left */
	put(tree, "/process_api/08f1", "memory.limit_in_bytes", "2147483648\n");
	put(tree, "/process_api/08f1", "memory.usage_in_bytes", "1073741824\n"); /* 1 GiB left */
	put(tree, "/process_api/08f1", "memory.kmem.usage_in_bytes", "805306368\n");
	put(tree, "/process_api/08f1", "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
	put(tree, "", "memory.limit_in_bytes", "9223372036854771712\n");
	put(tree, "", "memory.usage_in_bytes", "5000000000\n");
	snprintf(mounts, sizeof(mounts), "34 30 0:31 / %s rw,relatime - cgroup cgroup rw,memory\n", tree);

	cr_assert_eq(memcg_open_from(v1_cgroups, mounts, &cg), 0);
	cr_expect_eq(cg.version, 1);
	cr_expect_eq(cg.nlevels, 2, "the root's ~2^63 is no limit");
	cr_assert_eq(memcg_headroom(&cg, &room), 0);
	cr_expect_eq(room, 512 * MIB);
	cr_assert_eq(memcg_read(&cg, &u), 0);
	cr_expect_eq(u.limit, 4 * GIB);
	cr_expect_eq(u.usage, 3584 * MIB);
	cr_expect_eq(u.kernel, 768 * MIB);
	cr_expect_eq(u.oom_kills, 3);
	snprintf(file, sizeof(file), "%s/process_api/memory.limit_in_bytes", tree);
	cr_expect_str_eq(u.file, file);
}

/* A container that sees its own cgroup mounted as the root (mount root /docker/ID). */
Test(memcg, v1_a_mount_of_a_subtree_is_joined_below_its_root, .fini = remove_tree)
{
	char mounts[512];
	struct memcg cg;

	make_tree();
	put(tree, "", "memory.limit_in_bytes", "1073741824\n");
	put(tree, "", "memory.usage_in_bytes", "1000\n");
	snprintf(mounts, sizeof(mounts), "34 30 0:31 /docker/abc %s ro - cgroup cgroup rw,memory\n", tree);
	cr_assert_eq(memcg_open_from("5:memory:/docker/abc\n", mounts, &cg), 0);
	cr_expect_str_eq(cg.dir, tree);
	cr_expect_eq(cg.nlevels, 1);
	cr_expect_eq(cg.level[0].limit, GIB);
}

Test(memcg, the_default_reserve_is_5_percent_of_the_limit_and_at_least_32_mib)
{
	cr_expect_eq(memcg_default_reserve(2 * GIB), 2 * GIB / 20);
	cr_expect_eq(memcg_default_reserve(256 * MIB), 32 * MIB);
}
