#!/bin/sh
# Sitting e1: CPU per message over 8 s of a 600K heartbeat hold (16 s in), main's holdconn,
# holdconn with the eventfd off during its own submits, and the floor, in rotation x3.
# Run under the machine lock.
. "$(dirname "$0")/sitting.sh"
out=/tmp/e1; cd $out
date -u +"start %T"; cat /proc/loadavg
for r in 1 2 3; do
  one old-$r ./holdconn.main bench --conns 600000 --send 64 --every 10s --hold 30s --json
  one new-$r ./holdconn.new bench --conns 600000 --send 64 --every 10s --hold 30s --json
  one fl-$r ./floor.main 600000 --send 64 --every 10s --hold 30s
done
date -u +"end %T"; cat /proc/loadavg
