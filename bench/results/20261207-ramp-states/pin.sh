# pin.sh: the floor at 300K, unpinned and with its server on CPU 0 and client on CPU 1 (PIN=1), alternately
F=/work/wt-lead/bench/floor/floor; P=/tmp/pr/fl-pin; D=/tmp/pr/pin; mkdir -p $D
for i in $(seq 1 ${K:-8}); do
  $F 300000 --report-every 30000 > $D/u-$i.txt 2>&1; echo "unpinned $i $(grep summary $D/u-$i.txt | cut -d' ' -f3-5)"
  PIN=1 $P 300000 --report-every 30000 > $D/p-$i.txt 2>&1; echo "pinned   $i $(grep summary $D/p-$i.txt | cut -d' ' -f3-5)"
done
