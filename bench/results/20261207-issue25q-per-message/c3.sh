#!/bin/sh
# Sitting c3 (c2 again, with each side's user and system ticks): CPU per message over 8 s of a 600K heartbeat hold, both programs placed by the scheduler (no --pin),
# ABABAB: each side's CPU (/proc/PID/schedstat) and the box's busy time by kind
# (/proc/stat: user, system, softirq, irq; all CPUs), which no attribution can move.
# Run from /tmp/wt25q under the machine lock.
out=/tmp/wt25q/c3; mkdir -p $out
HC=/work/wt-25/holdconn FL=/work/wt-25/bench/floor/floor
date -u +"start %T"; cat /proc/loadavg
kids() {
  par=$1
  for i in $(seq 3000); do set -- $(pgrep -P $par | sort -n); [ $# -ge 2 ] && { echo $1 $2; return; }; sleep 0.01; done
  echo "no children of $par" >&2; exit 1
}
segs() { awk '/^Tcp:/{n++; if(n==1) for(i=1;i<=NF;i++) if($i=="InSegs") c=i; if(n==2) print $c}' /proc/$1/net/snmp; }
ut() { awk '{print $14, $15}' /proc/$1/stat; } # user system ticks
stat() { awk '/^cpu /{print $2+$3, $4, $7, $8, $5+$6, $9}' /proc/stat; } # user system irq softirq idle steal (ticks)
one() { # name cmd...
  name=$1; shift
  "$@" > $out/$name.out 2>&1 &
  b=$!
  set -- $(kids $b); s=$1 g=$2
  sleep 16; echo "$name pids $s $(grep Cpus_allowed_list /proc/$s/status) $g $(grep Cpus_allowed_list /proc/$g/status)" >> $out/cpu.txt
  a0=$(awk '{print $1}' /proc/$s/schedstat) b0=$(awk '{print $1}' /proc/$g/schedstat) st0=$(stat) i0=$(segs $s) su0=$(ut $s) gu0=$(ut $g)
  sleep 8
  a1=$(awk '{print $1}' /proc/$s/schedstat) b1=$(awk '{print $1}' /proc/$g/schedstat) st1=$(stat) i1=$(segs $s) su1=$(ut $s) gu1=$(ut $g)
  echo "$name server_ns $((a1 - a0)) generator_ns $((b1 - b0)) in_segs $((i1 - i0)) stat0 $st0 stat1 $st1 server_ut0 $su0 server_ut1 $su1 gen_ut0 $gu0 gen_ut1 $gu1" | tee -a $out/cpu.txt
  wait $b
  echo "$(date -u +%T) $name rc=$? load $(cut -d' ' -f1 /proc/loadavg)"
}
for r in 1 2 3; do
  one hc-$r $HC bench --conns 600000 --send 64 --every 10s --hold 30s --json
  one fl-$r $FL 600000 --send 64 --every 10s --hold 30s
done
date -u +"end %T"; cat /proc/loadavg
