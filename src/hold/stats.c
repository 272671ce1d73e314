/* stats.c - names of the reasons a ramp stops, and which errno means which. */
#include <errno.h>
#include "hold/stats.h"

/* These strings appear in JSON output: changing one breaks consumers. */
/* clang-format off */
static const char *const stop_names[STOP__COUNT] = {
	[STOP_NONE] = "none",
	[STOP_TARGET] = "target",
	[STOP_RESERVE] = "reserve",
	[STOP_EMFILE] = "EMFILE",
	[STOP_ENFILE] = "ENFILE",
	[STOP_EADDRNOTAVAIL] = "EADDRNOTAVAIL",
	[STOP_ENOMEM] = "ENOMEM",
	[STOP_BACKLOG] = "backlog",
	[STOP_SIGNAL] = "signal",
	[STOP_PEER] = "peer",
	[STOP_REFUSED] = "refused",
	[STOP_THREADS] = "threads",
	[STOP_MEMLOCK] = "RLIMIT_MEMLOCK",
	[STOP_ERROR] = "error",
	[STOP_SLO] = "slo",
	[STOP_RESET] = "reset",
	[STOP_TIMEOUT] = "timeout",
	[STOP_CGROUP] = "cgroup",
	[STOP_KILLED] = "killed",
	[STOP_SESSION] = "session",
};
/* clang-format on */

const char *stop_reason_name(enum stop_reason r)
{
	if ((unsigned int)r >= STOP__COUNT)
		return "unknown";
	return stop_names[r];
}

/* Takes err as errno (positive) or as a -errno return value. */
enum stop_reason stop_reason_from_errno(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return STOP_NONE;
	case EMFILE:
		return STOP_EMFILE;
	case ENFILE:
		return STOP_ENFILE;
	case EADDRNOTAVAIL:
	case EADDRINUSE:
		return STOP_EADDRNOTAVAIL;
	case ENOMEM:
	case ENOBUFS:
		return STOP_ENOMEM;
	case ETIMEDOUT:
		/* SYNs dropped by a full listen queue end as connect timeouts. */
		return STOP_BACKLOG;
	case ECONNREFUSED:
	case ENETUNREACH:
	case EHOSTUNREACH:
		return STOP_REFUSED;
	case EAGAIN:
		/* pthread_create/clone: threads-max, RLIMIT_NPROC or pid_max. */
		return STOP_THREADS;
	default:
		return STOP_ERROR;
	}
}
