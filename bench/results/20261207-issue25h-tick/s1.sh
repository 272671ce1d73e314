#!/bin/sh
# Sitting 1 (one machine-lock hold): generator handing out once a 1 ms tick even when behind (tick)
# vs main 4412626 (base: 20 ms slices back to back, wait 0, when behind); the floor beside; 600K, 3 rounds
# rotated; then one run of a diagnostic build (tick + gaps between handouts, not for landing).
b=/tmp/wt25h; out=$b/s1; mkdir -p $out
date -u +"start %T"; cat /proc/loadavg
run() { # build round
  nice -n -10 $b/holdconn.$1 bench --conns 600000 --send 64 --every 10s --hold 15s --json > $out/$1-$2.jsonl 2>$out/$1-$2.err
  echo "$(date -u +%T) $1 $2 rc=$? load $(cut -d' ' -f1 /proc/loadavg)"
}
fl() { # round
  nice -n -10 $b/floor 600000 --send 64 --every 10s --hold 15s > $out/floor-$1.txt 2>&1
  echo "$(date -u +%T) floor $1 rc=$? load $(cut -d' ' -f1 /proc/loadavg)"
}
run base 1; run tick 1; fl 1
run tick 2; fl 2; run base 2
fl 3; run base 3; run tick 3
run diag 1
date -u +"end %T"; cat /proc/loadavg
