/* common.c - option callbacks and checks several commands share (see common.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include "base/units.h"
#include "cmd/common.h"
#include "run/bench.h"
#include "run/extserver.h"

#define PORT_MAX 65535
#define DURATION_MAX_US 86400000000ull /* --every, --hold: 24 h */
#define SWEEP_INTERVAL_MAX_US 3600000000ull

/* --- diagnosis: what exactly is wrong with a rejected address or port --- */

/* The value of an all-digit port, capped at PORT_MAX + 1; -1 when not a number. */
static long port_value(const char *s, size_t n)
{
	long v = 0;
	size_t i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
		if (v > PORT_MAX)
			v = PORT_MAX + 1;
	}
	return v;
}

static bool port_in_range(long v)
{
	return v >= 1 && v <= PORT_MAX;
}

/* Explains a rejected "PORT[-PORT]" in why; false when it is plain junk. */
static bool port_problem(const char *ports, char *why, size_t len)
{
	const char *dash = strchr(ports, '-');
	int nlo = dash ? (int)(dash - ports) : (int)strlen(ports);
	const char *hi_text = dash ? dash + 1 : ports;
	long lo = port_value(ports, nlo);
	long hi = dash ? port_value(hi_text, strlen(hi_text)) : lo;

	if (lo < 0 || hi < 0)
		return false;
	if (!port_in_range(lo))
		snprintf(why, len, "has port %.*s (ports are 1-65535)", nlo, ports);
	else if (!port_in_range(hi))
		snprintf(why, len, "has port %s (ports are 1-65535)", hi_text);
	else if (lo > hi)
		snprintf(why, len, "has its ports reversed (write LO-HI: %ld-%ld)", hi, lo);
	else
		return false;
	return true;
}

