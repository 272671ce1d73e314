#!/bin/sh
# Sitting m2: the 1M heartbeat command beside the floor's, ABAB x3, holdconn as landed
# (492454e). Under the machine lock. Outputs in /tmp/m2 (the log copied here).
out=/tmp/m2; cd $out; exec >> m2.log
date -u +"start %T"; cat /proc/loadavg
for k in 1 2 3; do
  ./holdconn.492454e bench --conns 1000000 --send 64 --every 10s --hold 20s > hc-$k.out 2>&1
  echo "$(date -u +%T) hc-$k rc=$? $(grep -E 'one way|schedule|cpu \(hold\)' hc-$k.out | tr -s ' ' | tr '\n' ' ')"
  ./floor.main 1000000 --send 64 --every 10s --hold 20s > fl-$k.out 2>&1
  echo "$(date -u +%T) fl-$k rc=$? $(grep '^window' fl-$k.out | tail -1)"
done
date -u +"end %T"; cat /proc/loadavg
