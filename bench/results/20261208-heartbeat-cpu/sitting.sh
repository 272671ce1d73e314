# sitting.sh - one window of a heartbeat run, with the softirq time run in each process's
# context (soft.bt) beside its CPU time. Sourced, with $out set (binaries; outputs go there).
#
# ../20261207-keepalive-wakes/sitting.sh's `one NAME CMD...` runs the window: each side's CPU
# (/proc/PID/schedstat, which includes softirq work done in its context: this kernel has no
# CONFIG_IRQ_TIME_ACCOUNTING), the box's busy time and the server namespace's TCP InSegs / 2
# (messages) over 8 s. Here prepare starts soft.bt just before those readings, measure stops it
# after the 8 s, its sums scaled to the readings' window, and extra prints per 1,000 messages the
# softirq time in each side's context and the rest (its own), the softirq time in the idle
# task's and in ksoftirqd's, and all NET_RX softirq time wherever it ran. s1-s4 ran an earlier
# copy of `one` with this in it, which printed the same figures in another order and took the
# softirq sums over bpftrace's whole window, from 0.5 s before the readings: ~6% high.
here=${here:-$(cd "$(dirname "$0")" && pwd)}
. "$here/../20261207-keepalive-wakes/sitting.sh"
ms() { echo "scale=2; $1 / $m / 1000" | bc; }
# sum KEY-TEST: a sum of soft.bt's map entries, scaled from its window to the readings' (tw0-tw1).
sum() {
  awk -v w=$((tw1 - tw0)) -F'[][, :]+' '$1=="@window_ns" {d=$NF} '"$1"' {s+=$NF} END{printf "%.0f\n", d ? s * w / d : s}' $out/$name.bt
}
soft_of() { sum '$1=="@ns" && $2=='"$1"; }
soft_vec() { sum '$1=="@vec" && $2=='"$1"; }
soft_ksoftirqd() { sum '$1=="@ns" && $3 ~ /^ksoftirqd/'; }
prepare() {
  bpftrace "$here/soft.bt" > $out/$1.bt 2>&1 &
  bt=$!
  until grep -q Attaching $out/$1.bt; do sleep 0.1; done
  tw0=$(date +%s%N)
}
measure() { sleep 8; tw1=$(date +%s%N); kill -INT $bt; wait $bt; }
extra() {
  ss=$(soft_of $s) gs=$(soft_of $g) is=$(soft_of 0) ks=$(soft_ksoftirqd)
  echo "server_soft $(ms $ss) own $(ms $((a1 - a0 - ss))) generator_soft $(ms $gs) own $(ms $((b1 - b0 - gs)))" \
       "idle_soft $(ms $is) ksoftirqd $(ms $ks) net_rx $(ms $(soft_vec 3))"
}
