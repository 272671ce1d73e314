#!/bin/sh
# Sitting p1: cpu-clock profiles (call graphs) of server and generator over 8 s of a 600K
# heartbeat hold, holdconn and the floor alternated. Run under the machine lock.
. "$(dirname "$0")/sitting.sh"
out=/tmp/p1; cd $out
date -u +"start %T"; cat /proc/loadavg
measure() { perf record -e cpu-clock -F 4000 -g -p $2,$3 -o $out/$1.data -- sleep 8 2>/dev/null; }
one hc-1 ./holdconn.main bench --conns 600000 --send 64 --every 10s --hold 30s --json
one fl-1 ./floor.main 600000 --send 64 --every 10s --hold 30s
one hc-2 ./holdconn.main bench --conns 600000 --send 64 --every 10s --hold 30s --json
one fl-2 ./floor.main 600000 --send 64 --every 10s --hold 30s
date -u +"end %T"; cat /proc/loadavg
