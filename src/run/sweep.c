/*
 * sweep.c - `holdconn sweep`: bench_run once per buffer setting with the
 * traffic pattern, a row as each ends (sweep_report.c), then the verdict.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "run/bench.h"
#include "hold/holder.h"
#include "run/sweep.h"

/* The reporter's own progress line is erased this way before a row is printed. */
#define CLEAR_LINE "\r\033[K"
/* SK_MEMORY_PCPU_RESERVE: TCP memory a CPU may hold back from the total (Linux 6.0+). */
#define SOCKSTAT_PCPU_BYTES (1 << 20)

static int plan_pass(const struct sweep_opts *o, unsigned when, bool defaults_done,
		     struct sweep_setting *out)
{
	static const uint64_t defaults[1] = { 0 };
	const uint64_t *rcv = o->nrcvbuf ? o->rcvbuf : defaults;
	const uint64_t *snd = o->nsndbuf ? o->sndbuf : defaults;
	int nrcv = o->nrcvbuf ? o->nrcvbuf : 1;
	int nsnd = o->nsndbuf ? o->nsndbuf : 1;
	int n = 0;

	for (int i = 0; i < nrcv; i++) {
		for (int j = 0; j < nsnd; j++) {
			bool none = !rcv[i] && !snd[j];

			if (none && defaults_done)
				continue;
			out[n++] = (struct sweep_setting){ none ? 0 : when, rcv[i], snd[j] };
		}
	}
	return n;
}

static bool has_defaults(const struct sweep_setting *s, int n)
{
	for (int i = 0; i < n; i++) {
		if (!s[i].when)
			return true;
	}
	return false;
}

int sweep_plan(const struct sweep_opts *o, struct sweep_setting out[SWEEP_RUNS_MAX])
{
	int n = 0;

	if (o->when & SWEEP_BEFORE)
		n += plan_pass(o, SWEEP_BEFORE, false, out);
	if (o->when & SWEEP_AFTER)
		n += plan_pass(o, SWEEP_AFTER, has_defaults(out, n), out + n);
	return n;
}

enum sweep_flow sweep_flow(const struct sweep_row *r, enum on_data on_data)
{
	const struct traffic_report *sv = &r->s.tr_server, *cl = &r->s.tr_client;

	if (r->code)
		return FLOW_FAILED;
	if (!r->s.target || r->s.held < r->s.target)
		return FLOW_SHORT;
	if (sv->send_errors || cl->send_errors)
		return FLOW_ERRORS;
	/* Before idle: a message too big for the window plus the send buffer never completes. */
	if (sv->beats_blocked || cl->beats_blocked || cl->waiting || sv->waiting)
		return FLOW_BLOCKED;
	if (!cl->msgs_sent)
		return FLOW_IDLE;
	if (on_data == ON_DATA_KEEP)
		return FLOW_YES;
	if (sv->msgs_recv != cl->msgs_sent)
		return FLOW_LOST;
	if (on_data == ON_DATA_ECHO && cl->msgs_recv != sv->msgs_sent)
		return FLOW_LOST;
	return FLOW_YES;
}

const char *sweep_flow_name(enum sweep_flow f)
{
	static const char *const names[] = {
		[FLOW_YES] = "yes",         [FLOW_FAILED] = "failed", [FLOW_SHORT] = "short",
		[FLOW_IDLE] = "idle",       [FLOW_ERRORS] = "errors", [FLOW_BLOCKED] = "blocked",
		[FLOW_LOST] = "lost",
	};

	return (unsigned)f < sizeof(names) / sizeof(names[0]) ? names[f] : "?";
}

/* One buffer's limit: as read back, else twice the request; UINT64_MAX: not known. */
static uint64_t one_limit(int effective, uint64_t requested)
{
	if (effective >= 0)
		return (uint64_t)effective;
	return requested ? 2 * requested : UINT64_MAX;
}

