/*
 * tls.h - a TLS engine over OpenSSL 3 that never touches a socket: ciphertext
 * read in, plaintext and ciphertext to send out, so one single-threaded loop
 * can drive a million handshakes without ever blocking, in any event model.
 *
 * A connection is OpenSSL's SSL object and nothing more: its BIO reads from
 * and writes to the buffers of the call in progress (a memory BIO with no
 * memory of its own), so an idle connection holds no BIO buffer. With
 * SSL_MODE_RELEASE_BUFFERS (the default) the library also frees its record
 * buffers whenever a connection is idle; --tls-keep-buffers keeps them, to
 * measure what that saves.
 */
#ifndef HOLDCONN_TLS_H
#define HOLDCONN_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tls_options {
	bool server;
	const char *sni;       /* client: server name sent, and checked when verifying */
	const char *ca_file;   /* client: trust these (PEM); NULL: the system's store */
	bool insecure;         /* client: --tls-insecure, no verification at all */
	const char *cert_file; /* server: PEM certificate; NULL: self-signed, made at start */
	const char *key_file;  /* server: its PEM private key */
	bool keep_buffers;     /* --tls-keep-buffers: no SSL_MODE_RELEASE_BUFFERS */
};

struct tls_ctx;
struct tls_conn;

/* Bytes out of a call: appended at len. */
struct tls_buf {
	char *buf;
	size_t cap, len;
};
/* A handshake flight or a record always fits in this much room. */
#define TLS_OUT_MIN (64u << 10)

/* 0, or -errno with one line in err (a certificate that will not load, say). */
int tls_ctx_new(struct tls_ctx **ctx, const struct tls_options *o, char *err, size_t errlen);
void tls_ctx_free(struct tls_ctx *ctx);
/* Whether ctx accepts (serve) rather than connects. */
bool tls_ctx_server(const struct tls_ctx *ctx);
/* The self-signed certificate a server made, PEM, into buf (for a client's --tls-ca). 0 or -errno. */
int tls_ctx_cert_pem(struct tls_ctx *ctx, char *buf, size_t len);

/* A new connection; a client's ClientHello is appended to out. 0 or -errno. */
int tls_conn_new(struct tls_ctx *ctx, struct tls_conn **c, struct tls_buf *out);
void tls_conn_free(struct tls_conn *c);
/*
 * n bytes read from the network: the handshake advances (its answers to
 * out, at least TLS_OUT_MIN free), application bytes decrypted to plain
 * (room for n more always suffices). Every byte of in is consumed.
 * 0, -EPROTO when the handshake failed or the peer broke the protocol
 * (tls_conn_error says why), -ENOSPC.
 */
int tls_conn_input(struct tls_conn *c, const char *in, size_t n, struct tls_buf *out,
		   struct tls_buf *plain);
/* Encrypts n application bytes to out. Established connections only. 0, -EPROTO, -ENOSPC. */
int tls_conn_write(struct tls_conn *c, const char *plain, size_t n, struct tls_buf *out);
bool tls_conn_established(const struct tls_conn *c);
/* Why the handshake failed: the library's reason and the certificate check's. */
const char *tls_conn_error(const struct tls_conn *c, char *buf, size_t len);
/* "TLSv1.3 TLS_AES_256_GCM_SHA384" once established. */
const char *tls_conn_describe(const struct tls_conn *c, char *buf, size_t len);

/*
 * The library's memory: routes every OpenSSL allocation of the process into
 * a jemalloc arena of its own, so TLS user bytes are read exactly. Must run
 * before anything else in the process uses OpenSSL; 0, or -EBUSY when too
 * late (TLS bytes are then unknown).
 */
int tls_mem_init(void);
/* Bytes OpenSSL has allocated and not freed; -1 when tls_mem_init did not run. */
int64_t tls_mem_bytes(void);
/*
 * One handshake in memory between two throwaway contexts, all freed: the
 * library fills what it keeps once per process (algorithms fetched, their
 * caches), so that what grows after it is per connection. 0 or -errno.
 */
int tls_warm(void);

#endif
