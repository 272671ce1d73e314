#!/bin/sh
# Sitting 2 (one machine-lock hold): pace (the generator sleeps to a tick after its last batch, not a
# tick after the completions of its sends woke it; waits in µs) vs main 4412626 (base); the floor
# beside; 600K, 3 rounds rotated; then one run of pace + the diagnostic gaps (not for landing).
b=/tmp/wt25h; out=$b/s2; mkdir -p $out
date -u +"start %T"; cat /proc/loadavg
run() { # build round
  nice -n -10 $b/holdconn.$1 bench --conns 600000 --send 64 --every 10s --hold 15s --json > $out/$1-$2.jsonl 2>$out/$1-$2.err
  echo "$(date -u +%T) $1 $2 rc=$? load $(cut -d' ' -f1 /proc/loadavg)"
}
fl() { # round
  nice -n -10 $b/floor 600000 --send 64 --every 10s --hold 15s > $out/floor-$1.txt 2>&1
  echo "$(date -u +%T) floor $1 rc=$? load $(cut -d' ' -f1 /proc/loadavg)"
}
run pace 1; run base 1; fl 1
run base 2; fl 2; run pace 2
fl 3; run pace 3; run base 3
run pacediag 1
date -u +"end %T"; cat /proc/loadavg
