# nopts.sh: holdconn bench at 300K with 10 report points and with 1 (none on the way), alternately, statmon beside
H=/work/wt-lead/holdconn; D=/tmp/pr/nopts; mkdir -p $D
for i in $(seq 1 ${K:-5}); do
  for e in 30000 300000; do
    /tmp/pr/statmon > $D/stat-$e-$i.txt & M=$!
    $H bench --conns 300000 --report-every $e --json > $D/r-$e-$i.jsonl 2>&1
    kill $M
    echo "$e $i $(jq -r 'select(.event=="summary") | .avg_connections_per_second' $D/r-$e-$i.jsonl) points $(jq -r 'select(.event=="report") | "\(.connections_per_second|floor)"' $D/r-$e-$i.jsonl | tr '\n' ' ')"
  done
done
