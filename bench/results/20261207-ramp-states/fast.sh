# fast.sh: holdconn and the floor alternately at 300K, each run's whole-box busy CPU-seconds per pair beside its rate
H=${H:-/work/wt-lead/holdconn}; F=${F:-/work/wt-lead/bench/floor/floor}; N=${N:-300000}; K=${K:-8}; D=${D:-/tmp/pr/fast}
mkdir -p $D
busy() { awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat; }
for i in $(seq 1 $K); do
  for p in h f; do
    set -- $(busy); b0=$1; i0=$2; t0=$(date +%s.%N)
    if [ $p = h ]; then $H bench --conns $N --report-every $((N/10)) --json > $D/h-$i.jsonl 2>&1
      r=$(jq -r 'select(.event=="summary") | "\(.avg_connections_per_second) \(.teardown_seconds)"' $D/h-$i.jsonl)
    else $F $N --report-every $((N/10)) > $D/f-$i.txt 2>&1
      r=$(sed -n 's/^summary.* rate=\([^ ]*\) .*teardown_s=\([^ ]*\).*/\1 \2/p' $D/f-$i.txt)
    fi
    set -- $(busy); t1=$(date +%s.%N)
    echo "$p $i $(date +%T) rate/teardown $r wall $(echo "$t1 - $t0" | bc) busy_cpu_s $(( ($1-b0) )) idle_cpu_s $(( ($2-i0) ))" | awk '{ $10=$10/100; $12=$12/100; print }'
  done
done
