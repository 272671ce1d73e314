#!/bin/sh
# Sitting c1: two heartbeat runs at once, each in its own namespace, at N pairs each (default
# 300K: together the 60,000 messages a second of one 600K run), read over the same 8 s: each
# side's CPU per 1,000 of its own messages (schedstat; messages: its server namespace's TCP
# InSegs / 2). Both live through the same spells of this VM. Under the machine lock.
# Usage: c1.sh NAME-A "CMD-A" NAME-B "CMD-B" [TRIALS]
. "$(dirname "$0")/../20261207-keepalive-wakes/sitting.sh"
out=${out:-/tmp/e1}; cd $out
cpu() { awk '{print $1}' /proc/$1/schedstat; }
ms() { echo "scale=2; $1 / $2 / 1000" | bc; }
na=$1 ca=$2 nb=$3 cb=$4
for t in $(seq ${5:-3}); do
  $ca > $out/c-$na-$t.out 2>&1 & pa=$!
  $cb > $out/c-$nb-$t.out 2>&1 & pb=$!
  set -- $(kids $pa); sa=$1 ga=$2
  set -- $(kids $pb); sb=$1 gb=$2
  sleep ${WARM:-25}
  a0=$(cpu $sa) b0=$(cpu $ga) c0=$(cpu $sb) d0=$(cpu $gb) ia0=$(segs $sa) ib0=$(segs $sb)
  sleep 8
  a1=$(cpu $sa) b1=$(cpu $ga) c1=$(cpu $sb) d1=$(cpu $gb) ia1=$(segs $sa) ib1=$(segs $sb)
  ma=$(( (ia1 - ia0) / 2 )) mb=$(( (ib1 - ib0) / 2 ))
  echo "$(date -u +%T) t$t $na msgs $ma server $(ms $((a1 - a0)) $ma) generator $(ms $((b1 - b0)) $ma)" \
       "| $nb msgs $mb server $(ms $((c1 - c0)) $mb) generator $(ms $((d1 - d0)) $mb)" \
       "| ratio server $(echo "scale=3; ($a1 - $a0) * $mb / ($c1 - $c0) / $ma" | bc) generator $(echo "scale=3; ($b1 - $b0) * $mb / ($d1 - $d0) / $ma" | bc)"
  wait $pa $pb
done
