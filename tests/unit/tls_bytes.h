/* tls_bytes.h - test_tls.c's measurement, run by main.c in a process of its own. */
#ifndef HOLDCONN_TEST_TLS_BYTES_H
#define HOLDCONN_TEST_TLS_BYTES_H

/*
 * Prints "client B server B handshake_cpu_us U": bytes per idle connection
 * each side, buffers "keep" or "release", and the CPU of one handshake (both
 * sides, in one process); returns the exit status.
 */
int tls_bytes_main(const char *buffers);
/*
 * A connect holder of mode "uring" or "epoll" holds a few TLS connections,
 * then closes them: prints its counts and OpenSSL's bytes before, while held
 * and once closed (test_opener_tls.c); returns the exit status.
 */
int tls_close_main(const char *mode);

#endif
