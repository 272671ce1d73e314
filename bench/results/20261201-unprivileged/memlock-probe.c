/*
 * memlock-probe.c - how many io_uring rings of one shape fit under an
 * RLIMIT_MEMLOCK, with holdconn's set-up flags (ringset.c), an eventfd, and
 * optionally a sparse registered file table and a 32-entry provided-buffer
 * ring (backend_uring.c, --watch recv only). Run without CAP_IPC_LOCK:
 *   cc -O2 -o probe memlock-probe.c -luring
 *   setpriv --reuid=nobody --regid=nogroup --clear-groups ./probe BYTES SQ CQ FILES BUFRING
 * The charge per ring is BYTES / rings (the user's locked_vm starts at 0).
 */
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>

int main(int argc, char **argv)
{
	if (argc != 6)
		return 2;
	struct rlimit rl = { atol(argv[1]), atol(argv[1]) };
	unsigned sq = atoi(argv[2]), cq = atoi(argv[3]), files = atoi(argv[4]), br = atoi(argv[5]);
	int n = 0, evfd = eventfd(0, 0), ret;

	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		perror("setrlimit");
	for (;; n++) {
		struct io_uring *u = calloc(1, sizeof(*u));
		struct io_uring_params p = { .flags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN |
						      IORING_SETUP_CQSIZE, .cq_entries = cq };

		if ((ret = io_uring_queue_init_params(sq, u, &p))) {
			printf("rings=%d (setup: %s)\n", n, strerror(-ret));
			return 0;
		}
		if (files && (ret = io_uring_register_files_sparse(u, files))) {
			printf("rings=%d (files: %s)\n", n, strerror(-ret));
			return 0;
		}
		io_uring_register_eventfd(u, evfd);
		if (br) {
			struct io_uring_buf_reg reg = { .ring_entries = 32 };

			reg.ring_addr = (unsigned long)mmap(NULL, 32 * sizeof(struct io_uring_buf),
							    PROT_READ | PROT_WRITE,
							    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if ((ret = io_uring_register_buf_ring(u, &reg, 0))) {
				printf("rings=%d (buffer ring: %s)\n", n, strerror(-ret));
				return 0;
			}
		}
	}
}
