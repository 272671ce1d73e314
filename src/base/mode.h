/*
 * mode.h - the event models a holder can run on, by name. The backends
 * themselves live in hold/; the name is here because the limits model and
 * the command line speak of modes too.
 */
#ifndef HOLDCONN_MODE_H
#define HOLDCONN_MODE_H

enum mode {
	MODE_URING = 0,
	MODE_EPOLL,
	MODE_THREADS,
};

#define MAX_MODES 3 /* uring, epoll, threads */

/* "uring", "epoll", "threads"; "unknown" for anything else. */
const char *mode_name(enum mode m);
/* The exact name of a mode; 0 or -EINVAL. */
int parse_mode(const char *s, enum mode *out);

#endif
