/*
 * holder.h - the holder: the one loop every mode shares. It ramps (opens
 * or accepts), enforces the memory reserve and the other stop reasons,
 * publishes side_stats, and releases everything at the end. The I/O is
 * the backend's.
 */
#ifndef HOLDCONN_HOLDER_H
#define HOLDCONN_HOLDER_H

#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include "hold/backend.h"
#include "hold/plan.h"
#include "hold/stats.h"

struct session_config;
struct tls_ctx;
#include "hold/watch.h"
#include "measure/memcg.h"

#define HOLDER_MAX_LISTEN 4096
/* Connects timed at once: a start time is kept per tuple modulo this (a power of two). */
#define HOLDER_CONNECT_TIMES 4096

enum role {
	ROLE_SERVE,
	ROLE_CONNECT,
};

struct holder_config {
	enum role role;
	const struct backend_ops *backend;
	/* serve */
	union sockaddr_inet listen[HOLDER_MAX_LISTEN];
	int nlisten;
	uint32_t backlog;
	/* connect */
	const struct plan *plan;
	uint64_t target;      /* connections to open; 0: serve has no target */
	uint64_t rate;        /* per second, 0: unpaced */
	bool reconnect;       /* replace connections the peer closed (else they count, and stop the ramp) */
	bool has_duration;    /* connect --duration: standalone, done this long after the ramp */
	uint64_t duration_us;
	uint32_t window;      /* most connects in flight (and unaccepted, under bench) */
	uint32_t accept_margin; /* serve: table slots kept free for connections already queued (0: auto) */
	/* both */
	int rcvbuf, sndbuf;   /* 0: kernel default */
	uint64_t reserve;     /* bytes of MemAvailable the ramp never eats into */
	uint64_t cgroup_reserve; /* bytes below the memory cgroup's limit it never reaches; 0: default */
	bool linger_rst;      /* SO_LINGER {1,0}: close sends RST, no TIME_WAIT */
	/* --tcp-keepalive IDLE,INTVL,CNT: SO_KEEPALIVE with these (seconds, probes); on 0: off */
	struct tcp_keepalive {
		int on, idle_s, intvl_s, cnt;
	} keepalive;
	unsigned int user_timeout_ms; /* --user-timeout: TCP_USER_TIMEOUT; 0: the kernel's */
	enum watch watch;     /* uring: how peer closes are noticed */
	uint64_t scan_interval_us; /* --watch diag */
	struct traffic traffic; /* what flows: heartbeats, a first message, the answer to data */
	/*
	 * connect: the session each connection opens once TCP is up (--proto;
	 * NULL: none), and TLS under it (--tls; NULL: plain). A refusal stops
	 * the run (STOP_SESSION, the reply in first[]); keepalives go out on the
	 * heartbeat schedule, traffic.every_us being the session's period.
	 */
	const struct session_config *session;
	struct tls_ctx *tls;
	struct side_stats *stats;
	struct control *ctl;  /* bench's steering; NULL standalone */
	/* bench --clients: this client's share of ctl's ramp_limit, drop and peer_accepted (count 0: all) */
	uint32_t share_index, share_count;
	/* Called once the side is up (listening, for serve), before the ramp. */
	void (*ready)(void *arg, struct holder *h);
	/* Called about every tick_ms from the loop, for standalone reporting. */
	void (*tick)(void *arg, struct holder *h);
	void *tick_arg;
	unsigned tick_ms;
};

