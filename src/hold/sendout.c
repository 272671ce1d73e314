/* sendout.c - the rest of one message or echo, to a non-blocking socket (see sendout.h). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include "hold/conn.h"
#include "hold/sendout.h"
#include "hold/traffic.h"

int sendout_rest(int fd, const char *body, size_t bodylen, const char *echo,
		 const uint64_t *stamp, uint32_t len, uint32_t *off)
{
	while (*off < len) {
		struct iovec iov[2];
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 1 };
		ssize_t n;

		if (echo)
			iov[0] = (struct iovec){ (char *)echo + *off, len - *off };
		else
			mh.msg_iovlen = traffic_iov(body, bodylen, len, *off, stamp, iov);
		n = sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 1 : -errno;
		*off += n;
	}
	return 0;
}

int sendout_start(int fd, struct sendout *o, const char *body, size_t bodylen, const char *data,
		  uint32_t len)
{
	int ret;

	*o = (struct sendout){ .len = len };
	if (!data) {
		o->stamp = now_ns();
		ret = sendout_rest(fd, body, bodylen, NULL, &o->stamp, len, &o->off);
	} else {
		ret = sendout_rest(fd, NULL, 0, data, NULL, len, &o->off);
		if (ret > 0 && (o->copy = conn_arena_zalloc(len)))
			memcpy(o->copy, data, len);
		else if (ret > 0)
			ret = -ENOMEM;
	}
	if (ret != 1)
		*o = (struct sendout){ 0 };
	return ret;
}

int sendout_push(int fd, struct sendout *o, const char *body, size_t bodylen, bool copy)
{
	return sendout_rest(fd, body, bodylen, copy ? o->copy : NULL, &o->stamp, o->len, &o->off);
}

void sendout_clear(struct sendout *o, bool copy)
{
	if (copy && o->len)
		conn_arena_free(o->copy);
	*o = (struct sendout){ 0 };
}
