/* configure.c - a holder's config from a run's options (see configure.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hold/bufring.h"
#include "measure/meter.h"
#include "measure/sysinfo.h"
#include "run/configure.h"

/* Loopback targets with no --source: spread over 127.1.0.0/16. */
#define LOOPBACK_SOURCE_FIRST 0x7f010001u /* 127.1.0.1 */
#define LOOPBACK_SOURCE_LAST 0x7f01fffeu  /* 127.1.255.254 */

static int clamp_int(uint64_t v)
{
	return v > INT_MAX ? INT_MAX : (int)v;
}

/*
 * --watch auto: a uring server that reads --send's heartbeats takes each
 * with one completion of a multishot recv into provided buffers, not a
 * poll, a recv and a re-armed poll. Only where the kernel consumes those
 * buffers a piece at a time (6.12): otherwise each 64-byte read takes a
 * whole one and a busy ring runs dry. Everything else polls. (--proto
 * refuses --send; under --tls the records are read the same way.)
 */
static enum watch auto_watch(const struct holder_opts *o, enum role role, enum mode mode)
{
	if (role == ROLE_SERVE && mode == MODE_URING && o->traffic.send &&
	    o->traffic.on_data == ON_DATA_DRAIN && bufring_incremental())
		return WATCH_RECV;
	return WATCH_POLL;
}

void configure_holder(struct holder_config *cfg, const struct holder_opts *o, enum role role,
		      enum mode mode, enum watch watch)
{
	uint64_t total = 0, avail = 0;

	memset(cfg, 0, sizeof(*cfg));
	cfg->role = role;
	cfg->backend = backend_for(mode);
	cfg->backlog = DEFAULT_BACKLOG;
	cfg->rcvbuf = clamp_int(o->rcvbuf);
	cfg->sndbuf = clamp_int(o->sndbuf);
	cfg->linger_rst = true;
	cfg->keepalive = o->keepalive;
	cfg->user_timeout_ms = o->user_timeout_ms;
	cfg->watch = watch == WATCH_AUTO ? auto_watch(o, role, mode) : watch;
	cfg->scan_interval_us = o->scan_interval_us;
	cfg->traffic = o->traffic;
	cfg->window = CONNECT_WINDOW;
	meter_meminfo(&total, &avail);
	cfg->reserve = o->reserve.given ? o->reserve.bytes : meter_default_reserve(total);
	/* --reserve is kept below the memory cgroup's limit too; by default 5% of it. */
	cfg->cgroup_reserve = o->reserve.given ? o->reserve.bytes : 0;
}

int configure_listen(struct holder_config *cfg, const struct endpoint_range *e, int n, char *err,
		     size_t errlen)
{
	for (int i = 0; i < n; i++) {
		for (uint32_t p = e[i].ports.first; p <= e[i].ports.last; p++) {
			if (cfg->nlisten == HOLDER_MAX_LISTEN) {
				snprintf(err, errlen, "--listen: more than %d ports in all", HOLDER_MAX_LISTEN);
				return -EINVAL;
			}
			sockaddr_from(&cfg->listen[cfg->nlisten++], e[i].v6, e[i].addr, (uint16_t)p);
		}
	}
	return 0;
}

/* Sources every loopback target can be reached from without any set-up. */
static const struct addr_range loopback4_sources = { LOOPBACK_SOURCE_FIRST, LOOPBACK_SOURCE_LAST };
/* IPv6 has only ::1 on lo unless a block is routed there (bench --ipv6 does, in its namespace). */
static const struct addr_range loopback6_sources = { 1, 1, true };

/* The default sources when every target is on loopback, all of one family; NULL otherwise. */
static const struct addr_range *loopback_sources(const struct connect_spec *s)
{
	for (int i = 0; i < s->ntarget; i++) {
		if (!addr_is_loopback(s->target[i].v6, s->target[i].addr) ||
		    s->target[i].v6 != s->target[0].v6)
			return NULL;
	}
	return s->target[0].v6 ? &loopback6_sources : &loopback4_sources;
}

/* The shard's part of the sources; with no source address, the wildcard's ports. */
static int shard_sources(const struct connect_spec *s, struct addr_range *src,
			 const struct addr_range **srcp, struct port_range *sport, char *err,
			 size_t errlen)
{
	if (!s->shard.count)
		return 0;
	if (!*srcp) {
		/* Bound to the wildcard with explicit ports: the route picks the address. */
		*src = (struct addr_range){ 0, 0, s->ntarget && s->target[0].v6 };
		*srcp = src;
	} else {
		*src = **srcp;
		*srcp = src;
	}
	if (plan_shard_sources(&s->shard, src, sport)) {
		snprintf(err, errlen, "--shard %u/%u: %u source ports cannot be split %u ways: widen --sport",
			 s->shard.index, s->shard.count, port_range_count(sport), s->shard.count);
		return -EINVAL;
	}
	return 0;
}

