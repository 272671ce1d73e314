/* runinfo.c - the run header, the first line of every --json run (see runinfo.h). */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "base/json.h"
#include "base/version.h"
#include "run/runinfo.h"

/* RFC 3339 in UTC, to the millisecond: "2026-12-07T01:40:00.123Z". */
static void rfc3339_now(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

void runinfo_json(FILE *f, const char *command, int argc, char **argv)
{
	char when[40], host[256] = "";
	struct utsname u;

	rfc3339_now(when, sizeof(when));
	gethostname(host, sizeof(host) - 1);
	if (uname(&u))
		strcpy(u.release, "");
	fputs("{\"event\":\"run\"", f);
	json_u64(f, "schema_version", JSON_SCHEMA_VERSION);
	json_str(f, "time", when);
	json_str(f, "host", host);
	json_str(f, "kernel", u.release);
	json_str(f, "holdconn_version", HOLDCONN_VERSION);
	json_str(f, "command", command);
	fputs(",\"argv\":[", f);
	for (int i = 0; i < argc; i++) {
		if (i)
			fputc(',', f);
		json_string(f, argv[i]);
	}
	fputs("]}\n", f);
	fflush(f);
}
