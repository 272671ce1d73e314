/* sockopt.h - the options every holder sets on its sockets, in one place. */
#ifndef HOLDCONN_SOCKOPT_H
#define HOLDCONN_SOCKOPT_H

#include <stdbool.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "hold/holder.h"

/* Values that outlive any request: io_uring reads an option's value when it runs. */
extern const int sockopt_one;
extern const struct linger sockopt_linger_rst; /* {1,0}: close sends RST, no TIME_WAIT */

/*
 * SO_REUSEADDR when reuse (sources shared by several destinations, or a
 * listener), SO_LINGER {1,0} when cfg->linger_rst, SO_RCVBUF/SO_SNDBUF when
 * set. Set before connect or listen: accepted sockets inherit them.
 */
void sockopt_apply(int fd, const struct holder_config *cfg, bool reuse);
/*
 * SO_RCVBUF/SO_SNDBUF when set. sockopt_apply does it before the handshake
 * unless cfg->traffic.late_buffers: then the holder calls this once the
 * connection is established. The window scale is chosen at the SYN from the
 * receive space then: a small buffer set before gets scale 0 (a 64 KiB
 * window for the connection's life); set after, the scale stays.
 */
void sockopt_buffers(int fd, const struct holder_config *cfg);

/*
 * A listening socket on addr with the options above (SOCK_NONBLOCK when
 * nonblock); the fd or -errno. Accepted sockets inherit linger and sizes.
 */
int sockopt_listener(const union sockaddr_inet *addr, const struct holder_config *cfg, bool nonblock);
/* Reads back the sizes the kernel settled on and hands them to the holder, once. */
void sockopt_report_buffers(struct holder *h, int fd);

#endif
