#!/bin/sh
# The issue's 1M command RUNS times in a row (default 3), under the machine lock.
set -u
cd "$(dirname "$0")/../../.."
d=bench/results/20261207-1m-heartbeats
tag=${TAG:-$(date -u +%H%M)}
for r in $(seq 1 "${1:-3}"); do
	timeout 300 ./holdconn bench --conns 1000000 --send 64 --every 10s --hold 20s --json > "$d/$tag-repeat-$r.json" 2>&1
	jq -r 'select(.event=="summary") | "\(input_filename): one-way p50 \(.traffic.server.latency_p50_seconds*1e3) p99 \(.traffic.server.latency_p99_seconds*1e3) ms; on time \(.schedule.on_time)/\(.schedule.due), lag p50 \(.schedule.lag_p50_seconds*1e3) p99 \(.schedule.lag_p99_seconds*1e3) ms; cpu \(.cpu.server.cpu_seconds_per_message*1e6) / \(.cpu.generator.cpu_seconds_per_message*1e6) / \(.cpu.softirq.cpu_seconds_per_message*1e6)"' "$d/$tag-repeat-$r.json"
done
