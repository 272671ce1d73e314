/* metrics_http.c - the /metrics endpoint (see metrics_http.h). */
#include <errno.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hold/holder.h"
#include "run/metrics_http.h"

/*
 * /proc is read at most this often, however often scraped. Reading
 * /proc/slabinfo costs ~3 ms of kernel time (it walks every cache's partial
 * slabs under their list locks): every second, it raised the server's
 * message latency tail (bench/results/20261201-fleet-scrape-1s.md).
 */
#define KERNEL_REFRESH_S 10.0
#define MAX_CLIENTS 16       /* scrapers served at once */
#define IDLE_TIMEOUT_S 10

struct metrics_server {
	struct MHD_Daemon *daemon;
	struct metrics_side sides[METRICS_MAX_SIDES];
	int nsides;
	struct meter_sample *base, *now;
	struct meter_delta delta;
	bool have_kernel;
	double kernel_t;
	struct self_usage self;   /* process_*: the last read, open_fds as of self_fds_t */
	double self_fds_t;
	long page_size;
};

/* Called from the server's one thread only: no lock needed for the kernel sample. */
static void refresh_kernel(struct metrics_server *s)
{
	double t = now_s();

	if (s->kernel_t && t - s->kernel_t < KERNEL_REFRESH_S)
		return;
	s->kernel_t = t;
	s->have_kernel = !meter_sample(s->now);
	if (s->have_kernel)
		meter_diff(s->base, s->now, &s->delta);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, char *body, size_t len,
			     const char *type, bool owned)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, body, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r) {
		if (owned)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_len, void **state)
{
	static char not_found[] = "holdconn serves /metrics only\n";
	static char bad_method[] = "GET or HEAD only\n";
	struct metrics_server *s = cls;
	struct metrics_kernel k;
	size_t cap = metrics_size(s->nsides);
	struct expo e;
	char *buf;

	(void)version;
	(void)upload;
	(void)upload_len;
	(void)state;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, bad_method, sizeof(bad_method) - 1,
			     "text/plain", false);
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, not_found, sizeof(not_found) - 1, "text/plain", false);
	buf = malloc(cap);
	if (!buf)
		return MHD_NO;
	refresh_kernel(s);
	/* Descriptors are counted one by one: at most every KERNEL_REFRESH_S, with the kernel's. */
	self_usage_read(&s->self, s->kernel_t != s->self_fds_t);
	s->self_fds_t = s->kernel_t;
	k = (struct metrics_kernel){ s->have_kernel, &s->delta,
				     s->have_kernel ? s->now->tcp_mem_pages * (uint64_t)s->page_size : 0,
				     &s->self };
	expo_init(&e, buf, cap);
	metrics_write(&e, s->sides, s->nsides, &k);
	if (e.overflow) {
		free(buf);
		return MHD_NO;
	}
	return reply(c, MHD_HTTP_OK, buf, e.len, EXPO_CONTENT_TYPE, true);
}

void metrics_stop(struct metrics_server *s)
{
	if (!s)
		return;
	if (s->daemon)
		MHD_stop_daemon(s->daemon);
	free(s->base);
	free(s->now);
	free(s);
}

/* Our own socket, so that a port in use is an error we can name (MHD only says "failed"). */
int metrics_listen(const union sockaddr_inet *addr)
{
	int one = 1, fd = socket(addr->sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0), ret;

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, &addr->sa, sockaddr_len(addr)) || listen(fd, 64)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

int metrics_start(struct metrics_server **out, int fd, const struct metrics_side *sides, int nsides)
{
	struct metrics_server *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s || nsides < 1 || nsides > METRICS_MAX_SIDES) {
		free(s);
		close(fd);
		return s ? -EINVAL : -ENOMEM;
	}
	memcpy(s->sides, sides, sizeof(*sides) * (size_t)nsides);
	s->nsides = nsides;
	s->page_size = sysconf(_SC_PAGESIZE);
	s->base = calloc(1, sizeof(*s->base));
	s->now = calloc(1, sizeof(*s->now));
	if (!s->base || !s->now) {
		close(fd);
		metrics_stop(s);
		return -ENOMEM;
	}
	meter_sample(s->base);
	s->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handle, s,
				     MHD_OPTION_LISTEN_SOCKET, fd,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CLIENTS,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_S,
				     MHD_OPTION_END);
	if (!s->daemon) {
		close(fd);
		metrics_stop(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}
