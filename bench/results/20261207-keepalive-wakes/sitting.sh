# sitting.sh - what the sittings of this directory share; sourced by each, with $out set
# (the directory holding the binaries, where each run's output goes).
#
# one NAME CMD...: starts CMD (a run that forks a server and then a generator), waits $WARM
# seconds (16: past a 600K ramp), runs `prepare NAME SERVER GENERATOR` (nothing by default),
# then `measure NAME SERVER GENERATOR` (8 s by default) and
# prints each side's CPU (/proc/PID/schedstat) and the box's busy time (/proc/stat: user,
# system, irq, softirq, both CPUs) per 1,000 messages over it, messages being the server
# namespace's TCP InSegs / 2, then whatever `extra NAME` prints. p1 and e1-e3 ran earlier
# copies of this (p1's printed raw ns and read InSegs from the wrong column: 0; e1-e3's no
# time and also to cpu.txt).
WARM=${WARM:-16}
kids() { # parent -> "server generator" (its first two children)
  par=$1
  for i in $(seq 3000); do set -- $(pgrep -P $par | sort -n); [ $# -ge 2 ] && { echo $1 $2; return; }; sleep 0.01; done
  echo "no children of $par" >&2; exit 1
}
segs() { awk '/^Tcp:/{n++; if(n==1) for(i=1;i<=NF;i++) if($i=="InSegs") c=i; if(n==2) print $c}' /proc/$1/net/snmp; }
busy() { awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat; } # ticks, all CPUs
prepare() { :; }
measure() { sleep 8; }
extra() { :; }
one() {
  name=$1; shift
  "$@" > $out/$name.out 2>&1 &
  b=$!
  set -- $(kids $b); s=$1 g=$2
  sleep $WARM
  prepare $name $s $g
  a0=$(awk '{print $1}' /proc/$s/schedstat) b0=$(awk '{print $1}' /proc/$g/schedstat) st0=$(busy) i0=$(segs $s)
  measure $name $s $g
  a1=$(awk '{print $1}' /proc/$s/schedstat) b1=$(awk '{print $1}' /proc/$g/schedstat) st1=$(busy) i1=$(segs $s)
  m=$(( (i1 - i0) / 2 ))
  echo "$(date -u +%T) $name msgs $m server $(echo "scale=2; ($a1 - $a0) / $m / 1000" | bc) generator $(echo "scale=2; ($b1 - $b0) / $m / 1000" | bc) box_busy $(echo "scale=2; ($st1 - $st0) * 10000 / $m" | bc) $(extra $name $m)"
  wait $b
}