int configure_connect(struct holder_config *cfg, struct plan *plan, const struct connect_spec *s,
		      char *err, size_t errlen)
{
	struct addr_range src;
	const struct addr_range *srcp = s->source ? s->source : loopback_sources(s);
	struct port_range sport = s->sport ? *s->sport : (struct port_range){ 0, 0 };
	int ret;

	cfg->plan = plan;
	cfg->target = s->conns ? s->conns : UINT64_MAX;
	/* Bound explicitly: keep clear of the ephemeral range the rest of the box connects from. */
	if (!s->sport &&
	    (srcp || s->shard.count ? sysinfo_source_ports(&sport) : sysinfo_local_port_range(&sport)))
		sport = (struct port_range){ 32768, 60999 };
	ret = shard_sources(s, &src, &srcp, &sport, err, errlen);
	if (ret)
		return ret;
	ret = plan_init(plan, srcp, &sport, s->target, s->ntarget, s->conns);
	if (ret == -EAFNOSUPPORT) {
		snprintf(err, errlen, "%s mix IPv4 and IPv6: give addresses of one family",
			 s->source ? "--target and --source" : "--target addresses");
		return -EINVAL;
	}
	if (ret == -EINVAL && s->source && s->source->v6 && addr_range_count(s->source) == 0) {
		snprintf(err, errlen, "--source: every IPv6 address (give this host's, e.g. fd00:1::/64)");
		return ret;
	}
	if (ret == -EINVAL) {
		snprintf(err, errlen, "--target: at most %d destinations in all", PLAN_MAX_DST);
		return ret;
	}
	/* Fewer tuples than --conns is a finding, not an error: the ramp stops at EADDRNOTAVAIL. */
	if (ret == -EADDRNOTAVAIL && s->shard.count)
		fprintf(stderr,
			"holdconn connect: shard %u/%u reaches %llu connections, fewer than --conns %llu: "
			"it stops there; widen --source, --sport or the targets' ports\n",
			s->shard.index, s->shard.count, (unsigned long long)plan->capacity,
			(unsigned long long)s->conns);
	return 0;
}

void configure_session(struct holder_config *cfg, const struct session_opts *s,
		       const struct holder_opts *o, struct run_session *rs, int client)
{
	if (s->cfg.proto == PROTO_NONE)
		return;
	rs->cfg = s->cfg;
	snprintf(rs->client_prefix, sizeof(rs->client_prefix), "hc%d.%d-", (int)getpid(), client);
	rs->cfg.client_prefix = rs->client_prefix;
	/* MQTT pings within its keep alive unless --every says otherwise; the rest at --every. */
	rs->cfg.every_us = s->cfg.proto == PROTO_MQTT && !o->every_given ? 0 : o->traffic.every_us;
	cfg->session = &rs->cfg;
	cfg->traffic.every_us = session_period_us(&rs->cfg);
}

/* The certificate of bench's own serve, in a file of its own for as long as the client loads it. */
static int trust_self_signed(struct tls_ctx *trust, struct tls_options *t, char *path, size_t len)
{
	char pem[8192];
	int fd, ret = tls_ctx_cert_pem(trust, pem, sizeof(pem));

	if (ret)
		return ret;
	snprintf(path, len, "/tmp/holdconn-ca-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -errno;
	ret = write(fd, pem, strlen(pem)) == (ssize_t)strlen(pem) ? 0 : -EIO;
	close(fd);
	t->ca_file = path;
	return ret;
}

int configure_tls(struct tls_ctx **ctx, const struct session_opts *o, bool server,
		  struct tls_ctx *trust, char *err, size_t errlen)
{
	struct tls_options t = o->tls_opts;
	char path[64] = "";
	int ret = 0;

	*ctx = NULL;
	if (!o->tls)
		return 0;
	t.server = server;
	/* bench's own serve: its client trusts the certificate it made, unless told otherwise. */
	if (!server && trust && !t.ca_file && !t.insecure)
		ret = trust_self_signed(trust, &t, path, sizeof(path));
	if (!ret)
		ret = tls_ctx_new(ctx, &t, err, errlen);
	else
		snprintf(err, errlen, "--tls: serve's certificate could not be handed to the client "
			 "(%s): give --tls-insecure", strerror(-ret));
	if (path[0])
		unlink(path);
	return ret;
}
