/*
 * test_opener_tls.c - TLS under the holder (hold/opener.c through flow.c),
 * for each mode that drives its sockets from the holder's thread: the test
 * plays the other end with the same engine (session/tls.c) over plain
 * non-blocking sockets. A connect holder's TLS state is freed when its
 * connections close (not when their ids are reused): measured with OpenSSL's
 * counting allocator, in a process of its own (`unit_tests --tls-close
 * MODE`, tests/unit/main.c says why); a serve holder handshakes, counts a
 * connection held once its handshake is done, and echoes the plaintext
 * through flow's traffic path, encrypted.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "holder_test.h"
#include "hold/holder.h"
#include "session/tls.h"
#include "unit/tls_bytes.h"

#define NCONNS 3
#define DEADLINE_S 3.0
#define TICK_MS 5
/* What OpenSSL may keep after every connection is gone (error queues, caches): far below one connection's. */
#define TLS_LEFT_MAX 4096

static char net[TLS_OUT_MIN], plain[TLS_OUT_MIN];

/* Criterion's asserts work in its workers only: the helpers also run in --tls-close's process. */
#define need(cond, ...)                                     \
	do {                                                \
		if (!(cond)) {                              \
			fprintf(stderr, __VA_ARGS__);       \
			fprintf(stderr, "\n");              \
			exit(1);                            \
		}                                           \
	} while (0)

/* The test's end of each connection. */
struct end {
	int fd;
	struct tls_conn *tls;
	bool wrote;
	char echo[64];
	size_t echoed;
};

struct peer {
	int lfd;
	uint16_t port;
	struct end ends[NCONNS];
	int n;
	struct tls_ctx *ctx;
	double t0;
	enum mode m;
	int step;
	bool seen;
	int64_t base, held_bytes, left_bytes; /* tls_mem_bytes() at each step */
	struct control ctl;
};

static struct side_stats stats;

static bool late(const struct peer *p)
{
	return now_s() - p->t0 > DEADLINE_S;
}

static struct tls_ctx *ctx_for(bool server)
{
	struct tls_options o = { .server = server, .insecure = !server };
	struct tls_ctx *t = NULL;
	char err[256] = "";

	need(!tls_ctx_new(&t, &o, err, sizeof(err)), "%s", err);
	return t;
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EAGAIN)
			continue;
		need(w > 0, "write: %s", strerror(errno));
		buf += w;
		len -= (size_t)w;
	}
}

/* Reads what came on e, answers the handshake; false when the holder closed it. */
static bool pump(struct end *e)
{
	char in[16384];
	ssize_t n;

	while ((n = read(e->fd, in, sizeof(in))) > 0) {
		struct tls_buf out = { net, sizeof(net), 0 }, pl = { plain, sizeof(plain), 0 };

		char why[160];

		need(!tls_conn_input(e->tls, in, (size_t)n, &out, &pl), "TLS input failed: %s",
		     tls_conn_error(e->tls, why, sizeof(why)));
		write_all(e->fd, out.buf, out.len);
		if (pl.len && e->echoed + pl.len <= sizeof(e->echo)) {
			memcpy(e->echo + e->echoed, pl.buf, pl.len);
			e->echoed += pl.len;
		}
	}
	return n < 0 && errno == EAGAIN;
}

static void end_close(struct end *e)
{
	tls_conn_free(e->tls);
	close(e->fd);
	*e = (struct end){ .fd = -1 };
}

static void cleanup(struct peer *p)
{
	for (int i = 0; i < p->n; i++)
		if (p->ends[i].fd >= 0)
			end_close(&p->ends[i]);
	if (p->lfd >= 0)
		close(p->lfd);
	tls_ctx_free(p->ctx);
	holder_signalled = 0;
}

static void base_config(struct holder_config *cfg, enum mode m, enum role role, struct peer *p)
{
	memset(cfg, 0, sizeof(*cfg));
	memset(&stats, 0, sizeof(stats));
	cfg->role = role;
	cfg->backend = backend_for(m);
	cfg->linger_rst = true;
	cfg->watch = WATCH_POLL;
	cfg->window = 64;
	cfg->stats = &stats;
	cfg->tick_arg = p;
	cfg->tick_ms = TICK_MS;
	p->t0 = now_s();
	p->lfd = -1;
}

/* ---- connect: TLS state freed at close ---- */

