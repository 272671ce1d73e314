#!/bin/sh
# 1M heartbeats, holdconn bench beside the heartbeat floor, ABAB, ROUNDS rounds (default 3).
# Run under the machine lock: flock /work/coord/machine.lock sh THIS [ROUNDS] [EXTRA]
# EXTRA goes to both (e.g. --pin). Each run's output beside this script, named by round.
set -u
cd "$(dirname "$0")/../../.."
d=bench/results/20261207-1m-heartbeats
rounds=${1:-3}
extra=${2:-}
tag=${TAG:-$(date -u +%H%M)}
for r in $(seq 1 "$rounds"); do
	echo "== round $r $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
	timeout 300 ./holdconn bench --conns 1000000 --send 64 --every 10s --hold 20s $extra --json \
		> "$d/$tag-holdconn-$r.json" 2> "$d/$tag-holdconn-$r.err"
	echo "holdconn exit $?"
	jq -c 'select(.event=="summary") | {schedule: .schedule | {due, on_time, late, not_sent, lag_p99_seconds}, one_way: (.traffic // {} | {p50: .latency_p50_us, p99: .latency_p99_us})}' "$d/$tag-holdconn-$r.json" 2>/dev/null | head -3
	timeout 300 bench/floor/floor 1000000 --send 64 --every 10s --hold 20s $extra \
		> "$d/$tag-floor-$r.out" 2>&1
	echo "floor exit $?"
	grep -E "window|summary|beat" "$d/$tag-floor-$r.out" | tail -4
done