/* s[0..n) is one address of either family ("[::1]" too), not a range or block. */
static bool one_addr(const char *s, size_t n, struct addr_range *out)
{
	char buf[64];

	if (n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return !strpbrk(buf, "-/") && parse_addr_range(buf, out) == 0;
}

static bool addr_range_reversed(const char *s)
{
	const char *dash = strchr(s, '-');
	struct addr_range lo, hi;

	return dash && one_addr(s, dash - s, &lo) &&
	       one_addr(dash + 1, strlen(dash + 1), &hi) && lo.v6 == hi.v6 && lo.first > hi.first;
}

/* Where ":PORT" starts: after "]" for IPv6 in brackets, else at the first colon. */
static const char *port_colon(const char *arg)
{
	const char *close = arg[0] == '[' ? strchr(arg, ']') : NULL;

	if (arg[0] != '[')
		return strchr(arg, ':');
	return close && close[1] == ':' ? close + 1 : NULL;
}

/* --- one function per kind of option value --- */

static bool endpoints_overlap(const struct endpoint_range *a, const struct endpoint_range *b)
{
	return a->v6 == b->v6 && a->addr == b->addr && a->ports.first <= b->ports.last &&
	       b->ports.first <= a->ports.last;
}

/* A port given twice would fail later: EADDRINUSE to listen, a repeated 4-tuple to connect. */
static int add_endpoint(struct opt_parser *p, const char *name, const char *arg,
			const struct endpoint_range *e, struct endpoint_range *list, int *n)
{
	int i;

	for (i = 0; i < *n; i++) {
		if (endpoints_overlap(&list[i], e))
			return opts_fail(p, "--%s: '%s' overlaps an earlier --%s (give each port once)",
				    name, arg, name);
	}
	list[(*n)++] = *e;
	return 0;
}

/* --target NAME:PORT[-PORT]: the name is resolved when the run starts (target_opts_resolve). */
static int add_host(struct opt_parser *p, struct target_opts *t, const char *arg, const char *colon)
{
	struct endpoint_range e = { 0 };
	char why[128];

	if (parse_port_range(colon + 1, &e.ports)) {
		if (port_problem(colon + 1, why, sizeof(why)))
			return opts_fail(p, "--target: '%s' %s", arg, why);
		return opts_fail(p, "--target: '%s' is not NAME:PORT or NAME:PORT-PORT (e.g. "
				 "server.example:5000-5015)", arg);
	}
	/* is_host_name held the name to HOST_NAME_LEN_MAX. */
	memcpy(t->host[t->n], arg, colon - arg);
	t->host[t->n][colon - arg] = '\0';
	t->range[t->n++] = e;
	return 0;
}

/* --listen (t NULL) or --target: an endpoint range, or for --target a NAME:PORT. */
static int endpoint(struct opt_parser *p, const char *name, const char *arg,
		    struct endpoint_range *list, int *n, struct target_opts *t)
{
	bool listen = !t;
	const char *colon = port_colon(arg);
	struct endpoint_range e;
	struct addr_range addr;
	char why[128];

	if (*n == MAX_ENDPOINTS)
		return opts_fail(p, "--%s: '%s' is one too many (at most %d endpoints)", name, arg,
			    MAX_ENDPOINTS);
	if (parse_endpoint_range(arg, &e) == 0)
		return add_endpoint(p, name, arg, &e, list, n);
	if (!listen && colon && is_host_name(arg, colon - arg))
		return add_host(p, t, arg, colon);
	if (colon && one_addr(arg, colon - arg, &addr) && port_problem(colon + 1, why, sizeof(why)))
		return opts_fail(p, "--%s: '%s' %s", name, arg, why);
	if (listen)
		return opts_fail(p, "--%s: '%s' is not ADDR:PORT or ADDR:PORT-PORT (e.g. "
				 "127.0.0.1:5000-5015, [::1]:5000)", name, arg);
	return opts_fail(p, "--%s: '%s' is not ADDR:PORT, NAME:PORT or ADDR:PORT-PORT (e.g. "
			 "127.0.0.1:5000-5015, [::1]:5000, server.example:5000)", name, arg);
}

int opt_listen(struct opt_parser *p, const struct opt *o, const char *arg)
{
	struct listen_opts *l = o->value;

	return endpoint(p, o->name, arg, l->range, &l->n, NULL);
}

int opt_target(struct opt_parser *p, const struct opt *o, const char *arg)
{
	struct target_opts *t = o->value;

	return endpoint(p, o->name, arg, t->range, &t->n, t);
}

int opt_source(struct opt_parser *p, const struct opt *o, const char *arg)
{
	struct source_opts *r = o->value;
	const char *name = o->name;

	if (parse_addr_range(arg, &r->source) == 0) {
		/* No host binds every address, and 0.0.0.0 or :: is no source. */
		if (!r->source.v6 && r->source.first == 0 && r->source.last == UINT32_MAX)
			return opts_fail(p, "--%s: '%s' is every IPv4 address (give this host's, "
				    "e.g. 127.0.0.2-127.0.0.40)", name, arg);
		if (r->source.v6 && addr_range_count(&r->source) == 0)
			return opts_fail(p, "--%s: '%s' is every IPv6 address (give this host's, "
				    "e.g. fd00:1::/64)", name, arg);
		r->has_source = true;
		return 0;
	}
	if (addr_range_reversed(arg))
		return opts_fail(p, "--%s: '%s' is reversed (write LOW-HIGH, e.g. 127.0.0.2-127.0.0.40)",
			    name, arg);
	return opts_fail(p, "--%s: '%s' is not ADDR, ADDR-ADDR or ADDR/LEN (e.g. 127.0.0.2-127.0.0.40, "
			 "fd00:1::/64)", name, arg);
}

int opt_sport(struct opt_parser *p, const struct opt *o, const char *arg)
{
	struct source_opts *r = o->value;
	const char *name = o->name;
	char why[128];

	if (parse_port_range(arg, &r->sport) == 0) {
		r->has_sport = true;
		return 0;
	}
	if (port_problem(arg, why, sizeof(why)))
		return opts_fail(p, "--%s: '%s' %s", name, arg, why);
	return opts_fail(p, "--%s: '%s' is not PORT or LO-HI (e.g. 10000-60999)", name, arg);
}


/* --conns N: at least one. */
int opt_conns(struct opt_parser *p, const struct opt *o, const char *arg)
{
	if (strcmp(arg, "max") == 0)
		return opts_fail(p, "--%s: 'max' is only for bench (give a count, e.g. 1M)",
				 o->name);
	return opts_count(p, o->name, arg, 1, o->value);
}

int opt_reserve(struct opt_parser *p, const struct opt *o, const char *arg)
{
	struct reserve_opt *r = o->value;

	r->given = true;
	return opts_size(p, o->name, arg, UINT64_MAX, &r->bytes);
}

int opt_mode(struct opt_parser *p, const struct opt *o, const char *arg)
{
	if (parse_mode(arg, o->value))
		return opts_fail(p, "--%s: '%s' is not a mode (uring, epoll or threads)", o->name,
				 arg);
	return 0;
}

int opt_watch(struct opt_parser *p, const struct opt *o, const char *arg)
{
	if (parse_watch(arg, o->value))
		return opts_fail(p, "--%s: '%s' is not a watch strategy (poll, recv, none, diag or auto)",
				 o->name, arg);
	return 0;
}

int opt_scan_interval(struct opt_parser *p, const struct opt *o, const char *arg)
{
	uint64_t *us = o->value;

	if (parse_duration_us(arg, us) || *us < 1000 || *us > SWEEP_INTERVAL_MAX_US)
		return opts_fail(p, "--%s: '%s' is not a duration from 1ms to 1h: write 500ms, 2s or 1m",
				 o->name, arg);
	return 0;
}

/* A message carries its send time in its last 8 bytes. */
int opt_msg(struct opt_parser *p, const struct opt *o, const char *arg)
{
	uint64_t v;
	int ret = opts_size(p, o->name, arg, TRAFFIC_MSG_MAX, &v);

	if (ret)
		return ret;
	if (v < TRAFFIC_STAMP)
		return opts_fail(p, "--%s: '%s' is too small (at least %d bytes: a message ends "
				 "with its send time)", o->name, arg, TRAFFIC_STAMP);
	*(uint32_t *)o->value = (uint32_t)v;
	return 0;
}

static int duration(struct opt_parser *p, const char *name, const char *arg, uint64_t min_us,
		    uint64_t *out)
{
	if (parse_duration_us(arg, out) || *out < min_us || *out > DURATION_MAX_US)
		return opts_fail(p, "--%s: '%s' is not a duration from %s to 24h: write 1500us, "
				 "500ms, 10s, 2m (minutes: m is never mega) or 1h", name, arg,
				 min_us ? "1ms" : "0");
	return 0;
}

/* One field of --tcp-keepalive: whole seconds (a bare number, 60, or 60s, 2m) up to max. */
static bool keepalive_seconds(const char *s, size_t n, int max, int *out)
{
	char buf[32];
	uint64_t us;

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (parse_duration_us(buf, &us) || us % 1000000 || us < 1000000 || us / 1000000 > (uint64_t)max)
		return false;
	*out = (int)(us / 1000000);
	return true;
}

int opt_tcp_keepalive(struct opt_parser *p, const struct opt *o, const char *arg)
{
	struct tcp_keepalive *k = o->value;
	const char *c1 = strchr(arg, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
	uint64_t cnt;

	/* The kernel's bounds: MAX_TCP_KEEPIDLE and MAX_TCP_KEEPINTVL 32767 s, MAX_TCP_KEEPCNT 127. */
	if (!c1 || !c2 || !keepalive_seconds(arg, c1 - arg, 32767, &k->idle_s) ||
	    !keepalive_seconds(c1 + 1, c2 - c1 - 1, 32767, &k->intvl_s) || parse_count(c2 + 1, &cnt) ||
	    cnt < 1 || cnt > 127)
		return opts_fail(p, "--%s: '%s' is not IDLE,INTVL,CNT (e.g. 60s,10s,5: probe after "
				 "60 s idle, every 10 s, give up after 5; seconds 1-32767, CNT 1-127)",
				 o->name, arg);
	k->cnt = (int)cnt;
	k->on = 1;
	return 0;
}

int opt_user_timeout(struct opt_parser *p, const struct opt *o, const char *arg)
{
	uint64_t us;

	if (parse_duration_us(arg, &us) || us < 1000 || us / 1000 > INT_MAX)
		return opts_fail(p, "--%s: '%s' is not a duration from 1ms to 24d: write 500ms, 30s or 2m",
				 o->name, arg);
	*(unsigned int *)o->value = (unsigned int)(us / 1000);
	return 0;
}

int opt_duration(struct opt_parser *p, const struct opt *o, const char *arg)
{
	return duration(p, o->name, arg, 0, o->value);
}

int opt_every(struct opt_parser *p, const struct opt *o, const char *arg)
{
	struct holder_opts *h = o->value;

	h->every_given = true;
	return duration(p, o->name, arg, 1000, &h->traffic.every_us);
}

int opt_hold(struct opt_parser *p, const struct opt *o, const char *arg)
{
	struct hold_time *t = o->value;

	t->given = true;
	return duration(p, o->name, arg, 0, &t->us);
}

int opt_slo(struct opt_parser *p, const struct opt *o, const char *arg)
{
	struct bench_slo slo;

	if (bench_parse_slo(arg, &slo))
		return opts_fail(p, "--%s: '%s' is not p99=DURATION (e.g. p99=10ms)", o->name, arg);
	*(uint64_t *)o->value = slo.p99_us;
	return 0;
}

int opt_on_data(struct opt_parser *p, const struct opt *o, const char *arg)
{
	struct holder_opts *r = o->value;

	r->on_data_given = true;
	if (parse_on_data(arg, &r->traffic.on_data))
		return opts_fail(p, "--%s: '%s' is not drain, echo or keep", o->name, arg);
	return 0;
}

int opt_set_buffers(struct opt_parser *p, const struct opt *o, const char *arg)
{
	if (strcmp(arg, "before") && strcmp(arg, "after"))
		return opts_fail(p, "--%s: '%s' is not before or after", o->name, arg);
	*(bool *)o->value = !strcmp(arg, "after");
	return 0;
}

int check_traffic(struct opt_parser *p, struct holder_opts *r, enum proto proto,
		  uint64_t slo_p99_us, bool uring_server)
{
	enum on_data d = r->traffic.on_data;

	if (r->every_given && !r->traffic.send && proto == PROTO_NONE)
		return opts_fail(p, "--every needs --send BYTES (the heartbeat it paces) or --proto "
				 "NAME (its keepalive)");
	if (slo_p99_us && !r->traffic.send)
		return opts_fail(p, "--slo needs --send BYTES: the objective is the heartbeats'");
	if (!uring_server)
		return 0;
	if (r->watch == WATCH_NONE) {
		if (r->on_data_given && d != ON_DATA_KEEP)
			return opts_fail(p, "--on-data %s: --watch none never reads; use --watch poll, "
					 "recv or diag, or --on-data keep", on_data_name(d));
		r->traffic.on_data = ON_DATA_KEEP;
	}
	if (r->watch == WATCH_RECV && d != ON_DATA_DRAIN)
		return opts_fail(p, "--on-data %s: --watch recv reads everything it is sent; use "
				 "--watch poll or diag", on_data_name(d));
	return 0;
}

/* --metrics ADDR:PORT: one port, where GET /metrics is served. */
int opt_metrics(struct opt_parser *p, const struct opt *o, const char *arg)
{
	struct metrics_opt *m = o->value;
	struct endpoint_range e;

	if (parse_endpoint_range(arg, &e) || e.ports.first != e.ports.last)
		return opts_fail(p, "--%s: '%s' is not ADDR:PORT (e.g. 127.0.0.1:9464)", o->name, arg);
	sockaddr_from(&m->addr, e.v6, e.addr, e.ports.first);
	m->given = true;
	return 0;
}

/* --shard I/N, or N with I from JOB_COMPLETION_INDEX (an Indexed Job's pod). */
int opt_shard(struct opt_parser *p, const struct opt *o, const char *arg)
{
	const char *index = getenv("JOB_COMPLETION_INDEX");

	if (plan_parse_shard(arg, index, o->value) == 0)
		return 0;
	if (!strchr(arg, '/') && !index)
		return opts_fail(p, "--%s: '%s' has no index: write I/N, or set JOB_COMPLETION_INDEX",
				 o->name, arg);
	return opts_fail(p, "--%s: '%s' is not I/N with 0 <= I < N (e.g. 0/4)", o->name, arg);
}

int check_server_cmd(struct opt_parser *p, const char *opt, const char *arg)
{
	if (!strstr(arg, "{port}") && !strstr(arg, "{ports}"))
		return opts_fail(p, "--%s: '%s' has no {port}: put {port} where the server takes "
				 "its port (bench listens on %d)", opt, arg, BENCH_BASE_PORT);
	if (strlen(arg) >= EXTSERVER_CMD_MAX)
		return opts_fail(p, "--%s: the command is longer than %d bytes", opt,
				 EXTSERVER_CMD_MAX - 1);
	return 0;
}

int check_server_idle(struct opt_parser *p, const struct holder_opts *h, uint64_t slo_p99_us)
{
	if (h->traffic.send || h->traffic.once || h->on_data_given || slo_p99_us)
		return opts_fail(p, "--server holds idle connections: drop --send, --send-once, "
				 "--on-data and --slo (the server's reads are not counted)");
	return 0;
}
