/*
 * watch.h - how a holder notices that a peer closed a held connection. Only
 * the uring backend has a choice; epoll and threads always watch (poll).
 */
#ifndef HOLDCONN_WATCH_H
#define HOLDCONN_WATCH_H

/* How the uring holder notices a peer close (issue: cheaper ways to watch idle connections). */
enum watch {
	WATCH_POLL = 0, /* one-shot poll per socket: +io_kiocb per socket */
	WATCH_RECV,     /* multishot recv into a provided buffer ring */
	WATCH_NONE,     /* hold and never look */
	WATCH_DIAG,     /* nothing per socket: a sock_diag dump every --sweep-interval */
	WATCH_AUTO,     /* the default: recv for a server reading heartbeats, else poll (run/configure.c) */
};

/* "poll", "recv", "none", "diag", "auto"; "?" for anything else. */
const char *watch_name(enum watch w);
/* The exact name of a watch strategy; 0 or -EINVAL. */
int parse_watch(const char *s, enum watch *out);

#endif
