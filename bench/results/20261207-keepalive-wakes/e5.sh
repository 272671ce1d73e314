#!/bin/sh
# Sitting e5: main against the ring-major schedule (holdconn.rm), CPU per message over 8 s of a 600K
# (16 s in), 6 pairs, the order turned each pair. Run under the machine lock.
. "$(dirname "$0")/sitting.sh"
out=/tmp/e1; cd $out; exec >> e5.log
date -u +"start %T"; cat /proc/loadavg
hc() { one main-$1 ./holdconn.main bench --conns 600000 --send 64 --every 10s --hold 30s --json; }
fl() { one rm-$1 ./holdconn.rm bench --conns 600000 --send 64 --every 10s --hold 30s --json; }
for r in 1 2; do
  hc $((2 * r - 1)); fl $((2 * r - 1))
  fl $((2 * r)); hc $((2 * r))
done
date -u +"end %T"; cat /proc/loadavg
