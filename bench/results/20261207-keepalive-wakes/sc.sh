#!/bin/sh
# Sitting sc: syscalls of server and generator over 5 s, 12 s into a 300K heartbeat hold;
# `sh sc.sh A=BINARY B=BINARY` compares two holdconn builds instead of holdconn and the floor
# (sc2: new=holdconn.new old=holdconn.main). Run under the machine lock.
. "$(dirname "$0")/sitting.sh"
out=/tmp/p1; cd $out
WARM=12
measure() { perf trace -s -p $2,$3 -o $out/$1.trace -- sleep 5 2>/dev/null; }
if [ $# -eq 0 ]; then
  one sc-hc ./holdconn.main bench --conns 300000 --send 64 --every 10s --hold 20s --json
  one sc-fl ./floor.main 300000 --send 64 --every 10s --hold 20s
fi
for ab in "$@"; do
  one sc-${ab%%=*} ./${ab#*=} bench --conns 300000 --send 64 --every 10s --hold 20s --json
done
