#!/bin/sh
# Sitting s3: three heartbeat schedules of one prototype build (492454e plus HC_SCHED, not
# landed: sched.patch): as landed (runs of 64, a ring a run, golden-ratio places); seqrun (a
# ring a run, each ring's runs in slot order); rmseq (each ring its own stretch, its slots in
# order, as the floor's client). 600K pairs, 2 rounds, order turned. Under the machine lock.
. "$(dirname "$0")/sitting.sh"
out=/tmp/e1; cd $out; exec >> s3.log
date -u +"start %T"; cat /proc/loadavg
run() { one s3$1-$2 env HC_SCHED=$1 ./holdconn.proto bench --conns 600000 --send 64 --every 10s --hold 30s --json; }
run landed 1; run seqrun 1; run rmseq 1
run rmseq 2; run seqrun 2; run landed 2
date -u +"end %T"; cat /proc/loadavg
