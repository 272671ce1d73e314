# slow.sh: floor runs at 300K with /proc/stat per CPU sampled every 0.5 s: is the half-speed mode idle CPU (placement) or busy CPUs (host)?
for i in $(seq 1 12); do
  ( while :; do echo "$(date +%s.%N | cut -c1-14) $(grep -E '^cpu[01] ' /proc/stat | tr '\n' ' ')"; sleep 0.5; done ) > /tmp/slow-stat-$i.txt & m=$!
  /tmp/fl-l5 300000 --report-every 30000 > /tmp/slow-fl-$i.txt 2>&1
  kill $m
  echo "run $i: $(grep summary /tmp/slow-fl-$i.txt | sed 's/.*ramp_s/ramp_s/' | cut -d' ' -f1-3) points: $(grep point /tmp/slow-fl-$i.txt | sed 's/.*rate=//' | tr '\n' ' ')"
done
