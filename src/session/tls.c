/* tls.c - the TLS engine over OpenSSL 3 (see tls.h). */
#include <errno.h>
#include <jemalloc/jemalloc.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include "session/tls.h"

struct tls_ctx {
	SSL_CTX *ssl;
	X509 *self_signed; /* serve without --tls-cert */
	bool server;
	char *sni;
	bool verify;
};

/*
 * The buffers of the call in progress. Every SSL call of the process runs
 * inside one of tls_conn_new/input/write, on the thread that drives the
 * connection, so the BIO finds its buffers here rather than in per-connection
 * memory: that is what makes an idle connection cost its SSL object alone.
 */
static _Thread_local struct {
	const char *in;
	size_t in_len;
	struct tls_buf *out;
} io;

static int bio_write(BIO *b, const char *data, size_t n, size_t *written)
{
	BIO_clear_retry_flags(b);
	if (!io.out || io.out->cap - io.out->len < n) {
		BIO_set_retry_write(b);
		return 0;
	}
	memcpy(io.out->buf + io.out->len, data, n);
	io.out->len += n;
	*written = n;
	return 1;
}

static int bio_read(BIO *b, char *data, size_t n, size_t *got)
{
	BIO_clear_retry_flags(b);
	if (!io.in_len) {
		BIO_set_retry_read(b);
		return 0;
	}
	if (n > io.in_len)
		n = io.in_len;
	memcpy(data, io.in, n);
	io.in += n;
	io.in_len -= n;
	*got = n;
	return 1;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b;
	(void)num;
	(void)ptr;
	return cmd == BIO_CTRL_FLUSH; /* nothing is held back to flush; nothing else applies */
}

static int bio_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

static BIO_METHOD *call_bio_method(void)
{
	static BIO_METHOD *m;

	if (!m) {
		m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "holdconn call");
		if (m && (!BIO_meth_set_write_ex(m, bio_write) || !BIO_meth_set_read_ex(m, bio_read) ||
			  !BIO_meth_set_ctrl(m, bio_ctrl) || !BIO_meth_set_create(m, bio_create))) {
			BIO_meth_free(m);
			m = NULL;
		}
	}
	return m;
}

/* A P-256 key and a certificate for CN=holdconn, localhost and 127.0.0.1, valid a year. */
static int self_sign(SSL_CTX *ssl, X509 **out)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509V3_CTX v3;
	X509_EXTENSION *san = NULL;
	int ok = key && x;

	ok = ok && X509_set_version(x, X509_VERSION_3) &&
	     ASN1_INTEGER_set(X509_get_serialNumber(x), 1) &&
	     X509_gmtime_adj(X509_getm_notBefore(x), -3600) &&
	     X509_gmtime_adj(X509_getm_notAfter(x), 365L * 86400) && X509_set_pubkey(x, key) &&
	     X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
					(const unsigned char *)"holdconn", -1, -1, 0) &&
	     X509_set_issuer_name(x, X509_get_subject_name(x));
	if (ok) {
		X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
		san = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name,
					  "DNS:localhost,IP:127.0.0.1,IP:::1");
		ok = san && X509_add_ext(x, san, -1);
	}
	ok = ok && X509_sign(x, key, EVP_sha256()) && SSL_CTX_use_certificate(ssl, x) &&
	     SSL_CTX_use_PrivateKey(ssl, key);
	X509_EXTENSION_free(san);
	EVP_PKEY_free(key);
	if (!ok) {
		X509_free(x);
		return -EINVAL;
	}
	*out = x;
	return 0;
}

static void last_error(const char *what, char *err, size_t errlen)
{
	char reason[160] = "unknown";
	unsigned long e = ERR_peek_last_error();

	if (e)
		ERR_error_string_n(e, reason, sizeof(reason));
	ERR_clear_error();
	snprintf(err, errlen, "%s: %s", what, reason);
}

