/* netns.c - bench's private network namespace (see netns.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>
#include "measure/netns.h"

static int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int lo_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;

	if (fd < 0)
		return -errno;
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		ret = -errno;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (!ret && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* rps_cpus takes a hex mask in comma-separated 32-bit groups, most significant first. */
static void cpu_mask(int ncpus, char *buf, size_t len)
{
	int groups = (ncpus + 31) / 32;
	size_t off = 0;

	for (int g = groups - 1; g >= 0 && off < len; g--) {
		int bits = ncpus - g * 32 > 32 ? 32 : ncpus - g * 32;
		unsigned v = bits == 32 ? 0xffffffffu : (1u << bits) - 1;

		off += snprintf(buf + off, len - off, g ? "%08x," : (groups > 1 ? "%08x" : "%x"), v);
	}
}

#define RPS_PATH "/sys/class/net/lo/queues/rx-0/rps_cpus"

static int rps_ncpus; /* CPUs RPS spreads over; 0: not enabled */

int netns_rps(bool on)
{
	char mask[256] = "0";

	if (!rps_ncpus)
		return -ENODEV;
	if (on)
		cpu_mask(rps_ncpus, mask, sizeof(mask));
	return write_str(RPS_PATH, mask);
}

/*
 * /sys shows the devices of the namespace that mounted it: a sysfs of our
 * own, in a mount namespace of our own, is needed to reach our lo.
 */
/*
 * The new sysfs covers what was mounted below /sys: the cgroup
 * hierarchies are put back, so the sides still find their memory cgroup
 * and its limit (measure/memcg.c). Held by an O_PATH descriptor across
 * the sysfs mount and bound back from it.
 */
static int mount_sysfs_keeping_cgroups(void)
{
	int cg = open("/sys/fs/cgroup", O_PATH | O_DIRECTORY | O_CLOEXEC), ret = 0;
	char from[64];

	if (mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		ret = -errno;
	snprintf(from, sizeof(from), "/proc/self/fd/%d", cg);
	if (!ret && cg >= 0 && mount(from, "/sys/fs/cgroup", NULL, MS_BIND | MS_REC, NULL))
		ret = -errno;
	if (cg >= 0)
		close(cg);
	return ret;
}

static int lo_rps(int *ncpus_out)
{
	cpu_set_t set;
	int ncpus = 0, ret;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -errno;
	if ((ret = mount_sysfs_keeping_cgroups()))
		return ret;
	if (!sched_getaffinity(0, sizeof(set), &set))
		ncpus = CPU_COUNT(&set);
	if (ncpus < 2)
		return 0;
	rps_ncpus = ncpus;
	ret = netns_rps(true);
	if (ret) {
		rps_ncpus = 0;
		return ret;
	}
	*ncpus_out = ncpus;
	return 0;
}

#define EHASH_PATH "/proc/sys/net/ipv4/tcp_child_ehash_entries"
#define EHASH_MAX (1u << 24) /* the kernel's cap for a child namespace */

#define EHASH_LOCK "/run/holdconn-ehash.lock"

/*
 * A new namespace takes its established-hash size from its creator's
 * tcp_child_ehash_entries, read once at creation. Set it for just this
 * unshare, then put the old value back, through a descriptor opened
 * before: after unshare, /proc/sys/net names the new namespace's knobs.
 */
static int unshare_sized_locked(uint64_t sockets)
{
	char old[32] = "0", want[32];
	uint32_t buckets = 1024;
	int fd = open(EHASH_PATH, O_RDWR | O_CLOEXEC), n, ret;
	bool sized = false;

	if (fd >= 0 && (n = pread(fd, old, sizeof(old) - 1, 0)) > 0) {
		old[n] = 0;
		while (buckets < sockets && buckets < EHASH_MAX)
			buckets <<= 1;
		snprintf(want, sizeof(want), "%u", buckets);
		sized = pwrite(fd, want, strlen(want), 0) > 0;
	}
	ret = unshare(CLONE_NEWNET | CLONE_NEWNS) ? -errno : 0;
	if (sized && pwrite(fd, old, strlen(old), 0) < 0)
		ret = ret ? ret : -errno;
	if (fd >= 0)
		close(fd);
	return ret;
}

/* Two benches at once would each restore what the other set: serialise the window. */
static int unshare_sized(uint64_t sockets)
{
	int lock = open(EHASH_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600), ret;

	if (lock >= 0 && flock(lock, LOCK_EX)) {
		close(lock);
		lock = -1;
	}
	ret = unshare_sized_locked(sockets);
	if (lock >= 0)
		close(lock); /* releases the lock */
	return ret;
}

int netns_enter(uint64_t sockets, char *why, size_t len, int *rps_cpus)
{
	int ret;

	*rps_cpus = 0;
	why[0] = 0;
	if ((ret = unshare_sized(sockets))) {
		snprintf(why, len, "no private network namespace (%s; needs root)", strerror(-ret));
		return ret;
	}
	ret = lo_up();
	if (ret) {
		snprintf(why, len, "could not bring up lo in the new namespace: %s", strerror(-ret));
		return ret;
	}
	ret = lo_rps(rps_cpus);
	if (ret)
		snprintf(why, len, "loopback RPS not enabled (%s): the connecting CPU does every handshake",
			 strerror(-ret));
	return 0;
}

#define IPV6_LO_DISABLE "/proc/sys/net/ipv6/conf/lo/disable_ipv6"
#define IPV6_NONLOCAL_BIND "/proc/sys/net/ipv6/ip_nonlocal_bind"

/* Appends an attribute to the message at msg (room checked by the caller's buffer size). */
static void add_attr(char *msg, unsigned short type, const void *data, size_t n)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)msg;
	struct rtattr *a = (struct rtattr *)(msg + NLMSG_ALIGN(nh->nlmsg_len));

	a->rta_type = type;
	a->rta_len = RTA_LENGTH(n);
	memcpy(RTA_DATA(a), data, n);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/* Sends one rtnetlink request and reads its acknowledgement: 0 or the kernel's -errno. */
