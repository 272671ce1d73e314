/*
 * memcg.c - a process's memory cgroup, v1 or v2 (see memcg.h).
 *
 * File names and meanings, from the kernel's documentation:
 *  v1 (Documentation/admin-guide/cgroup-v1/memory.rst): memory.limit_in_bytes
 *     (~2^63 when unset), memory.usage_in_bytes, memory.kmem.usage_in_bytes,
 *     memory.oom_control ("oom_kill N": processes of this cgroup killed).
 *  v2 (Documentation/admin-guide/cgroup-v2.rst): memory.max ("max" when
 *     unset) and memory.current, both only on non-root cgroups;
 *     memory.stat "kernel" (slab, stacks, page tables, percpu, vmalloc);
 *     memory.events "oom_kill" (processes of this cgroup or below killed).
 * v1 is what this box has; v2 is parsed the same way and tested on fixtures.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "measure/memcg.h"

#define V1_NO_LIMIT (1ull << 62) /* v1 shows "no limit" as PAGE_COUNTER_MAX pages: ~2^63 */
#define SMALL_FILE 128
#define BIG_FILE 16384            /* memory.stat, /proc/PID/cgroup, mountinfo fit (or are cut) */
#define MIB (1ull << 20)

struct files {
	const char *limit, *usage, *kernel, *kernel_key, *events;
};

static const struct files v1_files = {
	"memory.limit_in_bytes", "memory.usage_in_bytes", "memory.kmem.usage_in_bytes", NULL,
	"memory.oom_control",
};
static const struct files v2_files = {
	"memory.max", "memory.current", "memory.stat", "kernel", "memory.events",
};

static const struct files *files_of(const struct memcg *cg)
{
	return cg->version == 1 ? &v1_files : &v2_files;
}

/* Reads a whole (small) file into buf, NUL-terminated. Its length or -errno. */
static ssize_t read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t n = 0;

	if (fd < 0)
		return -errno;
	while (got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = 0;
	return n < 0 ? -EIO : (ssize_t)got;
}

static ssize_t read_in(const char *dir, const char *file, char *buf, size_t len)
{
	char path[MEMCG_PATH + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return read_text(path, buf, len);
}

int memcg_parse_limit(const char *text, uint64_t *bytes)
{
	char *end;
	unsigned long long v;

	if (!strncmp(text, "max", 3) && (!text[3] || text[3] == '\n')) {
		*bytes = 0;
		return 0;
	}
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || end == text || (*end && *end != '\n'))
		return -EINVAL;
	*bytes = v >= V1_NO_LIMIT ? 0 : v;
	return 0;
}

int memcg_parse_key(const char *text, const char *key, uint64_t *value)
{
	size_t n = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, key, n) && p[n] == ' ') {
			*value = strtoull(p + n + 1, NULL, 10);
			return 0;
		}
	return -ENOENT;
}

/* Does the comma-separated list hold word? */
static bool in_list(const char *list, size_t len, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; p < list + len;) {
		const char *comma = memchr(p, ',', list + len - p);
		size_t w = comma ? (size_t)(comma - p) : (size_t)(list + len - p);

		if (w == n && !strncmp(p, word, n))
			return true;
		if (!comma)
			break;
		p = comma + 1;
	}
	return false;
}

/* Copies the NUL- or newline-ended field at p into out. */
static void copy_field(const char *p, size_t n, char *out, size_t len)
{
	snprintf(out, len, "%.*s", (int)n, p);
}

/* Lines "ID:CONTROLLERS:PATH"; v2's is "0::PATH". */
int memcg_parse_proc_cgroup(const char *text, int version, char *path, size_t len)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		const char *eol = strchr(p, '\n'), *c1 = strchr(p, ':'), *c2;

		eol = eol ? eol : p + strlen(p);
		if (!c1 || c1 > eol || !(c2 = memchr(c1 + 1, ':', eol - c1 - 1)))
			continue;
		if (version == 1 ? in_list(c1 + 1, c2 - c1 - 1, "memory")
				 : c1 - p == 1 && *p == '0' && c2 == c1 + 1) {
			copy_field(c2 + 1, eol - c2 - 1, path, len);
			return 0;
		}
	}
	return -ENOENT;
}

