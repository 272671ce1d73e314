#!/bin/sh
# Sitting e4: main's holdconn and the floor, CPU per message over 8 s of a 600K heartbeat hold
# (16 s in), 6 pairs, the order turned each pair. Run under the machine lock.
. "$(dirname "$0")/sitting.sh"
out=/tmp/e1; cd $out; exec >> e4.log
date -u +"start %T"; cat /proc/loadavg
hc() { one hc-$1 ./holdconn.main bench --conns 600000 --send 64 --every 10s --hold 30s --json; }
fl() { one fl-$1 ./floor.main 600000 --send 64 --every 10s --hold 30s; }
for r in 1 2 3; do
  hc $((2 * r - 1)); fl $((2 * r - 1))
  fl $((2 * r)); hc $((2 * r))
done
date -u +"end %T"; cat /proc/loadavg
