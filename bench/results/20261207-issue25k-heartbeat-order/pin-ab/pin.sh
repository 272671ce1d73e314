#!/bin/sh
# pin.sh OUT CMD... : runs a holdconn bench, pins its server (first child) to CPU 0 and its generator (second) to CPU 1
out=$1; shift
"$@" > $out 2>&1 &
p=$!
for i in $(seq 200); do
  kids=$(pgrep -P $p | sort -n | tr '\n' ' ')
  set -- $kids
  [ $# -ge 2 ] && break
  sleep 0.05
done
taskset -pc 0 $1 >/dev/null; taskset -pc 1 $2 >/dev/null
echo "pinned server $1 -> 0, generator $2 -> 1" >&2
wait $p
