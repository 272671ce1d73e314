#!/usr/bin/python3
"""sample.py OUT CMD...: runs CMD (holdconn bench or the floor, with --pin), and every 50 ms
records the pairs held in its netns (TCP inuse / 2, from the server child's
/proc/PID/net/sockstat), each process's CPU time (schedstat), and each CPU's
/proc/stat times; then prints, per tenth of N, the time it took and where the CPU went."""
import os, subprocess, sys, time

out, cmd = sys.argv[1], sys.argv[2:]
n = int(next(a for a in cmd if a.isdigit()))
p = subprocess.Popen(cmd, stdout=open(out + '.stdout', 'w'), stderr=subprocess.STDOUT)

def kids(pid):
    try:
        return [int(x) for x in open(f'/proc/{pid}/task/{pid}/children').read().split()]
    except OSError:
        return []

def cpus_allowed(pid):
    for l in open(f'/proc/{pid}/status'):
        if l.startswith('Cpus_allowed_list'):
            return l.split()[1]

def run_ns(pid):
    try:
        return int(open(f'/proc/{pid}/schedstat').read().split()[0])
    except OSError:
        return None

def cpustat():
    v = {}
    for l in open('/proc/stat'):
        if l.startswith('cpu') and l[3].isdigit():
            f = l.split()
            v[f[0]] = [int(x) for x in f[1:8]]  # user nice system idle iowait irq softirq
    return v

def inuse(pid):
    try:
        for l in open(f'/proc/{pid}/net/sockstat'):
            if l.startswith('TCP:'):
                return int(l.split()[2])
    except OSError:
        return None

samples = []
srv = cli = None
while p.poll() is None:
    if srv is None:
        ks = kids(p.pid)
        if len(ks) >= 2:
            try:
                m = {cpus_allowed(k): k for k in ks}
            except OSError:
                m = {}
            if len(m) == 2 and '0' in m:
                srv = m['0']
                cli = [k for k in ks if k != srv][0]
    if srv is not None:
        s = (time.monotonic(), inuse(srv), run_ns(srv), run_ns(cli), run_ns(p.pid), cpustat())
        if s[1] is None:
            break
        samples.append(s)
        if s[1] // 2 >= n:
            break
    time.sleep(0.05)
p.wait()
# per tenth: first sample at or past k*n/10 pairs
marks = [next((s for s in samples if s[1] // 2 >= k * n // 10), None) for k in range(0, 11)]
marks[0] = next((s for s in samples if s[1] // 2 >= n // 100), None)  # from 1% on
print(f'# {" ".join(cmd)}')
print('tenth  pairs/s  srv%  cli%  parent%  cpu0 usr/sys/sirq/idle %  cpu1 usr/sys/sirq/idle %')
for k in range(1, 11):
    a, b = marks[k - 1], marks[k]
    if not a or not b or b[0] <= a[0]:
        continue
    dt = b[0] - a[0]
    pct = lambda x, y: (y - x) / dt / 1e7 if x is not None and y is not None else 0
    line = f'{k:5d} {(b[1] - a[1]) / 2 / dt:8.0f} {pct(a[2], b[2]):5.0f} {pct(a[3], b[3]):5.0f} {pct(a[4], b[4]):7.1f}'
    for c in ('cpu0', 'cpu1'):
        d = [y - x for x, y in zip(a[5][c], b[5][c])]
        hz = os.sysconf('SC_CLK_TCK')
        f = [v / hz / dt * 100 for v in (d[0] + d[1], d[2], d[5] + d[6], d[3] + d[4])]
        line += '  ' + '/'.join(f'{v:3.0f}' for v in f)
    print(line)