static int rtnl_ack(struct nlmsghdr *nh)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	union {
		struct nlmsghdr nh;
		char buf[512];
	} ans;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), ret = -EPROTO;
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (sendto(fd, nh, nh->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
	} else if ((n = recv(fd, &ans, sizeof(ans), 0)) < 0) {
		ret = -errno;
	} else if (NLMSG_OK(&ans.nh, (size_t)n) && ans.nh.nlmsg_type == NLMSG_ERROR) {
		ret = ((struct nlmsgerr *)NLMSG_DATA(&ans.nh))->error;
	}
	close(fd);
	return ret;
}

/* Every address of prefix/len delivered locally on lo (table local, type local). */
static int lo_local_route6(addr128 prefix, int len)
{
	union {
		struct nlmsghdr nh;
		char buf[NLMSG_SPACE(sizeof(struct rtmsg)) + RTA_SPACE(16) + RTA_SPACE(sizeof(int))];
	} req = { .nh = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)),
			  .nlmsg_type = RTM_NEWROUTE,
			  .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL } };
	struct rtmsg *rt = NLMSG_DATA(&req.nh);
	union sockaddr_inet dst;
	int lo = (int)if_nametoindex("lo");

	if (!lo)
		return -errno;
	*rt = (struct rtmsg){ .rtm_family = AF_INET6, .rtm_dst_len = (unsigned char)len,
			      .rtm_table = RT_TABLE_LOCAL, .rtm_protocol = RTPROT_BOOT,
			      .rtm_scope = RT_SCOPE_HOST, .rtm_type = RTN_LOCAL };
	sockaddr_from(&dst, true, prefix, 0);
	add_attr(req.buf, RTA_DST, &dst.v6.sin6_addr, sizeof(dst.v6.sin6_addr));
	add_attr(req.buf, RTA_OIF, &lo, sizeof(lo));
	return rtnl_ack(&req.nh);
}

static int read_flag(const char *path, bool *on)
{
	char c = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (read(fd, &c, 1) != 1)
		ret = -EIO;
	close(fd);
	*on = c == '1';
	return ret;
}

int netns_ipv6_sources(addr128 prefix, int len, char *why, size_t whylen)
{
	char block[INET6_ADDRSTRLEN];
	bool disabled = false;
	int ret;

	format_addr(true, prefix, block, sizeof(block));
	if (read_flag(IPV6_LO_DISABLE, &disabled)) {
		snprintf(why, whylen, "IPv6 is off in this kernel (no %s; ipv6.disable=1 at boot?)",
			 IPV6_LO_DISABLE);
		return -EAFNOSUPPORT;
	}
	/* Ours to change: a new namespace's lo, gone with it. Turning it on adds ::1. */
	if (disabled && (ret = write_str(IPV6_LO_DISABLE, "0"))) {
		snprintf(why, whylen, "IPv6 is disabled on lo and could not be enabled: %s",
			 strerror(-ret));
		return ret;
	}
	if ((ret = write_str(IPV6_NONLOCAL_BIND, "1"))) {
		snprintf(why, whylen, "could not set net.ipv6.ip_nonlocal_bind in the namespace: %s",
			 strerror(-ret));
		return ret;
	}
	if ((ret = lo_local_route6(prefix, len))) {
		snprintf(why, whylen, "could not route %s/%d to lo: %s", block, len, strerror(-ret));
		return ret;
	}
	return 0;
}
