/* tls_bytes.h - test_tls.c's measurement, run by main.c in a process of its own. */
#ifndef HOLDCONN_TEST_TLS_BYTES_H
#define HOLDCONN_TEST_TLS_BYTES_H

/*
 * Prints "client B server B handshake_cpu_us U": bytes per idle connection
 * each side, buffers "keep" or "release", and the CPU of one handshake (both
 * sides, in one process); returns the exit status.
 */
int tls_bytes_main(const char *buffers);

#endif
