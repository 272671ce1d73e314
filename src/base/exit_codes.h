/*
 * exit_codes.h - what holdconn's exit status tells a script or a CI gate.
 * A limit that stops a run is a finding, but a run asked to hold --conns
 * that did not is not a pass: it exits 3, as k6 exits non-zero on a missed
 * threshold. io_uring refused (seccomp, kernel.io_uring_disabled, no
 * kernel support) is neither bad usage nor a crash: it exits 4, and the
 * message names the fallback (--mode epoll).
 */
#ifndef HOLDCONN_EXIT_CODES_H
#define HOLDCONN_EXIT_CODES_H

enum exit_code {
	EXIT_HELD = 0,     /* the target was held (or the SLO met); serve: ran and stopped */
	EXIT_RUNTIME = 1,  /* anything else that failed at run time */
	EXIT_USAGE = 2,    /* bad options */
	EXIT_SHORT = 3,    /* stopped short of --conns (a limit, a refused --proto session), or --slo missed */
	EXIT_NO_URING = 4, /* io_uring unavailable or refused: the message names the fallback */
};

/* Of two runs' codes (compare, sweep), the one to exit with: a failure before a short run. */
static inline int exit_code_worse(int a, int b)
{
	if (a == EXIT_HELD || (a == EXIT_SHORT && b != EXIT_HELD))
		return b;
	return a;
}

/* The exit codes, as every --help, the README and the man page say them. */
#define EXIT_CODES_TEXT                                                                    \
	"exit codes: 0 target held, SLO met, or --conns max ran to a limit; 1 runtime\n"   \
	"  failure; 2 bad usage; 3 stopped short of --conns or SLO missed; 4 io_uring\n"   \
	"  unavailable or refused (use --mode epoll)\n"

#endif
