/*
 * options.h - the option groups several commands take, each filled by
 * the shared option macros of cmd/common.h and read by run/configure.c to
 * configure a holder: struct holder_opts (buffers, TCP, reserve, watch,
 * traffic), struct session_opts (--proto, --tls), targets, sources and the
 * rest. Each command's options struct embeds the groups it takes.
 */
#ifndef HOLDCONN_RUN_OPTIONS_H
#define HOLDCONN_RUN_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include "base/addr.h"
#include "base/mode.h"
#include "hold/holder.h"
#include "hold/watch.h"
#include "hold/traffic.h"
#include "session/session.h"
#include "session/tls.h"

/* --hello FILE: its bytes are kept in the options (an opening fits in SESSION_OPEN_MAX). */
#define HELLO_MAX SESSION_OPEN_MAX
/* --expect TEXT: at most this long. */
#define EXPECT_MAX 256

/* serve --listen, repeatable: where to listen. */
struct listen_opts {
	struct endpoint_range range[MAX_ENDPOINTS];
	int n;
};

/* connect --target (limits --target), repeatable: where to connect. */
struct target_opts {
	struct endpoint_range range[MAX_ENDPOINTS];
	int n;
	/* --target NAME:PORT: the name, resolved at start; "": an address (kept here, not
	 * allocated, so that an options struct owns nothing to free) */
	char host[MAX_ENDPOINTS][HOST_NAME_LEN_MAX + 1];
	uint64_t resolve_timeout_us; /* --resolve-timeout: how long a name may take to resolve */
};

/* connect --source and --sport (limits too). */
struct source_opts {
	struct addr_range source; /* --source */
	bool has_source;
	struct port_range sport;  /* --sport; default: outside net.ipv4.ip_local_port_range */
	bool has_sport;
};

/* --reserve BYTES; not given: max(1 GiB, 5% MemTotal). */
struct reserve_opt {
	uint64_t bytes;
	bool given;
};

/* --duration (--hold): how long connections are held once the ramp ends. */
struct hold_time {
	uint64_t us;
	bool given;
};

/* --metrics ADDR:PORT: GET /metrics served there. */
struct metrics_opt {
	union sockaddr_inet addr;
	bool given;
};

/*
 * What every holder of a run is configured from (run/configure.c): the
 * buffers, TCP options, memory reserve, watch and traffic. serve's,
 * connect's and bench's options embed it; BUFFER_OPTS, TCP_OPTS,
 * WATCH_OPTS and the traffic options (cmd/common.h) fill it.
 */
struct holder_opts {
	uint64_t rcvbuf, sndbuf;        /* --rcvbuf/--sndbuf bytes; 0 = kernel default */
	struct tcp_keepalive keepalive; /* --tcp-keepalive IDLE,INTVL,CNT; on 0: not set */
	unsigned int user_timeout_ms;   /* --user-timeout; 0: the kernel's */
	struct reserve_opt reserve;     /* --reserve */
	enum watch watch;               /* --watch (bench: the server's), default auto */
	uint64_t scan_interval_us;      /* --scan-interval for --watch diag, default 1 s */
	struct traffic traffic;         /* --send, --every, --send-once, --on-data, --set-buffers */
	bool on_data_given;
	bool every_given;
};

/*
 * --proto and its options (cfg.proto PROTO_NONE: none): what each
 * connection says once TCP is up; --tls and its. cfg.hello and cfg.expect
 * point into hello_buf and expect_buf; client_prefix is set per generator
 * (run/configure.c).
 */
struct session_opts {
	struct session_config cfg;
	char hello_buf[HELLO_MAX];
	char expect_buf[EXPECT_MAX];
	bool keepalive_given;        /* --keepalive (mqtt) */
	bool tls;                    /* --tls: each connection is a TLS session */
	struct tls_options tls_opts; /* --tls-sni, --tls-ca, --tls-insecure, --tls-cert, --tls-key, --tls-keep-buffers */
};

/* A holder's defaults: poll watch, a scan a second, --every 10s, the rest unset. */
void holder_opts_defaults(struct holder_opts *h);
/* No target yet; a name may take 60 s to resolve. */
void target_opts_defaults(struct target_opts *t);
/*
 * Resolves every --target given by name, retrying each second until it
 * resolves or --resolve-timeout passes (a Kubernetes Service's name exists
 * only once its pods do). 0, or -EAGAIN with a one-line message in err.
 */
int target_opts_resolve(struct target_opts *t, const char *cmd, char *err, size_t errlen);

#define DEFAULT_REPORT_EVERY 100000 /* --report-every */
#define DEFAULT_BACKLOG 4096        /* listen()'s backlog unless serve --backlog says */

#endif
