#!/bin/sh
# Sitting e8: why fewer generator wakes cost more (e1, e2): main against the eventfd-off build
# (holdconn.new, toggle.patch), counting over 8 s of a 600K hold (16 s in) the box's idle
# entries, context switches, IPIs and wakes of idle CPUs. 2 pairs, order turned. Under the lock.
. "$(dirname "$0")/sitting.sh"
out=/tmp/e1; cd $out; exec >> e8.log
date -u +"start %T"; cat /proc/loadavg
EV=power:cpu_idle,sched:sched_switch,ipi:ipi_send_cpu,irq_vectors:call_function_single_entry,irq_vectors:reschedule_entry,sched:sched_wake_idle_without_ipi
measure() { perf stat -x, -a -e $EV -o $out/$1.perf -- sleep 8; }
extra() { echo "per_1k: $(awk -F, -v m=$2 'NF>3 && $1 ~ /^[0-9]+$/ {printf "%s %.0f ", $3, $1 * 1000 / m}' $out/$1.perf)"; }
one main-1 ./holdconn.main bench --conns 600000 --send 64 --every 10s --hold 30s --json
one off-1 ./holdconn.new bench --conns 600000 --send 64 --every 10s --hold 30s --json
one off-2 ./holdconn.new bench --conns 600000 --send 64 --every 10s --hold 30s --json
one main-2 ./holdconn.main bench --conns 600000 --send 64 --every 10s --hold 30s --json
date -u +"end %T"; cat /proc/loadavg
