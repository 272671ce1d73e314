/*
 * http.c - an HTTP/1.1 response head read a byte at a time (shared with the
 * WebSocket upgrade), and --proto http: one GET with keep-alive, the whole
 * response read (Content-Length or chunked), then idle.
 *
 * Nothing is buffered: the parser keeps its phase, how much of a token it
 * has matched (pos) and one number (need), so a head split anywhere across
 * reads parses the same as one read.
 */
#include <errno.h>
#include <string.h>
#include "session/proto.h"
#include "session/session.h"

enum {
	HP_VERSION = 1, /* HP_START matches "HTTP/"; then up to the space */
	HP_CODE,        /* three digits, into acc */
	HP_REASON,      /* the rest of the status line */
	HP_LINE,        /* the start of a header line */
	HP_NAME,        /* a header name, against the ones that matter */
	HP_VALUE_LENGTH,
	HP_VALUE_ENCODING,
	HP_VALUE_ACCEPT,
	HP_SKIP,        /* the rest of a line that does not matter */
	HP_END_CR,      /* "\r" at the start of a line: "\n" ends the head */
};

/* The headers that matter, as bits of flags while their name is matched. */
static const struct {
	const char *name;
	uint8_t bit, phase;
} headers[] = {
	{ "content-length", 0x10, HP_VALUE_LENGTH },
	{ "transfer-encoding", 0x20, HP_VALUE_ENCODING },
	{ "sec-websocket-accept", 0x40, HP_VALUE_ACCEPT },
};
#define HEADER_BITS 0x70
#define ACCEPT_LEN 28

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static void name_char(struct session *s, char c)
{
	if (c == ':') {
		uint8_t next = HP_SKIP;

		for (unsigned i = 0; i < sizeof(headers) / sizeof(headers[0]); i++)
			if ((s->flags & headers[i].bit) && strlen(headers[i].name) == s->pos)
				next = headers[i].phase;
		s->flags &= ~HEADER_BITS;
		s->phase = next;
		s->pos = 0;
		if (next == HP_VALUE_LENGTH)
			s->need = 0;
		return;
	}
	for (unsigned i = 0; i < sizeof(headers) / sizeof(headers[0]); i++)
		if (s->pos >= strlen(headers[i].name) || headers[i].name[s->pos] != lower(c))
			s->flags &= ~headers[i].bit;
	s->pos++;
	if (!(s->flags & HEADER_BITS))
		s->phase = HP_SKIP;
}

/* One byte of a header value; false when it breaks the protocol. */
static bool value_char(struct session *s, char c, const char *accept)
{
	if (c == '\n') {
		if (s->phase == HP_VALUE_LENGTH)
			s->flags |= HTTP_F_LENGTH;
		if (s->phase == HP_VALUE_ACCEPT)
			s->flags |= s->pos == ACCEPT_LEN && !(s->flags & HTTP_F_ACCEPT_BAD) ?
					    HTTP_F_ACCEPT_OK :
					    HTTP_F_ACCEPT_BAD;
		s->phase = HP_LINE;
		return true;
	}
	if (c == ' ' || c == '\t' || c == '\r')
		return true;
	switch (s->phase) {
	case HP_VALUE_LENGTH:
		if (c < '0' || c > '9' || s->need > (UINT32_MAX - 9) / 10)
			return false;
		s->need = s->need * 10 + (c - '0');
		break;
	case HP_VALUE_ENCODING: /* "chunked" anywhere in the value: no letter repeats its 'c' */
		s->pos = lower(c) == "chunked"[s->pos] ? s->pos + 1 : lower(c) == 'c';
		if (s->pos == 7) {
			s->flags |= HTTP_F_CHUNKED;
			s->pos = 0;
		}
		break;
	default: /* HP_VALUE_ACCEPT */
		if (s->pos < ACCEPT_LEN && c == accept[s->pos])
			s->pos++;
		else
			s->flags |= HTTP_F_ACCEPT_BAD;
	}
	return true;
}

/* One byte of the head; false when it breaks the protocol. */
static bool head_char(struct session *s, char c, const char *accept)
{
	switch (s->phase) {
	case HP_START:
		if (c != "HTTP/"[s->pos])
			return false;
		if (++s->pos == 5)
			s->phase = HP_VERSION;
		break;
	case HP_VERSION:
		if (c == ' ') {
			s->phase = HP_CODE;
			s->pos = 0;
			s->acc = 0;
		}
		break;
	case HP_CODE:
		if (c < '0' || c > '9')
			return false;
		s->acc = s->acc * 10 + (c - '0');
		if (++s->pos == 3)
			s->phase = HP_REASON;
		break;
	case HP_REASON:
	case HP_SKIP:
		if (c == '\n')
			s->phase = HP_LINE;
		break;
	case HP_LINE:
		s->pos = 0;
		if (c == '\r') {
			s->phase = HP_END_CR;
		} else if (c == '\n') {
			s->phase = HP_DONE;
		} else {
			s->phase = HP_NAME;
			s->flags |= 0x10 | 0x20 | (accept ? 0x40 : 0);
			name_char(s, c);
		}
		break;
	case HP_NAME:
		if (c == '\n')
			return false;
		name_char(s, c);
		break;
	case HP_END_CR:
		if (c != '\n')
			return false;
		s->phase = HP_DONE;
		break;
	default:
		return value_char(s, c, accept);
	}
	return true;
}

