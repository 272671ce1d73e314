/* netns.c - bench's private network namespace (see netns.h). */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>
#include "netns.h"

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

/*
 * /sys shows the devices of the namespace that mounted it: a sysfs of our
 * own, in a mount namespace of our own, is needed to reach our lo.
 */
static int lo_rps(int *ncpus_out)
{
	cpu_set_t set;
	char mask[256];
	int fd, n, ncpus = 0;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		return -errno;
	if (!sched_getaffinity(0, sizeof(set), &set))
		ncpus = CPU_COUNT(&set);
	if (ncpus < 2)
		return 0;
	cpu_mask(ncpus, mask, sizeof(mask));
	fd = open("/sys/class/net/lo/queues/rx-0/rps_cpus", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, mask, strlen(mask));
	close(fd);
	if (n < 0)
		return -errno;
	*ncpus_out = ncpus;
	return 0;
}

int netns_enter(char *why, size_t len, int *rps_cpus)
{
	int ret;

	*rps_cpus = 0;
	if (unshare(CLONE_NEWNET | CLONE_NEWNS)) {
		ret = -errno;
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
