/*
 * meter.c - samples the kernel's memory accounting from /proc and turns two
 * samples into the cost of what was opened between them.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "measure/meter.h"

#define MEMINFO_PATH "/proc/meminfo"
#define SOCKSTAT_PATH "/proc/net/sockstat"
#define SOCKSTAT6_PATH "/proc/net/sockstat6"
#define SLABINFO_PATH "/proc/slabinfo"
#define NETSTAT_PATH "/proc/net/netstat"
#define TCP_MEM_PATH "/proc/sys/net/ipv4/tcp_mem"
#define STAT_PATH "/proc/stat"
#define SLAB_SYSFS "/sys/kernel/slab"

/* Starting buffer sizes: each file fits in one read on a typical box. */
#define MEMINFO_HINT 4096
#define SOCKSTAT_HINT 1024
#define SLABINFO_HINT (128 * 1024)
#define NETSTAT_HINT 8192
#define TCP_MEM_HINT 128
#define STAT_HINT 8192

/* meter_settle: the step between samples, and the drop over one that counts as still. */
#define SETTLE_STEP_NS 100000000L
#define SETTLE_STILL_BYTES (256 << 10)

/* MemTotal and MemAvailable are the first and third lines of meminfo. */
#define MEMINFO_HEAD 512

/* The longest slabinfo line we look at; only its first four fields matter. */
#define SLAB_LINE_MAX 256

/*
 * Reads fd to EOF into a NUL-terminated heap buffer, growing it when the
 * file outruns the hint. seq_file fills a read as far as the buffer allows,
 * so a big enough buffer gets the whole file in one consistent read.
 */
static int read_fd(int fd, size_t hint, char **out)
{
	size_t cap = hint, len = 0;
	char *buf = malloc(cap), *bigger;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			n = -errno;
			free(buf);
			return (int)n;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len < cap - 1)
			continue;
		bigger = realloc(buf, cap * 2);
		if (!bigger) {
			free(buf);
			return -ENOMEM;
		}
		buf = bigger;
		cap *= 2;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

static int read_path(const char *path, size_t hint, char **out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = read_fd(fd, hint, out);
	close(fd);
	return ret;
}

static const char *next_line(const char *p)
{
	p = strchr(p, '\n');
	return p ? p + 1 : NULL;
}

/* "   24684084 kB" -> bytes. Values without a unit (HugePages_*) stay as is. */
static int parse_kb(const char *p, uint64_t *bytes)
{
	char *end;
	uint64_t v;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	v = strtoull(p, &end, 10);
	if (!strncmp(end, " kB", 3))
		v *= 1024;
	*bytes = v;
	return 0;
}

/* Finds the line "key: value" in meminfo text. */
static int meminfo_value(const char *text, const char *key, uint64_t *bytes)
{
	size_t klen = strlen(key);
	const char *p;

	for (p = text; p && *p; p = next_line(p)) {
		if (!strncmp(p, key, klen) && p[klen] == ':')
			return parse_kb(p + klen + 1, bytes);
	}
	return -EINVAL;
}

int meter_parse_meminfo(const char *text, struct meter_sample *s)
{
	if (meminfo_value(text, "MemTotal", &s->mem_total) ||
	    meminfo_value(text, "MemAvailable", &s->mem_available) ||
	    meminfo_value(text, "Slab", &s->slab_bytes))
		return -EINVAL;
	/* Optional: older kernels or other formats may lack them. */
	if (meminfo_value(text, "KernelStack", &s->kernel_stack))
		s->kernel_stack = 0;
	if (meminfo_value(text, "PageTables", &s->page_tables))
		s->page_tables = 0;
	if (meminfo_value(text, "KReclaimable", &s->reclaimable))
		s->reclaimable = 0;
	return 0;
}

/* The TCP line of /proc/net/sockstat, its fields in the kernel's fixed order. */
#define SOCKSTAT_TCP                                                                               \
	"TCP: inuse %" SCNu64 " orphan %" SCNu64 " tw %" SCNu64 " alloc %" SCNu64 " mem %" SCNu64

