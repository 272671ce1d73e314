#!/bin/sh
# Sitting 5 (one machine-lock hold): beats in runs of 64 consecutive slots (run) vs 64 slots 512 apart
# (bit-reversed, as main), on the wait and quiet builds; 600K, 3 rounds rotated.
out=/tmp/wt25k/s5; mkdir -p $out
date -u +"start %T"; cat /proc/loadavg
run() { # build round
  nice -n -10 /tmp/wt25k/holdconn.$1 bench --conns 600000 --send 64 --every 10s --hold 15s --json > $out/$1-$2.jsonl 2>&1
  echo "$(date -u +%T) $1 $2 rc=$? load $(cut -d' ' -f1 /proc/loadavg)"
}
run waitrun 1; run wait 1; run quietrun 1; run quiet 1
run quiet 2; run quietrun 2; run wait 2; run waitrun 2
run quietrun 3; run waitrun 3; run quiet 3; run wait 3
date -u +"end %T"; cat /proc/loadavg
