#!/bin/sh
# bench/sweep.sh - the buffer sweeps issue 4 records, 100K pairs each unless told:
#   heartbeat: 64 bytes every 10 s per connection
#   burst:     16 KiB every 10 s per connection
# Every setting runs with the buffers set before and after the handshake.
# Tables (the commands in their first line) go to bench/results/sweep-STAMP-*.txt.
#   keep:      16 KiB every 10 s into a holder that never reads: what buffers cost
# Usage: sh bench/sweep.sh [heartbeat|burst|keep|all] [PAIRS]
set -eu
cd "$(dirname "$0")/.."
which=${1:-all}
conns=${2:-100000}
out=bench/results/sweep-$(date -u +%Y%m%d-%H%M)

run() {
	name=$1
	shift
	echo "\$ holdconn sweep $* --conns $conns" > "$out-$name.txt"
	./holdconn sweep "$@" --conns "$conns" | tee -a "$out-$name.txt"
}

case $which in
heartbeat | all) run heartbeat --rcvbuf 4Ki,16Ki,64Ki,default --sndbuf 4Ki,default --send 64 --every 10s ;;
esac
case $which in
burst | all) run burst --rcvbuf 4Ki,16Ki,64Ki,default --sndbuf 4Ki,16Ki,default --send 16Ki --every 10s ;;
esac
case $which in
keep | all)
	run keep --rcvbuf 4Ki,16Ki,64Ki,default --sndbuf default --set-buffers before --send 16Ki \
		--every 10s --on-data keep
	;;
esac
