# idlepts.sh: holdconn bench at 300K with statmon beside; then per report segment each CPU's idle share
H=/work/wt-lead/holdconn; D=/tmp/pr/idlepts; mkdir -p $D
for i in $(seq 1 ${K:-4}); do
  /tmp/pr/statmon > $D/stat-$i.txt & M=$!
  t0=$(python3 -c 'import time; print(time.monotonic())')
  $H bench --conns 300000 --report-every 30000 --json > $D/r-$i.jsonl 2>&1
  kill $M; echo "$t0" > $D/t0-$i.txt
done
