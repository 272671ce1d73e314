#!/bin/sh
# Sitting 6: 1M pairs, 64 B every 10 s, 20 s hold: holdconn (main 5433f18) and the heartbeat floor, ABAB.
cd /work/wt-25
out=/tmp/wt25k/s6; mkdir -p $out
date -u +"start %T"; cat /proc/loadavg
for r in 1 2; do
  ./holdconn bench --conns 1000000 --send 64 --every 10s --hold 20s --json > $out/holdconn-$r.jsonl 2>&1
  echo "$(date -u +%T) holdconn $r rc=$? load $(cut -d' ' -f1 /proc/loadavg)"
  bench/floor/floor 1000000 --send 64 --every 10s --hold 20s > $out/floor-$r.txt 2>&1
  echo "$(date -u +%T) floor $r rc=$? load $(cut -d' ' -f1 /proc/loadavg)"
done
date -u +"end %T"; cat /proc/loadavg