int meter_parse_sockstat(const char *text, struct meter_sample *s)
{
	const char *p;

	for (p = text; p && *p; p = next_line(p)) {
		if (strncmp(p, "TCP:", 4))
			continue;
		if (sscanf(p, SOCKSTAT_TCP, &s->tcp_inuse, &s->tcp_orphan, &s->tcp_tw,
			   &s->tcp_alloc, &s->tcp_mem_pages) != 5)
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

int meter_parse_tcp_row(const char *line, unsigned *port, unsigned *state,
			unsigned long *rx_queue)
{
	/* "  0: 0100007F:1F90 00000000:0000 0A 00000000:00000001 ..." */
	if (sscanf(line, " %*s %*[0-9A-Fa-f]:%x %*s %x %*x:%lx", port, state, rx_queue) != 3)
		return -EINVAL;
	return 0;
}

/* IPv6 sockets count only here; their buffer memory is in sockstat's TCP mem with IPv4's. */
int meter_parse_sockstat6(const char *text, struct meter_sample *s)
{
	const char *p;

	for (p = text; p && *p; p = next_line(p)) {
		if (strncmp(p, "TCP6:", 5))
			continue;
		return sscanf(p, "TCP6: inuse %" SCNu64, &s->tcp6_inuse) == 1 ? 0 : -EINVAL;
	}
	return -EINVAL;
}

/*
 * One cache line: "name <active_objs> <num_objs> <objsize> <objperslab>
 * <pagesperslab> ..."; the last two are optional (0 when absent). The line is
 * copied so that sscanf cannot run on into the next one. Names longer than
 * the field are cut; the kernel's names are far shorter in practice.
 */
static int parse_slab_line(const char *p, struct slab_cache *c)
{
	char line[SLAB_LINE_MAX];
	size_t len = strcspn(p, "\n"), nlen;

	if (len >= sizeof(line))
		len = sizeof(line) - 1;
	memcpy(line, p, len);
	line[len] = '\0';

	nlen = strcspn(line, " \t");
	if (nlen == 0)
		return -EINVAL;
	c->objperslab = c->pagesperslab = 0;
	if (sscanf(line + nlen, " %" SCNu64 " %*s %" SCNu64 " %" SCNu64 " %" SCNu64,
		   &c->active_objs, &c->objsize, &c->objperslab, &c->pagesperslab) < 2)
		return -EINVAL;
	if (nlen >= METER_NAME_LEN)
		nlen = METER_NAME_LEN - 1;
	memcpy(c->name, line, nlen);
	c->name[nlen] = '\0';
	return 0;
}

int meter_parse_slabinfo(const char *text, struct meter_sample *s)
{
	const char *p;
	int ret;

	s->ncaches = 0;
	s->have_slabinfo = false;
	/* Only the 2.x layout has active_objs and objsize where we read them. */
	if (strncmp(text, "slabinfo - version: 2.", 22))
		return -EINVAL;
	for (p = next_line(text); p && *p; p = next_line(p)) {
		if (*p == '#' || *p == '\n')
			continue;
		/* Beyond the table's room the rest is dropped: no box comes close. */
		if (s->ncaches == METER_MAX_CACHES)
			break;
		ret = parse_slab_line(p, &s->caches[s->ncaches]);
		if (ret)
			return ret;
		s->ncaches++;
	}
	s->have_slabinfo = true;
	return 0;
}

static int parse_file(const char *path, size_t hint,
		      int (*parse)(const char *, struct meter_sample *), struct meter_sample *s)
{
	char *text;
	int ret = read_path(path, hint, &text);

	if (ret)
		return ret;
	ret = parse(text, s);
	free(text);
	return ret;
}

/* slabinfo is mode 0400: without root we fall back to meminfo's Slab:. */
static int sample_slabinfo(struct meter_sample *s)
{
	int fd = open(SLABINFO_PATH, O_RDONLY | O_CLOEXEC);
	char *text;
	int ret;

	s->ncaches = 0;
	s->have_slabinfo = false;
	if (fd < 0)
		return 0;
	ret = read_fd(fd, SLABINFO_HINT, &text);
	close(fd);
	if (ret)
		return ret;
	ret = meter_parse_slabinfo(text, s);
	free(text);
	return ret;
}

int meter_sample(struct meter_sample *s)
{
	struct timespec ts;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	s->t = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	ret = parse_file(MEMINFO_PATH, MEMINFO_HINT, meter_parse_meminfo, s);
	if (ret)
		return ret;
	ret = parse_file(SOCKSTAT_PATH, SOCKSTAT_HINT, meter_parse_sockstat, s);
	if (ret)
		return ret;
	/* Absent when the kernel runs without IPv6: then there are no IPv6 sockets. */
	if (parse_file(SOCKSTAT6_PATH, SOCKSTAT_HINT, meter_parse_sockstat6, s))
		s->tcp6_inuse = 0;
	return sample_slabinfo(s);
}

uint64_t meter_slab_total(const struct meter_sample *s)
{
	uint64_t t = 0;

	if (!s->have_slabinfo)
		return s->slab_bytes;
	for (int i = 0; i < s->ncaches; i++)
		t += s->caches[i].active_objs * s->caches[i].objsize;
	return t;
}

uint64_t meter_tcp_objects(const struct meter_sample *s)
{
	uint64_t n = 0;

	for (int i = 0; i < s->ncaches; i++)
		if (!strcmp(s->caches[i].name, "TCP") || !strcmp(s->caches[i].name, "TCPv6"))
			n += s->caches[i].active_objs;
	return n;
}

static uint64_t drop(uint64_t before, uint64_t after)
{
	return before > after ? before - after : 0;
}

int meter_settle(struct meter_sample *base, struct meter_residue *r)
{
	const struct timespec step = { 0, SETTLE_STEP_NS };
	struct meter_residue unused;
	uint64_t slab, tcp;
	double deadline;
	int ret = meter_sample(base);

	if (!r)
		r = &unused;
	if (ret)
		return ret;
	deadline = base->t + METER_SETTLE_TIMEOUT_S;
	do {
		slab = meter_slab_total(base);
		tcp = meter_tcp_objects(base);
		nanosleep(&step, NULL);
		ret = meter_sample(base);
		if (ret)
			return ret;
		r->slab_bytes = drop(slab, meter_slab_total(base));
		r->tcp_objs = drop(tcp, meter_tcp_objects(base));
	} while (base->t < deadline && r->slab_bytes > SETTLE_STILL_BYTES);
	return 0;
}

/* Called every few milliseconds during a ramp: no allocation, one read. */
static int read_meminfo(char *buf, size_t len)
{
	ssize_t n;
	int fd = open(MEMINFO_PATH, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	do {
		n = read(fd, buf, len - 1);
	} while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return -EIO;
	buf[n] = '\0';
	return 0;
}

int meter_kreclaimable(uint64_t *out)
{
	char buf[4096];

	*out = 0;
	if (read_meminfo(buf, sizeof(buf)) || meminfo_value(buf, "KReclaimable", out))
		return -EINVAL;
	return 0;
}

int meter_avail_pinned(uint64_t kreclaim_base, uint64_t *available)
{
	char buf[4096];
	uint64_t krec = 0;

	if (read_meminfo(buf, sizeof(buf)) || meminfo_value(buf, "MemAvailable", available))
		return -EINVAL;
	if (!meminfo_value(buf, "KReclaimable", &krec) && krec > kreclaim_base)
		*available = *available > krec - kreclaim_base ? *available - (krec - kreclaim_base) : 0;
	return 0;
}

int meter_meminfo(uint64_t *total, uint64_t *available)
{
	char buf[MEMINFO_HEAD];
	ssize_t n;
	int fd;

	fd = open(MEMINFO_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do {
		n = read(fd, buf, sizeof(buf) - 1);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	buf[n] = '\0';
	if (meminfo_value(buf, "MemTotal", total) || meminfo_value(buf, "MemAvailable", available))
		return -EINVAL;
	return 0;
}

int meter_rss_anon(pid_t pid, uint64_t *bytes)
{
	char path[64], *text;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	ret = read_path(path, MEMINFO_HINT, &text);
	if (ret)
		return ret;
	/* Same "Key:   N kB" lines as meminfo. */
	ret = meminfo_value(text, "RssAnon", bytes);
	free(text);
	return ret;
}

/* The first word of a netstat line ("TcpExt:") is its table's name; the columns follow. */
static const char *first_column(const char *line)
{
	const char *p = line + strcspn(line, " \n");

	while (*p == ' ')
		p++;
	return p;
}

/* The column of word in a netstat header line, or -1. */
static int column_of(const char *head, const char *word)
{
	size_t wlen = strlen(word), len;
	const char *p = first_column(head);

	for (int col = 0; *p && *p != '\n'; col++) {
		len = strcspn(p, " \n");
		if (len == wlen && !strncmp(p, word, len))
			return col;
		p += len;
		while (*p == ' ')
			p++;
	}
	return -1;
}

/* The number in column col of a netstat value line. */
static int value_at(const char *line, int col, uint64_t *v)
{
	const char *p = first_column(line);

	for (int i = 0; i < col; i++) {
		p += strcspn(p, " \n");
		while (*p == ' ')
			p++;
	}
	if (*p < '0' || *p > '9')
		return -EINVAL;
	*v = strtoull(p, NULL, 10);
	return 0;
}

/*
 * /proc/net/netstat is pairs of lines, a header naming the columns and a
 * line of values, both starting with the table's name: "TcpExt: A B\n
 * TcpExt: 1 2\n". Columns differ between kernels, so look the name up.
 */
int meter_parse_netstat_pressures(const char *text, uint64_t *count)
{
	const char *head, *values;
	int col;

	for (head = text; head && *head; head = next_line(head)) {
		if (!strncmp(head, "TcpExt:", 7))
			break;
	}
	if (!head || !*head)
		return -EINVAL;
	values = next_line(head);
	if (!values || strncmp(values, "TcpExt:", 7))
		return -EINVAL;
	col = column_of(head, "TCPMemoryPressures");
	if (col < 0)
		return -EINVAL;
	return value_at(values, col, count);
}

int meter_tcp_pressures(uint64_t *count)
{
	char *text;
	int ret = read_path(NETSTAT_PATH, NETSTAT_HINT, &text);

	if (ret)
		return ret;
	ret = meter_parse_netstat_pressures(text, count);
	free(text);
	return ret;
}

int meter_parse_tcp_mem(const char *text, uint64_t lim[3])
{
	if (sscanf(text, "%" SCNu64 " %" SCNu64 " %" SCNu64, &lim[0], &lim[1], &lim[2]) != 3)
		return -EINVAL;
	return 0;
}

int meter_tcp_mem(uint64_t lim[3])
{
	char *text;
	int ret = read_path(TCP_MEM_PATH, TCP_MEM_HINT, &text);

	if (ret)
		return ret;
	ret = meter_parse_tcp_mem(text, lim);
	free(text);
	return ret;
}

/*
 * The "cpu " line of /proc/stat: the box's time in USER_HZ ticks, summed
 * over CPUs: user nice system idle iowait irq softirq steal ... The
 * per-CPU "cpuN" lines that follow are counted for ncpus.
 */
int meter_parse_stat(const char *text, long ticks_per_s, struct cpu_times *c)
{
	uint64_t v[8] = { 0 };
	const char *p;
	char *end;
	int i;

	if (strncmp(text, "cpu ", 4) || ticks_per_s <= 0)
		return -EINVAL;
	p = text + 4;
	for (i = 0; i < 8; i++) {
		while (*p == ' ')
			p++;
		if (*p < '0' || *p > '9')
			break;
		v[i] = strtoull(p, &end, 10);
		p = end;
	}
	if (i < 7) /* softirq is the seventh field (2.6.0 on) */
		return -EINVAL;
	*c = (struct cpu_times){ 0 };
	for (i = 0; i < 8; i++)
		c->total_us += v[i] * 1000000 / ticks_per_s;
	c->user_us = (v[0] + v[1]) * 1000000 / ticks_per_s;
	c->system_us = v[2] * 1000000 / ticks_per_s;
	c->softirq_us = v[6] * 1000000 / ticks_per_s;
	for (p = next_line(text); p && !strncmp(p, "cpu", 3); p = next_line(p))
		c->ncpus += p[3] >= '0' && p[3] <= '9';
	return c->ncpus ? 0 : -EINVAL;
}

int meter_cpu_times(struct cpu_times *c)
{
	char *text;
	int ret = read_path(STAT_PATH, STAT_HINT, &text);

	if (ret)
		return ret;
	ret = meter_parse_stat(text, sysconf(_SC_CLK_TCK), c);
	free(text);
	return ret;
}

static uint64_t magnitude(int64_t v)
{
	return v < 0 ? -(uint64_t)v : (uint64_t)v;
}

/* Keeps d->caches sorted by |bytes|, largest first; equal ones keep arrival order. */
static void top_insert(struct meter_delta *d, const struct cache_delta *c)
{
	int i = d->ncaches;

	if (c->bytes == 0)
		return;
	if (i == METER_TOP_CACHES) {
		if (magnitude(c->bytes) <= magnitude(d->caches[i - 1].bytes))
			return;
		i--;
	} else {
		d->ncaches++;
	}
	while (i > 0 && magnitude(d->caches[i - 1].bytes) < magnitude(c->bytes)) {
		d->caches[i] = d->caches[i - 1];
		i--;
	}
	d->caches[i] = *c;
}

/* Caches keep their order between reads of slabinfo, so try the same index first. */
static int find_cache(const struct meter_sample *s, const char *name, int hint)
{
	int i;

	if (hint < s->ncaches && !strcmp(s->caches[hint].name, name))
		return hint;
	for (i = 0; i < s->ncaches; i++) {
		if (!strcmp(s->caches[i].name, name))
			return i;
	}
	return -1;
}

static uint64_t cache_bytes(const struct slab_cache *c)
{
	return c->active_objs * c->objsize;
}

/*
 * now - base as a signed delta. Done in uint64_t: garbage in /proc text
 * (or a fuzzer) then wraps instead of overflowing a signed type, which is
 * undefined behaviour.
 */
static int64_t delta64(uint64_t now, uint64_t base)
{
	return (int64_t)(now - base);
}

static void add_delta(struct meter_delta *d, const char *name, int64_t objs, int64_t bytes)
{
	struct cache_delta c;

	snprintf(c.name, sizeof(c.name), "%s", name);
	c.objs = objs;
	c.bytes = bytes;
	d->kernel_bytes = (int64_t)((uint64_t)d->kernel_bytes + (uint64_t)bytes); /* wraps: see delta64 */
	top_insert(d, &c);
}

static void diff_slabinfo(const struct meter_sample *base, const struct meter_sample *now,
			  struct meter_delta *d)
{
	bool matched[METER_MAX_CACHES] = {false};
	const struct slab_cache *n, *b;
	int i, j;

	for (i = 0; i < now->ncaches; i++) {
		n = &now->caches[i];
		j = find_cache(base, n->name, i);
		if (j < 0) {
			/* Created since the baseline: it grew from nothing. */
			add_delta(d, n->name, delta64(n->active_objs, 0), delta64(cache_bytes(n), 0));
			continue;
		}
		matched[j] = true;
		b = &base->caches[j];
		add_delta(d, n->name, delta64(n->active_objs, b->active_objs),
			  delta64(cache_bytes(n), cache_bytes(b)));
	}
	/* Destroyed since the baseline: everything it held was freed. */
	for (j = 0; j < base->ncaches; j++) {
		b = &base->caches[j];
		if (!matched[j])
			add_delta(d, b->name, delta64(0, b->active_objs), delta64(0, cache_bytes(b)));
	}
}

void meter_diff(const struct meter_sample *base, const struct meter_sample *now,
		struct meter_delta *d)
{
	memset(d, 0, sizeof(*d));
	/* sockstat's TCP mem counts pages charged to TCP sockets' buffers. */
	d->buffer_bytes = delta64((now->tcp_mem_pages - base->tcp_mem_pages) *
				  (uint64_t)sysconf(_SC_PAGESIZE), 0);
	if (base->have_slabinfo && now->have_slabinfo) {
		d->from_slabinfo = true;
		diff_slabinfo(base, now, d);
	} else {
		d->kernel_bytes = (int64_t)(now->slab_bytes - base->slab_bytes);
	}
	/* Thread stacks and page tables are kernel memory too, but not slab. */
	if (now->kernel_stack != base->kernel_stack)
		add_delta(d, "KernelStack", 0, delta64(now->kernel_stack, base->kernel_stack));
	if (now->page_tables != base->page_tables)
		add_delta(d, "PageTables", 0, delta64(now->page_tables, base->page_tables));
}

/* The merged group a cache belongs to: its /sys/kernel/slab symlink's target ("" when none). */
static void slab_target(const char *cache, char *out, size_t len)
{
	char path[128];
	ssize_t n;

	snprintf(path, sizeof(path), SLAB_SYSFS "/%s", cache);
	n = readlink(path, out, len - 1);
	out[n > 0 ? n : 0] = '\0';
}

void meter_slab_aliases(const struct meter_sample *s, const char *const names[], int n,
			struct slab_aliases *out)
{
	static char targets[METER_MAX_CACHES][64]; /* each line's group, read once a call */
	char want[64];
	bool read = false;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < n && out->n < METER_MAX_ALIASES; i++) {
		/* Listed under its own name: nothing to resolve. */
		if (find_cache(s, names[i], 0) >= 0)
			continue;
		slab_target(names[i], want, sizeof(want));
		if (!want[0])
			continue;
		for (int j = 0; !read && j < s->ncaches; j++)
			slab_target(s->caches[j].name, targets[j], sizeof(targets[j]));
		read = true;
		for (int j = 0; j < s->ncaches; j++) {
			if (strcmp(targets[j], want))
				continue;
			snprintf(out->a[out->n].cache, METER_NAME_LEN, "%s", names[i]);
			snprintf(out->a[out->n].line, METER_NAME_LEN, "%s", s->caches[j].name);
			out->n++;
			break;
		}
	}
}

const char *meter_slab_line(const struct slab_aliases *a, const char *cache)
{
	for (int i = 0; a && i < a->n; i++)
		if (!strcmp(a->a[i].cache, cache))
			return a->a[i].line;
	return cache;
}

double per_unit(int64_t bytes, uint64_t n)
{
	if (n == 0)
		return 0;
	return (double)bytes / (double)n;
}

#define GIB (1ULL << 30)

uint64_t meter_default_reserve(uint64_t mem_total)
{
	uint64_t twentieth = mem_total / 20;

	return twentieth > GIB ? twentieth : GIB;
}
