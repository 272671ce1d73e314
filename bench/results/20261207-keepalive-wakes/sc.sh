#!/bin/sh
# syscalls per second of server and generator over 5 s of a 300K heartbeat hold
cd /tmp/p1
kids() { par=$1; for i in $(seq 3000); do set -- $(pgrep -P $par | sort -n); [ $# -ge 2 ] && { echo $1 $2; return; }; sleep 0.01; done; exit 1; }
one() {
  name=$1; shift
  "$@" > $name.out 2>&1 & b=$!
  set -- $(kids $b); s=$1 g=$2
  sleep 12
  perf trace -s -p $s,$g -o $name.trace -- sleep 5 2>/dev/null
  wait $b
}
one sc-hc ./holdconn.main bench --conns 300000 --send 64 --every 10s --hold 20s --json
one sc-fl ./floor.main 300000 --send 64 --every 10s --hold 20s
