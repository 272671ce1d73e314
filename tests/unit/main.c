/*
 * main.c - the unit tests' own main: Criterion's, with one more way in.
 * `unit_tests --tls-bytes keep|release` measures what OpenSSL holds per idle
 * connection (test_tls.c), `--tls-close uring|epoll` what a holder's closed
 * connections leave (test_opener_tls.c), in a process Criterion never initialised: Criterion
 * starts OpenSSL as it initialises (libgit2 calls libssh2_init), and OpenSSL
 * takes a counting allocator only before its first allocation.
 */
#include <criterion/criterion.h>
#include <string.h>
#include "unit/tls_bytes.h"

int main(int argc, char *argv[])
{
	struct criterion_test_set *tests;
	int result = 0;

	if (argc == 3 && strcmp(argv[1], "--tls-bytes") == 0)
		return tls_bytes_main(argv[2]);
	if (argc == 3 && strcmp(argv[1], "--tls-close") == 0)
		return tls_close_main(argv[2]);
	tests = criterion_initialize();
	if (criterion_handle_args(argc, argv, true))
		result = !criterion_run_all_tests(tests);
	criterion_finalize(tests);
	return result;
}
