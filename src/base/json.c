/* json.c - the JSON members every report writes (see json.h). */
#include <inttypes.h>
#include <math.h>
#include "base/json.h"

void json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* JSON has no NaN or infinity: an undefined figure is written as null. */
void json_double(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.1f", v);
	else
		fputs("null", f);
}

/* The members below follow an opening member, so each writes its comma. */
void json_num(FILE *f, const char *key, double v)
{
	fprintf(f, ",\"%s\":", key);
	json_double(f, v);
}

void json_seconds(FILE *f, const char *key, double s)
{
	if (isfinite(s))
		fprintf(f, ",\"%s\":%.9g", key, s);
	else
		fprintf(f, ",\"%s\":null", key);
}

void json_us(FILE *f, const char *key, double us)
{
	json_seconds(f, key, us / 1e6);
}

void json_u64(FILE *f, const char *key, uint64_t v)
{
	fprintf(f, ",\"%s\":%" PRIu64, key, v);
}

void json_str(FILE *f, const char *key, const char *v)
{
	fprintf(f, ",\"%s\":", key);
	json_string(f, v);
}

/* A socket buffer size; -1 (not read back) becomes null. */
void json_sides(FILE *f, const char *key, int server, int client)
{
	fprintf(f, ",\"%s\":{\"server\":", key);
	if (server < 0)
		fputs("null", f);
	else
		fprintf(f, "%d", server);
	fputs(",\"client\":", f);
	if (client < 0)
		fputs("null", f);
	else
		fprintf(f, "%d", client);
	fputc('}', f);
}
