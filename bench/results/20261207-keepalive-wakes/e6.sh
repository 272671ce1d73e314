#!/bin/sh
# Sitting e6: the ring-major schedule (holdconn.rm), main and the floor, CPU per message over
# 8 s of a 600K heartbeat hold (16 s in), the order turned each round; then two 1M heartbeat
# runs of holdconn.rm (the issue's command). Run under the machine lock.
. "$(dirname "$0")/sitting.sh"
out=/tmp/e1; cd $out; exec >> e6.log
date -u +"start %T"; cat /proc/loadavg
rm_() { one rm-$1 ./holdconn.rm bench --conns 600000 --send 64 --every 10s --hold 30s --json; }
mn() { one main-$1 ./holdconn.main bench --conns 600000 --send 64 --every 10s --hold 30s --json; }
fl() { one fl-$1 ./floor.main 600000 --send 64 --every 10s --hold 30s; }
rm_ 5; mn 5; fl 5
fl 6; mn 6; rm_ 6
for k in 1 2; do
  ./holdconn.rm bench --conns 1000000 --send 64 --every 10s --hold 20s > $out/rm-1m-$k.out 2>&1
  echo "$(date -u +%T) rm-1m-$k rc=$? $(grep -E 'one way|stalls|schedule|cpu \(hold\)' $out/rm-1m-$k.out | tr -s ' ' | tr '\n' ' ')"
done
date -u +"end %T"; cat /proc/loadavg
