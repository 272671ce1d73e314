#!/bin/sh
# Sitting 4: when in the window does the generator fall behind? (debug build: max lag of its schedule every 250 ms)
out=/tmp/wt25k/s4; mkdir -p $out
for r in 1 2 3; do
nice -n -10 /tmp/wt25k/holdconn.dbg bench --conns 600000 --send 64 --every 10s --hold 15s --json > $out/dbg-$r.jsonl 2> $out/dbg-$r.err
echo "$(date -u +%T) dbg $r rc=$?"
done