static int server_keys(struct tls_ctx *t, const struct tls_options *o, char *err, size_t errlen)
{
	if (!o->cert_file) {
		if (!self_sign(t->ssl, &t->self_signed))
			return 0;
		last_error("TLS: could not make a self-signed certificate", err, errlen);
		return -EINVAL;
	}
	if (SSL_CTX_use_certificate_chain_file(t->ssl, o->cert_file) != 1 ||
	    SSL_CTX_use_PrivateKey_file(t->ssl, o->key_file ? o->key_file : o->cert_file,
					SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(t->ssl) != 1) {
		char what[256];

		snprintf(what, sizeof(what), "--tls-cert %s / --tls-key %s do not load as a pair",
			 o->cert_file, o->key_file ? o->key_file : o->cert_file);
		last_error(what, err, errlen);
		return -EINVAL;
	}
	return 0;
}

static int client_trust(struct tls_ctx *t, const struct tls_options *o, char *err, size_t errlen)
{
	t->verify = !o->insecure;
	if (!t->verify)
		return 0;
	SSL_CTX_set_verify(t->ssl, SSL_VERIFY_PEER, NULL);
	if (o->ca_file ? SSL_CTX_load_verify_locations(t->ssl, o->ca_file, NULL) != 1 :
			 SSL_CTX_set_default_verify_paths(t->ssl) != 1) {
		char what[256];

		snprintf(what, sizeof(what), "--tls-ca %s does not load: give a PEM file or --tls-insecure",
			 o->ca_file ? o->ca_file : "(system store)");
		last_error(what, err, errlen);
		return -EINVAL;
	}
	return 0;
}

int tls_ctx_new(struct tls_ctx **ctx, const struct tls_options *o, char *err, size_t errlen)
{
	struct tls_ctx *t = calloc(1, sizeof(*t));
	int ret;

	if (!t || !call_bio_method()) {
		free(t);
		snprintf(err, errlen, "TLS: out of memory");
		return -ENOMEM;
	}
	t->server = o->server;
	t->ssl = SSL_CTX_new(o->server ? TLS_server_method() : TLS_client_method());
	if (!t->ssl) {
		last_error("TLS: no context", err, errlen);
		free(t);
		return -ENOMEM;
	}
	if (!o->keep_buffers)
		SSL_CTX_set_mode(t->ssl, SSL_MODE_RELEASE_BUFFERS);
	/* No shared session cache to grow with the connections: only what each one holds counts. */
	SSL_CTX_set_session_cache_mode(t->ssl, SSL_SESS_CACHE_OFF);
	if (o->sni && !(t->sni = strdup(o->sni))) {
		tls_ctx_free(t);
		return -ENOMEM;
	}
	ret = o->server ? server_keys(t, o, err, errlen) : client_trust(t, o, err, errlen);
	if (ret) {
		tls_ctx_free(t);
		return ret;
	}
	*ctx = t;
	return 0;
}

void tls_ctx_free(struct tls_ctx *ctx)
{
	if (!ctx)
		return;
	SSL_CTX_free(ctx->ssl);
	X509_free(ctx->self_signed);
	free(ctx->sni);
	free(ctx);
}

bool tls_ctx_server(const struct tls_ctx *ctx)
{
	return ctx->server;
}

int tls_ctx_cert_pem(struct tls_ctx *ctx, char *buf, size_t len)
{
	BIO *mem;
	long n;
	char *p;

	if (!ctx->self_signed)
		return -ENOENT;
	mem = BIO_new(BIO_s_mem());
	if (!mem || !PEM_write_bio_X509(mem, ctx->self_signed)) {
		BIO_free(mem);
		return -ENOMEM;
	}
	n = BIO_get_mem_data(mem, &p);
	if (n < 0 || (size_t)n >= len) {
		BIO_free(mem);
		return -ENOSPC;
	}
	memcpy(buf, p, n);
	buf[n] = '\0';
	BIO_free(mem);
	return 0;
}

/* Runs one step with in/out as the BIO's buffers. */
static void io_begin(const char *in, size_t n, struct tls_buf *out)
{
	io.in = in;
	io.in_len = n;
	io.out = out;
}

static void io_end(void)
{
	io_begin(NULL, 0, NULL);
}

/* What an SSL call's result means here: 0 go on, 1 wait for bytes, -errno. */
static int step_result(SSL *s, int ret)
{
	switch (SSL_get_error(s, ret)) {
	case SSL_ERROR_NONE:
		return 0;
	case SSL_ERROR_WANT_READ:
		return 1;
	case SSL_ERROR_WANT_WRITE:
		return -ENOSPC;
	case SSL_ERROR_ZERO_RETURN: /* close_notify: the session is over, TCP may go on */
		return 1;
	default:
		return -EPROTO;
	}
}

int tls_conn_new(struct tls_ctx *ctx, struct tls_conn **c, struct tls_buf *out)
{
	SSL *s = SSL_new(ctx->ssl);
	BIO *b = s ? BIO_new(call_bio_method()) : NULL;
	int ret = 0;

	if (!b) {
		SSL_free(s);
		return -ENOMEM;
	}
	SSL_set_bio(s, b, b); /* one reference, for both directions */
	if (ctx->server) {
		SSL_set_accept_state(s);
	} else {
		SSL_set_connect_state(s);
		if (ctx->sni && (!SSL_set_tlsext_host_name(s, ctx->sni) ||
				 (ctx->verify && !SSL_set1_host(s, ctx->sni))))
			ret = -ENOMEM;
		if (!ret) {
			io_begin(NULL, 0, out);
			ret = step_result(s, SSL_do_handshake(s));
			io_end();
			ret = ret > 0 ? 0 : ret;
		}
	}
	if (ret) {
		SSL_free(s);
		return ret;
	}
	*c = (struct tls_conn *)s;
	return 0;
}

void tls_conn_free(struct tls_conn *c)
{
	SSL_free((SSL *)c);
}

int tls_conn_input(struct tls_conn *c, const char *in, size_t n, struct tls_buf *out,
		   struct tls_buf *plain)
{
	SSL *s = (SSL *)c;
	int ret = 0;

	io_begin(in, n, out);
	if (!SSL_is_init_finished(s))
		ret = step_result(s, SSL_do_handshake(s));
	while (!ret) {
		size_t got = 0;

		if (plain->cap == plain->len) {
			ret = -ENOSPC;
			break;
		}
		ret = step_result(s, SSL_read_ex(s, plain->buf + plain->len,
						 plain->cap - plain->len, &got));
		plain->len += got;
	}
	io_end();
	return ret > 0 ? 0 : ret;
}

int tls_conn_write(struct tls_conn *c, const char *plain, size_t n, struct tls_buf *out)
{
	SSL *s = (SSL *)c;
	size_t done = 0;
	int ret;

	if (!SSL_is_init_finished(s))
		return -EPROTO;
	io_begin(NULL, 0, out);
	ret = step_result(s, SSL_write_ex(s, plain, n, &done));
	io_end();
	return ret > 0 ? -EPROTO : ret;
}

bool tls_conn_established(const struct tls_conn *c)
{
	return SSL_is_init_finished((const SSL *)c);
}

const char *tls_conn_error(const struct tls_conn *c, char *buf, size_t len)
{
	const SSL *s = (const SSL *)c;
	long v = SSL_get_verify_result(s);
	char reason[160] = "the peer broke the protocol";
	unsigned long e = ERR_peek_last_error();

	if (e)
		ERR_error_string_n(e, reason, sizeof(reason));
	ERR_clear_error();
	if (v != X509_V_OK)
		snprintf(buf, len, "%s (certificate: %s)", reason, X509_verify_cert_error_string(v));
	else
		snprintf(buf, len, "%s", reason);
	return buf;
}

const char *tls_conn_describe(const struct tls_conn *c, char *buf, size_t len)
{
	const SSL *s = (const SSL *)c;

	snprintf(buf, len, "%s %s", SSL_get_version(s), SSL_get_cipher_name(s));
	return buf;
}

/* Feeds one side's flight to the other: 0, or -errno. */
static int warm_feed(struct tls_conn *to, struct tls_buf *flight, char *in, struct tls_buf *back,
		     struct tls_buf *plain)
{
	size_t n = flight->len;

	memcpy(in, flight->buf, n);
	flight->len = 0;
	return n ? tls_conn_input(to, in, n, back, plain) : 0;
}

int tls_warm(void)
{
	struct tls_options so = { .server = true }, co = { .insecure = true };
	struct tls_ctx *sc = NULL, *cc = NULL;
	struct tls_conn *c = NULL, *s = NULL;
	char *mem = malloc(4 * (size_t)TLS_OUT_MIN), err[160];
	struct tls_buf to_s = { mem, TLS_OUT_MIN, 0 }, to_c = { mem + TLS_OUT_MIN, TLS_OUT_MIN, 0 };
	struct tls_buf plain = { mem + 2 * TLS_OUT_MIN, TLS_OUT_MIN, 0 };
	int ret = mem ? 0 : -ENOMEM;

	ret = ret ? ret : tls_ctx_new(&sc, &so, err, sizeof(err));
	ret = ret ? ret : tls_ctx_new(&cc, &co, err, sizeof(err));
	ret = ret ? ret : tls_conn_new(cc, &c, &to_s);
	ret = ret ? ret : tls_conn_new(sc, &s, &to_c);
	for (int round = 0; !ret && round < 10 && (to_s.len || to_c.len); round++) {
		ret = warm_feed(s, &to_s, mem + 3 * TLS_OUT_MIN, &to_c, &plain);
		ret = ret ? ret : warm_feed(c, &to_c, mem + 3 * TLS_OUT_MIN, &to_s, &plain);
		plain.len = 0;
	}
	if (!ret && !(tls_conn_established(c) && tls_conn_established(s)))
		ret = -EPROTO;
	tls_conn_free(c);
	tls_conn_free(s);
	tls_ctx_free(cc);
	tls_ctx_free(sc);
	free(mem);
	return ret;
}

/* The library's memory, counted in usable bytes of an arena of its own. */
static unsigned tls_arena = ~0u;
static _Atomic int64_t tls_bytes;
#define TLS_MALLOCX (MALLOCX_ARENA(tls_arena) | MALLOCX_TCACHE_NONE)

static void *mem_alloc(size_t n, const char *file, int line)
{
	void *p = mallocx(n ? n : 1, TLS_MALLOCX);

	(void)file;
	(void)line;
	if (p)
		atomic_fetch_add_explicit(&tls_bytes, sallocx(p, 0), memory_order_relaxed);
	return p;
}

static void mem_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	if (!p)
		return;
	atomic_fetch_sub_explicit(&tls_bytes, sallocx(p, 0), memory_order_relaxed);
	dallocx(p, MALLOCX_TCACHE_NONE);
}

static void *mem_realloc(void *p, size_t n, const char *file, int line)
{
	size_t before;
	void *q;

	if (!p)
		return mem_alloc(n, file, line);
	if (!n) {
		mem_free(p, file, line);
		return NULL;
	}
	before = sallocx(p, 0);
	q = rallocx(p, n, TLS_MALLOCX);
	if (q)
		atomic_fetch_add_explicit(&tls_bytes, (int64_t)sallocx(q, 0) - (int64_t)before,
					  memory_order_relaxed);
	return q;
}

int tls_mem_init(void)
{
	size_t sz = sizeof(tls_arena);

	if (tls_arena != ~0u)
		return 0;
	if (mallctl("arenas.create", &tls_arena, &sz, NULL, 0)) {
		tls_arena = ~0u;
		return -ENOMEM;
	}
	if (!CRYPTO_set_mem_functions(mem_alloc, mem_realloc, mem_free)) {
		tls_arena = ~0u; /* the arena stays, unused: OpenSSL allocated before us */
		return -EBUSY;
	}
	return 0;
}

int64_t tls_mem_bytes(void)
{
	return tls_arena == ~0u ? -1 : atomic_load_explicit(&tls_bytes, memory_order_relaxed);
}
