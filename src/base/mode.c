/* mode.c - event model names (see mode.h). */
#include <errno.h>
#include <string.h>
#include "base/mode.h"

static const char *const mode_names[] = {
	[MODE_URING] = "uring",
	[MODE_EPOLL] = "epoll",
	[MODE_THREADS] = "threads",
};

const char *mode_name(enum mode m)
{
	if ((unsigned int)m >= sizeof(mode_names) / sizeof(mode_names[0]))
		return "unknown";
	return mode_names[m];
}

int parse_mode(const char *s, enum mode *out)
{
	for (unsigned int i = 0; s && i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (strcmp(s, mode_names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}