/* The n-th space-separated field of a mountinfo line (0-based), its length in *flen. */
static const char *field(const char *line, const char *eol, int n, size_t *flen)
{
	const char *p = line;

	for (int i = 0; i < n && p && p < eol; i++) {
		p = memchr(p, ' ', eol - p);
		p = p ? p + 1 : NULL;
	}
	if (!p || p >= eol)
		return NULL;
	*flen = (const char *)(memchr(p, ' ', eol - p) ?: eol) - p;
	return p;
}

/*
 * "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE
 * SUPEROPTIONS": v1's memory hierarchy has fstype cgroup and "memory"
 * among its super options; v2's has fstype cgroup2.
 */
int memcg_parse_mountinfo(const char *text, int version, char *mnt, size_t mlen, char *root,
			  size_t rlen)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		const char *eol = strchr(p, '\n') ?: p + strlen(p), *dash = strstr(p, " - ");
		const char *fs, *opts, *r, *m;
		size_t fl, ol, rl, ml;

		if (!dash || dash > eol || !(r = field(p, eol, 3, &rl)) || !(m = field(p, eol, 4, &ml)))
			continue;
		if (!(fs = field(dash + 3, eol, 0, &fl)) || !(opts = field(dash + 3, eol, 2, &ol)))
			continue;
		if (version == 1 ? fl == 6 && !strncmp(fs, "cgroup", 6) && in_list(opts, ol, "memory")
				 : fl == 7 && !strncmp(fs, "cgroup2", 7)) {
			copy_field(m, ml, mnt, mlen);
			copy_field(r, rl, root, rlen);
			return 0;
		}
	}
	return -ENOENT;
}

/* The directory of cgroup path under a mount of the hierarchy whose root is root. */
static int join(const char *mnt, const char *root, const char *path, char *dir, size_t len)
{
	size_t n = strlen(root);

	/* A mount of a subtree (root "/docker/ID") shows the paths below it. */
	if (strcmp(root, "/") && !strncmp(path, root, n) && (path[n] == '/' || !path[n]))
		path += n;
	if (!strcmp(path, "/"))
		path = "";
	return snprintf(dir, len, "%s%s", mnt, path) >= (int)len ? -ENAMETOOLONG : 0;
}

/* Finds pid's cgroup of the given version: 0 when its memory files are there. */
static int find(int version, const char *cgroups, const char *mounts, struct memcg *cg)
{
	char path[MEMCG_PATH], mnt[MEMCG_PATH], root[MEMCG_PATH], probe[MEMCG_PATH + 32];
	int ret;

	if ((ret = memcg_parse_proc_cgroup(cgroups, version, path, sizeof(path))) ||
	    (ret = memcg_parse_mountinfo(mounts, version, mnt, sizeof(mnt), root, sizeof(root))) ||
	    (ret = join(mnt, root, path, cg->dir, sizeof(cg->dir))))
		return ret;
	cg->version = version;
	/* v2 without the memory controller enabled for this cgroup has no memory.current. */
	snprintf(probe, sizeof(probe), "%s/%s", cg->dir, version == 1 ? "memory.usage_in_bytes"
								      : "memory.current");
	return access(probe, R_OK) ? -ENOENT : 0;
}

/* The levels from cg->dir up to the hierarchy's root that set a limit. */
static void find_limits(struct memcg *cg, size_t root_len)
{
	char dir[MEMCG_PATH], buf[SMALL_FILE];
	uint64_t limit;

	snprintf(dir, sizeof(dir), "%s", cg->dir);
	cg->nlevels = 0;
	for (;;) {
		char *slash = strrchr(dir, '/');

		if (read_in(dir, files_of(cg)->limit, buf, sizeof(buf)) > 0 &&
		    !memcg_parse_limit(buf, &limit) && limit && cg->nlevels < MEMCG_LEVELS) {
			snprintf(cg->level[cg->nlevels].dir, MEMCG_PATH, "%s", dir);
			cg->level[cg->nlevels++].limit = limit;
		}
		if (strlen(dir) <= root_len || !slash)
			break;
		*slash = 0;
	}
}

