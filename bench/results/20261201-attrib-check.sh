#!/bin/sh
# Issue 10's check: on one box, serve and connect over loopback at N pairs each
# report per-socket kernel bytes within 5% of bench's figure for the same count.
# bench --conns N, then serve + connect --server-pid in a network namespace of their
# own (as bench's), alternated ROUNDS times. Prints the JSON lines it compares.
#   flock /tmp/holdconn-machine.lock sh bench/results/20261201-attrib-check.sh 200000 2
set -eu
n=${1:-200000}
rounds=${2:-1}
H=${HOLDCONN:-./holdconn}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pair() {
	unshare -n sh -c '
		set -u
		n=$1 H=$2 d=$3
		ip link set lo up
		"$H" serve --listen 127.0.0.1:5000-5015 --report-every "$n" --json >"$d/serve" &
		sp=$!
		sleep 1
		"$H" connect --target 127.0.0.1:5000-5015 --conns "$n" --report-every "$n" --json \
			--server-pid "$sp" >"$d/connect" &
		cp=$!
		i=0
		while [ $i -lt 600 ] && ! grep -q "\"conns\":$n," "$d/connect" 2>/dev/null; do
			sleep 0.2; i=$((i + 1))
		done
		sleep 1
		kill -INT $cp; wait $cp || true
		kill -INT $sp; wait $sp || true
	' sh "$n" "$H" "$tmp"
	echo "serve point:   $(grep "\"conns\":$n," "$tmp/serve" | head -1)"
	echo "connect summary: $(grep '"event":"summary"' "$tmp/connect")"
}

for r in $(seq "$rounds"); do
	echo "## round $r: holdconn bench --conns $n --json"
	"$H" bench --conns "$n" --json | grep '"event":"summary"'
	echo "## round $r: serve + connect --server-pid, --conns $n, own namespace"
	pair
done
