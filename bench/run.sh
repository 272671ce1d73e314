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

# Pulls "key":value out of the summary line.
field() {
	grep '"event":"summary"' "$1" | sed -n "s/.*\"$2\":\\(\"[^\"]*\"\\|[^,}]*\\).*/\\1/p" | tr -d '"'
}

run() {
	name=$1; shift
	file="$out/$stamp-$name.jsonl"
	echo "== holdconn bench $* --json > $file" >&2
	./holdconn bench "$@" --json | tee "$file" | grep -E '"event":"(report|summary)"' |
		sed 's/,"slab".*//' >&2
	{
		echo "### holdconn bench $*"
		echo
		echo "| held | stop | ramp s | avg/s | peak/s | user B/conn | kernel B/socket | teardown s |"
		echo "|---|---|---|---|---|---|---|---|"
		echo "| $(field "$file" held) | $(field "$file" stop_reason) | $(field "$file" ramp_s) |" \
		     "$(field "$file" avg_rate) | $(field "$file" peak_rate) | $(field "$file" user_bytes_per_conn) |" \
		     "$(field "$file" kernel_bytes_per_socket) | $(field "$file" teardown_s) |"
		echo
		echo "Watch $(field "$file" watch): $(field "$file" probe) client connections closed after the" \
		     "ramp, $(field "$file" detected) noticed, all in $(field "$file" seconds) s (null: not all);" \
		     "sock_diag sweep $(field "$file" sweep_ms) ms each (empty: not a diag run)."
		echo
		echo "Rate per 100K: $(grep '"event":"report"' "$file" | sed -n 's/.*"conns":\([0-9]*\).*"rate":\([0-9.]*\).*/\1:\2/p' | tr '\n' ' ')"
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
