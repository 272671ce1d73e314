#!/bin/sh
# Sitting 1 (one machine-lock hold): server wait 10 ms (wait) vs 1 ms (base) at 600K, 3 rounds alternated,
# memory at 100K without traffic, then a profile of base and of the floor side by side at 600K.
out=/tmp/wt25k/s1; mkdir -p $out
date -u +"start %T"; cat /proc/loadavg
run() { # build round
  nice -n -10 /tmp/wt25k/holdconn.$1 bench --conns 600000 --send 64 --every 10s --hold 15s --json > $out/$1-$2.jsonl 2>&1
  echo "$(date -u +%T) $1 $2 rc=$? load $(cut -d' ' -f1 /proc/loadavg)"
}
run base 1; run wait 1; run wait 2; run base 2; run base 3; run wait 3
for b in base wait; do nice -n -10 /tmp/wt25k/holdconn.$b bench --conns 100000 --json > $out/mem-$b.json 2>&1; echo "$(date -u +%T) mem $b rc=$?"; done
prof() { # name delay cmd...
  name=$1 delay=$2; shift 2
  "$@" > $out/prof-$name.out 2>&1 &
  pid=$!
  sleep $delay
  perf record -a -g -F 499 -o $out/prof-$name.data -- sleep 8 2>/dev/null
  wait $pid
  echo "$(date -u +%T) prof $name rc=$?"
}
prof base 16 nice -n -10 /tmp/wt25k/holdconn.base bench --conns 600000 --send 64 --every 10s --hold 30s --json
prof floor 16 nice -n -10 /tmp/wt25k/floor 600000 --send 64 --every 10s --hold 30s
date -u +"end %T"; cat /proc/loadavg
