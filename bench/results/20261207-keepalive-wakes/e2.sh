#!/bin/sh
# Sitting e2: e1 again, the eventfd-off build first in each pair, 2 pairs, no floor.
# Run under the machine lock.
. "$(dirname "$0")/sitting.sh"
out=/tmp/e1; cd $out
date -u +"start %T"; cat /proc/loadavg
for r in 4 5; do
  one new-$r ./holdconn.new bench --conns 600000 --send 64 --every 10s --hold 30s --json
  one old-$r ./holdconn.main bench --conns 600000 --send 64 --every 10s --hold 30s --json
done
date -u +"end %T"; cat /proc/loadavg
