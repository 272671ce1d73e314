#!/bin/sh
# Does a 1 s scrape of serve's /metrics disturb the holder's loop? serve holds
# N connections from connect, each beating 64 B every 10 s; for HOLD seconds
# /metrics is scraped every second in one run and never in the other, alternated.
# The holder's one-way message latency in the hold window comes from two scrapes
# taken at its edges in both runs (the histogram's _sum/_count and buckets), the
# whole run's p50/p99 from serve's summary. Each run in a network namespace of its
# own (unshare -n): nothing outlives it.
# Run under the machine lock: flock /tmp/holdconn-machine.lock sh THIS OUTDIR [N HOLD ROUNDS]
# VARIANTS: NAME=SCRAPE:BINARY ..., run in this order each round (SCRAPE 1s or none).
cd "$(dirname "$0")/../.."
out=$1
n=${2:-100000}
hold=${3:-30}
rounds=${4:-3}
VARIANTS=${VARIANTS:-"1s=1s:./holdconn none=none:./holdconn"}
mkdir -p "$out"
run() { # run ROUND NAME SCRAPE BINARY
	d="$out/r$1-$2"
	mkdir -p "$d"
	unshare -n sh -c '
		set -u
		d=$1 n=$2 hold=$3 scrape=$4 H=$5
		ip link set lo up
		"$H" serve --listen 127.0.0.1:5000-5015 --metrics 127.0.0.1:9464 --send 64 \
			--report-every "$n" --json >"$d/serve.json" 2>&1 &
		S=$!
		sleep 0.5
		"$H" connect --target 127.0.0.1:5000-5015 --conns "$n" --send 64 --every 10s \
			--report-every "$n" --json >"$d/connect.json" 2>&1 &
		C=$!
		until grep -q "\"conns\":$n," "$d/connect.json"; do sleep 0.2; done
		sleep 2
		curl -s -o "$d/m0" http://127.0.0.1:9464/metrics
		i=0
		while [ $i -lt "$hold" ]; do
			if [ "$scrape" = 1s ]; then
				curl -s -o /dev/null -w "%{time_total}\n" http://127.0.0.1:9464/metrics >>"$d/scrapes"
			fi
			sleep 1
			i=$((i + 1))
		done
		curl -s -o "$d/m1" http://127.0.0.1:9464/metrics
		kill -INT $C; wait $C
		kill -INT $S; wait $S
	' sh "$d" "$n" "$hold" "$3" "$4"
}
r=1
while [ $r -le "$rounds" ]; do
	for v in $VARIANTS; do
		name=${v%%=*} scrape=${v#*=}
		run $r "$name" "${scrape%%:*}" "${scrape#*:}"
	done
	r=$((r + 1))
done
