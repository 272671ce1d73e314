/*
 * ktls.h - whether this kernel can take over a TLS session (kernel TLS): the
 * "tls" upper-layer protocol on an established TCP socket. Built with
 * CONFIG_TLS=n (this box's 6.18), it cannot; say so rather than pretend.
 */
#ifndef HOLDCONN_KTLS_H
#define HOLDCONN_KTLS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Attaches TCP_ULP "tls" to one end of a loopback pair made for the probe.
 * true when the kernel takes it; otherwise why (one line) is filled:
 * "kernel TLS unavailable: TCP_ULP \"tls\" is unknown to this kernel (CONFIG_TLS off)".
 */
bool ktls_probe(char *why, size_t len);

#endif
