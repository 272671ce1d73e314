#!/bin/sh
# Sitting 3 (one machine-lock hold): what the generator does in its slow turns (diag3 = pace + a
# line per turn over 2.5 ms, not for landing), rounds 4-5 of pace vs base, the backlog drops
# (/proc/net/softnet_stat) and TCP counters around every run; then perf profiles of pace and the floor.
b=/tmp/wt25h; out=$b/s3; mkdir -p $out
date -u +"start %T"; cat /proc/loadavg
snap() { echo "$1 $(awk '{printf "cpu%d drop=%d squeeze=%d ", NR-1, strtonum("0x"$2), strtonum("0x"$3)}' /proc/net/softnet_stat) $(nstat -az TcpRetransSegs TcpExtTCPSynRetrans TcpExtTCPLossProbes TcpExtTCPTimeouts 2>/dev/null | awk 'NR>1{printf "%s=%s ", $1, $2}')" >> $out/net.log; }
run() { # build round
  snap "before $1-$2"
  nice -n -10 $b/holdconn.$1 bench --conns 600000 --send 64 --every 10s --hold 15s --json > $out/$1-$2.jsonl 2>$out/$1-$2.err
  echo "$(date -u +%T) $1 $2 rc=$? load $(cut -d' ' -f1 /proc/loadavg)"
  snap "after  $1-$2"
}
prof() { # name delay cmd...
  name=$1 delay=$2; shift 2
  "$@" > $out/prof-$name.out 2>&1 &
  pid=$!
  sleep $delay
  perf record -a -g -F 499 -o $out/prof-$name.data -- sleep 8 2>/dev/null
  wait $pid
  echo "$(date -u +%T) prof $name rc=$?"
}
run diag3 1; run pace 4; run base 4; run diag3 2; run base 5; run pace 5
prof pace 16 nice -n -10 $b/holdconn.pace bench --conns 600000 --send 64 --every 10s --hold 30s --json
prof floor 16 nice -n -10 $b/floor 600000 --send 64 --every 10s --hold 30s
date -u +"end %T"; cat /proc/loadavg
