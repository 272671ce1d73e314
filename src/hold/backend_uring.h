/*
 * backend_uring.h - what the uring backend's files share: its state, the
 * user_data encoding of its requests, and each file's entry points. Private
 * to src/hold/backend_uring*.c.
 */
#ifndef HOLDCONN_BACKEND_URING_H
#define HOLDCONN_BACKEND_URING_H

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "hold/bufring.h"
#include "hold/flow.h"
#include "hold/diag.h"
#include "hold/holder.h"
#include "hold/ringset.h"
#include "hold/sockopt.h"
#include "base/uring_compat.h"

#define SQ_ENTRIES HC_RING_SQ_ENTRIES
#define CQ_ENTRIES HC_RING_CQ_ENTRIES
/*
 * --watch recv: a multishot recv ends when the CQ has no room for its next
 * completion (that one waits in the overflow list) and must be armed
 * again, which is what it saves over a poll. 1024 CQEs ride out a burst of
 * that many reads between two reaps, for 4 more pages of RLIMIT_MEMLOCK a
 * ring (6 instead of 2; its buffer ring adds one more).
 */
#define CQ_ENTRIES_RECV 1024
#define DRAIN_BYTES 65536
#define RELEASE_BATCH (CQ_ENTRIES / 2) /* slots closed per submit while releasing: 2 CQEs each */
#define WATCH_EVENTS (POLLIN | POLLRDHUP)
#define CLOSE_EVENTS (POLLRDHUP | POLLHUP | POLLERR)

enum op {
	OP_IGNORE = 0, /* cancels, probes: nothing to do on completion */
	OP_CHAIN,      /* a step before CONNECT; posts only when it fails */
	OP_CONNECT,
	OP_POLL,       /* the watch: a poll, or a multishot recv with --watch recv */
	OP_RECV,
	OP_CLOSE,
	OP_ACCEPT,     /* slot field: listener index */
	OP_GETOPT,     /* slot field: 0 rcvbuf, 1 sndbuf */
	OP_RELEASE,    /* a close issued by release() */
	OP_COOKIE,     /* SO_COOKIE read into the ring's cookie array (--watch diag) */
	OP_SEND,       /* a message or an echo: the ring's tx[slot] */
	OP_PEEK,       /* --watch diag: is a slot missing from the dump really dead? */
	OP_BEAT,       /* a heartbeat: posts only if it did not all go at once (backend_uring_beat.c) */
};

/* user_data: op 8 | gen 16 | ring 20 | slot 20 bits. */
#define UD(op, gen, ring, slot) \
	((uint64_t)(op) << 56 | (uint64_t)(gen) << 40 | (uint64_t)(ring) << 20 | (uint64_t)(slot))
#define UD_OP(ud) ((unsigned)((ud) >> 56))
#define UD_GEN(ud) ((uint16_t)((ud) >> 40))
#define UD_RING(ud) ((uint32_t)((ud) >> 20) & 0xfffff)
#define UD_SLOT(ud) ((uint32_t)(ud) & 0xfffff)

#define CONN_F_HELD 0x10   /* was established: its close counts as a close */
#define CONN_F_FAILED 0x20 /* a chain step failed and was reported */

/* A message being sent; freed by its completion (or by the release). */
struct tx {
	uint16_t gen;
	uint32_t len;
	uint32_t done; /* of len, already out before this send (a heartbeat's first go) */
	char data[];
};

/* r->tx[slot] while a heartbeat sent with no completion of its own is not yet reported. */
extern char uring_beat_out;
#define BEAT_OUT ((void *)&uring_beat_out)

struct uring_be {
	struct ringset rs;
	struct ring *active; /* where new connections go */
	int lfd[HOLDER_MAX_LISTEN];
	int nlisten;
	uint32_t margin;     /* serve: slots left free on the accepting ring */
	uint32_t late;       /* serve: accepts on earlier rings since the active one took over */
	bool accepting;
	bool has_bind, has_sockopt;
	bool asked_buffers;
	enum watch watch;
	unsigned poll_events; /* what the poll watch waits for: no POLLIN with --on-data keep */
	bool echo, keep;     /* serve: --on-data echo / keep */
	bool reads;          /* the bytes are read (echo, timed traffic, sessions): recvs take provided buffers */
	int nlfd;            /* --watch diag: the sock_diag socket */
	struct diag_set alive;
	struct diag_ports ports; /* serve: the sweep dumps only sockets on these ports */
	bool ports_full;         /* too many ranges to filter on: the sweep dumps all */
	double next_scan;
	uint64_t rx_empty, rx_buf_bytes; /* --watch recv, all rings (the holder's copy is set each turn) */
	bool rx_inc;
	int got[2];
	/* Heartbeats (backend_uring_beat.c): one message (traffic.send bytes) for a turn's, and those sent since the last reap. */
	char *beat;
	bool beat_stamped;   /* since the last wait */
	uint64_t *beats;     /* the user_data of each: ring, slot, gen */
	uint32_t nbeats, beats_cap, beats_later;
	char drain[DRAIN_BYTES]; /* shared by every recv whose bytes are dropped */
};

static inline struct uring_be *BE(struct holder *h)
{
	return h->be;
}

/* The id flow knows a slot by. */
static inline uint32_t uring_id_of(struct holder *h, const struct ring *r, uint32_t slot)
{
	return r->id * BE(h)->rs.slots + slot;
}

/* backend_uring_beat.c */
int uring_beat_write(struct holder *h, struct ring *r, uint32_t slot, uint32_t len);
void uring_on_beat(struct holder *h, struct ring *r, uint32_t slot, uint16_t gen, int res);
void uring_beats_submitted(struct uring_be *be);
void uring_beats_done(struct holder *h);
void uring_beats_free(struct uring_be *be);

/* backend_uring_serve.c */
int uring_listen(struct holder *h, const union sockaddr_inet *addr);
void uring_stop_accepting(struct holder *h);
void uring_on_accept(struct holder *h, struct ring *r, int l, int res, unsigned flags);

/* backend_uring_diag.c */
void uring_ask_cookie(struct uring_be *be, struct ring *r, uint32_t slot);
void uring_on_peek(struct holder *h, struct ring *r, uint32_t slot, int res);
void uring_diag_scan(struct holder *h);

/* backend_uring_read.c */
void uring_drain(struct uring_be *be, struct ring *r, uint32_t slot);
void uring_on_poll(struct holder *h, struct ring *r, uint32_t slot, int res, unsigned flags);
void uring_on_recv_watch(struct holder *h, struct ring *r, uint32_t slot, const char *data, int res,
			 unsigned flags);
void uring_on_recv(struct holder *h, struct ring *r, uint32_t slot, int res, const char *data);

/* backend_uring.c */
int uring_add_ring(struct uring_be *be, struct ring **out);
int uring_send_tx(struct uring_be *be, struct ring *r, uint32_t slot, const char *data,
		  uint32_t len, uint32_t done);
bool uring_arm_watch(struct uring_be *be, struct ring *r, uint32_t slot);
void uring_peer_closed(struct holder *h, struct ring *r, uint32_t slot, int res, bool cancel);
void uring_established(struct holder *h, struct ring *r, uint32_t slot);
enum stop_reason uring_ring_stop_reason(const struct uring_be *be, int err);

#endif
