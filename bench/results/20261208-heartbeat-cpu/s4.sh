#!/bin/sh
# Sitting s4: s3's prototype, as landed against rmseq (each ring its own stretch, its slots in
# order), 3 pairs, order turned. Under the machine lock.
. "$(dirname "$0")/sitting.sh"
out=/tmp/e1; cd $out; exec >> s4.log
date -u +"start %T"; cat /proc/loadavg
run() { one s4$1-$2 env HC_SCHED=$1 ./holdconn.proto bench --conns 600000 --send 64 --every 10s --hold 30s --json; }
run landed 1; run rmseq 1
run rmseq 2; run landed 2
run landed 3; run rmseq 3
date -u +"end %T"; cat /proc/loadavg
