/* ktls.c - the kernel TLS probe (see ktls.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "measure/ktls.h"

/* A connected client socket on loopback (the listener closed once it is queued); -errno. */
static int loopback_client(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), c = -1, err = 0;

	if (l < 0)
		return -errno;
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &alen))
		err = -errno;
	if (!err && (c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		err = -errno;
	if (!err && connect(c, (struct sockaddr *)&a, sizeof(a)))
		err = -errno;
	close(l);
	if (err) {
		if (c >= 0)
			close(c);
		return err;
	}
	return c;
}

bool ktls_probe(char *why, size_t len)
{
	int c = loopback_client(), err = 0;

	if (c < 0) {
		snprintf(why, len, "kernel TLS not probed: no loopback connection (%s)", strerror(-c));
		return false;
	}
	if (setsockopt(c, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")))
		err = errno;
	close(c);
	if (!err)
		return true;
	if (err == ENOENT)
		snprintf(why, len, "kernel TLS unavailable: TCP_ULP \"tls\" is unknown to this kernel "
				   "(CONFIG_TLS off, or the tls module cannot load)");
	else
		snprintf(why, len, "kernel TLS unavailable: TCP_ULP \"tls\" refused (%s)",
			 strerror(err));
	return false;
}
