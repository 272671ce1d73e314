/*
 * resp.c - --proto resp (Redis's RESP3): HELLO 3, with AUTH when --auth is
 * given, its reply read whole and checked (an error reply, such as -NOAUTH,
 * -WRONGPASS or -ERR unknown command, refuses); PING at every beat.
 *
 * A reply is skipped without a stack: acc counts the values still to come
 * in it. A value read takes one off; an aggregate of n adds its n (2n for
 * a map), an attribute adds its 2n without being a value itself. The reply
 * is whole when acc is back at 0.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "session/proto.h"
#include "session/session.h"

enum {
	R_TYPE = 0, /* a value's first byte */
	R_NUMBER,   /* the length or count up to "\n", into need */
	R_BULK,     /* need bytes, its CRLF included */
	R_LINE,     /* a simple value, up to "\n" */
};
#define R_KIND 0x07       /* in flags: what the number is of */
#define R_BULK_LEN 1
#define R_ARRAY 2         /* array, set, push: n values */
#define R_MAP 3           /* 2n values */
#define R_ATTRIBUTE 4     /* 2n values, the attribute no value itself */
#define R_F_NEGATIVE 0x10 /* "-1": a null */
#define R_F_ERROR 0x20    /* the reply is an error */

static int put_bulk(struct session_out *o, const char *s, size_t n)
{
	int ret = out_fmt(o, "$%zu\r\n", n);

	ret = ret ? ret : out_put(o, s, n);
	return ret ? ret : out_put(o, "\r\n", 2);
}

static int resp_open(const struct session_config *cfg, struct session *s, uint64_t id,
		     struct session_out *out)
{
	const char *user, *pass;
	size_t ulen, plen;
	int ret;

	(void)s;
	(void)id;
	if (!cfg->auth)
		return out_str(out, "*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n");
	auth_split(cfg->auth, &user, &ulen, &pass, &plen);
	if (!user) {
		user = "default";
		ulen = 7;
	}
	ret = out_str(out, "*5\r\n$5\r\nHELLO\r\n$1\r\n3\r\n$4\r\nAUTH\r\n");
	ret = ret ? ret : put_bulk(out, user, ulen);
	return ret ? ret : put_bulk(out, pass, plen);
}

static void reply_end(struct session *s, struct session_out *out)
{
	if (s->state != SESSION_OPENING)
		out->acked++;
	else if (s->flags & R_F_ERROR)
		session_fail(s, WHY_ERROR);
	else
		s->state = SESSION_ESTABLISHED;
}

static void value_end(struct session *s, struct session_out *out)
{
	s->phase = R_TYPE;
	if (--s->acc == 0)
		reply_end(s, out);
}

static bool type_byte(struct session *s, char c)
{
	static const char *const lines = "+-:_#,(", *const bulks = "$=!", *const arrays = "*~>";

	if (c == '\0')
		return false;
	if (!s->acc) { /* a new reply */
		s->acc = 1;
		s->flags = c == '-' || c == '!' ? R_F_ERROR : 0;
	}
	s->flags &= R_F_ERROR;
	s->need = 0;
	s->phase = R_NUMBER;
	if (strchr(lines, c))
		s->phase = R_LINE;
	else if (strchr(bulks, c))
		s->flags |= R_BULK_LEN;
	else if (strchr(arrays, c))
		s->flags |= R_ARRAY;
	else if (c == '%')
		s->flags |= R_MAP;
	else if (c == '|')
		s->flags |= R_ATTRIBUTE;
	else
		return false;
	return true;
}

/* The number after a type byte is in (need, R_F_NEGATIVE). */
static void number_end(struct session *s, struct session_out *out)
{
	unsigned kind = s->flags & R_KIND;

	s->phase = R_TYPE;
	if (s->flags & R_F_NEGATIVE) { /* a null bulk string or array */
		value_end(s, out);
	} else if (kind == R_BULK_LEN) {
		s->need += 2;
		s->phase = R_BULK;
	} else if (kind == R_ATTRIBUTE) {
		s->acc += 2 * s->need;
	} else {
		s->acc += (kind == R_MAP ? 2 : 1) * s->need;
		value_end(s, out);
	}
}

/* One byte outside a bulk string's body; false when it breaks the protocol. */
static bool resp_char(struct session *s, char c, struct session_out *out)
{
	switch (s->phase) {
	case R_TYPE:
		return type_byte(s, c);
	case R_LINE:
		if (c == '\n')
			value_end(s, out);
		return true;
	default: /* R_NUMBER */
		if (c == '\n') {
			number_end(s, out);
		} else if (c == '-' && !s->need) {
			s->flags |= R_F_NEGATIVE;
		} else if (c >= '0' && c <= '9' && s->need <= (UINT32_MAX / 2 - 9) / 10) {
			s->need = s->need * 10 + (c - '0');
		} else if (c != '\r') {
			return false;
		}
		return true;
	}
}

static int resp_input(const struct session_config *cfg, struct session *s, uint64_t id,
		      const char *in, size_t n, struct session_out *out)
{
	size_t i = 0;

	(void)cfg;
	(void)id;
	while (i < n && !session_over(s)) {
		if (s->phase == R_BULK) {
			size_t k = n - i < s->need ? n - i : s->need;

			s->need -= k;
			i += k;
			if (!s->need)
				value_end(s, out);
		} else if (!resp_char(s, in[i++], out)) {
			session_fail(s, WHY_MALFORMED);
		}
	}
	return 0;
}

static int resp_beat(const struct session_config *cfg, struct session *s, uint64_t id,
		     struct session_out *out)
{
	(void)cfg;
	(void)s;
	(void)id;
	return out_str(out, "*1\r\n$4\r\nPING\r\n");
}

const struct proto_ops proto_resp = {
	.open = resp_open,
	.input = resp_input,
	.beat = resp_beat,
};
