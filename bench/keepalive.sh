#!/bin/sh
# bench/keepalive.sh - one bench under a heartbeat, profiled during its hold
# (issue 16). Keeps the JSON lines, and a system-wide perf profile of the
# hold: both processes and the softirq work they cause.
# Usage: sh bench/keepalive.sh NAME BINARY BENCH-ARGS...
#   e.g. sh bench/keepalive.sh 1m-before ./holdconn --conns 1000000 --send 64 --every 10s --hold 20s
# Run it under the machine lock. PERF_SECONDS (default 8) of the hold are profiled. The
# bench runs at nice $NICE (default -10): builds and tests others run outside the lock
# meanwhile would otherwise take its CPU; the profile by command shows what else ran.
set -eu
cd "$(dirname "$0")/.."
name=$1 bin=$2
shift 2
out=bench/results
stamp=$(date -u +%Y%m%d-%H%M)
base="$out/$stamp-keepalive-$name"
mkdir -p "$out"
echo "== $bin bench $* --json > $base.jsonl (load $(cut -d' ' -f1-3 /proc/loadavg))" | tee "$base.txt" >&2
nice -n "${NICE:--10}" "$bin" bench "$@" --json > "$base.jsonl" &
pid=$!
# The hold starts once the summary of the ramp's last point is out and the sides settle:
# wait for the first schedule window (the client's progress is not in the JSON), i.e. for the
# last report point, then give the window a second to start.
last=$(echo "$*" | sed -n 's/.*--conns \([0-9]*\).*/\1/p')
while kill -0 "$pid" 2>/dev/null; do
	if [ -n "$last" ] && jq -e --argjson n "$last" 'select(.event == "report" and .connections == $n)' \
		"$base.jsonl" >/dev/null; then
		break
	fi
	sleep 0.5
done
if kill -0 "$pid" 2>/dev/null; then
	sleep 2
	perf record -a -g -o "$base.perf.data" -- sleep "${PERF_SECONDS:-8}" 2>/dev/null
	perf report -i "$base.perf.data" --no-children --sort comm,sym --stdio 2>/dev/null |
		grep -v '^$' | grep -E '^ +[0-9]' | head -60 > "$base.perf.txt"
	perf report -i "$base.perf.data" --no-children --sort comm --stdio 2>/dev/null |
		grep -E '^ +[0-9]' > "$base.perf-comm.txt"
	rm -f "$base.perf.data"
fi
wait "$pid" || [ $? -eq 3 ] # 3: stopped short or the SLO missed: a finding here
jq -c 'select(.event == "summary")' "$base.jsonl" | python3 -c '
import json, sys
s = json.loads(sys.stdin.read())
sc, c, t = s.get("schedule", {}), s.get("cpu", {}), s.get("traffic", {})
print("held %d, schedule kept=%s due %d on_time %d late %d not_sent %d lag p50/p99/max %.1f/%.1f/%.1f ms" % (
    s["held"], sc.get("kept"), sc.get("due", 0), sc.get("on_time", 0), sc.get("late", 0),
    sc.get("not_sent", 0), sc.get("lag_p50_seconds", 0) * 1e3, sc.get("lag_p99_seconds", 0) * 1e3,
    sc.get("lag_max_seconds", 0) * 1e3))
sv = t.get("server", {})
print("one way p50/p99/max %.3f/%.3f/%.1f ms" % (sv.get("latency_p50_seconds", 0) * 1e3,
    sv.get("latency_p99_seconds", 0) * 1e3, sv.get("latency_max_seconds", 0) * 1e3))
for k in ("server", "generator", "softirq"):
    p = c.get(k, {})
    print("cpu %s %.3f ms/1k msgs, %.1f%% of the box" % (k, p.get("cpu_seconds_per_message", 0) * 1e6,
          100 * p.get("share", 0)))
' | tee -a "$base.txt"
