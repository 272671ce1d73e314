/*
 * extserver.h - a server holdconn did not write, run as bench's server
 * (`bench --server CMD`): its command with {port} substituted, started in
 * bench's network namespace in a process group of its own, watched until
 * it listens, read through /proc while it holds, and stopped at the end.
 */
#ifndef HOLDCONN_EXTSERVER_H
#define HOLDCONN_EXTSERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "measure/proc.h"

#define EXTSERVER_CMD_MAX 2048

struct extserver {
	char cmd[EXTSERVER_CMD_MAX]; /* as run, {port} substituted */
	uint16_t port;               /* where it is expected to listen */
	pid_t pid;                   /* the server (sh exec's it), leader of its process group */
	struct proc_set procs;       /* its process group: a master and its workers */
};

/*
 * Copies tmpl to out with {port} replaced by port_first and {ports} by
 * "port_first-port_last". 0, or -ENAMETOOLONG.
 */
int extserver_expand(const char *tmpl, uint16_t port_first, uint16_t port_last, char *out,
		     size_t len);
/* A short name for tables: the command's first word without its directory. */
void extserver_name(const char *cmd, char *out, size_t len);
/*
 * Starts cmd (already expanded) with /bin/sh and waits up to timeout_s
 * until something listens on port. 0, or -errno with one line in err.
 */
int extserver_start(struct extserver *s, const char *cmd, uint16_t port, double timeout_s,
		    char *err, size_t errlen);
/* The accept queue of the listener on s->port (what it has not accepted yet); -1: not found. */
long extserver_unaccepted(const struct extserver *s);
/* TCP sockets in use in this namespace (sockstat and sockstat6 inuse); 0 when unreadable. */
uint64_t extserver_tcp_inuse(void);
/* True while the server's process is alive (reaps it when it is not). */
bool extserver_alive(struct extserver *s);
/* SIGTERM to its group, SIGKILL after a grace period; reaps it. */
void extserver_stop(struct extserver *s);

#endif
