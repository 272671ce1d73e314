# A/B at 400K pairs, 64 B every 10 s, 20 s hold, nice -10: builds rotated, the floor beside them
cd /work/wt-25
out=/tmp/wt25/ab2; mkdir -p $out
date -u +"start %T"; cat /proc/loadavg
run() { # name round
  case $1 in
  floor) nice -n -10 bench/floor/floor 400000 --send 64 --every 10s --hold 20s > $out/floor-$2.txt 2>&1 ;;
  base-recv) nice -n -10 /tmp/wt25/holdconn.base bench --conns 400000 --send 64 --every 10s --hold 20s --watch recv --json > $out/$1-$2.jsonl 2>&1 ;;
  *) nice -n -10 /tmp/wt25/holdconn.$1 bench --conns 400000 --send 64 --every 10s --hold 20s --json > $out/$1-$2.jsonl 2>&1 ;;
  esac
  echo "$(date -u +%T) $1 $2 rc=$? load $(cut -d' ' -f1 /proc/loadavg)"
}
for b in base-recv notick auto floor base; do run $b 1; done
for b in auto floor base base-recv notick; do run $b 2; done
for b in floor notick base base-recv auto; do run $b 3; done
for b in base auto; do nice -n -10 /tmp/wt25/holdconn.$b bench --conns 100000 --json > $out/mem-$b.json 2>&1; echo "$(date -u +%T) mem $b rc=$?"; done
date -u +"end %T"; cat /proc/loadavg
