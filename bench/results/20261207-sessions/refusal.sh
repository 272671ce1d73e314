#!/bin/sh
# redis with requirepass, --proto resp without --auth: the run must stop within seconds (stop
# 'session', the -NOAUTH reply shown), not ramp, hold 90 s or churn. 3 runs, each timed.
# sh refusal.sh HOLDCONN OUTDIR
set -u
hc=$1 out=$2
for run in 1 2 3; do
	t0=$(date +%s.%N)
	"$hc" bench --server 'sh bench/servers/redis.sh {port} --auth sekret' --proto resp \
		--conns 10000 --hold 90s --json >"$out/refusal-$run.jsonl" 2>"$out/refusal-$run.err"
	code=$?
	t1=$(date +%s.%N)
	python3 - "$out/refusal-$run.jsonl" "$code" "$t0" "$t1" "$run" <<'PY'
import json, sys
f, code, t0, t1, run = sys.argv[1:]
s = next(json.loads(l) for l in open(f) if '"event":"summary"' in l)
print('run %s: exit %s after %.1f s (ramp %.2f s): held %d, stop %s, refused %d, established %d, '
      'failed %d; detail: %s; server said: %s' % (run, code, float(t1) - float(t0),
      s['ramp_seconds'], s['held'], s['stop_reason'], s['sessions']['refused'],
      s['sessions']['established'], s['failed'], s['stop_detail'], s['first_bytes']))
PY
done
