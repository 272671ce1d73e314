/* sysinfo.c - small readers of /proc/sys. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "measure/sysinfo.h"

int sysinfo_read_u64s(const char *path, uint64_t *vals, int n)
{
	char buf[256], *p, *end;
	int fd = open(path, O_RDONLY | O_CLOEXEC), got = 0;
	ssize_t len;

	if (fd < 0)
		return -errno;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len < 0)
		return -errno;
	buf[len] = 0;
	for (p = buf; got < n; p = end) {
		uint64_t v = strtoull(p, &end, 10);

		if (end == p)
			break;
		vals[got++] = v;
	}
	return got;
}

int sysinfo_local_port_range(struct port_range *r)
{
	uint64_t v[2];
	int n = sysinfo_read_u64s("/proc/sys/net/ipv4/ip_local_port_range", v, 2);

	if (n < 0)
		return n;
	if (n != 2 || !v[0] || v[0] > v[1] || v[1] > 65535)
		return -EINVAL;
	r->first = (uint16_t)v[0];
	r->last = (uint16_t)v[1];
	return 0;
}

#define FIRST_UNPRIVILEGED_PORT 1024
#define MIN_SOURCE_PORTS 1024 /* fewer than this outside the range: use the range */

int sysinfo_source_ports(struct port_range *r)
{
	struct port_range eph;
	uint32_t below, above;
	int ret = sysinfo_local_port_range(&eph);

	if (ret)
		return ret;
	below = eph.first > FIRST_UNPRIVILEGED_PORT ? eph.first - FIRST_UNPRIVILEGED_PORT : 0;
	above = 65535 - eph.last;
	if (below < MIN_SOURCE_PORTS && above < MIN_SOURCE_PORTS)
		*r = eph;
	else if (below >= above)
		*r = (struct port_range){ FIRST_UNPRIVILEGED_PORT, (uint16_t)(eph.first - 1) };
	else
		*r = (struct port_range){ (uint16_t)(eph.last + 1), 65535 };
	return 0;
}

int sysinfo_io_uring_disabled(void)
{
	uint64_t v;

	if (sysinfo_read_u64s("/proc/sys/kernel/io_uring_disabled", &v, 1) != 1)
		return -1;
	return (int)v;
}

bool sysinfo_has_cap(int cap)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = { { 0 } };

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}

static uint64_t nofile_from, nofile_to;

void sysinfo_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= rl.rlim_max)
		return;
	nofile_from = rl.rlim_cur;
	rl.rlim_cur = rl.rlim_max;
	if (!setrlimit(RLIMIT_NOFILE, &rl))
		nofile_to = rl.rlim_cur;
}

bool sysinfo_nofile_raised(uint64_t *from, uint64_t *to)
{
	*from = nofile_from;
	*to = nofile_to;
	return nofile_to != 0;
}

int sysinfo_files_left(uint64_t *left)
{
	uint64_t nr[3], max;
	int ret = sysinfo_read_u64s("/proc/sys/fs/file-nr", nr, 3);

	if (ret < 0)
		return ret;
	if (ret != 3 || sysinfo_read_u64s("/proc/sys/fs/file-max", &max, 1) != 1)
		return -EINVAL;
	*left = max > nr[0] ? max - nr[0] : 0;
	return 0;
}
