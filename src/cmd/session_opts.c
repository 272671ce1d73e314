/* session_opts.c - --proto, its options and --tls*, parsed and checked across options (see common.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "base/units.h"
#include "cmd/common.h"

/* MQTT's keep alive is a 16-bit count of seconds; 0 would turn the broker's check off. */
#define MQTT_KEEPALIVE_MAX_S 65535

int opt_proto(struct opt_parser *p, const struct opt *o, const char *arg)
{
	struct session_opts *r = o->value;

	if (parse_proto(arg, &r->cfg.proto) || r->cfg.proto == PROTO_NONE)
		return opts_fail(p, "--%s: '%s' is not http, websocket, mqtt, nats, resp or hello",
				 o->name, arg);
	return 0;
}

int opt_keepalive(struct opt_parser *p, const struct opt *o, const char *arg)
{
	struct session_opts *r = o->value;
	uint64_t us;

	if (parse_duration_us(arg, &us) || us % 1000000 || us < 1000000 ||
	    us / 1000000 > MQTT_KEEPALIVE_MAX_S)
		return opts_fail(p, "--%s: '%s' is not whole seconds from 1s to 65535s (MQTT's keep "
				 "alive): write 30s or 2m", o->name, arg);
	r->cfg.keepalive_s = (uint32_t)(us / 1000000);
	r->keepalive_given = true;
	return 0;
}

/* A value sent inside a request line or header: no control characters. */
static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* --auth, --host, --tls-*: a string kept as typed (argv outlives the run). */
int opt_text(struct opt_parser *p, const struct opt *o, const char *arg)
{
	if (!*arg || !printable(arg))
		return opts_fail(p, "--%s: give a non-empty value without control characters",
				 o->name);
	*(const char **)o->value = arg;
	return 0;
}

int opt_http_path(struct opt_parser *p, const struct opt *o, const char *arg)
{
	if (arg[0] != '/' || strchr(arg, ' ') || !printable(arg))
		return opts_fail(p, "--%s: '%s' is not a request path: start it with / and leave out "
				 "spaces (e.g. /ws or /health?x=1)", o->name, arg);
	*(const char **)o->value = arg;
	return 0;
}

int opt_hello(struct opt_parser *p, const struct opt *o, const char *arg)
{
	struct session_opts *r = o->value;
	FILE *f = fopen(arg, "rb");
	size_t n;

	if (!f)
		return opts_fail(p, "--%s: %s: %s: give a readable file of the bytes to send",
				 o->name, arg, strerror(errno));
	n = fread(r->hello_buf, 1, sizeof(r->hello_buf), f);
	if (n == sizeof(r->hello_buf) && fgetc(f) != EOF) {
		fclose(f);
		return opts_fail(p, "--%s: %s is longer than %d bytes, the most an opening may be",
				 o->name, arg, HELLO_MAX);
	}
	fclose(f);
	r->cfg.hello = r->hello_buf;
	r->cfg.hello_len = n;
	return 0;
}

int opt_expect(struct opt_parser *p, const struct opt *o, const char *arg)
{
	struct session_opts *r = o->value;
	size_t n = strlen(arg);

	if (!n || n >= sizeof(r->expect_buf))
		return opts_fail(p, "--%s: give 1 to %d bytes the reply must start with", o->name,
				 EXPECT_MAX - 1);
	memcpy(r->expect_buf, arg, n + 1);
	r->cfg.expect = r->expect_buf;
	r->cfg.expect_len = n;
	return 0;
}

/* Options that mean something only under one protocol, and which. */
static int check_proto_options(struct opt_parser *p, const struct session_opts *r)
{
	const struct session_config *s = &r->cfg;
	enum proto pr = s->proto;

	if (pr == PROTO_NONE && (s->auth || s->hello || s->expect || s->path || s->host ||
				 r->keepalive_given))
		return opts_fail(p, "--%s needs --proto NAME: it is part of a protocol's opening",
				 s->auth ? "auth" : s->hello ? "hello" : s->expect ? "expect" :
				 s->path ? "http-path" : s->host ? "host" : "keepalive");
	if (r->keepalive_given && pr != PROTO_MQTT)
		return opts_fail(p, "--keepalive is MQTT's keep alive: give --proto mqtt, or --every "
				 "for %s's keepalive", proto_name(pr));
	if ((s->hello || s->expect) && pr != PROTO_HELLO)
		return opts_fail(p, "--%s goes with --proto hello, not --proto %s",
				 s->hello ? "hello" : "expect", proto_name(pr));
	if (pr == PROTO_HELLO && !s->hello && !s->expect)
		return opts_fail(p, "--proto hello needs --hello FILE (what to send) and/or --expect "
				 "TEXT (what the reply must start with)");
	if ((s->path || s->host) && pr != PROTO_HTTP && pr != PROTO_WEBSOCKET)
		return opts_fail(p, "--%s is for --proto http or websocket, not %s",
				 s->path ? "http-path" : "host", proto_name(pr));
	if (s->auth && pr != PROTO_RESP && pr != PROTO_MQTT && pr != PROTO_NATS)
		return opts_fail(p, "--auth is for --proto resp, mqtt or nats, not %s", proto_name(pr));
	return 0;
}

