/*
 * fuzz_session.c - a server's bytes, any bytes, into every protocol's
 * session: the first byte picks the protocol and where the input is split
 * into two reads. Checks that answers stay within SESSION_OUT_FOR and the
 * state stays one of the four.
 */
#include <stdio.h>
#include "fuzz.h"
#include "session/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct session_config cfg = { .proto = 1, .host = "h", .every_us = 1000000,
				      .auth = "u:p", .hello = "x", .hello_len = 1,
				      .expect = "OK", .expect_len = 2 };
	struct session s;
	struct session_out out = { 0 };
	size_t cut;
	char *in;

	if (size < 1)
		return 0;
	cfg.proto = 1 + data[0] % (PROTO_COUNT - 1);
	cut = size > 1 ? (data[0] >> 3) % size : 0;
	in = fuzz_cstr(data + 1, size - 1);
	out.cap = SESSION_OUT_FOR(size);
	out.buf = malloc(out.cap);
	FUZZ_CHECK(out.buf);
	FUZZ_CHECK(session_open(&cfg, &s, size, &out) == 0);
	out.len = 0;
	FUZZ_CHECK(session_input(&cfg, &s, size, in, cut, &out) == 0);
	FUZZ_CHECK(session_input(&cfg, &s, size, in + cut, size - 1 - cut, &out) == 0);
	FUZZ_CHECK(out.len <= SESSION_OUT_FOR(size));
	FUZZ_CHECK(s.state <= SESSION_CLOSED);
	session_beat(&cfg, &s, size, &out);
	free(out.buf);
	free(in);
	return 0;
}
