/*
 * conn.h - the per-connection record and the jemalloc arena that holds it.
 *
 * A connection is named by (ring, slot); its record lives in its ring's
 * array, allocated from a dedicated arena so that the arena's own stats are
 * exactly the user-space cost of holding connections.
 */
#ifndef HOLDCONN_CONN_H
#define HOLDCONN_CONN_H

#include <stddef.h>
#include <stdint.h>

enum conn_state {
	CONN_FREE = 0,
	CONN_OPENING,  /* socket/connect chain in flight (client) */
	CONN_HELD,     /* established and watched */
	CONN_CLOSING,  /* cancel + close in flight */
};

struct conn {
	uint32_t next;  /* free list link while CONN_FREE; planner tuple index while in use */
	uint8_t state;  /* enum conn_state */
	uint8_t flags;  /* CONN_F_* */
	uint16_t gen;   /* bumped on reuse: stale completions are recognised */
};
_Static_assert(sizeof(struct conn) == 8, "per-connection record must stay 8 bytes");

/* Flags flow.c keeps (every backend with write leaves them alone but may read them). */
#define CONN_F_COUNTED 0x02  /* counted held: at TCP's handshake, or once its session was established */
#define CONN_F_SENDING 0x04  /* a write is in flight: a message or an echo */
#define CONN_F_STALLED 0x08  /* a heartbeat was skipped on this connection, once at least */
#define CONN_F_SPOKE 0x80    /* connect: the peer's first bytes have been seen */
/* The backend's own: 0x01, 0x10, 0x20, 0x40. */
#define CONN_F_DRAINING 0x01 /* a recv is in flight on this slot */
#define CONN_F_COOKIE 0x40   /* the slot's SO_COOKIE has been read (--watch diag) */

struct arena_stats {
	uint64_t allocated; /* bytes handed out by the arena */
	uint64_t resident;  /* bytes of physical memory the arena holds */
	uint64_t mapped;
};

/* Create the arena once per process; 0 or -errno. */
int conn_arena_init(void);
/* n zeroed records from the arena, or NULL. */
struct conn *conn_array_alloc(size_t n);
void conn_array_free(struct conn *c);
/* n zeroed bytes of other per-slot state from the same arena, or NULL. */
void *conn_arena_zalloc(size_t bytes);
void conn_arena_free(void *p);
/* Refreshes jemalloc's epoch and reads the arena's counters; 0 or -errno. */
int conn_arena_stats(struct arena_stats *st);

#endif
