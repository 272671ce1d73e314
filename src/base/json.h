/*
 * json.h - the JSON members every report writes, one line per object:
 * strings escaped, numbers with one decimal, null for what is unknown.
 * Each member after the first writes its own leading comma.
 */
#ifndef HOLDCONN_JSON_H
#define HOLDCONN_JSON_H

#include <stdint.h>
#include <stdio.h>

/* Writes s as a JSON string literal (with quotes) to f. */
void json_string(FILE *f, const char *s);
/* Members after an opening one: each writes its comma, then "key":value (a NaN is null). */
void json_num(FILE *f, const char *key, double v);
void json_u64(FILE *f, const char *key, uint64_t v);
/* A duration in seconds, to nine significant digits (a latency of 23 µs is 2.3e-05). */
void json_seconds(FILE *f, const char *key, double s);
/* The same from microseconds: every duration in the JSON is in seconds. */
void json_us(FILE *f, const char *key, double us);
void json_str(FILE *f, const char *key, const char *v);
/* ,"key":{"server":S,"client":C}; a negative side (not known) is null. */
void json_sides(FILE *f, const char *key, int server, int client);
/* A double with one decimal; NaN and infinity (JSON has neither) as null. */
void json_double(FILE *f, double v);

#endif
