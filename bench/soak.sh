#!/bin/sh
# bench/soak.sh - hold N pairs for a while and watch for drift: RSS of both
# sides, the TCP slab and the sockets count, sampled every minute; at the
# end every connection must still be held on both sides.
# Usage: sh bench/soak.sh [PAIRS] [MINUTES]   (default 500000, 30)
set -eu
cd "$(dirname "$0")/.."
pairs=${1:-500000}
minutes=${2:-30}
out=bench/results/soak-$(date -u +%Y%m%d-%H%M)
ports=127.0.0.1:26000-26015

./holdconn serve --listen $ports --json --report-every 100000 > "$out.serve.jsonl" 2>&1 &
spid=$!
sleep 1
./holdconn connect --target $ports --conns "$pairs" --json --report-every 100000 > "$out.connect.jsonl" 2>&1 &
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
grep '"event":"summary"' "$out.connect.jsonl" | sed 's/,"slab".*//'
grep '"event":"summary"' "$out.serve.jsonl" | sed 's/,"slab".*//'
