/*
 * test_bufring.c - the provided buffers of --watch recv, against the real
 * kernel: multishot recvs on loopback TCP pairs read into one set, and
 * every byte comes back where bufring_take says, in order, per socket.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "base/uring_compat.h"
#include "hold/bufring.h"

#define PAIRS 8
#define MSG 64

static struct io_uring U;
static struct bufring *B;
static int lfd = -1, cli[PAIRS], srv[PAIRS];

static void setup(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int ret = io_uring_queue_init(64, &U, 0);

	if (ret)
		cr_skip_test("no io_uring here (%s)", strerror(-ret));
	ret = bufring_create(&U, 0, &B);
	if (ret == -EINVAL)
		cr_skip_test("this kernel has no provided buffer rings (5.19)");
	cr_assert_eq(ret, 0, "%s", strerror(-ret));
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(!bind(lfd, (struct sockaddr *)&a, sizeof(a)) && !listen(lfd, PAIRS));
	cr_assert(!getsockname(lfd, (struct sockaddr *)&a, &len));
	for (int i = 0; i < PAIRS; i++) {
		cli[i] = socket(AF_INET, SOCK_STREAM, 0);
		cr_assert(!connect(cli[i], (struct sockaddr *)&a, sizeof(a)));
		srv[i] = accept(lfd, NULL, NULL);
		cr_assert_geq(srv[i], 0);
	}
}

static void teardown(void)
{
	io_uring_queue_exit(&U);
	bufring_free(B);
	B = NULL;
	for (int i = 0; i < PAIRS && lfd >= 0; i++) {
		close(cli[i]);
		close(srv[i]);
	}
	if (lfd >= 0)
		close(lfd);
	lfd = -1;
}

TestSuite(bufring, .init = setup, .fini = teardown);

static void arm(int i)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&U);

	io_uring_prep_recv_multishot(sqe, srv[i], NULL, 0, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = 0;
	io_uring_sqe_set_data64(sqe, (uint64_t)i);
	cr_assert_eq(io_uring_submit(&U), 1);
}

/* Message n of pair i: every byte says which pair and which message. */
static void fill(char *m, int i, int n)
{
	for (int k = 0; k < MSG; k++)
		m[k] = (char)(i * 31 + n * 7 + k);
}

static void send_msgs(int i, int first, int n)
{
	char m[MSG];

	for (int j = first; j < first + n; j++) {
		fill(m, i, j);
		cr_assert_eq(write(cli[i], m, MSG), MSG);
	}
}

struct seen {
	size_t bytes[PAIRS];
	int enobufs;
	bool ended[PAIRS]; /* its multishot recv ended: arm it again */
};

/* Reaps what has completed, checking each byte against the stream it belongs to. */
static void reap(struct seen *s)
{
	struct io_uring_cqe *cqe;
	char want[MSG];

	while (!io_uring_wait_cqe_timeout(&U, &cqe, &(struct __kernel_timespec){ .tv_nsec = 50000000 })) {
		int i = (int)cqe->user_data, res = cqe->res;
		const char *data = bufring_take(B, res, cqe->flags);

		if (res == -ENOBUFS)
			s->enobufs++;
		if (!(cqe->flags & IORING_CQE_F_MORE))
			s->ended[i] = true;
		for (int k = 0; data && k < res; k++, s->bytes[i]++) {
			fill(want, i, (int)(s->bytes[i] / MSG));
			cr_assert_eq(data[k], want[s->bytes[i] % MSG], "pair %d byte %zu", i, s->bytes[i]);
		}
		io_uring_cqe_seen(&U, cqe);
	}
	bufring_flush(B);
}

Test(bufring, every_byte_lands_where_take_says_in_order_per_socket)
{
	struct seen s = { 0 };

	for (int i = 0; i < PAIRS; i++)
		arm(i);
	/* Rounds of 4 messages per pair: 8 x 4 x 64 B = 2 KiB a round, 20 rounds: 40 KiB. */
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < PAIRS; i++)
			send_msgs(i, round * 4, 4);
		reap(&s);
	}
	for (int i = 0; i < PAIRS; i++)
		cr_expect_eq(s.bytes[i], 20 * 4 * MSG, "pair %d", i);
	cr_expect_eq(s.enobufs, 0);
	cr_expect_eq(B->nbufs, BUFRING_START, "a set that was never empty did not grow");
}

Test(bufring, incremental_use_puts_many_messages_in_one_buffer)
{
	unsigned bid_first;
	struct io_uring_cqe *cqe;

	if (!B->inc)
		cr_skip_test("this kernel consumes provided buffers whole (IOU_PBUF_RING_INC is 6.12)");
	arm(0);
	send_msgs(0, 0, 1);
	cr_assert_eq(io_uring_wait_cqe(&U, &cqe), 0);
	bid_first = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
	cr_expect(cqe->flags & HC_CQE_F_BUF_MORE, "the buffer stays the kernel's");
	cr_assert_not_null(bufring_take(B, cqe->res, cqe->flags));
	io_uring_cqe_seen(&U, cqe);
	send_msgs(0, 1, 1);
	cr_assert_eq(io_uring_wait_cqe(&U, &cqe), 0);
	cr_expect_eq(cqe->flags >> IORING_CQE_BUFFER_SHIFT, bid_first, "the second message shares it");
	io_uring_cqe_seen(&U, cqe);
}

Test(bufring, a_starved_set_doubles_once_between_flushes)
{
	cr_assert_eq(B->nbufs, BUFRING_START);
	bufring_starved(B);
	bufring_starved(B); /* a second recv saw the same empty set */
	cr_expect_eq(B->nbufs, 2 * BUFRING_START);
	cr_expect_eq(B->empty, 2);
	bufring_flush(B);
	bufring_starved(B);
	cr_expect_eq(B->nbufs, 4 * BUFRING_START);
	for (int i = 0; i < 10; i++) {
		bufring_flush(B);
		bufring_starved(B);
	}
	cr_expect_eq(B->nbufs, BUFRING_MAX, "never past the ring's size");
}

Test(bufring, a_set_run_dry_loses_no_byte_once_rearmed)
{
	struct seen s = { 0 };
	/* More than the starting set holds even consumed incrementally: 16 x 4 KiB. */
	int per_pair = 2 * BUFRING_START * BUFRING_BUF_BYTES / MSG / PAIRS;

	for (int i = 0; i < PAIRS; i++)
		send_msgs(i, 0, per_pair);
	for (int i = 0; i < PAIRS; i++)
		arm(i);
	for (int tries = 0; tries < 50; tries++) {
		size_t total = 0;

		reap(&s);
		if (s.enobufs)
			bufring_starved(B);
		for (int i = 0; i < PAIRS; i++)
			total += s.bytes[i];
		if (total == (size_t)PAIRS * per_pair * MSG)
			break;
		/* Every recv that ended is armed again, as the holder does. */
		for (int i = 0; i < PAIRS; i++) {
			if (s.ended[i])
				arm(i);
			s.ended[i] = false;
		}
	}
	for (int i = 0; i < PAIRS; i++)
		cr_expect_eq(s.bytes[i], (size_t)per_pair * MSG, "pair %d", i);
	cr_expect_gt(s.enobufs, 0, "the starting set ran dry");
	cr_expect_gt(B->nbufs, BUFRING_START, "and grew");
}
