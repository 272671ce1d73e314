#!/bin/sh
# bench/keepalive-ab.sh - A/B of builds (and server options) under one heartbeat
# pattern, alternated in one sitting so that both see the same box (issue 16).
# Usage: sh bench/keepalive-ab.sh NAME ROUNDS "BENCH-ARGS" "LABEL=BINARY [ARGS]" ...
#   e.g. sh bench/keepalive-ab.sh batch 2 "--conns 600000 --send 64 --every 6s --hold 12s" \
#          "old=./holdconn.old" "new=./holdconn" "new-recv=./holdconn --watch recv"
# Run it under the machine lock. One JSON summary per run, and a table, in bench/results/.
# The benches run at nice $NICE (default -10): builds and tests others run outside the
# lock meanwhile would otherwise take their CPU (the load average is recorded with each run).
set -eu
cd "$(dirname "$0")/.."
name=$1 rounds=$2 common=$3
shift 3
out=bench/results
stamp=$(date -u +%Y%m%d-%H%M)
file="$out/$stamp-keepalive-ab-$name"
: > "$file.jsonl"
{
	echo "# A/B $name: $rounds rounds, alternated; common arguments: $common"
	echo "# $(uname -r), $(nproc) CPUs"
} > "$file.txt"
round=1
while [ "$round" -le "$rounds" ]; do
	for variant in "$@"; do
		label=${variant%%=*}
		cmd=${variant#*=}
		bin=${cmd%% *}
		extra=${cmd#"$bin"}
		echo "== round $round $label: $bin bench $common$extra --json (load $(cut -d' ' -f1-3 /proc/loadavg))" |
			tee -a "$file.txt" >&2
		# shellcheck disable=SC2086
		nice -n "${NICE:--10}" $bin bench $common $extra --json |
			jq -c --arg label "$label" --argjson round "$round" \
				'select(.event == "summary") | {label: $label, round: $round} + .' >> "$file.jsonl"
	done
	round=$((round + 1))
done
python3 - "$file.jsonl" >> "$file.txt" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("%-10s %5s %8s %9s %9s %9s %9s %9s %9s %9s %7s" % ("label", "round", "held", "on time%",
      "lag p99ms", "1way p99", "server", "generator", "softirq", "total", "box %"))
for r in rows:
    sc, c, sv = r.get("schedule", {}), r.get("cpu", {}), r.get("traffic", {}).get("server", {})
    if "holder" in c:  # an older build (schema 2) called the server's part "holder"
        c["server"] = c["holder"]
    h, g, s = (c.get(k, {}).get("cpu_seconds_per_message", 0) * 1e6 for k in ("server", "generator", "softirq"))
    share = sum(c.get(k, {}).get("share", 0) for k in ("server", "generator", "softirq"))
    print("%-10s %5d %8d %9.2f %9.2f %9.3f %9.3f %9.3f %9.3f %9.3f %7.1f" % (r["label"], r["round"],
          r["held"], 100 * sc.get("on_time", 0) / max(sc.get("due", 1), 1), sc.get("lag_p99_seconds", 0) * 1e3,
          sv.get("latency_p99_seconds", 0) * 1e3, h, g, s, h + g + s, 100 * share))
print("(CPU columns: ms of CPU per 1,000 messages the server read; box %: share of all CPUs during the hold)")
EOF
cat "$file.txt"
