#!/bin/sh
# Sitting c1: tracepoint counts per process over 8 s of a 600K heartbeat hold, holdconn and the
# floor alternated (ABAB). Run from /tmp/wt25q under the machine lock.
out=/tmp/wt25q/c1; mkdir -p $out
EV=sched:sched_waking,sched:sched_switch,sched:sched_wake_idle_without_ipi,ipi:ipi_send_cpu,irq_vectors:call_function_single_entry,irq_vectors:reschedule_entry,io_uring:io_uring_task_add,io_uring:io_uring_task_work_run,io_uring:io_uring_complete,io_uring:io_uring_poll_arm,io_uring:io_uring_submit_req,net:net_dev_xmit,net:netif_rx,napi:napi_poll,sock:sk_data_ready,sock:sock_recv_length,sock:sock_send_length,tcp:tcp_rcv_space_adjust
date -u +"start %T"; cat /proc/loadavg
kids() { # parent -> "server generator" (its first two children)
  par=$1
  for i in $(seq 3000); do set -- $(pgrep -P $par | sort -n); [ $# -ge 2 ] && { echo $1 $2; return; }; sleep 0.01; done
  echo "no children of $par" >&2; exit 1
}
one() { # name cmd...
  name=$1; shift
  "$@" > $out/$name.out 2>&1 &
  b=$!
  set -- $(kids $b); s=$1 g=$2
  sleep 16
  a0=$(awk '{print $1}' /proc/$s/schedstat) b0=$(awk '{print $1}' /proc/$g/schedstat)
  perf stat -x, --per-thread -p $s,$g -e $EV -o $out/$name.pt -- sleep 8 &
  p=$!
  perf stat -x, -a -e $EV -o $out/$name.all -- sleep 8
  wait $p
  a1=$(awk '{print $1}' /proc/$s/schedstat) b1=$(awk '{print $1}' /proc/$g/schedstat)
  echo "$name server $s cpu_ns $((a1 - a0)) generator $g cpu_ns $((b1 - b0))" | tee -a $out/cpu.txt
  wait $b
  echo "$(date -u +%T) $name rc=$? load $(cut -d' ' -f1 /proc/loadavg)"
}
one hc-1 ./holdconn.main bench --conns 600000 --send 64 --every 10s --hold 30s --json
one fl-1 ./floor.main 600000 --send 64 --every 10s --hold 30s
one hc-2 ./holdconn.main bench --conns 600000 --send 64 --every 10s --hold 30s --json
one fl-2 ./floor.main 600000 --send 64 --every 10s --hold 30s
date -u +"end %T"; cat /proc/loadavg
