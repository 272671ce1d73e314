/* test_tls.c - a client and a server engine talking to each other in memory. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "session/tls.h"
#include "unit/tls_bytes.h"

static char wire_c[TLS_OUT_MIN], wire_s[TLS_OUT_MIN], plain_c[TLS_OUT_MIN], plain_s[TLS_OUT_MIN];

struct pair {
	struct tls_conn *c, *s;
	struct tls_buf to_s, to_c; /* ciphertext in flight each way */
	struct tls_buf pc, ps;     /* plaintext each side read */
	int rc, rs;                /* the last input's result on each side */
};

static void pair_init(struct pair *p)
{
	memset(p, 0, sizeof(*p));
	p->to_s = (struct tls_buf){ wire_c, sizeof(wire_c), 0 };
	p->to_c = (struct tls_buf){ wire_s, sizeof(wire_s), 0 };
	p->pc = (struct tls_buf){ plain_c, sizeof(plain_c), 0 };
	p->ps = (struct tls_buf){ plain_s, sizeof(plain_s), 0 };
}

/* Carries the bytes each side sent to the other until neither sends more. */
static void shuttle(struct pair *p)
{
	char in[TLS_OUT_MIN];

	for (int round = 0; round < 10 && (p->to_s.len || p->to_c.len); round++) {
		size_t n = p->to_s.len;

		memcpy(in, p->to_s.buf, n);
		p->to_s.len = 0;
		if (n && p->s)
			p->rs = tls_conn_input(p->s, in, n, &p->to_c, &p->ps);
		n = p->to_c.len;
		memcpy(in, p->to_c.buf, n);
		p->to_c.len = 0;
		if (n)
			p->rc = tls_conn_input(p->c, in, n, &p->to_s, &p->pc);
	}
}

static struct tls_ctx *ctx(const struct tls_options *o)
{
	struct tls_ctx *t = NULL;
	char err[256] = "";

	cr_assert_eq(tls_ctx_new(&t, o, err, sizeof(err)), 0, "%s", err);
	return t;
}

static void handshake(struct pair *p, struct tls_ctx *client, struct tls_ctx *server)
{
	pair_init(p);
	cr_assert_eq(tls_conn_new(client, &p->c, &p->to_s), 0);
	cr_assert_gt(p->to_s.len, 0, "a ClientHello is sent at once");
	cr_assert_eq(tls_conn_new(server, &p->s, &p->to_c), 0);
	cr_assert_eq(p->to_c.len, 0, "a server waits");
	shuttle(p);
}

static void pair_free(struct pair *p)
{
	tls_conn_free(p->c);
	tls_conn_free(p->s);
	p->c = p->s = NULL;
}

static const struct tls_options server_opts = { .server = true };
static const struct tls_options insecure = { .insecure = true };

Test(tls, client_and_server_handshake_and_carry_bytes_both_ways)
{
	struct tls_ctx *cc = ctx(&insecure), *sc = ctx(&server_opts);
	struct pair p;
	char what[96];

	handshake(&p, cc, sc);
	cr_assert_eq(p.rc, 0);
	cr_assert_eq(p.rs, 0);
	cr_assert(tls_conn_established(p.c));
	cr_assert(tls_conn_established(p.s));
	cr_expect_str_eq(tls_conn_describe(p.c, what, sizeof(what)), "TLSv1.3 TLS_AES_256_GCM_SHA384");

	cr_assert_eq(tls_conn_write(p.c, "PING\r\n", 6, &p.to_s), 0);
	cr_assert_gt(p.to_s.len, 6, "encrypted, with a header and a tag");
	shuttle(&p);
	cr_assert_eq(p.ps.len, 6);
	cr_expect(memcmp(p.ps.buf, "PING\r\n", 6) == 0);
	cr_assert_eq(tls_conn_write(p.s, "PONG\r\n", 6, &p.to_c), 0);
	shuttle(&p);
	cr_assert_eq(p.pc.len, 6);
	cr_expect(memcmp(p.pc.buf, "PONG\r\n", 6) == 0);
	pair_free(&p);
	tls_ctx_free(cc);
	tls_ctx_free(sc);
}