size_t http_head(struct session *s, const char *in, size_t n, const char *accept)
{
	size_t i;

	for (i = 0; i < n && s->phase != HP_DONE; i++) {
		if (!head_char(s, in[i], accept)) {
			session_fail(s, WHY_MALFORMED);
			return n;
		}
	}
	return i;
}

/* --proto http: after the head, the body. */
enum {
	HB_BODY = HP_DONE + 1, /* need bytes of Content-Length */
	HB_CHUNK_SIZE,         /* hex digits into need (pos counts them) */
	HB_CHUNK_EXT,          /* to the end of the size line */
	HB_CHUNK_DATA,         /* need bytes */
	HB_CHUNK_END,          /* the CRLF after a chunk */
	HB_TRAILER_LINE,       /* after the last chunk: lines up to an empty one */
	HB_TRAILER_SKIP,
	HB_TRAILER_CR,
	HB_IDLE,               /* the response is in: nothing more is expected */
};

static int http_open(const struct session_config *cfg, struct session *s, uint64_t id,
		     struct session_out *out)
{
	(void)s;
	(void)id;
	return out_fmt(out,
		       "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: holdconn\r\n"
		       "Connection: keep-alive\r\n\r\n",
		       cfg->path ? cfg->path : "/", cfg->host ? cfg->host : "localhost");
}

static void established(struct session *s)
{
	s->state = SESSION_ESTABLISHED;
	s->phase = HB_IDLE;
}

/* The head is in: refuse, read another head (1xx), or read the body as framed. */
static void head_done(struct session *s)
{
	uint32_t status = s->acc;

	if (status >= 100 && status < 200 && status != 101) {
		s->phase = HP_START;
		s->flags = 0;
		s->pos = 0;
	} else if (status < 200 || status >= 400) {
		session_fail(s, WHY_STATUS);
	} else if (status == 204 || status == 304) {
		established(s);
	} else if (s->flags & HTTP_F_CHUNKED) {
		s->phase = HB_CHUNK_SIZE;
		s->pos = 0;
		s->need = 0;
	} else if ((s->flags & HTTP_F_LENGTH) && s->need) {
		s->phase = HB_BODY;
	} else {
		/* No length (or 0): nothing to read, or a body up to the close. */
		established(s);
	}
}

static int hex(char c)
{
	c = lower(c);
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One byte of chunk framing (not chunk data); false when it breaks the protocol. */
static bool chunk_char(struct session *s, char c)
{
	switch (s->phase) {
	case HB_CHUNK_SIZE:
	case HB_CHUNK_EXT:
		if (c == '\n') {
			if (!s->pos)
				return false;
			s->phase = s->need ? HB_CHUNK_DATA : HB_TRAILER_LINE;
		} else if (s->phase == HB_CHUNK_SIZE && hex(c) >= 0) {
			if (s->need > 0x0fffffff)
				return false;
			s->need = s->need << 4 | hex(c);
			s->pos = 1;
		} else if (c != '\r') {
			s->phase = HB_CHUNK_EXT;
		}
		break;
	case HB_CHUNK_END:
		if (c == '\n') {
			s->phase = HB_CHUNK_SIZE;
			s->pos = 0;
		}
		break;
	case HB_TRAILER_LINE:
		s->phase = c == '\r' ? HB_TRAILER_CR : c == '\n' ? HB_IDLE : HB_TRAILER_SKIP;
		break;
	case HB_TRAILER_SKIP:
		if (c == '\n')
			s->phase = HB_TRAILER_LINE;
		break;
	case HB_TRAILER_CR:
		if (c != '\n')
			return false;
		s->phase = HB_IDLE;
		break;
	}
	if (s->phase == HB_IDLE)
		established(s);
	return true;
}

static int http_input(const struct session_config *cfg, struct session *s, uint64_t id,
		      const char *in, size_t n, struct session_out *out)
{
	size_t i = 0;

	(void)cfg;
	(void)id;
	(void)out;
	while (i < n && s->state == SESSION_OPENING) {
		if (s->phase < HP_DONE) {
			i += http_head(s, in + i, n - i, NULL);
			if (s->phase == HP_DONE)
				head_done(s);
		} else if (s->phase == HB_BODY || s->phase == HB_CHUNK_DATA) {
			size_t k = n - i < s->need ? n - i : s->need;

			s->need -= k;
			i += k;
			if (!s->need && s->phase == HB_BODY)
				established(s);
			else if (!s->need)
				s->phase = HB_CHUNK_END;
		} else if (!chunk_char(s, in[i++])) {
			session_fail(s, WHY_MALFORMED);
		}
	}
	return 0;
}

const struct proto_ops proto_http = {
	.open = http_open,
	.input = http_input,
};
