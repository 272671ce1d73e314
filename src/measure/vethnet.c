/* vethnet.c - bench's closed namespaces joined by veth (see vethnet.h). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "base/addr.h"
#include "measure/vethnet.h"

#define BRIDGE "hcbr"
#define ULA_PREFIX "fd48:6f6c:6463" /* "Hold" "c": a /48 of our own */
#define PREFIX_LEN "/15"
#define BRIDGE_MAC "02:68:63:00:00:01" /* locally administered */

/*
 * Runs ip(8) with argv, in the network namespace of pid (0: ours), and
 * waits for it. 0, or -EIO with its command line in why.
 */
static int run_ip(pid_t pid, char *const argv[], char *why, size_t len)
{
	char path[64];
	int status, ns = -1;
	pid_t child;

	if (pid) {
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
		ns = open(path, O_RDONLY | O_CLOEXEC);
		if (ns < 0)
			return -errno;
	}
	child = fork();
	if (child == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		if (devnull >= 0)
			dup2(devnull, STDOUT_FILENO);
		if (ns >= 0 && setns(ns, CLONE_NEWNET))
			_exit(126);
		execvp("ip", argv);
		_exit(127);
	}
	if (ns >= 0)
		close(ns);
	if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		size_t off = snprintf(why, len, "could not run:");

		for (int i = 0; argv[i] && off < len; i++)
			off += snprintf(why + off, len - off, " %s", argv[i]);
		return -EIO;
	}
	return 0;
}

#define IP(...) run_ip(pid, (char *[]){ "ip", __VA_ARGS__, NULL }, why, len)

int vethnet_hub(char *why, size_t len)
{
	const pid_t pid = 0;
	char v4[32];
	int ret;

	snprintf(v4, sizeof(v4), "%u.%u.%u.%u" PREFIX_LEN, VETHNET_HUB_ADDR >> 24,
		 VETHNET_HUB_ADDR >> 16 & 255, VETHNET_HUB_ADDR >> 8 & 255, VETHNET_HUB_ADDR & 255);
	/*
	 * A bridge takes the lowest MAC of its ports unless given one: it would
	 * change as clients join, and a client that learned the old one by ARP
	 * would send into the void until its neighbour entry expired.
	 */
	if ((ret = IP("link", "add", BRIDGE, "address", BRIDGE_MAC, "type", "bridge")) ||
	    (ret = IP("addr", "add", v4, "dev", BRIDGE)) ||
	    (ret = IP("-6", "addr", "add", ULA_PREFIX "::1/64", "dev", BRIDGE, "nodad")) ||
	    (ret = IP("link", "set", BRIDGE, "up")))
		return ret;
	return 0;
}

static void dotted(uint32_t a, const char *suffix, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u%s", a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255, suffix);
}

int vethnet_join(pid_t child, int index, uint32_t first, uint32_t naddrs, char *why, size_t len)
{
	char here[16], pidstr[16], addr[40], v6[64];
	pid_t pid = 0;
	int ret;

	snprintf(here, sizeof(here), "hc%d", index);
	snprintf(pidstr, sizeof(pidstr), "%d", (int)child);
	if ((ret = IP("link", "add", here, "type", "veth", "peer", "name", "eth0", "netns", pidstr)) ||
	    (ret = IP("link", "set", here, "master", BRIDGE)) || (ret = IP("link", "set", here, "up")))
		return ret;
	pid = child;
	if ((ret = IP("link", "set", "lo", "up")) || (ret = IP("link", "set", "eth0", "up")))
		return ret;
	for (uint32_t i = 0; i < naddrs; i++) {
		dotted(first + i, PREFIX_LEN, addr, sizeof(addr));
		if ((ret = IP("addr", "add", addr, "dev", "eth0")))
			return ret;
	}
	snprintf(v6, sizeof(v6), ULA_PREFIX "::%x:1/64", index + 2);
	return IP("-6", "addr", "add", v6, "dev", "eth0", "nodad");
}
