#!/bin/sh
# sched_switch/sched_wakeup over 2 s of a 1M heartbeat hold, holdconn then the floor (under the machine lock).
# Per child: context switches (voluntary, involuntary) over 10 s and CPU, then who.py over the sched events.
set -u
cd "$(dirname "$0")/../../../.."
d=bench/results/20261207-1m-heartbeats/sched
tag=${TAG:-$(date -u +%H%M)}
one() { # NAME CMD...
	name=$1; shift
	"$@" > $d/$tag-$name.out 2>&1 &
	pid=$!
	# the hold: wait for the ramp (pairs in the netns) to reach 1M, then 8 s more
	sleep 8
	while :; do
		c=$(cat /proc/$pid/task/$pid/children 2>/dev/null)
		s=$(for k in $c; do awk '/^TCP:/ {print $3}' /proc/$k/net/sockstat 2>/dev/null; done | sort -n | tail -1)
		[ "${s:-0}" -ge 2000000 ] && break
		sleep 1
	done
	sleep 8
	for k in $c; do echo "$k $(grep ctxt /proc/$k/status | tr -s '\t\n' '  ') $(cut -d' ' -f1 /proc/$k/schedstat)"; done > $d/$tag-$name.ctxt0
	perf record -m 4096 -e sched:sched_switch -e sched:sched_wakeup -a -o $d/$tag-$name.perf.data -- sleep 2 2> /dev/null
	sleep 1
	sleep 4
	for k in $c; do echo "$k $(grep ctxt /proc/$k/status | tr -s '\t\n' '  ') $(cut -d' ' -f1 /proc/$k/schedstat)"; done > $d/$tag-$name.ctxt1
	wait $pid
	perf script -i $d/$tag-$name.perf.data 2>/dev/null > $d/$tag-$name.script
	/usr/bin/python3 $d/who.py $d/$tag-$name.script $pid $c > $d/$tag-$name.latency
	gzip -f $d/$tag-$name.script
	rm -f $d/$tag-$name.perf.data
}
one holdconn ./holdconn bench --conns 1000000 --send 64 --every 10s --hold 30s --json
one floor bench/floor/floor 1000000 --send 64 --every 10s --hold 30s
for n in holdconn floor; do
	echo "== $n"; paste $d/$tag-$n.ctxt0 $d/$tag-$n.ctxt1; cat $d/$tag-$n.latency
done
