/*
 * bufring.h - the provided buffers one ring's multishot recvs read into
 * (--watch recv).
 *
 * The kernel picks the buffer for each read from a ring of them that it
 * shares with us; the completion names it (IORING_CQE_F_BUFFER, its id in
 * the upper 16 bits of the flags). A recv that finds the ring empty ends
 * with -ENOBUFS and must be armed again: the bytes stay in the socket.
 *
 * With incremental consumption (IOU_PBUF_RING_INC, Linux 6.12) a read
 * takes only the bytes it needs from the buffer at the head: one 4 KiB
 * buffer holds 64 heartbeats of 64 bytes instead of one. The kernel moves
 * that buffer's address on by what it read and, while some is left, flags
 * the completion IORING_CQE_F_BUF_MORE: the buffer is still the kernel's,
 * and its next bytes follow these. We keep each buffer's fill offset to
 * find them. Without it (older kernels) every read takes a whole buffer.
 *
 * The set starts at BUFRING_START buffers and doubles, up to BUFRING_MAX,
 * whenever a recv finds it empty, so a ring holds what its traffic needs.
 * Buffers the kernel is done with come back in a batch (bufring_flush).
 */
#ifndef HOLDCONN_BUFRING_H
#define HOLDCONN_BUFRING_H

#include <liburing.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BUFRING_BUF_BYTES 4096 /* one page: 64 heartbeats of 64 B with incremental use */
#define BUFRING_START 16       /* 64 KiB in rotation to begin with */
#define BUFRING_MAX 256        /* ring entries (16 B each: one page charged to memlock); 1 MiB of buffers */

struct bufring {
	struct io_uring_buf_ring *br; /* BUFRING_MAX entries, shared with the kernel */
	size_t br_bytes;
	char *mem;          /* BUFRING_MAX buffers reserved; pages are touched only once used */
	uint32_t *off;      /* per buffer: bytes the kernel has filled since it was provided */
	uint16_t bgid;
	uint16_t nbufs;     /* buffers in rotation */
	uint16_t returned;  /* given back since the last flush, not yet visible to the kernel */
	bool inc;           /* consumed incrementally */
	bool grew;          /* doubled since the last flush */
	uint64_t empty;     /* recvs that found no buffer (-ENOBUFS) */
	uint64_t grown;     /* times the set doubled */
};

/* Registers a buffer ring as group bgid on u, incremental where the kernel has it; 0 or -errno. */
int bufring_create(struct io_uring *u, uint16_t bgid, struct bufring **out);
/* Frees the memory; the ring must be gone (its exit unregisters the group) or unregistered. */
void bufring_free(struct bufring *b);
/*
 * The bytes a recv completion carries (NULL for none) and the buffer's
 * bookkeeping: a buffer the kernel is done with goes back to the set at the
 * next bufring_flush, so the bytes stay valid until then. Every completion
 * that has IORING_CQE_F_BUFFER must pass here, stale or not, in CQ order.
 */
const char *bufring_take(struct bufring *b, int res, unsigned cqe_flags);
/* Makes the buffers given back visible to the kernel; once per reap of the ring. */
void bufring_flush(struct bufring *b);
/*
 * A recv found the set empty: makes the buffers given back visible, and
 * doubles the set (up to BUFRING_MAX) once between two flushes.
 */
void bufring_starved(struct bufring *b);
/* Whether this kernel consumes provided buffers incrementally (a probe, once). */
bool bufring_incremental(void);
/* Bytes charged to RLIMIT_MEMLOCK for the ring of entries (whole pages). */
size_t bufring_charge(void);

#endif
