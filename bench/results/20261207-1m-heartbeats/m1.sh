#!/bin/sh
# Sitting m1: the 1M heartbeat command beside the floor's, ABAB x3 (main 7cca709, whose
# code is 5de395b's). Run under the machine lock.
out=/tmp/m1; cd $out; exec >> m1.log
date -u +"start %T"; cat /proc/loadavg
for k in 1 2 3; do
  ./holdconn.main bench --conns 1000000 --send 64 --every 10s --hold 20s > hc-$k.out 2>&1
  echo "$(date -u +%T) hc-$k rc=$? $(grep -E 'one way|schedule|cpu \(hold\)' hc-$k.out | tr -s ' ' | tr '\n' ' ')"
  ./floor.main 1000000 --send 64 --every 10s --hold 20s > fl-$k.out 2>&1
  echo "$(date -u +%T) fl-$k rc=$? $(grep '^window' fl-$k.out | tail -1)"
done
date -u +"end %T"; cat /proc/loadavg