Test(tls, bytes_split_one_at_a_time_make_the_same_session)
{
	struct tls_ctx *cc = ctx(&insecure), *sc = ctx(&server_opts);
	char in[TLS_OUT_MIN];
	struct pair p;

	pair_init(&p);
	cr_assert_eq(tls_conn_new(cc, &p.c, &p.to_s), 0);
	cr_assert_eq(tls_conn_new(sc, &p.s, &p.to_c), 0);
	for (int round = 0; round < 10 && (p.to_s.len || p.to_c.len); round++) {
		size_t n = p.to_s.len;

		memcpy(in, p.to_s.buf, n);
		p.to_s.len = 0;
		for (size_t i = 0; i < n; i++)
			cr_assert_eq(tls_conn_input(p.s, in + i, 1, &p.to_c, &p.ps), 0);
		n = p.to_c.len;
		memcpy(in, p.to_c.buf, n);
		p.to_c.len = 0;
		for (size_t i = 0; i < n; i++)
			cr_assert_eq(tls_conn_input(p.c, in + i, 1, &p.to_s, &p.pc), 0);
	}
	cr_expect(tls_conn_established(p.c));
	cr_expect(tls_conn_established(p.s));
	pair_free(&p);
	tls_ctx_free(cc);
	tls_ctx_free(sc);
}

/* The server's self-signed certificate in a temp file, for a client's --tls-ca. */
static void write_ca(struct tls_ctx *sc, char *path)
{
	char pem[8192];
	FILE *f;

	cr_assert_eq(tls_ctx_cert_pem(sc, pem, sizeof(pem)), 0);
	cr_assert(strstr(pem, "-----BEGIN CERTIFICATE-----") == pem);
	strcpy(path, "/tmp/holdconn-test-ca.XXXXXX");
	f = fdopen(mkstemp(path), "w");
	cr_assert(f);
	fputs(pem, f);
	fclose(f);
}

Test(tls, a_client_trusting_the_servers_certificate_verifies_its_name)
{
	struct tls_ctx *sc = ctx(&server_opts), *good, *wrong;
	struct tls_options o = { .sni = "localhost" };
	char path[64], why[256];
	struct pair p;

	write_ca(sc, path);
	o.ca_file = path;
	good = ctx(&o);
	o.sni = "example.com";
	wrong = ctx(&o);
	unlink(path);
	handshake(&p, good, sc);
	cr_expect_eq(p.rc, 0);
	cr_expect(tls_conn_established(p.c));
	pair_free(&p);
	handshake(&p, wrong, sc);
	cr_expect_eq(p.rc, -EPROTO);
	cr_expect(!tls_conn_established(p.c));
	tls_conn_error(p.c, why, sizeof(why));
	cr_expect(strstr(why, "certificate: hostname mismatch") != NULL, "%s", why);
	pair_free(&p);
	tls_ctx_free(good);
	tls_ctx_free(wrong);
	tls_ctx_free(sc);
}

Test(tls, a_verifying_client_refuses_a_self_signed_server)
{
	struct tls_ctx *cc = ctx(&(struct tls_options){ .sni = "localhost" }), *sc = ctx(&server_opts);
	char why[256];
	struct pair p;

	handshake(&p, cc, sc);
	cr_expect_eq(p.rc, -EPROTO);
	tls_conn_error(p.c, why, sizeof(why));
	cr_expect(strstr(why, "self-signed certificate") != NULL, "%s", why);
	pair_free(&p);
	tls_ctx_free(cc);
	tls_ctx_free(sc);
}

Test(tls, a_certificate_that_does_not_load_is_one_line)
{
	struct tls_options o = { .server = true, .cert_file = "/nonexistent.pem" };
	struct tls_ctx *t = NULL;
	char err[512];

	cr_expect_eq(tls_ctx_new(&t, &o, err, sizeof(err)), -EINVAL);
	cr_expect(strncmp(err, "--tls-cert /nonexistent.pem / --tls-key /nonexistent.pem do not load",
			  68) == 0, "%s", err);
	cr_expect(strchr(err, '\n') == NULL);
}