int memcg_open_from(const char *cgroups, const char *mounts, struct memcg *cg)
{
	char mnt[MEMCG_PATH], root[MEMCG_PATH];
	int ret;

	memset(cg, 0, sizeof(*cg));
	/* A v1 memory hierarchy takes the controller: v2 then has none. */
	ret = find(1, cgroups, mounts, cg);
	if (ret) {
		memset(cg, 0, sizeof(*cg));
		ret = find(2, cgroups, mounts, cg);
	}
	if (ret) {
		memset(cg, 0, sizeof(*cg));
		return ret;
	}
	memcg_parse_mountinfo(mounts, cg->version, mnt, sizeof(mnt), root, sizeof(root));
	find_limits(cg, strlen(mnt));
	return 0;
}

int memcg_open(pid_t pid, struct memcg *cg)
{
	char *cgroups = malloc(BIG_FILE), *mounts = malloc(BIG_FILE * 4);
	char path[64];
	int ret = -ENOMEM;

	memset(cg, 0, sizeof(*cg));
	if (!cgroups || !mounts)
		goto out;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid ? (int)pid : (int)getpid());
	if ((ret = (int)read_text(path, cgroups, BIG_FILE)) >= 0 &&
	    (ret = (int)read_text("/proc/self/mountinfo", mounts, BIG_FILE * 4)) >= 0)
		ret = memcg_open_from(cgroups, mounts, cg);
out:
	free(cgroups);
	free(mounts);
	return ret;
}

static int usage_of(const struct memcg *cg, const char *dir, uint64_t *usage)
{
	char buf[SMALL_FILE];
	ssize_t n = read_in(dir, files_of(cg)->usage, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	*usage = strtoull(buf, NULL, 10);
	return 0;
}

/* The level with the least room: its index, or -1 when none sets a limit. */
static int tightest(const struct memcg *cg, uint64_t *headroom, uint64_t *usage)
{
	int best = -1;

	*headroom = MEMCG_NONE;
	*usage = 0;
	for (int i = 0; i < cg->nlevels; i++) {
		uint64_t u = 0, room;

		if (usage_of(cg, cg->level[i].dir, &u))
			continue;
		room = cg->level[i].limit > u ? cg->level[i].limit - u : 0;
		if (room < *headroom) {
			*headroom = room;
			*usage = u;
			best = i;
		}
	}
	return best;
}

int memcg_headroom(const struct memcg *cg, uint64_t *headroom)
{
	uint64_t usage;

	if (!cg->version)
		return -ENOENT;
	tightest(cg, headroom, &usage);
	return 0;
}

int memcg_read(const struct memcg *cg, struct memcg_usage *u)
{
	const struct files *f = files_of(cg);
	char *buf;
	int i;

	memset(u, 0, sizeof(*u));
	u->headroom = MEMCG_NONE;
	if (!cg->version)
		return -ENOENT;
	buf = malloc(BIG_FILE);
	if (!buf)
		return -ENOMEM;
	i = tightest(cg, &u->headroom, &u->usage);
	if (i >= 0) {
		u->limit = cg->level[i].limit;
		snprintf(u->file, sizeof(u->file), "%s/%s", cg->level[i].dir, f->limit);
	} else {
		usage_of(cg, cg->dir, &u->usage);
	}
	if (read_in(cg->dir, f->kernel, buf, BIG_FILE) > 0) {
		if (f->kernel_key)
			memcg_parse_key(buf, f->kernel_key, &u->kernel);
		else
			u->kernel = strtoull(buf, NULL, 10);
	}
	if (read_in(cg->dir, f->events, buf, BIG_FILE) > 0)
		memcg_parse_key(buf, "oom_kill", &u->oom_kills);
	free(buf);
	return 0;
}

uint64_t memcg_default_reserve(uint64_t limit)
{
	uint64_t twentieth = limit / 20;

	return twentieth > 32 * MIB ? twentieth : 32 * MIB;
}

const char *memcg_version_name(const struct memcg *cg)
{
	return cg->version == 1 ? "v1" : cg->version == 2 ? "v2" : "none";
}
