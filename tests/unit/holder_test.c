/* holder_test.c - the in-process holder tests' shared set-up (see tests/holder_test.h). */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "holder_test.h"

int ht_listener(uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(fd, 64), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

uint16_t ht_free_port(void)
{
	uint16_t port;
	int fd = ht_listener(&port);

	close(fd);
	return port;
}

void ht_config(struct holder_config *cfg, enum mode m, enum role role, struct side_stats *st,
	       void *arg)
{
	memset(cfg, 0, sizeof(*cfg));
	memset(st, 0, sizeof(*st));
	cfg->role = role;
	cfg->backend = backend_for(m);
	cfg->backlog = 64;
	cfg->linger_rst = true;
	cfg->watch = WATCH_POLL;
	cfg->window = 64;
	cfg->stats = st;
	cfg->tick_arg = arg;
	cfg->tick_ms = HT_TICK_MS;
}

void ht_connect_config(struct holder_config *cfg, struct plan *plan, enum mode m, uint16_t port,
		       uint16_t first_sport, struct side_stats *st, void *arg)
{
	struct endpoint_range dst = { 0x7f000001u, { port, port }, false };
	struct port_range sport = { first_sport, (uint16_t)(first_sport + 999) };

	ht_config(cfg, m, ROLE_CONNECT, st, arg);
	cr_assert_eq(plan_init(plan, NULL, &sport, &dst, 1, HT_NCONNS), 0);
	cfg->plan = plan;
	cfg->target = HT_NCONNS;
}

bool ht_run(struct holder *h, const struct holder_config *cfg, enum mode m)
{
	int ret = holder_run(h, cfg);

	if (ret == -ENOSYS || ret == -EPERM) {
		cr_skip_test("%s mode is unavailable here (%s)", mode_name(m), strerror(-ret));
		return false;
	}
	cr_assert_eq(ret, 0, "holder_run: %s", strerror(-ret));
	return true;
}
