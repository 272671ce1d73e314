#!/bin/sh
# Sitting e3: CPU per message over 8 s of a 600K heartbeat hold (16 s in), main's holdconn,
# holdconn skipping its send completions (skip-prototype.patch), and the floor, in rotation x3.
# Run under the machine lock.
. "$(dirname "$0")/sitting.sh"
out=/tmp/e1; cd $out; exec >> e3.log
date -u +"start %T"; cat /proc/loadavg
for r in 1 2 3; do
  one main-$r ./holdconn.main bench --conns 600000 --send 64 --every 10s --hold 30s --json
  one skip-$r ./holdconn.skip bench --conns 600000 --send 64 --every 10s --hold 30s --json
  one fl-$r ./floor.main 600000 --send 64 --every 10s --hold 30s
done
date -u +"end %T"; cat /proc/loadavg