uint64_t sweep_limit(const struct sweep_row *r)
{
	uint64_t rcv = one_limit(r->s.rcvbuf_server, r->set.rcvbuf);
	uint64_t snd = one_limit(r->s.sndbuf_server, r->set.sndbuf);

	return rcv == UINT64_MAX || snd == UINT64_MAX ? UINT64_MAX : rcv + snd;
}

/* The smaller of the two sides' window scales; -1: one is not known. */
static int scale_of(const struct sweep_row *r)
{
	return r->s.wscale_server < r->s.wscale_client ? r->s.wscale_server : r->s.wscale_client;
}

/*
 * Is row a smaller than row b (b < 0: none yet)? Of two the same size the
 * one that kept its window scale wins: it costs no more. The buffer memory
 * held is no tie-break: at sweep's counts it is within sockstat's noise.
 */
static bool smaller(const struct sweep_row *rows, int a, int b)
{
	uint64_t la = sweep_limit(&rows[a]), lb;

	if (b < 0)
		return true;
	lb = sweep_limit(&rows[b]);
	if (la != lb)
		return la < lb;
	return scale_of(&rows[a]) > scale_of(&rows[b]);
}

/* The defaults row if it ran, else the largest row that ran; -1: none ran. */
static int reference(const struct sweep_row *rows, int n)
{
	int largest = -1;

	for (int i = 0; i < n; i++) {
		if (rows[i].code)
			continue;
		if (!rows[i].set.rcvbuf && !rows[i].set.sndbuf)
			return i;
		if (largest < 0 || sweep_limit(&rows[i]) > sweep_limit(&rows[largest]))
			largest = i;
	}
	return largest;
}

static bool same_sizes(const struct sweep_setting *a, const struct sweep_setting *b)
{
	return a->rcvbuf == b->rcvbuf && a->sndbuf == b->sndbuf;
}

/* A side's scale lost by setting the buffers early: 0 before, more after. */
static bool scale_lost(int before, int after)
{
	return before == 0 && after > 0;
}

static void find_lost_scale(const struct sweep_row *rows, int n, struct sweep_verdict *v)
{
	for (int b = 0; b < n; b++) {
		const struct sweep_row *rb = &rows[b];

		if (rb->code || rb->set.when != SWEEP_BEFORE)
			continue;
		for (int a = 0; a < n; a++) {
			const struct sweep_row *ra = &rows[a];

			if (ra->code || ra->set.when != SWEEP_AFTER || !same_sizes(&rb->set, &ra->set))
				continue;
			if (scale_lost(rb->s.wscale_server, ra->s.wscale_server) ||
			    scale_lost(rb->s.wscale_client, ra->s.wscale_client)) {
				v->lost_scale = b;
				v->kept_scale = a;
				return;
			}
		}
	}
}

double sweep_buffer_noise(uint64_t sockets, long ncpus)
{
	if (!sockets)
		return INFINITY;
	return 2.0 * (double)ncpus * SOCKSTAT_PCPU_BYTES / (double)sockets;
}

void sweep_decide(const struct sweep_row *rows, int n, enum on_data on_data, long ncpus,
		  struct sweep_verdict *v)
{
	uint64_t lbest, lref;

	*v = (struct sweep_verdict){ .best = -1, .ref = -1, .lost_scale = -1, .kept_scale = -1 };
	for (int i = 0; i < n; i++) {
		if (sweep_flow(&rows[i], on_data) == FLOW_YES && smaller(rows, i, v->best))
			v->best = i;
	}
	v->ref = reference(rows, n);
	find_lost_scale(rows, n, v);
	if (v->best < 0 || v->ref < 0)
		return;
	v->saved_bytes = (rows[v->ref].s.hold_buffer_bytes_per_conn -
			  rows[v->best].s.hold_buffer_bytes_per_conn) * SWEEP_PER;
	v->noise_bytes = sweep_buffer_noise(rows[v->best].s.sockets, ncpus) * SWEEP_PER;
	lbest = sweep_limit(&rows[v->best]);
	lref = sweep_limit(&rows[v->ref]);
	v->saved_limit_bytes = lbest == UINT64_MAX || lref == UINT64_MAX
				       ? NAN
				       : ((double)lref - (double)lbest) * SWEEP_PER;
}

