/*
 * sendout.h - the rest of one outgoing message or echo, handed to a
 * non-blocking socket: the descriptor backends' (epoll, threads) one send
 * loop. A message needs no copy: it is 'h's and its stamp (traffic_iov).
 */
#ifndef HOLDCONN_SENDOUT_H
#define HOLDCONN_SENDOUT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Sends what is left of a len-byte message stamped *stamp (echo NULL; its
 * 'h's from body) or of echo, from *off on, advancing *off: 0 all of it
 * is out, 1 some is left (wait for writability), or -errno.
 */
int sendout_rest(int fd, const char *body, size_t bodylen, const char *echo,
		 const uint64_t *stamp, uint32_t len, uint32_t *off);

#endif
