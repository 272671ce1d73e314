/* ringset.c - many io_uring rings, one thread, one eventfd. */
#include <errno.h>
#include <linux/capability.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "hold/ringset.h"
#include "measure/sysinfo.h"
#include "base/uring_compat.h"

uint32_t ringset_slots_allowed(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur > RING_MAX_SLOTS)
		return RING_MAX_SLOTS;
	return (uint32_t)rl.rlim_cur;
}

bool ringset_memlock_charged(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) || rl.rlim_cur == RLIM_INFINITY)
		return false;
	return !sysinfo_has_cap(CAP_IPC_LOCK);
}

int ringset_init(struct ringset *rs, uint32_t slots, unsigned sq_entries, unsigned cq_entries)
{
	memset(rs, 0, sizeof(*rs));
	rs->slots = slots ? slots : ringset_slots_allowed();
	rs->sq_entries = sq_entries;
	rs->cq_entries = cq_entries;
	/*
	 * COOP_TASKRUN: completions are run when we next enter the kernel
	 * instead of interrupting us with an IPI; a sleeping task is still
	 * woken, so the eventfd wait below sees them.
	 */
	rs->setup_flags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_CQSIZE;
	rs->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (rs->evfd < 0)
		return -errno;
	return 0;
}

static int ring_grow_array(struct ringset *rs)
{
	uint32_t cap = rs->cap ? rs->cap * 2 : 16;
	struct ring **rings = realloc(rs->rings, cap * sizeof(*rings));
	uint32_t *dirty;

	if (!rings)
		return -ENOMEM;
	rs->rings = rings;
	dirty = realloc(rs->dirty, cap * sizeof(*dirty));
	if (!dirty)
		return -ENOMEM;
	rs->dirty = dirty;
	rs->cap = cap;
	return 0;
}

static int ring_setup(struct ringset *rs, struct ring *r)
{
	struct io_uring_params p = {
		.flags = rs->setup_flags,
		.cq_entries = rs->cq_entries,
	};
	int ret;

	ret = io_uring_queue_init_params(rs->sq_entries, &r->uring, &p);
	if (ret == -EINVAL && (p.flags & IORING_SETUP_COOP_TASKRUN)) {
		/* Kernels before 5.19: plain task-work notification. */
		rs->setup_flags &= ~IORING_SETUP_COOP_TASKRUN;
		p = (struct io_uring_params){ .flags = rs->setup_flags, .cq_entries = rs->cq_entries };
		ret = io_uring_queue_init_params(rs->sq_entries, &r->uring, &p);
	}
	if (ret == -ENOMEM && !rs->memlock_hit)
		rs->memlock_hit = ringset_memlock_charged();
	if (ret)
		return ret;
	ret = io_uring_register_files_sparse(&r->uring, rs->slots);
	if (!ret)
		ret = io_uring_register_eventfd(&r->uring, rs->evfd);
	if (ret) {
		io_uring_queue_exit(&r->uring);
		return ret;
	}
	rs->ring_bytes += hc_ring_charge(&p, (uint64_t)sysconf(_SC_PAGESIZE));
	return 0;
}

int ringset_add(struct ringset *rs, struct ring **out)
{
	struct ring *r;
	int ret;

	if (rs->nrings == rs->cap && (ret = ring_grow_array(rs)))
		return ret;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->conns = conn_array_alloc(rs->slots);
	if (!r->conns) {
		free(r);
		return -ENOMEM;
	}
	ret = ring_setup(rs, r);
	if (ret) {
		conn_array_free(r->conns);
		free(r);
		return ret;
	}
	r->id = rs->nrings;
	r->nslots = rs->slots;
	/* Every slot starts on the free list, in order. */
	for (uint32_t i = 0; i < r->nslots; i++)
		r->conns[i].next = i + 1 < r->nslots ? i + 1 : RING_NO_SLOT;
	r->free_head = 0;
	rs->rings[rs->nrings++] = r;
	*out = r;
	return 0;
}

static void ring_mark_dirty(struct ringset *rs, struct ring *r)
{
	if (!r->dirty) {
		r->dirty = true;
		rs->dirty[rs->ndirty++] = r->id;
	}
}

void ring_reserve(struct ringset *rs, struct ring *r, unsigned n)
{
	(void)rs;
	if (io_uring_sq_space_left(&r->uring) < n)
		io_uring_submit(&r->uring);
}

struct io_uring_sqe *ring_sqe(struct ringset *rs, struct ring *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->uring);

	while (!sqe) {
		io_uring_submit(&r->uring);
		sqe = io_uring_get_sqe(&r->uring);
	}
	ring_mark_dirty(rs, r);
	return sqe;
}

union sockaddr_inet *ring_sqe_addr(struct ring *r, struct io_uring_sqe *sqe)
{
	if (!r->sa) {
		r->sa = calloc(*r->uring.sq.kring_entries, sizeof(*r->sa));
		if (!r->sa)
			abort();
	}
	return &r->sa[sqe - r->uring.sq.sqes];
}

int ringset_submit(struct ringset *rs)
{
	int err = 0;

	for (uint32_t i = 0; i < rs->ndirty; i++) {
		struct ring *r = rs->rings[rs->dirty[i]];
		int ret = io_uring_submit(&r->uring);

		r->dirty = false;
		if (ret < 0 && ret != -EAGAIN && ret != -EBUSY && !err)
			err = ret;
	}
	rs->ndirty = 0;
	return err;
}

void ringset_wait(struct ringset *rs, int timeout_us)
{
	struct pollfd pfd = { .fd = rs->evfd, .events = POLLIN };
	struct timespec ts = { timeout_us / 1000000, timeout_us % 1000000 * 1000L };
	uint64_t v;

	for (uint32_t i = 0; i < rs->nrings; i++)
		if (io_uring_cq_ready(&rs->rings[i]->uring))
			return;
	if (ppoll(&pfd, 1, &ts, NULL) > 0)
		(void)!read(rs->evfd, &v, sizeof(v));
}

uint32_t ring_slot_get(struct ring *r)
{
	uint32_t s = r->free_head;

	if (s == RING_NO_SLOT)
		return s;
	r->free_head = r->conns[s].next;
	r->used++;
	return s;
}

void ring_slot_put(struct ring *r, uint32_t slot)
{
	r->conns[slot].next = r->free_head;
	r->free_head = slot;
	r->used--;
}

static void ring_release(struct ring *r)
{
	/*
	 * An armed request holds its own reference to its socket, so dropping
	 * the table alone would leave every watched socket alive; cancelling
	 * them one by one (or with CANCEL_ANY) is quadratic: the kernel looks
	 * each up in its cancel hash. Closing the ring cancels everything in
	 * one pass and drops the table; the kernel finishes it in a worker.
	 */
	io_uring_queue_exit(&r->uring);
	bufring_free(r->rx);
	conn_arena_free(r->cookies);
	conn_arena_free(r->tx);
	conn_array_free(r->conns);
	free(r->sa);
	free(r);
}

void ringset_destroy(struct ringset *rs)
{
	for (uint32_t i = 0; i < rs->nrings; i++)
		ring_release(rs->rings[i]);
	free(rs->rings);
	free(rs->dirty);
	if (rs->evfd >= 0)
		close(rs->evfd);
	memset(rs, 0, sizeof(*rs));
	rs->evfd = -1;
}
