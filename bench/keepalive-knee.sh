#!/bin/sh
# bench/keepalive-knee.sh - the knee of a heartbeat pattern by separate benches
# (issue 16): one bench per count, each holding the pattern for --hold, judged
# as bench --slo judges a report point: one-way p99 <= P99_US and at most 1% of
# the heartbeats due not sent on time. Stops at the first count that misses.
# Usage: sh bench/keepalive-knee.sh BINARY P99_US "COUNTS" BENCH-ARGS...
#   e.g. sh bench/keepalive-knee.sh ./holdconn 10000 "200000 400000 600000 800000 1000000" \
#          --send 64 --every 10s --hold 6s
# Run it under the machine lock; the benches run at nice $NICE (default -10).
set -eu
cd "$(dirname "$0")/.."
bin=$1 p99=$2 counts=$3
shift 3
out=bench/results
stamp=$(date -u +%Y%m%d-%H%M)
file="$out/$stamp-keepalive-knee"
: > "$file.jsonl"
echo "# knee: $bin bench --conns N $* --json; met: one-way p99 <= $p99 us, <= 1% off schedule" > "$file.txt"
for n in $counts; do
	echo "== $bin bench --conns $n $* --json (load $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$file.txt" >&2
	nice -n "${NICE:--10}" "$bin" bench --conns "$n" "$@" --json | jq -c 'select(.event == "summary")' >> "$file.jsonl"
	met=$(tail -1 "$file.jsonl" | python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
sc, c, sv = r["schedule"], r["cpu"], r["traffic"]["server"]
hold = r["traffic"]["hold_seconds"]
met = sv["latency_p99_seconds"] * 1e6 <= float(sys.argv[1]) and sc["slip"] <= 0.01
print("%d pairs: %.0f msgs/s, one-way p50 %.3f ms p99 %.3f ms, %.2f%% off schedule (lag p99 %.1f ms),"
      " CPU ms/1k msgs server %.1f generator %.1f softirq %.1f, box %.0f%% busy: %s" % (
      r["held"], c["messages"] / hold, sv["latency_p50_seconds"] * 1e3, sv["latency_p99_seconds"] * 1e3,
      100 * sc["slip"], sc["lag_p99_seconds"] * 1e3, c["server"]["cpu_seconds_per_message"] * 1e6,
      c["generator"]["cpu_seconds_per_message"] * 1e6, c["softirq"]["cpu_seconds_per_message"] * 1e6,
      100 * (c["server"]["share"] + c["generator"]["share"] + c["softirq"]["share"]),
      "met" if met else "missed"), file=sys.stderr)
print("met" if met else "missed")
' "$p99" 2>>"$file.txt")
	tail -1 "$file.txt" >&2
	[ "$met" = met ] || break
done
