#!/bin/sh
# Sitting e7: blocks of 4 runs a ring (holdconn.blk) against main: first the ratio's knee
# search once each (recvs finding no buffer: the ring-major build's failure), then CPU per
# message over 8 s of a 600K hold, 2 pairs, the order turned. Run under the machine lock.
out=/tmp/e1; cd $out; exec >> e7.log
date -u +"start %T"; cat /proc/loadavg
for b in blk main; do
  ./holdconn.$b bench --conns 1200000 --report-every 100000 --send 64 --every 10s --hold 3s --slo p99=10ms --json > knee-$b.jsonl 2>&1
  echo "$(date -u +%T) knee-$b $(grep -o '"stop_detail":"[^"]*"' knee-$b.jsonl) $(grep -o '"recv_buffers":{[^}]*}' knee-$b.jsonl) $(grep -o '"event":"slo_point","connections":600000[^}]*"cpu":{[^}]*"server":{[^}]*},"generator":{[^}]*}' knee-$b.jsonl | grep -o 'cpu_seconds_per_message":[0-9.e-]*' | tr '\n' ' ')"
done
kids() {
  par=$1
  for i in $(seq 3000); do set -- $(pgrep -P $par | sort -n); [ $# -ge 2 ] && { echo $1 $2; return; }; sleep 0.01; done
  echo "no children of $par" >&2; exit 1
}
segs() { awk '/^Tcp:/{n++; if(n==1) for(i=1;i<=NF;i++) if($i=="InSegs") c=i; if(n==2) print $c}' /proc/$1/net/snmp; }
stat() { awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat; }
one() {
  name=$1; shift
  "$@" > $out/$name.out 2>&1 &
  b=$!
  set -- $(kids $b); s=$1 g=$2
  sleep 16
  a0=$(awk '{print $1}' /proc/$s/schedstat) b0=$(awk '{print $1}' /proc/$g/schedstat) st0=$(stat) i0=$(segs $s)
  sleep 8
  a1=$(awk '{print $1}' /proc/$s/schedstat) b1=$(awk '{print $1}' /proc/$g/schedstat) st1=$(stat) i1=$(segs $s)
  m=$(( (i1 - i0) / 2 ))
  echo "$(date -u +%T) $name msgs $m server $(echo "scale=2; ($a1 - $a0) / $m / 1000" | bc) generator $(echo "scale=2; ($b1 - $b0) / $m / 1000" | bc) box_busy $(echo "scale=2; ($st1 - $st0) * 10000 / $m" | bc)"
  wait $b
}
bl() { one blk-$1 ./holdconn.blk bench --conns 600000 --send 64 --every 10s --hold 30s --json; }
mn() { one main-$1 ./holdconn.main bench --conns 600000 --send 64 --every 10s --hold 30s --json; }
bl 1; mn 1; mn 2; bl 2
date -u +"end %T"; cat /proc/loadavg