static void connect_tick(void *arg, struct holder *h)
{
	struct peer *p = arg;
	int fd;

	while (p->n < NCONNS && (fd = accept4(p->lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
		struct tls_buf out = { net, sizeof(net), 0 };

		p->ends[p->n].fd = fd;
		need(!tls_conn_new(p->ctx, &p->ends[p->n].tls, &out), "tls_conn_new");
		p->n++;
	}
	for (int i = 0; i < p->n; i++)
		if (p->ends[i].fd >= 0 && !pump(&p->ends[i]))
			end_close(&p->ends[i]); /* the holder reset it */
	if (p->step == 0 && h->held == NCONNS) {
		p->held_bytes = tls_mem_bytes();
		atomic_store(&p->ctl.drop, NCONNS); /* the holder closes them all itself */
		p->step = 1;
	}
	if (p->step == 1 && h->closed == NCONNS) {
		for (int i = 0; i < p->n; i++)
			if (p->ends[i].fd >= 0)
				end_close(&p->ends[i]);
		p->left_bytes = tls_mem_bytes();
		p->seen = true;
		p->step = 2;
	}
	if (p->step == 2 || late(p))
		atomic_store(&p->ctl.release, RELEASE_ALL);
}

/*
 * One handshake in memory between the two contexts, freed: the library
 * fills its shared caches (algorithms fetched) once, before the baseline.
 */
static void warm(struct tls_ctx *client, struct tls_ctx *server)
{
	static char a[TLS_OUT_MIN], b[TLS_OUT_MIN], in[TLS_OUT_MIN];
	struct tls_buf to_s = { a, sizeof(a), 0 }, to_c = { b, sizeof(b), 0 };
	struct tls_buf pl = { plain, sizeof(plain), 0 };
	struct tls_conn *c = NULL, *sv = NULL;

	need(!tls_conn_new(client, &c, &to_s) && !tls_conn_new(server, &sv, &to_c), "warm-up");
	for (int round = 0; round < 10 && (to_s.len || to_c.len); round++) {
		size_t n = to_s.len;

		memcpy(in, a, n);
		to_s.len = 0;
		if (n)
			need(!tls_conn_input(sv, in, n, &to_c, &pl), "warm-up: server");
		n = to_c.len;
		memcpy(in, b, n);
		to_c.len = 0;
		if (n)
			need(!tls_conn_input(c, in, n, &to_s, &pl), "warm-up: client");
	}
	need(tls_conn_established(c) && tls_conn_established(sv), "warm-up: no handshake");
	tls_conn_free(c);
	tls_conn_free(sv);
}

/* Prints "opened N closed N base B held B left B" (tls_mem_bytes at each step); the exit status. */
int tls_close_main(const char *mode)
{
	static struct holder h;
	static struct holder_config cfg;
	static struct plan plan;
	static struct peer p;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	struct endpoint_range dst = { 0x7f000001u, { 0, 0 }, false };
	struct port_range sport = { 42000, 42999 };
	enum mode m = !strcmp(mode, "epoll") ? MODE_EPOLL : !strcmp(mode, "threads") ? MODE_THREADS : MODE_URING;
	int ret;

	need(!tls_mem_init(), "OpenSSL was used before tls_mem_init in this process");
	base_config(&cfg, m, ROLE_CONNECT, &p);
	p.ctx = ctx_for(true);
	cfg.tls = ctx_for(false);
	p.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	need(!bind(p.lfd, (struct sockaddr *)&a, sizeof(a)) && !listen(p.lfd, 64) &&
		     !getsockname(p.lfd, (struct sockaddr *)&a, &len),
	     "listen: %s", strerror(errno));
	dst.ports.first = dst.ports.last = ntohs(a.sin_port);
	need(!plan_init(&plan, NULL, &sport, &dst, 1, NCONNS), "plan_init");
	cfg.plan = &plan;
	cfg.target = NCONNS;
	cfg.ctl = &p.ctl;
	atomic_store(&p.ctl.peer_accepted, 1u << 30); /* the test's window is never full */
	cfg.tick = connect_tick;
	warm(cfg.tls, p.ctx);
	p.base = tls_mem_bytes();
	ret = holder_run(&h, &cfg);
	if (ret == -ENOSYS || ret == -EPERM) {
		printf("skip %s\n", strerror(-ret));
		return 0;
	}
	need(!ret, "holder_run: %s", strerror(-ret));
	printf("opened %" PRIu64 " closed %" PRIu64 " base %" PRId64 " held %" PRId64 " left %" PRId64 "\n",
	       h.opened, h.closed, p.base, p.held_bytes, p.left_bytes);
	tls_ctx_free(cfg.tls);
	cleanup(&p);
	return 0;
}

/* Runs tls_close_main in a process of its own. */
static void expect_tls_freed_at_close(enum mode m)
{
	char self[4096] = "", cmd[4200], line[256] = "";
	uint64_t opened = 0, closed = 0;
	int64_t base = 0, held = 0, left = 0;
	FILE *f;

	cr_assert_gt(readlink("/proc/self/exe", self, sizeof(self) - 1), 0);
	unsetenv("BXFI_MAP"); /* not one of Criterion's workers: our main runs */
	snprintf(cmd, sizeof(cmd), "'%s' --tls-close %s", self, mode_name(m));
	f = popen(cmd, "r");
	cr_assert(f);
	cr_assert(fgets(line, sizeof(line), f), "no output from %s", cmd);
	cr_assert_eq(pclose(f), 0, "%s: %s", cmd, line);
	if (!strncmp(line, "skip", 4))
		cr_skip_test("%s mode is unavailable here (%s)", mode_name(m), line + 5);
	cr_assert_eq(sscanf(line, "opened %" SCNu64 " closed %" SCNu64 " base %" SCNd64
			    " held %" SCNd64 " left %" SCNd64, &opened, &closed, &base, &held, &left),
		     5, "%s", line);
	cr_expect_eq(opened, NCONNS, "%s: %s", mode_name(m), line);
	cr_expect_eq(closed, NCONNS, "%s: %s", mode_name(m), line);
	cr_expect_gt(held - base, NCONNS * 10000, "%s: TLS bytes for %d held: %s", mode_name(m),
		     NCONNS, line);
	cr_expect_lt(left - base, TLS_LEFT_MAX, "%s: TLS bytes left once every connection closed: %s",
		     mode_name(m), line);
}

Test(opener_tls, uring_frees_a_connections_tls_state_when_it_closes, .timeout = 8)
{
	expect_tls_freed_at_close(MODE_URING);
}

Test(opener_tls, epoll_frees_a_connections_tls_state_when_it_closes, .timeout = 8)
{
	expect_tls_freed_at_close(MODE_EPOLL);
}

Test(opener_tls, threads_free_a_connections_tls_state_when_it_closes, .timeout = 8)
{
	expect_tls_freed_at_close(MODE_THREADS);
}

/* ---- serve --tls: handshakes, held once done, the plaintext echoed ---- */

/* A port nobody listens on now, for the serve holder to take. */
static uint16_t free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

#define PING "ping over tls"

static void serve_tick(void *arg, struct holder *h)
{
	struct peer *p = arg;
	int done = 0;

	if (p->n < NCONNS) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(p->port),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		struct tls_buf out = { net, sizeof(net), 0 };
		struct end *e = &p->ends[p->n];

		e->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		cr_assert_eq(connect(e->fd, (struct sockaddr *)&a, sizeof(a)), 0);
		cr_assert_eq(tls_conn_new(p->ctx, &e->tls, &out), 0);
		write_all(e->fd, out.buf, out.len);
		cr_assert_eq(fcntl(e->fd, F_SETFL, O_NONBLOCK), 0);
		p->n++;
	}
	for (int i = 0; i < p->n; i++) {
		struct end *e = &p->ends[i];

		cr_assert(pump(e), "%s: the holder closed connection %d", mode_name(p->m), i);
		if (tls_conn_established(e->tls) && !e->wrote) {
			struct tls_buf out = { net, sizeof(net), 0 };

			cr_assert_eq(tls_conn_write(e->tls, PING, strlen(PING), &out), 0);
			write_all(e->fd, out.buf, out.len);
			e->wrote = true;
		}
		done += e->echoed == strlen(PING) && !memcmp(e->echo, PING, strlen(PING));
	}
	if (done == NCONNS && h->held == NCONNS && !h->opening) {
		p->seen = true;
		holder_signalled = SIGTERM;
	}
	if (late(p))
		holder_signalled = SIGTERM;
}

static void expect_serve_tls_echoes(enum mode m)
{
	static struct holder h;
	static struct holder_config cfg;
	static struct peer p;

	memset(&p, 0, sizeof(p));
	base_config(&cfg, m, ROLE_SERVE, &p);
	p.m = m;
	p.ctx = ctx_for(false);
	cfg.tls = ctx_for(true);
	cfg.traffic.on_data = ON_DATA_ECHO;
	p.port = free_port();
	sockaddr_from(&cfg.listen[0], false, 0x7f000001u, p.port);
	cfg.nlisten = 1;
	cfg.backlog = 64;
	cfg.tick = serve_tick;
	if (ht_run(&h, &cfg, m)) {
		cr_expect(p.seen, "%s: echoed %zu %zu %zu, held %" PRIu64, mode_name(m),
			  p.ends[0].echoed, p.ends[1].echoed, p.ends[2].echoed, h.held_final);
		cr_expect_eq(h.opened, NCONNS);
		cr_expect_eq(h.session_failed, 0);
	}
	tls_ctx_free(cfg.tls);
	cleanup(&p);
}

Test(opener_tls, uring_serve_handshakes_and_echoes_the_plaintext, .timeout = 8)
{
	expect_serve_tls_echoes(MODE_URING);
}

Test(opener_tls, epoll_serve_handshakes_and_echoes_the_plaintext, .timeout = 8)
{
	expect_serve_tls_echoes(MODE_EPOLL);
}

Test(opener_tls, threads_serve_handshakes_and_echo_the_plaintext, .timeout = 8)
{
	expect_serve_tls_echoes(MODE_THREADS);
}
