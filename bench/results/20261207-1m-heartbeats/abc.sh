#!/bin/sh
# 1M heartbeats: two holdconn builds and the heartbeat floor in turn, ROUNDS rounds (default 3),
# the builds' order swapped each round. Under the machine lock:
#   flock /work/coord/machine.lock sh THIS OLD NEW [ROUNDS]
set -u
old=$1 new=$2
cd "$(dirname "$0")/../../.."
d=bench/results/20261207-1m-heartbeats
tag=${TAG:-$(date -u +%H%M)}
hc() { # NAME BINARY ROUND
	timeout 300 "$2" bench --conns 1000000 --send 64 --every 10s --hold 20s --json > "$d/$tag-$1-$3.json" 2> "$d/$tag-$1-$3.err"
	jq -r --arg n "$1" 'select(.event=="summary") | "\($n): one-way p50 \(.traffic.server.latency_p50_seconds*1e3) p99 \(.traffic.server.latency_p99_seconds*1e3) ms; on time \(.schedule.on_time)/\(.schedule.due), lag p50 \(.schedule.lag_p50_seconds*1e3) p99 \(.schedule.lag_p99_seconds*1e3) ms; cpu ms/1k server \(.cpu.server.cpu_seconds_per_message*1e6) generator \(.cpu.generator.cpu_seconds_per_message*1e6) softirq \(.cpu.softirq.cpu_seconds_per_message*1e6); recv buffers empty \(.recv_buffers.empty)"' "$d/$tag-$1-$3.json"
}
for r in $(seq 1 "${3:-3}"); do
	echo "== round $r $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
	if [ $((r % 2)) = 1 ]; then hc old "$old" $r; hc new "$new" $r; else hc new "$new" $r; hc old "$old" $r; fi
	timeout 300 bench/floor/floor 1000000 --send 64 --every 10s --hold 20s > "$d/$tag-floor-$r.out" 2>&1
	grep window "$d/$tag-floor-$r.out" | sed 's/.*msgs=\([0-9]*\).*nobufs=\([0-9]*\).*one_way_p50_us=\([0-9]*\) one_way_p99_us=\([0-9]*\) lag_p99_us=\([0-9]*\) slip=\([0-9.]*\) server_cpu_ms_per_1k=\([0-9.]*\) client_cpu_ms_per_1k=\([0-9.]*\) softirq_ms_per_1k=\([0-9.]*\).*/floor: one-way p50 \3 p99 \4 us; slip \6, lag p99 \5 us; cpu ms\/1k server \7 client \8 softirq \9; nobufs \2/'
done
