/*
 * stats.h - what a holder process publishes about itself, and the control
 * block a bench parent uses to steer it. Both live in a MAP_SHARED page
 * when bench forks the two sides; a standalone serve/connect keeps them in
 * its own memory. Written only with relaxed atomics: readers want a recent
 * value, not a consistent snapshot.
 */
#ifndef HOLDCONN_STATS_H
#define HOLDCONN_STATS_H

#include <stdatomic.h>
#include <stdint.h>
#include "hold/traffic.h"

enum stop_reason {
	STOP_NONE = 0,
	STOP_TARGET,        /* reached --conns */
	STOP_RESERVE,       /* MemAvailable would fall below --reserve */
	STOP_EMFILE,        /* per-process descriptor limit (RLIMIT_NOFILE) */
	STOP_ENFILE,        /* system-wide file limit (fs.file-max) */
	STOP_EADDRNOTAVAIL, /* 4-tuples exhausted */
	STOP_ENOMEM,        /* the kernel refused memory */
	STOP_BACKLOG,       /* connects time out: listen queues overflow */
	STOP_SIGNAL,        /* SIGINT / SIGTERM */
	STOP_PEER,          /* the other side went away (connect: it closed what we opened) */
	STOP_REFUSED,       /* target refused or unreachable */
	STOP_THREADS,       /* threads-max / RLIMIT_NPROC / pid_max (threads mode) */
	STOP_ERROR,         /* anything else: see stop_errno */
	STOP_SLO,           /* bench --slo: the pattern no longer met it at this count */
	STOP_MEMLOCK,       /* RLIMIT_MEMLOCK: io_uring rings are charged to it without CAP_IPC_LOCK */
	STOP_RESET,         /* connect: the peer reset what we opened */
	STOP_TIMEOUT,       /* connect: connects in flight and none completed for a while */
	STOP_CGROUP,        /* the memory cgroup's usage would come within the reserve of its limit */
	STOP_KILLED,        /* bench: a side died by a signal (the OOM killer's SIGKILL, say) */
	STOP_SESSION,       /* connect --proto: the server refused a session (side_stats.refusal says why) */
	STOP__COUNT
};

/* "target", "reserve", "EMFILE", ...: stable names used in JSON. */
const char *stop_reason_name(enum stop_reason r);
/* Maps an errno from socket/bind/connect/accept to the reason it means. */
enum stop_reason stop_reason_from_errno(int err);

/* connect --proto/--tls: its sessions, as opener_stats() counts them. */
struct session_counts {
	_Atomic uint64_t established, refused, closed; /* closed: by the server once established */
	_Atomic uint64_t answered;     /* server keepalives answered (PONG, WebSocket pong) */
	_Atomic uint64_t acked;        /* our keepalives the server answered (PINGRESP, PONG, pong) */
	_Atomic uint64_t tls_established, tls_failed;
	_Atomic uint64_t tls_handshake_cpu_ns; /* thread CPU inside TLS calls until established */
	_Atomic uint64_t tls_conns;    /* connections with TLS state now (opening or held) */
	_Atomic int64_t tls_bytes;     /* OpenSSL's bytes over tls_startup_bytes: theirs; -1 unknown */
	_Atomic int64_t tls_startup_bytes; /* before the first: contexts, certificate, caches; -1 unknown */
	_Atomic uint64_t tls_span_ns;  /* from the first handshake done to the last */
	/* --proto http: idle sessions the server closed, and after how long (its keep-alive timeout) */
	_Atomic uint64_t idle_closed;
	_Atomic uint64_t idle_min_ms, idle_max_ms;
	struct lat_hist idle;          /* every one's idle time, µs (ms resolution) */
};
#define SESSION_REFUSAL_MAX 128

/* What connect keeps of the first bytes a server sent, for its summary. */
#define FIRST_BYTES_MAX 96

enum side_state {
	SIDE_STARTING = 0,
	SIDE_RAMPING,   /* opening or accepting */
	SIDE_HOLDING,   /* ramp over, holding */
	SIDE_RELEASING, /* tearing down */
	SIDE_DONE,
	SIDE_FAILED,    /* could not start: see stop_errno */
};

