/* watch.c - the names of the watch strategies. */
#include <errno.h>
#include <string.h>
#include "hold/watch.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const watch_names[] = {
	[WATCH_POLL] = "poll",
	[WATCH_RECV] = "recv",
	[WATCH_NONE] = "none",
	[WATCH_DIAG] = "diag",
	[WATCH_AUTO] = "auto",
};

const char *watch_name(enum watch w)
{
	if ((unsigned int)w >= ARRAY_SIZE(watch_names))
		return "?";
	return watch_names[w];
}

int parse_watch(const char *s, enum watch *out)
{
	for (unsigned int i = 0; s && i < ARRAY_SIZE(watch_names); i++) {
		if (!strcmp(s, watch_names[i])) {
			*out = (enum watch)i;
			return 0;
		}
	}
	return -EINVAL;
}
