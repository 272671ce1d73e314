#!/bin/sh
cd "$(dirname "$0")/../.."
for r in 1 2; do
  for v in "--clients 4 --path veth" "--clients 4 --path loopback" ""; do
    echo "### ./holdconn bench $v --conns 400000 --json (round $r)"
    ./holdconn bench $v --conns 400000 --json 2>&1 | grep -E '"event":"(summary|start)"|holdconn'
  done
done
