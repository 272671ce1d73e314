# side.sh: holdconn bench at 300K, unpinned, sidemon beside (each side's CPU, run and runqueue-wait time every 20 ms)
H=${H:-/work/wt-lead/holdconn}; D=/tmp/pr/side; mkdir -p $D
for i in $(seq 1 ${K:-6}); do
  $H bench --conns 300000 --report-every 30000 --json > $D/r-$i.jsonl 2>&1 & B=$!
  /tmp/pr/sidemon $B > $D/m-$i.txt
  wait $B
  echo "run $i $(jq -r 'select(.event=="report") | "\(.connections_per_second|floor)"' $D/r-$i.jsonl | tr '\n' ' ')"
done
