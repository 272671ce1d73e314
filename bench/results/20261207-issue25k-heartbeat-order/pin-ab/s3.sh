#!/bin/sh
# Sitting 3 (one machine-lock hold): does keeping the server and the generator on CPUs of their own
# (taskset after the fork, /tmp/wt25k/pin.sh) remove the generator's lag tails? wait and quiet builds,
# pinned (P) or not, 600K, 3 rounds rotated.
out=/tmp/wt25k/s3; mkdir -p $out
date -u +"start %T"; cat /proc/loadavg
run() { # build round [pin]
  if [ -n "${3:-}" ]; then
    /tmp/wt25k/pin.sh $out/$1P-$2.jsonl nice -n -10 /tmp/wt25k/holdconn.$1 bench --conns 600000 --send 64 --every 10s --hold 15s --json
    echo "$(date -u +%T) $1P $2 rc=$? load $(cut -d' ' -f1 /proc/loadavg)"
  else
    nice -n -10 /tmp/wt25k/holdconn.$1 bench --conns 600000 --send 64 --every 10s --hold 15s --json > $out/$1-$2.jsonl 2>&1
    echo "$(date -u +%T) $1 $2 rc=$? load $(cut -d' ' -f1 /proc/loadavg)"
  fi
}
for r in 1 2 3; do
  run quiet $r P; run wait $r; run wait $r P; run quiet $r
done
date -u +"end %T"; cat /proc/loadavg
