# hpin.sh: holdconn bench at 300K, unpinned and with its two sides pinned (first child CPU 0, second CPU 1), alternately
H=/work/wt-lead/holdconn; D=/tmp/pr/hpin; mkdir -p $D
pts() { jq -r 'select(.event=="report") | "\(.connections_per_second|floor)"' $1 | tr '\n' ' '; }
for i in $(seq 1 ${K:-6}); do
  $H bench --conns 300000 --report-every 30000 --json > $D/u-$i.jsonl 2>&1; echo "unpinned $i $(pts $D/u-$i.jsonl)"
  $H bench --conns 300000 --report-every 30000 --json > $D/p-$i.jsonl 2>&1 & B=$!
  while :; do kids=$(pgrep -P $B | sort -n | tr '\n' ' '); set -- $kids; [ $# -ge 2 ] && break; sleep 0.002; done
  taskset -p 1 $1 >/dev/null; taskset -p 2 $2 >/dev/null
  wait $B; echo "pinned   $i $(pts $D/p-$i.jsonl)"
done
