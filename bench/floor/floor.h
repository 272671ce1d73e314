/*
 * floor.h - what the floor's ramp and teardown (floor.c) and its heartbeats
 * (beat.c) share.
 */
#ifndef HOLDCONN_FLOOR_H
#define HOLDCONN_FLOOR_H

#include <liburing.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "base/addr.h"
#include "hold/plan.h"

/* bench's values (src/run/bench.c, src/cmd, src/hold/backend_uring.c, src/run/side.c). */
#define LISTEN_ADDR 0x7f000001u   /* 127.0.0.1 */
#define BASE_PORT 17000
#define DEFAULT_PORTS 16
#define BACKLOG 4096
#define WINDOW 1024               /* connects in flight or unaccepted */
#define ACCEPT_MARGIN (2 * WINDOW) /* slots kept free on the accepting ring */
#define SOURCE_FIRST 0x7f010001u  /* 127.1.0.1 */
#define SOURCE_LAST 0x7f01fffeu   /* 127.1.255.254 */
#define SQ_ENTRIES 64              /* holdconn's ring: 8 KiB, under RLIMIT_MEMLOCK */
#define CQ_ENTRIES 128
#define BEAT_CQ_ENTRIES 1024       /* --send: a server ring reads into buffers (as holdconn's --watch recv) */
#define MAX_SLOTS (1u << 20)      /* IORING_MAX_FIXED_FILES */
#define TEARDOWN_TIMEOUT_S 120.0
#define STALL_S 30.0              /* no progress this long: give up */
#define MAX_MARKS 1100
#define MAX_RINGS 4096
#define HIST_BUCKETS 512          /* 8 a power of two: a quantile within 9% */

enum teardown { T_ON_RESET, T_CLIENT_FIRST, T_SERVER_FIRST, T_BOTH, T_RING_EXIT, T_EXIT };

enum go { GO_WAIT, GO_CLOSE, GO_EXIT };

enum op { OP_CHAIN = 1, OP_CONNECT, OP_ACCEPT, OP_CLOSE, OP_POLL, OP_RECV, OP_SEND };

/* bench's serve watch (hold/backend_uring.h): readable or closed; a close is any of these. */
#define WATCH_EVENTS (POLLIN | POLLRDHUP)
#define CLOSE_EVENTS (POLLRDHUP | POLLHUP | POLLERR)
#define RESET_QUIET_S 0.25 /* bench's wait for the server to see the rest once the client is gone */

/* Times in ns, in buckets 8 a power of two. */
struct hist {
	uint64_t n[HIST_BUCKETS];
};

/* One side's running totals (one writer each); the parent takes differences over a window. */
struct beat_counts {
	uint64_t due, on_time, late, sent, failed; /* client: heartbeats due and handed over */
	uint64_t msgs, partial, nobufs, ended;      /* server: messages read, recvs the kernel ended */
	struct hist h;                              /* client: lag behind schedule; server: one-way */
};

/* What the three processes share; each field has one writer. */
struct shared {
	_Atomic uint64_t connected, accepted;
	_Atomic int server_up;
	_Atomic int go[2];       /* [0] server, [1] client: the parent's release order */
	_Atomic int client_gone; /* the client has exited (the parent saw it) */
	_Atomic uint64_t reset_closed; /* on-reset: server slots closed as their RST arrived */
	_Atomic int err[2];      /* errno of a side's failure */
	double t[2][MAX_MARKS];  /* when each side passed marks[i] (CLOCK_MONOTONIC) */
	/* --slo: the client opens up to this many, then waits for the parent to raise it; 0: N */
	_Atomic uint64_t ramp_limit;
	/* A heartbeat window (beat.c): the parent announces it, the client says when it is through. */
	_Atomic uint64_t win_seq, win_from_ns, win_until_ns, win_done;
	struct beat_counts beat[2]; /* [0] server (reads), [1] client (sends) */
};

struct floor {
	uint64_t n;
	int ports;
	uint64_t every;
	enum teardown teardown;
	bool watch;              /* a poll on every server slot, as bench's serve */
	uint32_t send;           /* --send: heartbeat bytes (0: none; beat.c) */
	uint64_t every_ns;       /* --every: each pair's heartbeat period */
	double hold_s;           /* --hold: a window's length */
	double slo_p99_us;       /* --slo p99=: judge a window at every mark (0: one window at N) */
	int cpu[2];              /* --pin: the server's CPU and the client's, as bench's (-1: unpinned) */
	uint64_t marks[MAX_MARKS];
	int nmarks;
	struct plan plan;
	uint32_t slots;          /* per ring: min(RLIMIT_NOFILE, 1<<20), as holdconn */
	struct shared *sh;
};

/* One side's rings; a side only ever adds to the end. */
struct rings {
	struct io_uring *r[MAX_RINGS];
	uint32_t used[MAX_RINGS];
	uint32_t pending[MAX_RINGS]; /* client: connects in flight on each ring */
	int n;
	union sockaddr_inet sa[2][SQ_ENTRIES]; /* [0] bind, [1] connect: read at submit */
	struct beat_bufs *bufs[MAX_RINGS];     /* server, with --send: each ring's recv buffers */
	int evfd;                              /* server, with --send: every ring posts to it */
};


double now_s(void);
void pause_us(long us);
int ring_add(struct rings *rs, uint32_t slots, uint32_t cq_entries, struct io_uring **out);
struct io_uring_sqe *sqe_get(struct io_uring *r);
bool overflow_flushed(struct io_uring *r);

/* beat.c: the heartbeats, --send B --every D --hold D [--slo p99=D]. */
struct window {
	uint64_t conns, msgs, due, on_time, sent, failed, partial, nobufs, ended;
	double seconds, msgs_per_s, p50_us, p99_us, lag_p99_us, slip;
	double cpu_s[2], softirq_s; /* [0] server, [1] client */
	bool met;
};
int beat_ring_setup(struct rings *rs, int i);
void beat_arm_recv(struct io_uring *r, uint32_t slot);
bool beat_recv(struct floor *f, struct rings *rs, int i, const struct io_uring_cqe *cqe);
void beat_flush(struct rings *rs);
int beat_wait(struct rings *rs, int timeout_ms);
void beat_client_wait(struct floor *f, struct rings *rs, uint64_t held);
int beat_window(struct floor *f, pid_t spid, pid_t cpid, uint64_t conns, struct window *w);
void beat_print(const struct floor *f, const struct window *w);

#endif
