cd /work/wt-25
out=/tmp/wt25/ab3; mkdir -p $out
date -u +"start %T"; cat /proc/loadavg
for r in 1 2; do for b in r2 v1; do
  nice -n -10 /tmp/wt25/holdconn.$b bench --conns 600000 --send 64 --every 10s --hold 15s --json > $out/$b-$r.jsonl 2>&1
  echo "$(date -u +%T) $b $r rc=$? load $(cut -d' ' -f1 /proc/loadavg)"
done; done
date -u +"end %T"
