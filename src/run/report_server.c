/*
 * report_server.c - a server's figures (connect --server-pid, bench
 * --server): its memory at start-up, then its cost per connection as a
 * slope, its share of the kernel's growth, and what grew that neither end
 * owns (other), by name.
 */
#include <inttypes.h>
#include <math.h>
#include "run/report.h"
#include "run/report_internal.h"

static void json_nofile(FILE *f, const char *key, uint64_t v)
{
	if (v == UINT64_MAX)
		fprintf(f, ",\"%s\":null", key);
	else
		json_u64(f, key, v);
}

/* ,"other":{"bytes":B,"caches":{"proc_inode_cache":{"objects":N,"bytes":B,"beyond_slack":true,"cause":"..."}}} */
static void other_json(FILE *f, const struct server_cost *c)
{
	fprintf(f, ",\"other\":{\"bytes\":%" PRId64 ",\"caches\":{", c->other_bytes);
	for (int i = 0; i < c->nother; i++) {
		const struct attrib_other *o = &c->others[i];

		if (i)
			fputc(',', f);
		json_string(f, o->cache);
		fprintf(f, ":{\"objects\":%" PRId64 ",\"bytes\":%" PRId64 ",\"beyond_slack\":%s",
			o->objs, o->bytes, o->beyond ? "true" : "false");
		json_str(f, "cause", o->cause);
		fputc('}', f);
	}
	fputs("}}", f);
}

void report_server_json(FILE *f, const struct server_cost *c)
{
	static const char *const names[] = { "kernel_bytes_per_socket",
					     "generator_kernel_bytes_per_socket",
					     "user_bytes_per_connection", "pss_file_bytes_per_connection" };
	const double v[] = { c->kernel_bytes_per_socket, c->generator_kernel_bytes_per_socket,
			     c->user_bytes_per_conn, c->pss_file_per_conn },
		     res[] = { c->kernel_res, c->generator_kernel_res, c->user_res, c->pss_file_res };

	fputs(",\"server\":{", f);
	fputs("\"command\":", f);
	json_string(f, c->command);
	json_u64(f, "connections", c->conns);
	/* Its memory once still before the first connection; the figures below are slopes from there. */
	json_num(f, "startup_bytes", c->startup_bytes);
	json_cost(f, "user_bytes_per_connection", c->user_bytes_per_conn, c->user_res);
	json_cost(f, "pss_anon_bytes_per_connection", c->pss_anon_per_conn, c->user_res);
	json_cost(f, "pss_file_bytes_per_connection", c->pss_file_per_conn, c->pss_file_res);
	json_cost(f, "rss_bytes_per_connection", c->rss_per_conn, c->user_res);
	json_cost(f, names[0], v[0], res[0]);
	json_cost(f, names[1], v[1], res[1]);
	json_resolutions(f, names, v, res, 4);
	json_str(f, "kernel_split", c->split);
	other_json(f, c);
	json_num(f, "fds_per_connection", c->fds_per_conn);
	json_u64(f, "fds", c->fds);
	json_u64(f, "threads", c->threads);
	json_u64(f, "processes", (uint64_t)c->nprocs);
	json_nofile(f, "rlimit_nofile", c->nofile_soft);
	json_nofile(f, "rlimit_nofile_hard", c->nofile_hard);
	if (c->command)
		json_str(f, "stopped_by", c->stopped_by);
	fputc('}', f);
}

static void print_nofile(FILE *f, uint64_t v)
{
	if (v == UINT64_MAX)
		fputs("unlimited", f);
	else
		fprintf(f, "%" PRIu64, v);
}

/* "8.5 MB", "412.0 KB", "900 B" */
static void print_bytes(FILE *f, double b)
{
	if (b >= 1e6)
		fprintf(f, "%.1f MB", b / 1e6);
	else if (b >= 1e3)
		fprintf(f, "%.1f KB", b / 1e3);
	else
		fprintf(f, "%.0f B", b);
}

/* What grew that neither end owns, beyond its slack: by name, with its likely cause. */
static void summary_other(FILE *f, const struct server_cost *c)
{
	int shown = 0;

	for (int i = 0; i < c->nother; i++) {
		const struct attrib_other *o = &c->others[i];

		if (!o->beyond || o->bytes <= 0)
			continue;
		fprintf(f, "%s  %-14s ", shown ? "\n" : "", shown ? "" : "other:");
		shown++;
		fprintf(f, "%s grew %" PRId64 " objects (", o->cache, o->objs);
		print_bytes(f, (double)o->bytes);
		fprintf(f, "): %s", o->cause);
	}
	if (shown)
		fputs("\n  (other is charged to neither end)\n", f);
}

void report_server_summary(FILE *f, const struct server_cost *c)
{
	if (c->command)
		fprintf(f, "  %-14s %s\n", "server cmd:", c->command);
	fprintf(f, "  %-14s ", "server user:");
	print_bytes(f, c->startup_bytes);
	fputs(" at start-up, then ", f);
	report_print_cost(f, c->user_bytes_per_conn, c->user_res, "B/conn");
	fputs(" private PSS (file-backed ", f);
	print_figure(f, 0, c->pss_file_per_conn, c->pss_file_res);
	fprintf(f, " B/conn, resolution %.1f), %d process%s, %" PRIu64 " threads\n",
		c->pss_file_res, c->nprocs, c->nprocs == 1 ? "" : "es", c->threads);
	fprintf(f, "  %-14s ", "server kernel:");
	report_print_cost(f, c->kernel_bytes_per_socket, c->kernel_res, "B/socket");
	fputs("; generator ", f);
	report_print_cost(f, c->generator_kernel_bytes_per_socket, c->generator_kernel_res, "B/socket");
	fputc('\n', f);
	fprintf(f, "  %-14s %s\n", "split:", c->split ? c->split : "-");
	summary_other(f, c);
	fprintf(f, "  %-14s %.2f fds/conn (%" PRIu64 " open), RLIMIT_NOFILE ", "server fds:",
		c->fds_per_conn, c->fds);
	print_nofile(f, c->nofile_soft);
	fputs(" (hard ", f);
	print_nofile(f, c->nofile_hard);
	fputs(")\n", f);
	if (c->stopped_by)
		fprintf(f, "  %-14s %s\n", "server stop:", c->stopped_by);
}
