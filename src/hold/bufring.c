/* bufring.c - provided buffers for multishot recv, consumed incrementally where the kernel can. */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "base/uring_compat.h"
#include "hold/bufring.h"

_Static_assert((BUFRING_MAX & (BUFRING_MAX - 1)) == 0, "a buffer ring's size is a power of two");
_Static_assert(BUFRING_START <= BUFRING_MAX, "the starting set fits the ring");

size_t bufring_charge(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t bytes = BUFRING_MAX * sizeof(struct io_uring_buf);

	return (bytes + page - 1) / page * page;
}

/* Buffer bid, whole, at the tail (visible to the kernel at the next flush). */
static void give(struct bufring *b, uint16_t bid)
{
	b->off[bid] = 0;
	io_uring_buf_ring_add(b->br, b->mem + (size_t)bid * BUFRING_BUF_BYTES, BUFRING_BUF_BYTES,
			      bid, io_uring_buf_ring_mask(BUFRING_MAX), b->returned++);
}

static void publish(struct bufring *b)
{
	if (!b->returned)
		return;
	io_uring_buf_ring_advance(b->br, b->returned);
	b->returned = 0;
}

void bufring_flush(struct bufring *b)
{
	publish(b);
	b->grew = false;
}

static void add_buffers(struct bufring *b, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		give(b, b->nbufs + i);
	b->nbufs += n;
	publish(b);
}

static int register_ring(struct io_uring *u, struct bufring *b)
{
	struct io_uring_buf_reg reg = {
		.ring_addr = (uintptr_t)b->br,
		.ring_entries = BUFRING_MAX,
		.bgid = b->bgid,
		.pad = HC_PBUF_RING_INC,
	};
	int ret = io_uring_register_buf_ring(u, &reg, 0);

	if (ret == -EINVAL) {
		/* Before 6.12: whole buffers only. */
		reg.pad = 0;
		ret = io_uring_register_buf_ring(u, &reg, 0);
	} else if (!ret) {
		b->inc = true;
	}
	return ret;
}

int bufring_create(struct io_uring *u, uint16_t bgid, struct bufring **out)
{
	struct bufring *b = calloc(1, sizeof(*b));
	int ret = -ENOMEM;

	if (!b)
		return -ENOMEM;
	b->bgid = bgid;
	b->br_bytes = bufring_charge();
	b->br = mmap(NULL, b->br_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	b->mem = mmap(NULL, (size_t)BUFRING_MAX * BUFRING_BUF_BYTES, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	b->off = calloc(BUFRING_MAX, sizeof(*b->off));
	if (b->br == MAP_FAILED)
		b->br = NULL;
	if (b->mem == MAP_FAILED)
		b->mem = NULL;
	if (!b->br || !b->mem || !b->off)
		goto fail;
	ret = register_ring(u, b);
	if (ret)
		goto fail;
	io_uring_buf_ring_init(b->br);
	add_buffers(b, BUFRING_START);
	*out = b;
	return 0;
fail:
	bufring_free(b);
	return ret;
}

void bufring_free(struct bufring *b)
{
	if (!b)
		return;
	if (b->br)
		munmap(b->br, b->br_bytes);
	if (b->mem)
		munmap(b->mem, (size_t)BUFRING_MAX * BUFRING_BUF_BYTES);
	free(b->off);
	free(b);
}

const char *bufring_take(struct bufring *b, int res, unsigned cqe_flags)
{
	uint16_t bid = cqe_flags >> IORING_CQE_BUFFER_SHIFT;
	const char *data;

	/*
	 * An error consumed no buffer. Nor, incrementally, did a read of
	 * nothing (EOF): committing 0 bytes leaves the head where it was
	 * (6.18 flags neither with a buffer; older kernels may).
	 */
	if (!(cqe_flags & IORING_CQE_F_BUFFER) || bid >= b->nbufs || res < 0 || (b->inc && !res))
		return NULL;
	data = b->mem + (size_t)bid * BUFRING_BUF_BYTES + b->off[bid];
	b->off[bid] += (uint32_t)res;
	if (!b->inc || !(cqe_flags & HC_CQE_F_BUF_MORE))
		give(b, bid);
	return res ? data : NULL;
}

void bufring_starved(struct bufring *b)
{
	uint16_t n = b->nbufs < BUFRING_MAX - b->nbufs ? b->nbufs : BUFRING_MAX - b->nbufs;

	b->empty++;
	/* Once a round: every socket with bytes waiting sees the same empty set. */
	if (b->grew)
		n = 0;
	if (n) {
		b->grown++;
		b->grew = true;
	}
	add_buffers(b, n); /* after those already given back; makes them all visible */
}

bool bufring_incremental(void)
{
	static int known = -1;
	struct bufring *b = NULL;
	struct io_uring u;

	if (known >= 0)
		return known;
	known = 0;
	if (io_uring_queue_init(2, &u, 0))
		return false;
	if (!bufring_create(&u, 0, &b))
		known = b->inc;
	io_uring_queue_exit(&u); /* unregisters the group before its memory goes */
	bufring_free(b);
	return known;
}
