/*
 * sendout.h - what one connection has going out, handed to a non-blocking
 * socket: the descriptor backends' (epoll, threads) one send loop. A
 * message needs no copy: it is 'h's and its stamp (traffic_iov). Bytes
 * that carry data (an echo, a session's) are copied from the conn arena
 * only when the kernel does not take them at once.
 */
#ifndef HOLDCONN_SENDOUT_H
#define HOLDCONN_SENDOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A connection's write in progress, 16 bytes in the arena beside its conn record. */
struct sendout {
	union {
		uint64_t stamp; /* a message's send time */
		char *copy;     /* data's bytes, whole: the kernel has taken off of them */
	};
	uint32_t len;           /* 0: nothing going out */
	uint32_t off;           /* bytes the kernel has taken */
};
_Static_assert(sizeof(struct sendout) == 16, "per-connection send record must stay 16 bytes");

/*
 * Sends what is left of a len-byte message stamped *stamp (echo NULL; its
 * 'h's from body) or of echo, from *off on, advancing *off: 0 all of it
 * is out, 1 some is left (wait for writability), or -errno.
 */
int sendout_rest(int fd, const char *body, size_t bodylen, const char *echo,
		 const uint64_t *stamp, uint32_t len, uint32_t *off);

/*
 * Starts a write on fd into the idle o: len bytes of data, or (data NULL) a
 * message stamped now. 0: all of it went out (o stays idle); 1: some is
 * left in o (data copied); -errno: the connection is broken (-ENOMEM: no
 * room for the copy). o is idle again after anything but 1.
 */
int sendout_start(int fd, struct sendout *o, const char *body, size_t bodylen, const char *data,
		  uint32_t len);
/* Pushes o's rest (copy: o holds data): 0 all out, 1 some left, -errno. */
int sendout_push(int fd, struct sendout *o, const char *body, size_t bodylen, bool copy);
/* Forgets o (its copy freed), as when its write ended or its connection went. */
void sendout_clear(struct sendout *o, bool copy);

#endif
