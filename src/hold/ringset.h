/*
 * ringset.h - the rings one thread drives.
 *
 * A ring's registered file table is capped at RLIMIT_NOFILE and at 1<<20
 * slots, so holding millions of direct descriptors takes many rings. The
 * set grows a ring at a time; every ring signals one shared eventfd, and
 * the loop sleeps on that alone. A connection is named (ring id, slot).
 */
#ifndef HOLDCONN_RINGSET_H
#define HOLDCONN_RINGSET_H

#include <liburing.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include "base/addr.h"
#include "hold/bufring.h"
#include "hold/conn.h"

#define RING_NO_SLOT UINT32_MAX
#define RING_MAX_SLOTS (1u << 20) /* IORING_MAX_FIXED_FILES */

struct ring {
	struct io_uring uring;
	uint32_t id;
	uint32_t nslots;
	uint32_t used;      /* slots opening, held or closing */
	uint32_t free_head; /* first free slot (client side picks its own slots) */
	struct conn *conns; /* nslots records, from the conn arena */
	union sockaddr_inet *sa; /* per-SQE address scratch, read by the kernel at submit */
	bool dirty;         /* has SQEs not yet submitted */
	uint64_t *cookies;  /* per slot SO_COOKIE, for --watch diag (conn arena) */
	struct bufring *rx; /* the buffers its recvs read into: --watch recv, or bytes that are read */
	void **tx;          /* per slot: the message a send is writing (backend's; conn arena) */
};

struct ringset {
	struct ring **rings;
	uint32_t nrings, cap;
	uint32_t slots;     /* table size of each ring */
	unsigned sq_entries, cq_entries;
	unsigned setup_flags;
	int evfd;
	uint32_t *dirty;    /* ids of rings with unsubmitted SQEs */
	uint32_t ndirty;
	uint64_t ring_bytes; /* SQ/CQ/SQE memory of all rings, whole pages (what memlock is charged) */
	bool memlock_hit;    /* a ring could not be made: ENOMEM while RLIMIT_MEMLOCK is charged */
};

/*
 * Whether new rings are charged to this user's RLIMIT_MEMLOCK: a finite
 * limit, and no CAP_IPC_LOCK. The charge is per user (user->locked_vm),
 * shared by every ring of every process the user runs.
 */
bool ringset_memlock_charged(void);
/* Slots per ring allowed here: min(RLIMIT_NOFILE soft limit, 1<<20). */
uint32_t ringset_slots_allowed(void);
/* 0 or -errno. slots: table size per ring (0: ringset_slots_allowed()). */
int ringset_init(struct ringset *rs, uint32_t slots, unsigned sq_entries, unsigned cq_entries);
/* Adds a ring with a sparse table of rs->slots; 0 or -errno (-EMFILE, -ENOMEM). */
int ringset_add(struct ringset *rs, struct ring **out);
/* Makes room for a chain of n linked SQEs on r: a chain split across two
 * submits would run its tail unlinked. */
void ring_reserve(struct ringset *rs, struct ring *r, unsigned n);
/* An SQE on r; submits r first when its SQ is full. Never NULL. */
struct io_uring_sqe *ring_sqe(struct ringset *rs, struct ring *r);
/* The sockaddr scratch entry that belongs to sqe (valid until r is submitted). */
union sockaddr_inet *ring_sqe_addr(struct ring *r, struct io_uring_sqe *sqe);
/* Submits every ring holding new SQEs; 0 or -errno. */
int ringset_submit(struct ringset *rs);
/* Sleeps until some ring may have completions or timeout_us passes. */
void ringset_wait(struct ringset *rs, int timeout_us);
/* Cancels everything armed, drops every table, closes every ring. */
void ringset_destroy(struct ringset *rs);

/* Free-slot list for sides that pick their own slots. */
uint32_t ring_slot_get(struct ring *r);
void ring_slot_put(struct ring *r, uint32_t slot);

#endif
