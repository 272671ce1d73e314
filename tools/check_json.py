#!/usr/bin/python3
"""check_json.py SCHEMA FILE... - validate every line of holdconn --json output against the schema.

Each non-empty line of each FILE ('-' for stdin) must be one JSON object that the JSON Schema
(docs/holdconn.schema.json) accepts; the first line of a run must be its {"event":"run"} header.
Prints one line per invalid event (file:line: event: path: message) and exits 1 if there was any.
"""
import json
import sys

import jsonschema


def main(argv):
    if len(argv) < 3:
        print("usage: check_json.py SCHEMA FILE...", file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    bad = events = 0
    for name in argv[2:]:
        f = sys.stdin if name == "-" else open(name)
        first = True
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            events += 1
            try:
                obj = json.loads(line)
            except ValueError as e:
                print(f"{name}:{n}: not JSON: {e}")
                bad += 1
                continue
            if first and obj.get("event") != "run":
                print(f"{name}:{n}: the first event is {obj.get('event')!r}, not the run header")
                bad += 1
            first = False
            for err in validator.iter_errors(obj):
                path = "/".join(str(p) for p in err.absolute_path) or "(top)"
                print(f"{name}:{n}: {obj.get('event')}: {path}: {err.message}")
                bad += 1
    print(f"check_json: {events} events, {bad} problems", file=sys.stderr)
    return 1 if bad or not events else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
