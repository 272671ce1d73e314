#!/bin/sh
# Sitting s2: holdconn as landed (492454e) and the floor at 600K heartbeat pairs, 6 pairs, order turned,
# each side's CPU split into softirq run in its context and its own. Under the machine lock.
. "$(dirname "$0")/sitting.sh"
out=/tmp/e1; cd $out; exec >> s2.log
date -u +"start %T"; cat /proc/loadavg
hc() { one s2hc-$1 ./holdconn.492454e bench --conns 600000 --send 64 --every 10s --hold 30s --json; }
fl() { one s2fl-$1 ./floor.main 600000 --send 64 --every 10s --hold 30s; }
for r in $(seq ${PAIRS:-3}); do
  hc $((2 * r - 1)); fl $((2 * r - 1))
  fl $((2 * r)); hc $((2 * r))
done
date -u +"end %T"; cat /proc/loadavg
