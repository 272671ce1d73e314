/* report_cgroup.c - the memory cgroup's lines of a summary (see report_cgroup.h). */
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include "base/json.h"
#include "run/report_cgroup.h"

#define GIB (1024.0 * 1024 * 1024)
#define MIB (1024.0 * 1024)

const char *report_signal_name(int sig, char *buf, size_t len)
{
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev)
		snprintf(buf, len, "SIG%s", abbrev);
	else
		snprintf(buf, len, "signal %d", sig);
	return buf;
}

void report_cgroup_json(FILE *f, const struct cgroup_report *c)
{
	fputs(",\"cgroup\":{", f);
	fprintf(f, "\"version\":\"%s\"", c->version);
	json_str(f, "limit_file", c->file);
	json_u64(f, "limit_bytes", c->limit);
	json_u64(f, "reserve_bytes", c->reserve);
	json_u64(f, "usage_bytes", c->usage);
	json_u64(f, "headroom_min_bytes", c->headroom_min);
	json_u64(f, "kernel_bytes", c->kernel);
	json_u64(f, "oom_kills", c->oom_kills);
	json_num(f, "charged_bytes_per_connection", c->charged_bytes_per_connection);
	json_num(f, "fixed_bytes", c->fixed_bytes);
	fputc('}', f);
}

void report_cgroup_human(FILE *f, const struct cgroup_report *c)
{
	fprintf(f, "  %-14s %s, limit %.2f GiB (%s), reserve %.0f MiB\n", "cgroup:", c->version,
		c->limit / GIB, c->file, c->reserve / MIB);
	fprintf(f, "  %-14s used %.2f GiB (kernel %.2f GiB), least room %.0f MiB, %" PRIu64
		" OOM kills; %.0f B charged per connection, %.1f MiB before the first\n", "", c->usage / GIB,
		c->kernel / GIB, c->headroom_min / MIB, c->oom_kills, c->charged_bytes_per_connection,
		c->fixed_bytes / MIB);
}

void report_death_json(FILE *f, const struct death_report *d)
{
	char name[32];

	fputs(",\"killed\":{", f);
	fprintf(f, "\"side\":\"%s\"", d->side);
	json_u64(f, "pid", (uint64_t)d->pid);
	if (d->signal) {
		json_u64(f, "signal", (uint64_t)d->signal);
		json_str(f, "signal_name", report_signal_name(d->signal, name, sizeof(name)));
	} else {
		fputs(",\"signal\":null", f);
		json_u64(f, "exit_status", (uint64_t)d->status);
	}
	if (d->has_cgroup)
		json_u64(f, "cgroup_oom_kills", d->oom_kills);
	fputc('}', f);
}

void report_death_human(FILE *f, const struct death_report *d)
{
	char name[32];

	if (d->signal)
		fprintf(f, "  %-14s %s (pid %d) by %s", "killed:", d->side, d->pid,
			report_signal_name(d->signal, name, sizeof(name)));
	else
		fprintf(f, "  %-14s %s (pid %d) exited with status %d", "died:", d->side, d->pid,
			d->status);
	if (d->has_cgroup)
		fprintf(f, "; the memory cgroup's OOM killer %s (oom_kill +%" PRIu64 ")",
			d->oom_kills ? "killed" : "killed nothing", d->oom_kills);
	fputs("; figures are from the last point before it\n", f);
}
