#!/bin/sh
# Sitting 2 (one machine-lock hold): base (main 682348f) / wait (server waits 10 ms) / quiet (wait + heartbeats
# sent with no completion, no malloc) at 600K, 3 rounds rotated; a profile of quiet; memory of quiet at 100K.
out=/tmp/wt25k/s2; mkdir -p $out
date -u +"start %T"; cat /proc/loadavg
run() { # build round
  nice -n -10 /tmp/wt25k/holdconn.$1 bench --conns 600000 --send 64 --every 10s --hold 15s --json > $out/$1-$2.jsonl 2>&1
  echo "$(date -u +%T) $1 $2 rc=$? load $(cut -d' ' -f1 /proc/loadavg)"
}
run base 1; run wait 1; run quiet 1
run quiet 2; run base 2; run wait 2
run wait 3; run quiet 3; run base 3
nice -n -10 /tmp/wt25k/holdconn.quiet bench --conns 100000 --json > $out/mem-quiet.json 2>&1; echo "$(date -u +%T) mem quiet rc=$?"
prof() { # name delay cmd...
  name=$1 delay=$2; shift 2
  "$@" > $out/prof-$name.out 2>&1 &
  pid=$!
  sleep $delay
  perf record -a -g -F 499 -o $out/prof-$name.data -- sleep 8 2>/dev/null
  wait $pid
  echo "$(date -u +%T) prof $name rc=$?"
}
prof quiet 16 nice -n -10 /tmp/wt25k/holdconn.quiet bench --conns 600000 --send 64 --every 10s --hold 30s --json
date -u +"end %T"; cat /proc/loadavg
