#!/bin/sh
# Sitting s1: main's holdconn and the floor at 600K heartbeat pairs, 6 pairs, order turned,
# each side's CPU split into softirq run in its context and its own. Under the machine lock.
. "$(dirname "$0")/sitting.sh"
out=/tmp/e1; cd $out; exec >> s1.log
date -u +"start %T"; cat /proc/loadavg
hc() { one hc-$1 ./holdconn.main bench --conns 600000 --send 64 --every 10s --hold 30s --json; }
fl() { one fl-$1 ./floor.main 600000 --send 64 --every 10s --hold 30s; }
for r in $(seq ${PAIRS:-3}); do
  hc $((2 * r - 1)); fl $((2 * r - 1))
  fl $((2 * r)); hc $((2 * r))
done
date -u +"end %T"; cat /proc/loadavg
