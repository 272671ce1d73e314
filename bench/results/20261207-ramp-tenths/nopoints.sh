#!/bin/sh
# Is holdconn's slow ninth tenth its report point at 800K? The same ramp with one report point (at 1M), per tenth. Under the machine lock.
set -u
cd "$(dirname "$0")/../../.."
d=bench/results/20261207-ramp-tenths
tag=$(date -u +%H%M)
for k in 1 2; do
	/usr/bin/python3 $d/sample.py $d/$tag-onepoint-$k ./holdconn bench --conns 1000000 --report-every 1000000 --pin --json > $d/$tag-onepoint-$k.tenths
	cat $d/$tag-onepoint-$k.tenths
done
