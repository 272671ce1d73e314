#!/bin/sh
# Per tenth of a 1M ramp, pinned: rate, each side's CPU, each CPU's split (sample.py).
# holdconn and the floor alternated, RUNS each (default 3). Under the machine lock.
set -u
cd "$(dirname "$0")/../../.."
d=bench/results/20261207-ramp-tenths
n=${N:-1000000}
tag=$(date -u +%H%M)
for k in $(seq 1 "${1:-3}"); do
	/usr/bin/python3 $d/sample.py $d/$tag-holdconn-$k ./holdconn bench --conns $n --report-every $((n / 10)) --pin --json > $d/$tag-holdconn-$k.tenths
	/usr/bin/python3 $d/sample.py $d/$tag-floor-$k bench/floor/floor $n --report-every $((n / 10)) --pin > $d/$tag-floor-$k.tenths
done
for f in $d/$tag-*.tenths; do echo "== $f"; cat "$f"; done
