#!/bin/sh
# bench/floor/teardown.sh - the floor's teardown orders, one after another, at N pairs.
# Usage: sh bench/floor/teardown.sh [N] [ROUNDS]   (defaults: 500000, 1)
# One run per order and round, each under the machine lock; prints the summary lines.
set -eu
cd "$(dirname "$0")/../.."
n=${1:-500000}
rounds=${2:-1}
fl=${FLOOR:-bench/floor/floor}
i=1
while [ "$i" -le "$rounds" ]; do
	for t in client-first both server-first ring-exit exit; do
		echo "== $fl $n --teardown $t" >&2
		flock /tmp/holdconn-machine.lock "$fl" "$n" --teardown "$t" | grep '^summary'
	done
	i=$((i + 1))
done