struct side_stats {
	_Atomic uint64_t held;       /* connections held right now */
	_Atomic uint64_t opened;     /* established (connect) or accepted (serve), total */
	_Atomic uint64_t closed;     /* released, by the peer or by us, total */
	_Atomic uint64_t failed;     /* connect attempts that failed */
	_Atomic uint64_t in_flight;  /* connects started and not yet finished */
	_Atomic uint64_t lost;       /* accepted into a full table and dropped by the kernel */
	_Atomic uint64_t opening;    /* --proto/--tls: up at TCP, the session not yet established */
	_Atomic uint64_t session_failed; /* ... closed before it was: refused, a failed handshake, the peer gone */
	_Atomic uint64_t bytes_in, bytes_out;
	_Atomic uint64_t arena_allocated, arena_resident; /* the conn arena, bytes */
	_Atomic uint64_t ring_bytes; /* SQ/CQ/SQE memory of all rings, bytes */
	_Atomic uint64_t cpu_user_us, cpu_sys_us;
	_Atomic uint64_t scans, scan_us; /* --watch diag */
	_Atomic uint64_t rx_empty, rx_buf_bytes; /* --watch recv: recvs without a buffer; buffer bytes */
	_Atomic uint32_t rx_inc;     /* ... consumed incrementally */
	_Atomic uint32_t nrings;
	_Atomic uint32_t state;      /* enum side_state */
	_Atomic int32_t stop_reason; /* enum stop_reason */
	_Atomic int32_t stop_errno;
	_Atomic int32_t rcvbuf, sndbuf; /* effective sizes read back from a held socket; -1 unknown */
	_Atomic uint64_t peer_closed; /* held connections the peer ended: FIN */
	_Atomic uint64_t peer_reset;  /* ... with a reset or another error */
	_Atomic uint64_t first_conns; /* connect: connections whose first bytes were first[] */
	_Atomic uint32_t first_len;   /* bytes in first[]; stored after them */
	char first[FIRST_BYTES_MAX];  /* connect: the first bytes a peer sent */
	_Atomic uint64_t seq;        /* bumped on every publish */
	_Atomic uint64_t connect_lat_sum_ns; /* connect: start of the open to established, all timed */
	struct lat_hist connect_lat;  /* written live by the holder */
	struct traffic_stats traffic; /* written live by the backend, not by publish */
	_Atomic uint64_t connect_lat_max_ns; /* connect: the slowest connect_lat recorded */
	struct session_counts sessions; /* --proto, --tls */
	_Atomic uint32_t refusal_len;   /* bytes in refusal; stored after them */
	char refusal[SESSION_REFUSAL_MAX]; /* why the first refused session was ("-NOAUTH ...") */
};

/*
 * control.pause: PAUSE_WINDOW holds the count while a traffic window runs;
 * PAUSE_MEASURE while bench takes a point: the holders then turn every
 * millisecond and republish each turn, so the wait for fresh figures (and
 * the stall of the ramp) lasts a few turns, not a few publish periods.
 */
enum { PAUSE_WINDOW = 1, PAUSE_MEASURE = 2 };

struct control {
	_Atomic uint32_t stop;          /* nonzero: stop ramping, value is the enum stop_reason */
	_Atomic uint32_t pause;         /* nonzero: start nothing new; PAUSE_MEASURE: a point is taken */
	_Atomic uint32_t release;       /* RELEASE_CLIENT: connect side releases; RELEASE_ALL: both */
	_Atomic uint64_t peer_accepted; /* the server's accepted total, for the client's window */
	_Atomic uint64_t ramp_limit;    /* nonzero: hold at most this many (a report point is next) */
	_Atomic uint64_t drop;          /* the client closes this many held connections in all */
	_Atomic uint32_t beats;         /* nonzero: heartbeats run (bench starts them once all are held) */
	/*
	 * The schedule's window, CLOCK_MONOTONIC µs: heartbeats are due from
	 * beats_from_us (set before beats) until beats_until_us (0: open).
	 * beats numbers the window, so a generator that never saw the last
	 * one end still starts the next from its own beginning.
	 */
	_Atomic uint64_t beats_from_us, beats_until_us;
};

/*
 * The client goes first: its RSTs finish the server's watches, so the
 * server frees each slot as an ordinary peer close, with no cancel.
 */
#define RELEASE_CLIENT 1
#define RELEASE_ALL 2

#endif
