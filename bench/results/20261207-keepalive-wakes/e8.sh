#!/bin/sh
# Sitting e8: why fewer generator wakes cost more (e1, e2): main against the eventfd-off build
# (holdconn.new, toggle.patch), counting over 8 s of a 600K hold (16 s in) the box's idle
# entries, context switches, IPIs and wakes of idle CPUs. 2 pairs, order turned. Under the lock.
out=/tmp/e1; cd $out; exec >> e8.log
date -u +"start %T"; cat /proc/loadavg
EV=power:cpu_idle,sched:sched_switch,ipi:ipi_send_cpu,irq_vectors:call_function_single_entry,irq_vectors:reschedule_entry,sched:sched_wake_idle_without_ipi
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
  perf stat -x, -a -e $EV -o $out/$name.perf -- sleep 8
  a1=$(awk '{print $1}' /proc/$s/schedstat) b1=$(awk '{print $1}' /proc/$g/schedstat) st1=$(stat) i1=$(segs $s)
  m=$(( (i1 - i0) / 2 ))
  echo "$(date -u +%T) $name msgs $m server $(echo "scale=2; ($a1 - $a0) / $m / 1000" | bc) generator $(echo "scale=2; ($b1 - $b0) / $m / 1000" | bc) box_busy $(echo "scale=2; ($st1 - $st0) * 10000 / $m" | bc) per_1k: $(awk -F, -v m=$m 'NF>3 && $1 ~ /^[0-9]+$/ {printf "%s %.0f ", $3, $1 * 1000 / m}' $out/$name.perf)"
  wait $b
}
one main-1 ./holdconn.main bench --conns 600000 --send 64 --every 10s --hold 30s --json
one off-1 ./holdconn.new bench --conns 600000 --send 64 --every 10s --hold 30s --json
one off-2 ./holdconn.new bench --conns 600000 --send 64 --every 10s --hold 30s --json
one main-2 ./holdconn.main bench --conns 600000 --send 64 --every 10s --hold 30s --json
date -u +"end %T"; cat /proc/loadavg
