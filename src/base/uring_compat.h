/*
 * uring_compat.h - what liburing 2.3's headers (kernel 6.1 uapi) lack and
 * holdconn uses on newer kernels. Every item here is guarded by a runtime
 * probe (probe.c) before use; nothing assumes the running kernel has it.
 */
#ifndef HOLDCONN_URING_COMPAT_H
#define HOLDCONN_URING_COMPAT_H

#include <liburing.h>
#include <stdint.h>
#include <string.h>

/* Opcodes, with the kernel that introduced each. */
#define HC_OP_URING_CMD 46 /* 5.19; sockets accept it from 6.7 */
#define HC_OP_BIND 56      /* 6.11 */
#define HC_OP_LISTEN 57    /* 6.11 */

/*
 * The rings holdconn makes (hold/ringset.c): every ring is sized for the
 * busiest one, and most sit full and idle. Without CAP_IPC_LOCK the kernel
 * (6.13+) charges each ring's SQE array and its CQ region, whole pages, to
 * the user's RLIMIT_MEMLOCK: 64 SQEs and 128 CQEs are two pages, 8 KiB.
 */
#define HC_RING_SQ_ENTRIES 64
#define HC_RING_CQ_ENTRIES 128

/* The bytes a ring set up with p is charged: SQE array + (heads, CQEs, SQ index array). */
static inline uint64_t hc_ring_charge(const struct io_uring_params *p, uint64_t page)
{
	uint64_t sqes = (uint64_t)p->sq_entries * sizeof(struct io_uring_sqe);
	uint64_t rings = (uint64_t)p->sq_off.array + (uint64_t)p->sq_entries * sizeof(uint32_t);

	return (sqes + page - 1) / page * page + (rings + page - 1) / page * page;
}

/*
 * Provided buffer rings consumed a piece at a time (6.12): the register
 * flag (io_uring_buf_reg.flags, `pad` in the 6.1 struct), and the CQE flag
 * saying the buffer still has room and stays the kernel's. A kernel
 * without it refuses the flag with -EINVAL.
 */
#define HC_PBUF_RING_INC 2          /* IOU_PBUF_RING_INC */
#define HC_CQE_F_BUF_MORE (1U << 4) /* IORING_CQE_F_BUF_MORE */

/* uring_cmd sub-commands on sockets (6.7). */
#define HC_SOCKET_URING_OP_SIOCINQ 0
#define HC_SOCKET_URING_OP_SIOCOUTQ 1
#define HC_SOCKET_URING_OP_GETSOCKOPT 2
#define HC_SOCKET_URING_OP_SETSOCKOPT 3

/*
 * The 6.7 sqe layout for socket options, written through the 6.1 struct:
 * level/optname share the 64-bit `addr` word, optlen sits where file_index
 * is, optval where addr3 is. x86-64 is little endian, so level is the low
 * half of addr.
 */
static inline void hc_prep_sockopt(struct io_uring_sqe *sqe, int slot, uint32_t cmd, int level,
				   int optname, const void *optval, uint32_t optlen)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = HC_OP_URING_CMD;
	sqe->fd = slot;
	sqe->flags = IOSQE_FIXED_FILE;
	sqe->cmd_op = cmd;
	sqe->addr = (uint64_t)(uint32_t)level | ((uint64_t)(uint32_t)optname << 32);
	sqe->file_index = optlen;
	sqe->addr3 = (uint64_t)(uintptr_t)optval;
}

/* IORING_OP_BIND: addr = sockaddr, addr2 = its length (copied at submit). */
static inline void hc_prep_bind(struct io_uring_sqe *sqe, int slot, const void *sa, uint32_t len)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = HC_OP_BIND;
	sqe->fd = slot;
	sqe->flags = IOSQE_FIXED_FILE;
	sqe->addr = (uint64_t)(uintptr_t)sa;
	sqe->addr2 = len;
}

#endif
