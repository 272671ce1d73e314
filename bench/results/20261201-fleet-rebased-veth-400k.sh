#!/bin/sh
# bench over veth (4 clients in closed namespaces) beside loopback (4 clients, and 1),
# 400,000 pairs, alternated 3 rounds; on main after the fleet branch landed (abf3b06).
# Run under the machine lock: flock /tmp/holdconn-machine.lock sh THIS OUT.jsonl
cd "$(dirname "$0")/../.."
out=${1:-/dev/stdout}
for r in 1 2 3; do
	for v in "--clients 4 --path veth" "--clients 4 --path loopback" ""; do
		echo "### ./holdconn bench $v --conns 400000 --json (round $r)" >&2
		./holdconn bench $v --conns 400000 --json 2>&1 | grep '"event":"summary"' |
			sed "s/^{/{\"cmd\":\"bench $v --conns 400000 --json\",\"round\":$r,/" >>"$out"
	done
done
