# idle.sh: is the half-speed mode the first run after the box sat idle (freed memory reported to the host)?
F=${F:-/work/wt-lead/bench/floor/floor}
rk() { cat /sys/module/page_reporting/parameters/reported_kib; }
run() {
  a=$(rk); t0=$(date +%s.%N)
  $F 300000 --report-every 30000 > /tmp/pr/fl-$1.txt 2>&1
  b=$(rk)
  echo "$1 $(date +%T) reported_kib_during=$((b-a)) $(grep summary /tmp/pr/fl-$1.txt | sed 's/.*ramp_s/ramp_s/' | cut -d' ' -f1-3)"
}
for s in 1 2 3; do
  a=$(rk); sleep ${IDLE:-40}; b=$(rk); echo "idle ${IDLE:-40}s: reported_kib=$((b-a))"
  for k in 1 2 3; do run $s.$k; done
done
