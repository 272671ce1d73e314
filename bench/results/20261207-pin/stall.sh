#!/bin/sh
# limits right past each accept-ring rotation (~17,952 accepts a ring): does the ramp stall?
bin=$1; n=$2
for i in $(seq 1 $n); do
  timeout 60 $bin 72000 --report-every 18000 --send 64 --every 10s --hold 1s --slo p99=1s > /tmp/stall-$i.out 2>&1
  rc=$?
  s=$(grep -c "stalled" /tmp/stall-$i.out)
  echo "run $i rc=$rc stalled=$s $(grep -h 'stalled\|listeners' /tmp/stall-$i.out | tr '\n' ' ')"
done
