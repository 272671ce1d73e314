#!/bin/sh
# Sitting e4: main's holdconn and the floor, CPU per message over 8 s of a 600K heartbeat hold
# (16 s in), 6 pairs, the order turned each pair. Run under the machine lock.
out=/tmp/e1; cd $out; exec >> e4.log
date -u +"start %T"; cat /proc/loadavg
kids() {
  par=$1
  for i in $(seq 3000); do set -- $(pgrep -P $par | sort -n); [ $# -ge 2 ] && { echo $1 $2; return; }; sleep 0.01; done
  echo "no children of $par" >&2; exit 1
}
segs() { awk '/^Tcp:/{n++; if(n==1) for(i=1;i<=NF;i++) if($i=="InSegs") c=i; if(n==2) print $c}' /proc/$1/net/snmp; }
stat() { awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat; } # busy ticks, all CPUs
one() { # name cmd...
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
hc() { one hc-$1 ./holdconn.main bench --conns 600000 --send 64 --every 10s --hold 30s --json; }
fl() { one fl-$1 ./floor.main 600000 --send 64 --every 10s --hold 30s; }
for r in 1 2 3; do
  hc $((2 * r - 1)); fl $((2 * r - 1))
  fl $((2 * r)); hc $((2 * r))
done
date -u +"end %T"; cat /proc/loadavg
