#!/bin/sh
# Sitting 5 (one machine-lock hold, build fbc864b = pace): 1M pairs, holdconn and the floor ABAB,
# without nice (as the issue's command); then memory at 100K.
out=bench/results/20261207-issue25h-tick/s5; mkdir -p $out
date -u +"start %T"; cat /proc/loadavg
hc() { ./holdconn bench --conns 1000000 --send 64 --every 10s --hold 20s --json > $out/holdconn-1m-$1.jsonl 2>&1; echo "$(date -u +%T) holdconn $1 rc=$? load $(cut -d' ' -f1 /proc/loadavg)"; }
fl() { bench/floor/floor 1000000 --send 64 --every 10s --hold 20s > $out/floor-1m-$1.txt 2>&1; echo "$(date -u +%T) floor $1 rc=$? load $(cut -d' ' -f1 /proc/loadavg)"; }
hc 1; fl 1; hc 2; fl 2
./holdconn bench --conns 100000 --json > $out/mem-100k.jsonl 2>&1; echo "$(date -u +%T) mem rc=$?"
date -u +"end %T"; cat /proc/loadavg
# How often each process sleeps per message: context switches and CPU of every holdconn / floor
# process, 10 s apart in the middle of a 30 s hold at 600K.
sw() { # tag name
  for p in $(pgrep -x $2); do echo "$1 pid=$p $(awk '/^voluntary_ctxt_switches|^nonvoluntary_ctxt_switches/{printf "%s=%s ", $1, $2}' /proc/$p/status) cpu_ns=$(cut -d' ' -f1 /proc/$p/schedstat) t=$(date +%s.%N)"; done >> $out/ctxt.log
}
ctxt() { # name delay cmd...
  name=$1 delay=$2; shift 2
  "$@" > $out/ctxt-$name.out 2>&1 &
  sleep $delay; sw a $name; sleep 10; sw z $name
  wait
  echo "$(date -u +%T) ctxt $name rc=$?"
}
ctxt holdconn 16 ./holdconn bench --conns 600000 --send 64 --every 10s --hold 30s --json
ctxt floor 16 bench/floor/floor 600000 --send 64 --every 10s --hold 30s
date -u +"end %T"
