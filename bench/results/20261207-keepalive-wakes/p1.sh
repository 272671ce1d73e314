#!/bin/sh
# Sitting p1: cpu-clock profiles (call graphs) of server and generator over 8 s of a 600K
# heartbeat hold, holdconn and the floor alternated. Run under the machine lock.
out=/tmp/p1; cd $out
date -u +"start %T"; cat /proc/loadavg
kids() {
  par=$1
  for i in $(seq 3000); do set -- $(pgrep -P $par | sort -n); [ $# -ge 2 ] && { echo $1 $2; return; }; sleep 0.01; done
  echo "no children of $par" >&2; exit 1
}
one() {
  name=$1; shift
  "$@" > $out/$name.out 2>&1 &
  b=$!
  set -- $(kids $b); s=$1 g=$2
  sleep 16
  a0=$(awk '{print $1}' /proc/$s/schedstat) b0=$(awk '{print $1}' /proc/$g/schedstat)
  m0=$(awk '/InSegs/ {getline; print $10}' /proc/$s/net/snmp)
  perf record -e cpu-clock -F 4000 -g -p $s,$g -o $out/$name.data -- sleep 8 2>/dev/null
  a1=$(awk '{print $1}' /proc/$s/schedstat) b1=$(awk '{print $1}' /proc/$g/schedstat)
  m1=$(awk '/InSegs/ {getline; print $10}' /proc/$s/net/snmp)
  echo "$name server $s cpu_ns $((a1 - a0)) generator $g cpu_ns $((b1 - b0)) insegs $((m1 - m0))" | tee -a $out/cpu.txt
  wait $b
  echo "$(date -u +%T) $name rc=$? load $(cut -d' ' -f1 /proc/loadavg)"
}
one hc-1 ./holdconn.main bench --conns 600000 --send 64 --every 10s --hold 30s --json
one fl-1 ./floor.main 600000 --send 64 --every 10s --hold 30s
one hc-2 ./holdconn.main bench --conns 600000 --send 64 --every 10s --hold 30s --json
one fl-2 ./floor.main 600000 --send 64 --every 10s --hold 30s
date -u +"end %T"; cat /proc/loadavg
