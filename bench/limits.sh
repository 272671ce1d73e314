#!/bin/bash
# bench/limits.sh - `holdconn limits` predictions against what bench then
# holds: uring bound by a reserve 2 GiB below MemAvailable (three runs),
# epoll and threads bound by RLIMIT_NOFILE. Prints one line per run.
# Usage: bash bench/limits.sh   (as root; ~2 minutes; results in bench/results/limits.md)
set -eu
cd "$(dirname "$0")/.."
hc=${HOLDCONN:-./holdconn}
budget_mib=2048

# The value of key $3 in the line of $1 whose event is $2
field() {
	jq -r --arg e "$2" --arg k "$3" 'select(.event == $e) | .[$k] // empty' <<<"$1"
}

# MemAvailable is global: wait until no other holdconn runs.
quiet() {
	while pgrep -x holdconn >/dev/null; do sleep 0.5; done
}

# run NAME NOFILE LIMITS-ARGS -- BENCH-ARGS
run() {
	local name=$1 nofile=$2 l b
	shift 2
	local largs=() bargs=()
	while [ "$1" != -- ]; do largs+=("$1"); shift; done
	shift
	bargs=("$@")
	quiet
	l=$(ulimit -n "$nofile"; "$hc" limits --json "${largs[@]}")
	b=$(ulimit -n "$nofile"; "$hc" bench --conns max --json "${bargs[@]}")
	echo "$name: limits predicted $(field "$l" limits binding_allows) ($(field "$l" limits binding))," \
	     "bench held $(field "$b" summary held) (stop $(field "$b" summary stop_reason))," \
	     "bench's own prediction $(field "$b" summary predicted_connections)"
}

for _ in 1 2 3; do
	quiet
	avail=$(awk '/MemAvailable/ {printf "%.0f", $2 * 1024}' /proc/meminfo)
	reserve=$((avail - budget_mib * 1024 * 1024))
	run "uring --reserve $reserve" 20000 --reserve "$reserve" -- --reserve "$reserve"
done
run "epoll, nofile 20000" 20000 --mode epoll -- --mode epoll
run "epoll, nofile 1024" 1024 --mode epoll -- --mode epoll
run "threads, nofile 20000" 20000 --mode threads -- --mode threads
run "threads, nofile 4096" 4096 --mode threads -- --mode threads
