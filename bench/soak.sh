#!/bin/sh
# bench/soak.sh - hold N pairs for a while and watch for drift: RSS of both
# sides, the TCP slab and the sockets count, sampled every minute; at the
# end every connection must still be held on both sides.
# Usage: sh bench/soak.sh [PAIRS] [MINUTES] [BYTES EVERY]   (default 500000, 30, idle)
#   sh bench/soak.sh 500000 30 64 10s    a 64-byte heartbeat every 10 s per connection
# HOLDCONN=path runs another binary (a copy, so a rebuild cannot change it mid-soak).
set -eu
cd "$(dirname "$0")/.."
pairs=${1:-500000}
minutes=${2:-30}
bin=${HOLDCONN:-./holdconn}
out=bench/results/soak-$(date -u +%Y%m%d-%H%M)
ports=127.0.0.1:26000-26015
serve_traffic=""
connect_traffic=""
if [ $# -ge 4 ]; then
	serve_traffic="--send $3"
	connect_traffic="--send $3 --every $4"
fi

# shellcheck disable=SC2086 # the traffic options are words
"$bin" serve --listen $ports --json --report-every 100000 $serve_traffic > "$out.serve.jsonl" 2>&1 &
spid=$!
sleep 1
# shellcheck disable=SC2086
"$bin" connect --target $ports --conns "$pairs" --json --report-every 100000 $connect_traffic \
	> "$out.connect.jsonl" 2>&1 &
cpid=$!
trap 'kill -INT $cpid $spid 2>/dev/null || true' EXIT

rss() { awk '/^VmRSS/ {print $2}' /proc/$1/status; }
tcp_objs() { awk '$1 == "TCP" {print $2}' /proc/slabinfo; }
inuse() { awk '/^TCP:/ {print $3}' /proc/net/sockstat; }

echo "minute serve_rss_kb connect_rss_kb tcp_slab_objs tcp_inuse" > "$out.samples"
for m in $(seq 0 "$minutes"); do
	echo "$m $(rss $spid) $(rss $cpid) $(tcp_objs) $(inuse)" >> "$out.samples"
	[ "$m" -lt "$minutes" ] && sleep 60
done
kill -INT $cpid
wait $cpid || true
kill -INT $spid
wait $spid || true
trap - EXIT
echo "samples: $out.samples"
jq -c 'select(.event == "summary") | del(.slab)' "$out.connect.jsonl" "$out.serve.jsonl"
