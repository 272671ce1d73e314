#!/bin/sh
# A/B unpinned 300K: 4412626 (the 13:47 bimodal sitting's build) vs 7708e21
cd /work/wt-lead
for i in 1 2 3 4 5; do
  for b in old new; do
    bin=./holdconn; [ $b = old ] && bin=/work/wt-24/holdconn
    $bin bench --conns 300000 --report-every 30000 --json > /tmp/ab/$b-$i.jsonl 2>/dev/null
    printf '%s %s avg %s tenths %s\n' $b $i "$(jq -r 'select(.event=="summary")|.avg_connections_per_second' /tmp/ab/$b-$i.jsonl)" "$(jq -r 'select(.event=="report")|.connections_per_second' /tmp/ab/$b-$i.jsonl | awk '{printf "%.0fK ", $1/1000}')"
  done
done
