/*
 * runinfo.h - the first JSON line of every --json run: which schema the
 * lines follow, when and where the run was made, and by what command line,
 * so a line kept in a file says where it came from (docs/json.md).
 */
#ifndef HOLDCONN_RUNINFO_H
#define HOLDCONN_RUNINFO_H

#include <stdio.h>

/* The version of the JSON lines' schema (docs/holdconn.schema.json): bumped on any rename. */
#define JSON_SCHEMA_VERSION 3

/*
 * {"event":"run","schema_version":3,"time":"2026-12-07T01:40:00.123Z",
 * "host":...,"kernel":...,"holdconn_version":...,"command":...,"argv":[...]}
 */
void runinfo_json(FILE *f, const char *command, int argc, char **argv);

#endif
