#!/bin/sh
# Sitting s1: a holdconn build and the floor at 600K heartbeat pairs, 6 pairs, order turned,
# each side's CPU split into softirq run in its context and its own. Under the machine lock.
# HC: the holdconn binary (./holdconn.main); TAG: the runs' and log's prefix (s1 writes
# hc-N, fl-N and s1.log). s2 ran this with HC=./holdconn.492454e TAG=s2 (s2.sh).
. "$(dirname "$0")/sitting.sh"
out=/tmp/e1; cd $out; exec >> ${TAG:-s1}.log
date -u +"start %T"; cat /proc/loadavg
hc() { one ${TAG:-}hc-$1 ${HC:-./holdconn.main} bench --conns 600000 --send 64 --every 10s --hold 30s --json; }
fl() { one ${TAG:-}fl-$1 ./floor.main 600000 --send 64 --every 10s --hold 30s; }
for r in $(seq ${PAIRS:-3}); do
  hc $((2 * r - 1)); fl $((2 * r - 1))
  fl $((2 * r)); hc $((2 * r))
done
date -u +"end %T"; cat /proc/loadavg
