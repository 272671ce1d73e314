#!/bin/sh
# prof.sh NAME DELAY CMD... : runs CMD, after DELAY s records the whole box for 8 s
out=/tmp/wt25/prof-$1; name=$1; delay=$2; shift 2
"$@" > $out.out 2>&1 &
pid=$!
sleep $delay
perf record -a -g -F 499 -o $out.data -- sleep 8 2>/dev/null
wait $pid
echo "$name rc=$?"
