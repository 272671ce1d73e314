#!/bin/sh
# Sitting p2: cpu-clock call-graph profiles of server and generator over 8 s of a 600K
# heartbeat hold, holdconn and the floor alternated, to split each side's samples into those
# under a softirq and its own (own.py). Under the machine lock.
. "$(dirname "$0")/../20261207-keepalive-wakes/sitting.sh"
out=/tmp/p2; mkdir -p $out; cd /tmp/e1
date -u +"start %T"; cat /proc/loadavg
measure() { perf record -e cpu-clock -F 2000 -g -p $2,$3 -o $out/$1.data -- sleep 8 2>/dev/null; echo "$2 $3" > $out/$1.pids; }
one hc-1 ./holdconn.main bench --conns 600000 --send 64 --every 10s --hold 30s --json
one fl-1 ./floor.main 600000 --send 64 --every 10s --hold 30s
one fl-2 ./floor.main 600000 --send 64 --every 10s --hold 30s
one hc-2 ./holdconn.main bench --conns 600000 --send 64 --every 10s --hold 30s --json
date -u +"end %T"; cat /proc/loadavg
