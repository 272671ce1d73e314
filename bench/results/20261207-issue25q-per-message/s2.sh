#!/bin/sh
# Sitting s2 (one machine-lock hold): the keepalive ratio at 600K with both programs' sides pinned
# apart (PIN=1, the scripts' default since 7708e21) against PIN=0 (the scheduler places them),
# alternated round by round: 3 rounds each, TRIES=1 (a round is one run of each program).
cd /work/wt-25
date -u +"start %T"; cat /proc/loadavg
make -j2 holdconn floor > /tmp/wt25q/s2/build.log 2>&1 || { echo build failed; exit 1; }
git log --oneline -1
for r in 1 2 3; do
  for pin in 1 0; do
    echo "== round $r PIN=$pin $(date -u +%T)"
    PIN=$pin TRIES=1 LOCK= sh bench/ratio.sh --keepalive 600000 1 > /tmp/wt25q/s2/pin$pin-r$r.md 2>/tmp/wt25q/s2/pin$pin-r$r.err
    echo "rc=$? $(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)"
    grep '^| 1 |' /tmp/wt25q/s2/pin$pin-r$r.md
  done
done
date -u +"end %T"; cat /proc/loadavg
