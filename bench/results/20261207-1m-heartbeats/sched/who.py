#!/usr/bin/python3
"""who.py SCRIPT PID...: from `perf script` of sched_switch/sched_wakeup, per pid: time on CPU,
sleeps, preemptions (and by whom, for how long it then waited), wake-to-run delay."""
import re, sys, collections
pids = [int(p) for p in sys.argv[2:]]
sw = re.compile(r'\[(\d+)\]\s+([\d.]+): sched:sched_switch: prev_comm=(.*?) prev_pid=(\d+) prev_prio=\d+ prev_state=(\S+) ==> next_comm=(.*?) next_pid=(\d+)')
wk = re.compile(r'\[(\d+)\]\s+([\d.]+): sched:sched_wakeup: comm=(.*?) pid=(\d+)')
st = {p: dict(on=None, run=0.0, sleeps=0, pre=0, pre_wait=0.0, by=collections.Counter(), woke=None,
              wake_delay=0.0, wakes=0, out=None, state=None, waits=[]) for p in pids}
t0 = t1 = None
for line in open(sys.argv[1]):
    m = sw.search(line)
    if m:
        cpu, t, pc, pp, ps, nc, np = m.groups()
        t = float(t); pp = int(pp); np = int(np)
        t0 = t0 or t; t1 = t
        if pp in st:
            s = st[pp]
            if s['on'] is not None:
                s['run'] += t - s['on']
            s['on'] = None; s['out'] = t
            if ps.startswith('R'):
                s['pre'] += 1; s['by'][f'{nc}'] += 1; s['state'] = 'R'
            else:
                s['sleeps'] += 1; s['state'] = 'S'
        if np in st:
            s = st[np]
            s['on'] = t
            if s['state'] == 'R' and s['out'] is not None:
                s['pre_wait'] += t - s['out']; s['waits'].append(t - s['out'])
            elif s['woke'] is not None:
                s['wake_delay'] += t - s['woke']; s['wakes'] += 1; s['waits'].append(t - s['woke'])
            s['woke'] = None; s['state'] = None
        continue
    m = wk.search(line)
    if m:
        cpu, t, c, p = m.groups(); p = int(p)
        if p in st and st[p]['on'] is None and st[p]['woke'] is None:
            st[p]['woke'] = float(t)
span = (t1 - t0) if t0 else 0
print(f'span {span:.2f} s')
for p, s in st.items():
    w = sorted(s['waits'])
    q = lambda f: w[int(f * (len(w) - 1))] * 1e3 if w else 0
    print(f'pid {p}: on CPU {s["run"] / span * 100:.0f}%, sleeps {s["sleeps"] / span:.0f}/s, '
          f'preempted {s["pre"] / span:.0f}/s waiting {s["pre_wait"] / span * 100:.1f}% of the time, '
          f'wake-to-run {s["wake_delay"] / max(s["wakes"], 1) * 1e6:.0f} us avg; waits p50 {q(.5):.3f} p99 {q(.99):.3f} max {q(1):.3f} ms; '
          f'preempted by {dict(s["by"].most_common(4))}')
