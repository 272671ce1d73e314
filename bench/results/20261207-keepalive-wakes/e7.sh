#!/bin/sh
# Sitting e7: blocks of 4 runs a ring (holdconn.blk) against main: first the ratio's knee
# search once each (recvs finding no buffer: the ring-major build's failure), then CPU per
# message over 8 s of a 600K hold, 2 pairs, the order turned. Run under the machine lock.
. "$(dirname "$0")/sitting.sh"
out=/tmp/e1; cd $out; exec >> e7.log
date -u +"start %T"; cat /proc/loadavg
for b in blk main; do
  ./holdconn.$b bench --conns 1200000 --report-every 100000 --send 64 --every 10s --hold 3s --slo p99=10ms --json > knee-$b.jsonl 2>&1
  echo "$(date -u +%T) knee-$b $(grep -o '"stop_detail":"[^"]*"' knee-$b.jsonl) $(grep -o '"recv_buffers":{[^}]*}' knee-$b.jsonl) $(grep -o '"event":"slo_point","connections":600000[^}]*"cpu":{[^}]*"server":{[^}]*},"generator":{[^}]*}' knee-$b.jsonl | grep -o 'cpu_seconds_per_message":[0-9.e-]*' | tr '\n' ' ')"
done
bl() { one blk-$1 ./holdconn.blk bench --conns 600000 --send 64 --every 10s --hold 30s --json; }
mn() { one main-$1 ./holdconn.main bench --conns 600000 --send 64 --every 10s --hold 30s --json; }
bl 1; mn 1; mn 2; bl 2
date -u +"end %T"; cat /proc/loadavg
