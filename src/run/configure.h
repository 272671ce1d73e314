/*
 * configure.h - a holder's config from a run's options: the pieces serve,
 * connect and each side of bench share. Each caller says what it wants
 * (its mode, its endpoints, its sources); no option struct is rewritten as
 * if another command had been typed.
 */
#ifndef HOLDCONN_CONFIGURE_H
#define HOLDCONN_CONFIGURE_H

#include <stddef.h>
#include "hold/holder.h"
#include "run/options.h"

#define CONNECT_WINDOW 1024 /* connects in flight at most (bench narrows it) */

/*
 * What every holder of a run shares, from the options every holder takes
 * (h): its role, event model and watch, the buffers, TCP options, the
 * memory reserve, the traffic, linger-RST closes; the default backlog.
 * Zeroes cfg first: the caller adds its endpoints, --rate, --reconnect.
 */
void configure_holder(struct holder_config *cfg, const struct holder_opts *h, enum role role,
		      enum mode mode, enum watch watch);
/* serve: every port of n endpoint ranges; 0, or -EINVAL with err saying why. */
int configure_listen(struct holder_config *cfg, const struct endpoint_range *e, int n, char *err,
		     size_t errlen);

/* Where a connecting holder goes, and from where. */
struct connect_spec {
	const struct endpoint_range *target;
	int ntarget;
	const struct addr_range *source; /* NULL: 127.1/16 or ::1 for loopback targets, else no bind */
	const struct port_range *sport;  /* NULL: outside the ephemeral range when bound */
	struct plan_shard shard;         /* count 0: the whole of the sources */
	uint64_t conns;                  /* 0: as many as the 4-tuples give (bench --conns max) */
};

/* connect: plans the 4-tuples into plan and points cfg at it; 0 or -EINVAL (err says why). */
int configure_connect(struct holder_config *cfg, struct plan *plan, const struct connect_spec *s,
		      char *err, size_t errlen);

/* A generator's session: the run's, with MQTT client ids of its own. */
struct run_session {
	struct session_config cfg;
	char client_prefix[32];
};

/*
 * A connecting holder's --proto: cfg->session points at rs (filled from s,
 * client ids prefixed "hc<pid>.<client>-" so no two generator processes
 * share one: a broker drops the older of two connections with one id), and
 * the heartbeat schedule runs at the session's keepalive period. Nothing
 * without --proto.
 */
void configure_session(struct holder_config *cfg, const struct session_opts *s,
		       const struct holder_opts *h, struct run_session *rs, int client);
/*
 * --tls: a side's TLS context from s's options (server: serve's certificate;
 * client: --tls-sni, --tls-ca or --tls-insecure, or ca_pem, the certificate
 * of bench's own serve, trusted alone). 0, or -errno with one line in err.
 */
int configure_tls(struct tls_ctx **ctx, const struct session_opts *s, bool server,
		  struct tls_ctx *trust, char *err, size_t errlen);

#endif
