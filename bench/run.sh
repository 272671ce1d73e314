#!/bin/sh
# bench/run.sh - the core benchmark: holdconn bench to 1M and to max.
# Keeps every JSON line and writes a markdown summary with the machine's
# description into bench/results/.
# Usage: sh bench/run.sh [1m|max|all|watch]
#   watch: 1M pairs with --watch diag and none, and max with diag (issue 4's targets)
set -eu
cd "$(dirname "$0")/.."
which="${1:-all}"
out=bench/results
stamp=$(date -u +%Y%m%d-%H%M)
mkdir -p "$out"

machine() {
	echo "- kernel: $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
	echo "- liburing $(pkg-config --modversion liburing), jemalloc $(pkg-config --modversion jemalloc)"
	echo "- RLIMIT_NOFILE $(ulimit -Sn)/$(ulimit -Hn), ip_local_port_range $(cat /proc/sys/net/ipv4/ip_local_port_range | tr '\t' '-')"
	echo "- $(grep -o 'page_reporting[^ ]*' /proc/cmdline || echo 'no free page reporting on the kernel command line')"
}

# The summary's value at the jq path $2 (e.g. .held, .close_detection.seconds).
field() {
	jq -r "select(.event == \"summary\") | $2 // empty" "$1"
}

run() {
	name=$1; shift
	file="$out/$stamp-$name.jsonl"
	echo "== holdconn bench $* --json > $file" >&2
	./holdconn bench "$@" --json | tee "$file" |
		jq -c 'select(.event == "report" or .event == "summary") | del(.slab)' >&2
	{
		echo "### holdconn bench $*"
		echo
		echo "| held | stop | ramp s | avg/s | peak/s | user B/conn | kernel B/socket | teardown s |"
		echo "|---|---|---|---|---|---|---|---|"
		echo "| $(field "$file" .held) | $(field "$file" .stop_reason) | $(field "$file" .ramp_seconds) |" \
		     "$(field "$file" .avg_connections_per_second) | $(field "$file" .peak_connections_per_second) |" \
		     "$(field "$file" .user_bytes_per_socket) |" \
		     "$(field "$file" .kernel_bytes_per_socket) | $(field "$file" .teardown_seconds) |"
		echo
		echo "Watch $(field "$file" .watch): $(field "$file" .close_detection.probe) client connections" \
		     "closed after the ramp, $(field "$file" .close_detection.detected) noticed, all in" \
		     "$(field "$file" .close_detection.seconds) s (empty: not all);" \
		     "sock_diag scan $(field "$file" .scan_seconds) s each (empty: not a diag run)."
		echo
		echo "Rate per 100K: $(jq -r 'select(.event == "report") |
			"\(.connections):\(.connections_per_second)"' "$file" | tr '\n' ' ')"
		echo
	} >> "$out/$stamp.md"
}

{
	echo "# holdconn bench, $stamp (UTC)"
	echo
	machine
	echo
} > "$out/$stamp.md"
case $which in
1m) run 1m --conns 1000000 ;;
max) run max --conns max ;;
watch)
	run 1m-diag --conns 1000000 --watch diag
	run 1m-none --conns 1000000 --watch none
	run max-diag --conns max --watch diag
	;;
*) run 1m --conns 1000000; run max --conns max ;;
esac
echo "summary: $out/$stamp.md" >&2
