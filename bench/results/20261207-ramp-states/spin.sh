# spin.sh: holdconn bench at 300K, HC_SPIN_US=0 (as main) and =$S (spin before sleeping while ramping), alternately, statmon beside
H=/tmp/pr/hc-spin; D=/tmp/pr/spin; mkdir -p $D; S=${S:-100}
for i in $(seq 1 ${K:-5}); do
  for sp in 0 $S; do
    /tmp/pr/statmon > $D/stat-$sp-$i.txt & M=$!
    HC_SPIN_US=$sp $H bench --conns 300000 --report-every 30000 --json > $D/r-$sp-$i.jsonl 2>&1
    kill $M
    echo "spin=$sp $i $(jq -r 'select(.event=="summary") | "\(.avg_connections_per_second) \(.teardown_seconds)"' $D/r-$sp-$i.jsonl) points $(jq -r 'select(.event=="report") | "\(.connections_per_second|floor)"' $D/r-$sp-$i.jsonl | tr '\n' ' ')"
  done
done
