/* explain.c - one line per stop reason: the resource, its value, the fix. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include "hold/ringset.h"
#include "measure/limits.h"
#include "measure/memcg.h"
#include "measure/meter.h"
#include "measure/sysinfo.h"
#include "run/explain.h"

#define GIB (1024.0 * 1024 * 1024)
#define MEMCG_NEAR (64ull << 20) /* usage this close to the cgroup's limit: the cgroup stopped it */

static void rlimit_text(uint64_t v, char *buf, size_t len)
{
	if (v == RLIM_INFINITY)
		snprintf(buf, len, "unlimited");
	else if (v >= (1 << 20) && !(v % (1 << 20)))
		snprintf(buf, len, "%" PRIu64 " MiB", v >> 20);
	else if (v >= 1024 && !(v % 1024))
		snprintf(buf, len, "%" PRIu64 " KiB", v >> 10);
	else
		snprintf(buf, len, "%" PRIu64 " B", v);
}

bool explain_memlock(char *buf, size_t len)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

	getrlimit(RLIMIT_MEMLOCK, &rl);
	rlimit_text(rl.rlim_cur, buf, len);
	return ringset_memlock_charged();
}

static void explain_memlock_stop(char *buf, size_t len)
{
	char v[32];

	explain_memlock(v, sizeof(v));
	snprintf(buf, len,
		 "RLIMIT_MEMLOCK (%s) is used up: without CAP_IPC_LOCK the kernel charges every "
		 "io_uring ring's queues to it, per user across all its processes; raise it "
		 "(ulimit -l, memlock in /etc/security/limits.conf, LimitMEMLOCK=) or grant CAP_IPC_LOCK",
		 v);
}

static void explain_nofile(bool uring, char *buf, size_t len)
{
	struct rlimit rl = { 0, 0 };

	getrlimit(RLIMIT_NOFILE, &rl);
	if (uring)
		snprintf(buf, len,
			 "RLIMIT_NOFILE (soft %" PRIu64 ", hard %" PRIu64 "): every ring is a descriptor and "
			 "its table has that many slots; raise the hard limit (LimitNOFILE=, nofile in "
			 "/etc/security/limits.conf)", (uint64_t)rl.rlim_cur, (uint64_t)rl.rlim_max);
	else
		snprintf(buf, len,
			 "RLIMIT_NOFILE (soft %" PRIu64 ", hard %" PRIu64 "): one descriptor per connection "
			 "in this mode; raise the hard limit (LimitNOFILE=, nofile in "
			 "/etc/security/limits.conf) or use --mode uring",
			 (uint64_t)rl.rlim_cur, (uint64_t)rl.rlim_max);
}

static void explain_enomem(int err, char *buf, size_t len)
{
	uint64_t limit = 0, usage = 0, total = 0, avail = 0;
	char file[200] = "";

	limits_memcg(&limit, &usage, file, sizeof(file));
	if (limit && usage + MEMCG_NEAR >= limit) {
		snprintf(buf, len, "the memory cgroup's limit (%.2f GiB, %s) is reached: raise it "
			 "(echo BYTES > %s), or run outside the cgroup", limit / GIB, file, file);
		return;
	}
	meter_meminfo(&total, &avail);
	snprintf(buf, len, "the kernel refused memory (%s) with MemAvailable %.2f GiB: not RAM; "
		 "holdconn limits shows the other memory limits (net.ipv4.tcp_mem, the memory cgroup)",
		 err == ENOBUFS ? "ENOBUFS" : "ENOMEM", avail / GIB);
}

void explain_cgroup(const struct memcg *cg, const struct memcg_usage *u, char *buf, size_t len)
{
	struct memcg now_cg;
	struct memcg_usage now;

	/* No reading of it as the ramp stopped: this process's (bench's sides share it), now. */
	if (!u || !u->limit) {
		cg = &now_cg;
		u = !memcg_open(0, &now_cg) && !memcg_read(&now_cg, &now) ? &now : NULL;
	}
	if (!u || !u->limit) {
		snprintf(buf, len, "the memory cgroup's limit is near: raise it, or --reserve BYTES "
			 "(smaller) goes closer to it");
		return;
	}
	snprintf(buf, len, "the memory cgroup's limit (%.2f GiB, %s, %s) is near: %.2f GiB used, "
		 "%.0f MiB left; raise it (echo BYTES > %s) or --reserve BYTES (smaller) goes closer",
		 u->limit / GIB, u->file, memcg_version_name(cg), u->usage / GIB,
		 u->headroom / (1024.0 * 1024), u->file);
}

void explain_stop(enum stop_reason r, int err, bool uring, char *buf, size_t len)
{
	uint64_t v = 0;

	buf[0] = 0;
	switch (r) {
	case STOP_MEMLOCK:
		explain_memlock_stop(buf, len);
		break;
	case STOP_EMFILE:
		explain_nofile(uring, buf, len);
		break;
	case STOP_ENFILE:
		sysinfo_read_u64s("/proc/sys/fs/file-max", &v, 1);
		snprintf(buf, len, "fs.file-max (%" PRIu64 ") is nearly reached: past it no process "
			 "without CAP_SYS_ADMIN can open a file, so the ramp stops %d short; raise it "
			 "as root (sysctl -w fs.file-max=%" PRIu64 ")", v, SYSINFO_FILE_RESERVE, 2 * v);
		break;
	case STOP_EADDRNOTAVAIL:
		snprintf(buf, len, "4-tuples are used up: add --source addresses, widen --sport, "
			 "or add --target ports");
		break;
	case STOP_ENOMEM:
		explain_enomem(err, buf, len);
		break;
	case STOP_CGROUP:
		explain_cgroup(NULL, NULL, buf, len);
		break;
	case STOP_RESERVE:
		snprintf(buf, len, "MemAvailable would fall below the reserve: memory is the "
			 "ceiling here; --reserve BYTES (smaller) goes closer to it");
		break;
	case STOP_BACKLOG:
		snprintf(buf, len, "connects time out: the listen queue overflows; raise "
			 "net.core.somaxconn and --backlog, or lower --rate");
		break;
	case STOP_THREADS:
		snprintf(buf, len, "no more threads: kernel.threads-max, RLIMIT_NPROC (ulimit -u) or "
			 "kernel.pid_max; holdconn limits shows which");
		break;
	case STOP_REFUSED:
		snprintf(buf, len, "the target refused or is unreachable (%s): is it listening?",
			 strerror(err));
		break;
	case STOP_PEER:
		snprintf(buf, len, "the other side went away");
		break;
	case STOP_ERROR:
		snprintf(buf, len, "unexpected error: %s (errno %d)", strerror(err), err);
		break;
	default:
		break;
	}
}