struct holder {
	const struct holder_config *cfg;
	void *be;             /* backend state */
	void *opener;         /* sessions (hold/opener.c); NULL without --proto and --tls */
	uint64_t held, opened, closed, failed, in_flight, lost;
	/* --proto/--tls: up at TCP, session not established yet; closed before it was */
	uint64_t opening, session_failed;
	uint64_t bytes_in, bytes_out;
	uint64_t next_tuple;  /* connect: next planner index */
	uint64_t ring_bytes;
	uint32_t nrings;
	int rcvbuf, sndbuf;   /* effective, -1 until read back */
	enum stop_reason stop;
	int stop_errno;
	bool ramping;
	int consecutive_failures;
	double t_start;
	double ramp_s;        /* start of ramp to its stop */
	double release_s;     /* time the backend took to release everything */
	uint64_t held_final;  /* held when the release began */
	uint64_t scans, scan_us; /* --watch diag: dumps taken and the time they took */
	uint64_t rx_empty;     /* --watch recv: recvs that found no buffer (re-armed) */
	uint64_t rx_buf_bytes; /* ... provided buffer bytes in rotation, all rings */
	bool rx_inc;           /* ... consumed incrementally (6.12) */
	uint64_t kreclaim_base; /* KReclaimable when the side started, for the reserve check */
	bool file_max_exempt; /* CAP_SYS_ADMIN: the kernel lets it past fs.file-max */
	struct memcg memcg;   /* the memory cgroup this side is charged to (version 0: none) */
	uint64_t cgroup_reserve; /* cfg's, or the default for the tightest limit */
	int failed_listener;  /* index in cfg->listen of the one that could not listen; -1 */
	uint64_t dropped;     /* connections closed on bench's request (close-detection probe) */
	uint64_t beat_us;     /* when heartbeats were last handed out; 0: not running */
	uint32_t beat_window; /* bench: the control's window they were handed out in */
	/* When each connect in flight started, by tuple modulo the table: a start overwritten by a later tuple goes untimed. */
	struct connect_start {
		uint32_t tuple;
		uint64_t ns;
	} connect_t0[HOLDER_CONNECT_TIMES];
	uint64_t peer_closed; /* held connections the peer ended with a FIN */
	uint64_t peer_reset;  /* ... with a reset or another error */
	double last_progress; /* connect: when a connect last completed or failed */
	char first[FIRST_BYTES_MAX]; /* connect: the first bytes a peer sent */
	char session_refusal[SESSION_REFUSAL_MAX]; /* connect: why the first refused session was (STOP_SESSION) */
	uint32_t first_len;
	uint64_t first_conns; /* connections whose first read began with first[] */
};

/* Runs the side until it is stopped and has released everything. 0 or -errno. */
int holder_run(struct holder *h, const struct holder_config *cfg);

/*
 * Called by backends; holder_opened, holder_connected and holder_closed by
 * flow.c for the backends that run under it (uring, epoll): a connection
 * counts as held once established, and with a session (--proto, --tls) once
 * the session is.
 */
void holder_opened(struct holder *h);          /* established (connect) or accepted (serve) */
/* connect: tuple is established; holder_opened plus its connect latency. */
void holder_connected(struct holder *h, uint32_t tuple);
struct conn;
/* c is held from now: holder_connected (its tuple in c->next) or holder_opened; CONN_F_COUNTED. */
void holder_held(struct holder *h, struct conn *c);
void holder_open_failed(struct holder *h, uint64_t tuple, int err);
void holder_closed(struct holder *h);          /* a held connection went away and its slot is free */
void holder_lost(struct holder *h, int err);   /* the kernel dropped an accepted connection */
void holder_buffers(struct holder *h, int rcvbuf, int sndbuf);
void holder_stop(struct holder *h, enum stop_reason r, int err);
/* A held connection was ended by its peer: err 0 for a FIN, else ECONNRESET or the error. */
void holder_peer_closed(struct holder *h, int err);
/* connect: a connection's first read from its peer (once per connection). */
void holder_first_bytes(struct holder *h, const char *buf, size_t n);
/* connect: heartbeats are due now (standalone: always; under bench: once it says so). */
bool holder_beating(const struct holder *h);

/* Process-wide: SIGINT/SIGTERM set this (installed by holder_signals()). */
extern volatile sig_atomic_t holder_signalled;
void holder_signals(bool ignore);

double now_s(void);

#endif