/* --tls-* without --tls, or on the wrong side. */
static int check_tls_options(struct opt_parser *p, const struct session_opts *r)
{
	const struct tls_options *t = &r->tls_opts;

	if (!r->tls && (t->sni || t->ca_file || t->insecure || t->cert_file || t->key_file ||
			t->keep_buffers))
		return opts_fail(p, "--tls-%s needs --tls",
				 t->sni ? "sni" : t->ca_file ? "ca" : t->insecure ? "insecure" :
				 t->cert_file ? "cert" : t->key_file ? "key" : "keep-buffers");
	if (t->insecure && t->ca_file)
		return opts_fail(p, "--tls-insecure verifies nothing, so --tls-ca would go unused: "
				 "drop one");
	if (!t->cert_file != !t->key_file)
		return opts_fail(p, "--tls-%s needs --tls-%s: a certificate and its key go together",
				 t->cert_file ? "cert" : "key", t->cert_file ? "key" : "cert");
	return 0;
}

/* What a generator must be able to do for its connections to speak: read, and from flow. */
static int check_generator(struct opt_parser *p, const struct session_opts *r, enum mode mode,
			   enum watch watch, const char *watch_opt)
{
	const char *what = r->cfg.proto != PROTO_NONE ? "--proto" : "--tls";

	if (mode == MODE_URING && (watch == WATCH_NONE || watch == WATCH_DIAG))
		return opts_fail(p, "%s: --%s %s never reads what the server says: use --%s poll or "
				 "recv", what, watch_opt, watch_name(watch), watch_opt);
	return 0;
}

int check_session(struct opt_parser *p, const struct session_opts *r, const struct traffic *t,
		  const struct session_run *run)
{
	enum session_side side = run->side;
	bool speaks = r->cfg.proto != PROTO_NONE;

	if (check_proto_options(p, r) || check_tls_options(p, r))
		return -EINVAL;
	if (speaks && (t->send || t->once))
		return opts_fail(p, "--%s: with --proto the protocol's keepalive is the traffic (at "
				 "--every): drop --send and --send-once", t->send ? "send" :
				 "send-once");
	if (side == SESSION_SERVE) {
		if (speaks)
			return opts_fail(p, "--proto is the client's: serve holds what it accepts (serve "
					 "--tls for TLS)");
		if (r->tls_opts.sni || r->tls_opts.ca_file || r->tls_opts.insecure)
			return opts_fail(p, "--tls-sni, --tls-ca and --tls-insecure are the client's: "
					 "serve takes --tls-cert and --tls-key");
	} else if (side == SESSION_CONNECT && (r->tls_opts.cert_file || r->tls_opts.key_file)) {
		return opts_fail(p, "--tls-cert and --tls-key are serve's: connect verifies with "
				 "--tls-ca (or --tls-insecure)");
	}
	if (side == SESSION_BENCH && run->server_cmd && (r->tls_opts.cert_file || r->tls_opts.key_file))
		return opts_fail(p, "--tls-cert and --tls-key are serve's, and --server runs its own "
				 "server: drop them");
	/* bench's own serve only drains or echoes: only --proto hello can be answered by it. */
	if (side == SESSION_BENCH && speaks && !run->server_cmd && r->cfg.proto != PROTO_HELLO)
		return opts_fail(p, "--proto %s needs a server that speaks it: give --server (e.g. "
				 "--server 'sh bench/servers/mosquitto.sh {port}'); bench's own serve "
				 "answers --proto hello with --on-data echo", proto_name(r->cfg.proto));
	if (!speaks && !r->tls)
		return 0;
	if (side == SESSION_CONNECT)
		return check_generator(p, r, run->mode, run->watch, "watch");
	if (side == SESSION_BENCH && run->client_watch == WATCH_DIAG)
		return check_generator(p, r, run->client_mode, run->client_watch, "client-watch");
	/* serve (and bench's own) under --tls: the server reads every handshake too. */
	if ((side == SESSION_SERVE || (side == SESSION_BENCH && !run->server_cmd)) && r->tls)
		return check_generator(p, r, run->mode, run->watch, "watch");
	return 0;
}
