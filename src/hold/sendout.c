/* sendout.c - the rest of one message or echo, to a non-blocking socket (see sendout.h). */
#include <errno.h>
#include <sys/socket.h>
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