#define PAIRS 200

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Bytes per connection on each side once PAIRS handshakes are done and idle,
 * and the CPU one handshake took, both sides; -1 on failure.
 */
static int bytes_per_connection(bool keep, double *client, double *server, double *cpu_us)
{
	double t0 = 0;
	struct tls_options co = insecure, so = server_opts;
	struct tls_ctx *cc = NULL, *sc = NULL;
	static struct pair p[PAIRS];
	int64_t before = 0, all, clients;
	char err[256];

	co.keep_buffers = so.keep_buffers = keep;
	if (tls_mem_init() || tls_ctx_new(&cc, &co, err, sizeof(err)) ||
	    tls_ctx_new(&sc, &so, err, sizeof(err)))
		return -1;
	/* One pair first: the library fills its shared caches (algorithms fetched) once. */
	for (int i = 0; i <= PAIRS; i++) {
		if (i == 1) {
			tls_conn_free(p[0].c);
			tls_conn_free(p[0].s);
			before = tls_mem_bytes();
			t0 = cpu_s();
		}
		pair_init(&p[i % PAIRS]);
		if (tls_conn_new(cc, &p[i % PAIRS].c, &p[i % PAIRS].to_s) ||
		    tls_conn_new(sc, &p[i % PAIRS].s, &p[i % PAIRS].to_c))
			return -1;
		shuttle(&p[i % PAIRS]);
		if (!tls_conn_established(p[i % PAIRS].c) || !tls_conn_established(p[i % PAIRS].s))
			return -1;
	}
	*cpu_us = (cpu_s() - t0) * 1e6 / PAIRS;
	all = tls_mem_bytes();
	for (int i = 0; i < PAIRS; i++)
		tls_conn_free(p[i].s);
	clients = tls_mem_bytes();
	*client = (double)(clients - before) / PAIRS;
	*server = (double)(all - clients) / PAIRS;
	for (int i = 0; i < PAIRS; i++)
		tls_conn_free(p[i].c);
	if (tls_mem_bytes() != before) { /* every byte of a freed connection comes back */
		fprintf(stderr, "tls-bytes: %lld bytes not freed\n", (long long)(tls_mem_bytes() - before));
		return -1;
	}
	tls_ctx_free(cc);
	tls_ctx_free(sc);
	return 0;
}

int tls_bytes_main(const char *buffers)
{
	double client, server, cpu_us;

	if (bytes_per_connection(strcmp(buffers, "keep") == 0, &client, &server, &cpu_us))
		return 1;
	printf("client %.0f server %.0f handshake_cpu_us %.0f\n", client, server, cpu_us);
	return 0;
}

/* Runs the measurement in a process of its own (tests/unit/main.c says why). */
static void measure(const char *buffers, double *client, double *server)
{
	char self[4096] = "", cmd[4200];
	FILE *f;

	cr_assert_gt(readlink("/proc/self/exe", self, sizeof(self) - 1), 0);
	unsetenv("BXFI_MAP"); /* not one of Criterion's workers: our main runs */
	snprintf(cmd, sizeof(cmd), "'%s' --tls-bytes %s", self, buffers);
	f = popen(cmd, "r");
	cr_assert(f);
	cr_assert_eq(fscanf(f, "client %lf server %lf", client, server), 2);
	cr_assert_eq(pclose(f), 0);
}

Test(tls, released_buffers_cost_less_per_idle_connection)
{
	double rc, rs, kc, ks;

	measure("release", &rc, &rs);
	measure("keep", &kc, &ks);
	cr_log_info("TLS bytes per idle connection: released client %.0f server %.0f, "
		    "kept client %.0f server %.0f", rc, rs, kc, ks);
	cr_expect_gt(rc, 1000);
	cr_expect_gt(rs, 1000);
	cr_expect_gt(kc, rc + 16384, "a kept read buffer alone is 16 KiB and more");
	cr_expect_gt(ks, rs + 16384);
}
