#!/usr/bin/python3
"""own.py - one run's perf samples (perf script output on stdin) split by process into those
taken under a softirq (a frame of handle_softirqs, __do_softirq or net_rx_action in the call
chain) and the rest, the process's own; prints each process's split and its own samples by
leaf symbol, most first. Usage: perf script -i RUN.data | own.py PIDS-FILE [TOP]"""
import collections, sys

SOFT = {"handle_softirqs", "__do_softirq", "net_rx_action", "do_softirq"}
pids = open(sys.argv[1]).read().split()
names = dict(zip(pids, ("server", "generator")))
top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
total = collections.Counter()
soft = collections.Counter()
own = {p: collections.Counter() for p in pids}


def flush(pid, frames):
    if pid not in names or not frames:
        return
    total[pid] += 1
    if any(f in SOFT for f in frames):
        soft[pid] += 1
    else:
        own[pid][frames[0]] += 1


pid, frames = None, []
for line in sys.stdin:
    if not line.strip():
        flush(pid, frames)
        pid, frames = None, []
    elif not line.startswith((" ", "\t")):
        # "comm PID[/TID] time: ... cpu-clock:..."; the pid may sit after a space-padded comm
        head = line.split()
        pid = next((w.split("/")[0] for w in head[1:] if w.split("/")[0].isdigit()), None)
        frames = []
    else:
        parts = line.split()
        if len(parts) >= 2:
            frames.append(parts[1].split("+")[0])
flush(pid, frames)
for p in pids:
    n = total[p] or 1
    print(f"== {names[p]} ({p}): {total[p]} samples, under softirq {soft[p]} ({100*soft[p]/n:.0f}%), own {total[p]-soft[p]}")
    for sym, c in own[p].most_common(top):
        print(f"  {c:6d} {sym}")
