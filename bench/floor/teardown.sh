#!/bin/sh
# bench/floor/teardown.sh - the floor's teardown orders, one after another, at N pairs.
# Usage: sh bench/floor/teardown.sh [N] [ROUNDS]   (defaults: 500000, 1)
# Each round runs every order once, all under one hold of the machine lock
# (5 runs of ~40 s at 500K); prints the floor's summary lines.
set -eu
cd "$(dirname "$0")/../.."
n=${1:-500000}
rounds=${2:-1}
fl=${FLOOR:-bench/floor/floor}
i=1
while [ "$i" -le "$rounds" ]; do
	flock /tmp/holdconn-machine.lock sh -c "
		for t in on-reset client-first both server-first ring-exit exit; do
			echo \"== $fl $n --teardown \$t\" >&2
			'$fl' '$n' --teardown \$t | grep '^summary'
		done"
	i=$((i + 1))
done