/* --- running --- */

static void clear_line(struct reporter *rep)
{
	if (!rep->progress_shown)
		return;
	fputs(CLEAR_LINE, rep->out);
	rep->progress_shown = false;
}

/* TTY only: which setting runs, until the bench's own progress line replaces it. */
static void announce(struct reporter *rep, const struct sweep_row *r, int i, int n)
{
	char rcv[32], snd[32];

	if (!rep->tty)
		return;
	fprintf(rep->out, CLEAR_LINE "[%d/%d] rcvbuf %s, sndbuf %s%s%s", i + 1, n,
		sweep_size_text(r->set.rcvbuf, rcv, sizeof(rcv)),
		sweep_size_text(r->set.sndbuf, snd, sizeof(snd)), r->set.when ? ", set " : "",
		r->set.when == SWEEP_BEFORE ? "before" : r->set.when == SWEEP_AFTER ? "after" : "");
	fflush(rep->out);
	rep->progress_shown = true;
}

/* Keeps what the row needs of the bench's result: nothing that points into it. */
static void keep(struct sweep_row *r, const struct bench_result *res)
{
	r->s = res->summary;
	snprintf(r->detail, sizeof(r->detail), "%s", res->summary.stop_detail ? res->detail : "");
	r->s.stop_detail = r->detail[0] ? r->detail : NULL;
	r->s.delta = NULL;
	r->s.traffic = NULL;
	r->check = res->check;
	r->s.check = NULL;
}

static void run_setting(const struct bench_opts *o, struct sweep_row *r, struct reporter *rep,
			struct bench_result *res)
{
	struct bench_opts b = *o;

	b.conns_max = false;
	b.report_every = o->conns; /* one point, at the end of the ramp */
	b.holder.rcvbuf = r->set.rcvbuf;
	b.holder.sndbuf = r->set.sndbuf;
	b.holder.traffic.late_buffers = r->set.when == SWEEP_AFTER;
	r->code = bench_run(&b, rep, res);
	if (!r->code)
		keep(r, res);
}

static void print_row(struct reporter *rep, const struct bench_opts *o, const struct sweep_row *r)
{
	clear_line(rep);
	if (o->json)
		sweep_json_row(rep->out, o, r);
	else
		sweep_print_row(rep->out, o, r);
	fflush(rep->out);
}

int sweep_main(const struct sweep_opts *s)
{
	const struct bench_opts *o = &s->bench;
	static struct sweep_setting plan[SWEEP_RUNS_MAX];
	static struct sweep_row rows[SWEEP_RUNS_MAX];
	static struct bench_result res;
	struct sweep_verdict v;
	struct reporter rep;
	int nplan = sweep_plan(s, plan), n = 0, code = 0;

	reporter_init(&rep, stdout, o->json);
	rep.quiet = true; /* the progress line and notices only: the rows are ours */
	holder_signals(false);
	if (!o->json)
		sweep_print_head(stdout, o, nplan);
	for (int i = 0; i < nplan && !holder_signalled; i++) {
		struct sweep_row *r = &rows[n++];

		memset(r, 0, sizeof(*r));
		r->set = plan[i];
		announce(&rep, r, i, nplan);
		run_setting(o, r, &rep, &res);
		code = exit_code_worse(code, r->code ? r->code : bench_exit_code(&res));
		print_row(&rep, o, r);
	}
	clear_line(&rep);
	sweep_decide(rows, n, o->holder.traffic.on_data, sysconf(_SC_NPROCESSORS_ONLN), &v);
	if (o->json)
		sweep_json_verdict(stdout, o, rows, n, &v);
	else
		sweep_print_verdict(stdout, o, rows, n, &v);
	fflush(stdout);
	return code;
}
